"""Figures of the Markov state model: implied timescales, CK test, state map, Voronoi link.

Drawn on :class:`matplotlib.figure.Figure` with the Agg canvas (the caller's pyplot state is
left alone); each function writes one PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_DPI = 110


def _figure(size=(4.5, 3.5), n: int = 1):
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    axes = [fig.add_subplot(1, n, k + 1) for k in range(n)]
    return fig, axes if n > 1 else axes[0]


def _save(fig, path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    return Path(path)


def plot_implied_timescales(analysis: dict, path, tau_alpha: float | None = None) -> Path:
    """Implied timescales against lag time (soft and hard models), with the lag line."""
    fig, ax = _figure()
    lags = np.asarray(analysis["its_lag_times"])
    soft, hard = np.asarray(analysis["its_soft"], float), np.asarray(analysis["its_hard"], float)
    for i in range(soft.shape[1]):
        ax.plot(lags, soft[:, i], "o-", label=f"t{i + 2} soft (VAMPnet)")
        ax.plot(lags, hard[:, i], "s--", label=f"t{i + 2} hard (ML MSM)")
    values = np.concatenate([soft[np.isfinite(soft) & (soft > 0)], hard[np.isfinite(hard) & (hard > 0)], lags])
    floor = 0.5 * values.min()
    ax.fill_between(lags, lags, floor, color="0.85", label="t < lag")
    if tau_alpha:
        ax.axhline(tau_alpha, color="k", ls=":", label=r"$\tau_\alpha$")
    ax.axvline(analysis["lag_time"], color="0.5", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    ax.set_xlabel("lag time")
    ax.set_ylabel("implied timescale")
    ax.legend(fontsize=7)
    return _save(fig, path)


def plot_ck_test(analysis: dict, path) -> Path:
    """Chapman–Kolmogorov test: P(i -> i) predicted by T(lag)^k against estimated at k lag."""
    pred = np.asarray(analysis["ck_predicted"], float)
    est = np.asarray(analysis["ck_estimated"], float)
    lags = np.asarray(analysis["ck_lag_times"], float)
    n = pred.shape[1] if pred.ndim == 3 else 0
    fig, axes = _figure((3.0 * max(n, 1), 3.0), max(n, 1))
    axes = np.atleast_1d(axes)
    for i in range(n):
        axes[i].plot(lags, pred[:, i, i], "-", label="predicted")
        axes[i].plot(lags, est[:, i, i], "o", label="estimated")
        axes[i].set_title(f"state {i} -> {i}", fontsize=9)
        axes[i].set_xlabel("lag time")
        axes[i].set_ylim(0, 1.05)
    axes[0].legend(fontsize=7)
    return _save(fig, path)


def plot_state_map(positions: np.ndarray, box: np.ndarray, probability: np.ndarray, path) -> Path:
    """One frame's particles coloured by a state probability (3D: a slab of width 1.5 around z = L/2)."""
    x = np.asarray(positions, float) % np.asarray(box, float)
    p = np.asarray(probability, float)
    if x.shape[1] == 3:
        keep = np.abs(x[:, 2] - box[2] / 2) < 0.75
        x, p = x[keep], p[keep]
    fig, ax = _figure((4.5, 4.0))
    sc = ax.scatter(x[:, 0], x[:, 1], c=p, s=30, cmap="coolwarm")
    fig.colorbar(sc, ax=ax, label="state probability")
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return _save(fig, path)


def plot_voronoi_link(probability: np.ndarray, excess: np.ndarray, path, n_bins: int = 20) -> Path:
    """Mean state probability against the scaled excess Voronoi volume (binned)."""
    p, v = np.ravel(probability), np.ravel(excess)
    edges = np.quantile(v, np.linspace(0, 1, n_bins + 1))
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, n_bins - 1)
    centre = np.array([v[idx == b].mean() for b in range(n_bins)])
    mean = np.array([p[idx == b].mean() for b in range(n_bins)])
    fig, ax = _figure()
    ax.plot(centre, mean, "o-")
    ax.set_xlabel("scaled excess Voronoi volume")
    ax.set_ylabel("mean state probability")
    return _save(fig, path)


def plot_spatial_correlation(r: np.ndarray, c: np.ndarray, xi: float, path) -> Path:
    """C(r) of the state map with the fitted exponential."""
    fig, ax = _figure()
    ax.plot(r, c, "o-", ms=3, label="C(r)")
    if np.isfinite(xi) and xi > 0:
        ok = (r >= 0.8) & (c > 0)
        a = np.exp(np.average(np.log(c[ok]) + r[ok] / xi, weights=c[ok])) if ok.any() else 1.0
        rr = r[r >= 0.8]
        ax.plot(rr, a * np.exp(-rr / xi), "--", label=f"exp(-r/{xi:.2f})")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("r")
    ax.set_ylabel("C(r)")
    ax.legend(fontsize=7)
    return _save(fig, path)
