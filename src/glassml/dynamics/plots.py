"""Figures of the collective observables: MSD, Fs(k, t), chi4(t) and S4(q, t) as PNG files.

Each function takes the JSON-ready result of
:func:`glassml.dynamics.compute.dataset_observables` (or
:meth:`glassml.dynamics.observables.Observables.as_dict` with ``times`` and ``q``) and a
folder, writes its figure there and returns the path.  Figures are drawn on
:class:`matplotlib.figure.Figure` objects with the Agg canvas, so nothing changes the
backend or the pyplot state of the caller (a notebook keeps its own).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

#: File names written by :func:`plot_observables`.
FIGURES = ("msd.png", "fs.png", "chi4.png", "s4.png")
_SIZE = (4.5, 3.5)
_DPI = 110


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE)
    return fig, fig.add_subplot()


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
    return path


def plot_curves(times: Sequence[float], curves: Sequence[tuple[str, Sequence[float]]], ylabel: str, path: str | Path,
                *, scale: str = "semilogx", legend_size: float = 7) -> Path:
    """One figure of several curves y(t), written to ``path``.

    Args:
        times: (T,) the time axis.
        curves: (label, (T,) values) pairs.
        ylabel: the y-axis label.
        path: the PNG file to write.
        scale: ``"semilogx"``, ``"loglog"`` or ``"plot"`` (the axes' method).
    """
    fig, ax = _figure()
    t = np.asarray(times, float)
    for label, y in curves:
        getattr(ax, scale)(t, np.asarray(y, float), "o-", label=label, ms=3)
    ax.set_xlabel("t")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    return _save(fig, Path(path))


def plot_s4(q: Sequence[float], s4: np.ndarray, times: Sequence[float], path: str | Path) -> Path:
    """S4(q, t) against q, one curve per time; ``s4`` is (T, n_q)."""
    fig, ax = _figure()
    s4 = np.asarray(s4, float)
    for i, t in enumerate(times):
        ax.plot(q, s4[i], "o-", ms=3, label=f"t = {t:.3g}")
    ax.set_xlabel("q")
    ax.set_ylabel("S4(q, t)")
    ax.legend(fontsize=6)
    return _save(fig, Path(path))


def plot_observables(result: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """MSD (log-log), Fs(k, t), chi4(t) (iso and total) and S4(q, t) of one dataset.

    Args:
        result: the dict of :func:`~glassml.dynamics.compute.dataset_observables`.
        folder: where the PNG files go (created if needed).

    Returns:
        The paths written, in the order of :data:`FIGURES`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    t = result["times"]
    per_species = lambda key: [(f"species {s}", v) for s, v in result[key].items()]  # noqa: E731
    return [
        plot_curves(t, [("all", result["msd"]), *per_species("msd_species")], "MSD", folder / "msd.png", scale="loglog"),
        plot_curves(t, [("all selected", result["fs"]), *per_species("fs_species")], f"Fs(k={result['k']:.2f}, t)",
                    folder / "fs.png"),
        plot_curves(t, [("isoconfigurational", result["chi4_iso"]), ("total", result["chi4_total"])], "chi4(t)",
                    folder / "chi4.png"),
        plot_s4(result["q"], result["s4_total"], t, folder / "s4.png"),
    ]
