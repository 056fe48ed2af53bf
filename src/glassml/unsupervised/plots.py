"""Figures of an unsupervised analysis, as PNG files: the latent space coloured by propensity,
BIC against the number of Gaussian components, and the order parameter's correlation with
propensity against time.

Each function writes one file atomically (a temporary name, then a rename) and returns its
path.  Figures are drawn on :class:`matplotlib.figure.Figure` with the Agg canvas, so the
caller's pyplot state is untouched.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

_SIZE = (4.5, 3.5)
_DPI = 110
SPECIES_NAMES = "ABCDEFGH"


def _save(fig, path: str | os.PathLike) -> Path:
    from glassml.store.npzio import atomic_target

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    with atomic_target(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=_DPI, format="png")
    return path


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE)
    return fig, fig.add_subplot()


def plot_latent(latent: np.ndarray, colour: np.ndarray | None, path: str | os.PathLike, *, bins: int = 40,
                label: str = "propensity") -> Path:
    """Histogram of the latent space: 2-D bins of the first two coordinates coloured by the mean
    of ``colour`` (the propensity) in each bin; a 1-D latent gives a histogram per colour tercile."""
    fig, ax = _figure()
    z = np.asarray(latent, dtype=np.float64)
    z = z[:, None] if z.ndim == 1 else z
    ok = np.all(np.isfinite(z[:, :2]), axis=1)
    z = z[ok]
    c = None if colour is None else np.asarray(colour, dtype=np.float64)[ok]
    if z.shape[1] >= 2:
        if c is None:
            h = ax.hist2d(z[:, 0], z[:, 1], bins=bins, cmin=1)
            fig.colorbar(h[3], ax=ax, label="particles")
        else:
            from scipy.stats import binned_statistic_2d

            stat = binned_statistic_2d(z[:, 0], z[:, 1], c, statistic="mean", bins=bins)
            mesh = ax.pcolormesh(stat.x_edge, stat.y_edge, stat.statistic.T, cmap="viridis")
            fig.colorbar(mesh, ax=ax, label=f"mean {label}")
        ax.set_xlabel("latent 1")
        ax.set_ylabel("latent 2")
    else:
        if c is None:
            ax.hist(z[:, 0], bins=bins)
        else:
            edges = np.quantile(c, [0, 1 / 3, 2 / 3, 1])
            for k, name in enumerate(("low", "middle", "high")):
                m = (c >= edges[k]) & (c <= edges[k + 1])
                ax.hist(z[m, 0], bins=bins, histtype="step", label=f"{name} {label}")
            ax.legend(fontsize=7)
        ax.set_xlabel("latent 1")
        ax.set_ylabel("particles")
    return _save(fig, path)


def plot_bic(bic: Mapping[int, Mapping[int, float]], path: str | os.PathLike) -> Path:
    """BIC against the number of Gaussian components K, one curve per species."""
    fig, ax = _figure()
    for s, curve in sorted(bic.items()):
        ks = sorted(int(k) for k in curve)
        name = "all" if int(s) < 0 else SPECIES_NAMES[int(s)] if int(s) < len(SPECIES_NAMES) else str(s)
        ax.plot(ks, [curve[k] for k in ks], "o-", label=name)
    ax.set_xlabel("number of Gaussian components K")
    ax.set_ylabel("BIC")
    ax.legend(fontsize=7, title="species")
    return _save(fig, path)


def plot_correlations(times: Sequence[float] | None, correlations: Mapping[int, Mapping[str, Sequence[float]]],
                      path: str | os.PathLike) -> Path:
    """Pearson (solid) and Spearman (dashed) correlation of the order parameter with propensity
    against time, one colour per species."""
    fig, ax = _figure()
    for s, corr in sorted(correlations.items()):
        n = len(corr["pearson"])
        t = np.arange(n) if times is None or len(times) != n else np.asarray(times, dtype=float)
        name = SPECIES_NAMES[int(s)] if 0 <= int(s) < len(SPECIES_NAMES) else str(s)
        line, = ax.plot(t, corr["pearson"], "o-", label=f"{name} Pearson")
        ax.plot(t, corr["spearman"], "s--", color=line.get_color(), label=f"{name} Spearman")
    if times is not None and len(times) and min(times) > 0:
        ax.set_xscale("log")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("time" if times is not None else "time index")
    ax.set_ylabel("correlation with propensity")
    ax.legend(fontsize=7)
    return _save(fig, path)
