"""Softness commands: ``glassml softness phop`` and ``glassml softness fit``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, print_json, stdout

softness_app = typer.Typer(help="Rearrangements (p_hop) and the softness model of relaxation (Arrhenius fits of P_R(S, T)).",
                           no_args_is_help=True)
app.add_typer(softness_app, name="softness")


def _at(path: Path, exc) -> Exception:
    from glassml.errors import GlassmlError

    return GlassmlError(exc.problem, path) if exc.path is None else exc


@softness_app.command("phop")
def phop_command(
    trajectory: Path = typer.Argument(..., help="An .npz with 'positions' (T, N, d), unwrapped, equally spaced frames."),
    window: int = typer.Option(..., "--window", help="t_R in frames (even): A = frames t-t_R/2..t, B = t..t+t_R/2."),
    threshold: float = typer.Option(..., "--threshold", help="p_c: a particle rearranges while p_hop > p_c (squared length)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write p_hop and the events to this .npz (atomically)."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """p_hop of every particle and frame, and rearrangement events (consecutive frames above p_c count once)."""
    import numpy as np

    from glassml.dynamics.rearrangements import events_from_phop, phop, phop_frames
    from glassml.errors import GlassmlError
    from glassml.store.npzio import load_arrays, write_npz

    x = load_arrays(trajectory, ["positions"])["positions"]
    try:
        p = phop(x, window)
    except GlassmlError as exc:
        raise _at(trajectory, exc) from None
    ev = events_from_phop(p, threshold, first_frame=window // 2, window=window, n_frames=x.shape[0])
    if out is not None:
        write_npz(out, {"phop": p, "frames": phop_frames(x.shape[0], window), "event_particle": ev.particle,
                        "event_start": ev.start, "event_stop": ev.stop, "event_peak": ev.peak,
                        "event_peak_phop": ev.peak_phop, "threshold": np.float64(threshold), "window": np.int64(window)})
    summary = {"trajectory": str(trajectory), "frames": int(x.shape[0]), "particles": int(x.shape[1]), "window": window,
               "threshold": threshold, "events": len(ev), "rearranging_particles": int(ev.rearranged().sum()),
               "phop_mean": float(p.mean()), "phop_max": float(p.max()), "out": None if out is None else str(out)}
    if json_:
        print_json(summary)
        return
    stdout.print(f"{trajectory}: {summary['frames']} frames x {summary['particles']} particles, window {window} frames")
    stdout.print(f"p_hop mean {summary['phop_mean']:.4g}, max {summary['phop_max']:.4g}; p_c = {threshold:g}: "
                  f"{len(ev)} events, {summary['rearranging_particles']} particles rearranging")


def _read_ladder(path: Path) -> dict:
    import json

    import numpy as np

    from glassml.errors import GlassmlError
    from glassml.store.npzio import load_arrays

    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise GlassmlError(f"not a readable JSON file ({exc})", path) from None
        if not isinstance(data, dict):
            raise GlassmlError("expected a JSON object with temperatures, softness, probability [, counts]", path)
    else:
        data = load_arrays(path)
    for key in ("temperatures", "softness", "probability"):
        if key not in data:
            raise GlassmlError(f"missing '{key}' (expected temperatures (K,), softness (B,), probability (K, B), optional counts (K, B))", path)
    try:
        out = {k: np.asarray(data[k], dtype=np.float64) for k in ("temperatures", "softness", "probability", "counts") if k in data}
    except (TypeError, ValueError) as exc:
        raise GlassmlError(f"non-numeric values ({exc})", path) from None
    return out


@softness_app.command("fit")
def fit_command(
    pr_file: Path = typer.Argument(..., help="P_R(S, T): .json or .npz with temperatures (K,), softness (B,), probability (K, B), optional counts (K, B)."),
    unweighted: bool = typer.Option(False, "--unweighted", help="Unweighted fits (errors from the residuals) even when counts are given."),
    json_: bool = typer.Option(False, "--json", help="Print the fit as JSON."),
) -> None:
    """Fit ln P_R = ΔΣ(S) - ΔE(S)/T per softness bin and globally; T_x = e1/Σ1; the onset temperature."""
    import math

    from glassml.errors import GlassmlError
    from glassml.softness import SoftnessArrhenius, onset_temperature

    d = _read_ladder(pr_file)
    counts = d.get("counts")
    try:
        fit = SoftnessArrhenius(weighted=not unweighted).fit(d["temperatures"], d["softness"], d["probability"], counts)
        onset = onset_temperature(d["temperatures"], d["softness"], d["probability"], None if unweighted else counts)
    except GlassmlError as exc:
        raise _at(pr_file, exc) from None
    summary = fit.summary()
    summary["onset_temperature"] = None if math.isnan(onset.temperature) else onset.temperature
    summary["onset_extrapolated"] = onset.extrapolated
    summary["slopes"] = [None if math.isnan(v) else float(v) for v in onset.slopes]
    if json_:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(title=f"{pr_file}: ln P_R = ΔΣ(S) - ΔE(S)/T per softness bin")
    for col in ("S", "ΔE", "±", "ΔΣ", "±"):
        table.add_column(col, justify="right")
    for s, e, de, g, dg in zip(fit.softness_, fit.barrier_, fit.barrier_err_, fit.entropy_, fit.entropy_err_):
        table.add_row(*(f"{v:.4g}" for v in (s, e, de, g, dg)))
    stdout.print(table)
    stdout.print(f"e0 = {fit.e0_:.4g} ± {fit.e0_err_:.2g}   e1 = {fit.e1_:.4g} ± {fit.e1_err_:.2g}   "
                  f"Σ0 = {fit.sigma0_:.4g} ± {fit.sigma0_err_:.2g}   Σ1 = {fit.sigma1_:.4g} ± {fit.sigma1_err_:.2g}")
    stdout.print(f"T_x = e1/Σ1 = {fit.crossing_temperature_:.4g} ± {fit.crossing_temperature_err_:.2g}   "
                  f"onset (d ln P_R/dS = 0) = {onset.temperature:.4g}{' (extrapolated)' if onset.extrapolated else ''}")
