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


def new_figure():
    """A (figure, axes) pair on the Agg canvas, glassml's standard size; pyplot is not touched."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=_SIZE)
    return fig, fig.add_subplot()


def save_figure(fig, path: Path) -> Path:
    """Lay out and write ``fig`` as a PNG at glassml's standard resolution; returns ``path``."""
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
    fig, ax = new_figure()
    t = np.asarray(times, float)
    for label, y in curves:
        getattr(ax, scale)(t, np.asarray(y, float), "o-", label=label, ms=3)
    ax.set_xlabel("t")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=legend_size)
    return save_figure(fig, Path(path))


def plot_s4(q: Sequence[float], s4: np.ndarray, times: Sequence[float], path: str | Path) -> Path:
    """S4(q, t) against q, one curve per time; ``s4`` is (T, n_q)."""
    fig, ax = new_figure()
    s4 = np.asarray(s4, float)
    for i, t in enumerate(times):
        ax.plot(q, s4[i], "o-", ms=3, label=f"t = {t:.3g}")
    ax.set_xlabel("q")
    ax.set_ylabel("S4(q, t)")
    ax.legend(fontsize=6)
    return save_figure(fig, Path(path))


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


#: File names written by :func:`plot_temperature_fits`.
TEMPERATURE_FIGURES = ("tau_alpha_T.png", "diffusion_T.png", "chi4_peak_T.png")


def plot_temperature_fits(fits: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """The figure set of a temperature ladder, from
    :func:`glassml.dynamics.compute.temperature_fits_from_results`: tau_alpha against 1/T with
    the fitted laws (Arrhenius, VFT, parabolic, mode-coupling), D and the Stokes-Einstein product D tau_alpha
    against T, and the height and time of the chi4 peak against T."""
    from glassml.dynamics.relaxation import TauFit

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    T = np.asarray(fits["T"], float)
    tau = np.asarray(fits["tau_alpha_A"], float)
    tau_err = np.asarray(fits.get("tau_alpha_A_error", np.full(T.shape, np.nan)), float)
    fig, ax = new_figure()
    ax.errorbar(1 / T, tau, yerr=np.where(np.isfinite(tau_err), tau_err, 0), fmt="ko", ms=4, label="measured")
    grid = np.linspace(T.min() * 0.97, T.max() * 1.03, 200)
    for law, rec in fits["fits"].items():
        if "error" in rec and not isinstance(rec["error"], dict):
            continue
        params = {k: rec[k] for k in rec if k not in ("law", "rms_ln_tau", "errors", "fragility")}
        model = TauFit(law, params, rec["rms_ln_tau"])
        with np.errstate(all="ignore"):
            ax.plot(1 / grid, model.tau(grid), "-", label=law)
    ax.set_yscale("log")
    ax.set_xlabel("1 / T")
    ax.set_ylabel("tau_alpha")
    ax.legend(fontsize=7)
    paths = [save_figure(fig, folder / TEMPERATURE_FIGURES[0])]
    fig, ax = new_figure()
    D = np.asarray(fits["D_A"], float)
    D_err = np.asarray(fits.get("D_A_error", np.full(T.shape, np.nan)), float)
    ax.errorbar(T, D, yerr=np.where(np.isfinite(D_err), D_err, 0), fmt="o-", ms=4, label="D")
    ax.plot(T, D * tau, "s--", ms=4, label="D tau_alpha")
    ax.set_yscale("log")
    ax.set_xlabel("T")
    ax.legend(fontsize=7)
    paths.append(save_figure(fig, folder / TEMPERATURE_FIGURES[1]))
    fig, ax = new_figure()
    peak = fits["chi4_peak"]
    ax.plot(T, peak["height"], "o-", ms=4, label="chi4 peak height")
    ax.set_xlabel("T")
    ax.set_ylabel("max chi4")
    twin = ax.twinx()
    twin.semilogy(T, peak["time"], "s--", color="C1", ms=4, label="time of the peak")
    twin.set_ylabel("t*")
    ax.legend(fontsize=7, loc="upper right")
    paths.append(save_figure(fig, folder / TEMPERATURE_FIGURES[2]))
    return paths
