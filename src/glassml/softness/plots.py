"""Figures of the softness report: P_R(S) at each T, Arrhenius lines, ΔE and ΔΣ against S, model against MD.

Each figure is a :class:`matplotlib.figure.Figure` on the Agg canvas written to a PNG, so
nothing changes matplotlib's global state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassml.dynamics.plots import new_figure as _figure
from glassml.dynamics.plots import save_figure as _save


def plot_probability(temperatures, softness, probability, error, path: Path) -> Path:
    """ln P_R against S, one curve per temperature."""
    fig, ax = _figure()
    for t, p, e in zip(temperatures, probability, error):
        ok = np.isfinite(p) & (p > 0)
        ax.errorbar(np.asarray(softness)[ok], p[ok], yerr=e[ok], marker="o", ms=3, lw=1, label=f"T = {t:g}")
    ax.set_yscale("log")
    ax.set_xlabel("softness S")
    ax.set_ylabel("P_R(S)")
    ax.legend(fontsize=7)
    return _save(fig, path)


def plot_arrhenius(fit, temperatures, probability, path: Path) -> Path:
    """ln P_R against 1/T for each softness bin with the fitted lines."""
    fig, ax = _figure()
    inv = 1.0 / np.asarray(temperatures)
    grid = np.linspace(inv.min(), inv.max(), 20)
    for b, s in enumerate(fit.softness_):
        if not np.isfinite(fit.barrier_[b]):
            continue
        p = probability[:, b]
        ok = np.isfinite(p) & (p > 0)
        line = ax.plot(inv[ok], np.log(p[ok]), "o", ms=3)[0]
        ax.plot(grid, fit.entropy_[b] - fit.barrier_[b] * grid, "-", lw=0.8, color=line.get_color())
    ax.set_xlabel("1 / T")
    ax.set_ylabel("ln P_R (one line per softness bin)")
    return _save(fig, path)


def plot_barriers(fit, path: Path) -> Path:
    """ΔE(S) and ΔΣ(S) of the per-bin fits with the surface's straight lines."""
    fig, ax = _figure()
    s = fit.softness_
    ok = np.isfinite(fit.barrier_)
    ax.errorbar(s[ok], fit.barrier_[ok], yerr=fit.barrier_err_[ok], fmt="o", ms=3, label="ΔE(S)")
    ax.errorbar(s[ok], fit.entropy_[ok], yerr=fit.entropy_err_[ok], fmt="s", ms=3, label="ΔΣ(S)")
    ax.plot(s, fit.e0_ - fit.e1_ * s, "-", lw=0.8, color="C0")
    ax.plot(s, fit.sigma0_ - fit.sigma1_ * s, "-", lw=0.8, color="C1")
    ax.set_xlabel("softness S")
    ax.set_ylabel("ΔE, ΔΣ")
    ax.legend(fontsize=7)
    return _save(fig, path)


def plot_model(rows, tau_md: dict, path: Path) -> Path:
    """τα of MD and of the model (each temperature left out of the fit) against 1/T."""
    fig, ax = _figure()
    t = np.array(sorted(tau_md))
    ax.semilogy(1 / t, [tau_md[v] for v in t], "o-", label="MD")
    pred = [(r["temperature"], r["tau_alpha_model"]) for r in rows if r.get("tau_alpha_model") is not None]
    if pred:
        tp, tau = np.array(pred).T
        ax.semilogy(1 / tp, tau, "s", label="trap model (T left out)")
    ax.set_xlabel("1 / T")
    ax.set_ylabel("τα")
    ax.legend(fontsize=7)
    return _save(fig, path)


def plot_report(analysis, folder: Path) -> list[Path]:
    """All figures of a fitted :class:`~glassml.softness.pipeline.SoftnessAnalysis`."""
    folder = Path(folder)
    p = analysis.probability_
    n = np.maximum(analysis.counts_, 1)
    err = np.sqrt(np.clip(p * (1 - p), 0, None) / n)
    shown = np.where(analysis.counts_ >= analysis.min_count, p, np.nan)
    paths = [plot_probability(analysis.temperatures_, analysis.centres_, shown, err, folder / "probability.png"),
             plot_arrhenius(analysis.arrhenius_, analysis.temperatures_, shown, folder / "arrhenius.png"),
             plot_barriers(analysis.arrhenius_, folder / "barriers.png")]
    if analysis.model_:
        paths.append(plot_model(analysis.model_, analysis.tau_alpha_, folder / "model.png"))
    return paths
