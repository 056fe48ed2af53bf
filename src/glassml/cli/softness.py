"""Softness commands: ``glassml softness run`` (end to end), ``glassml softness phop`` and ``glassml softness fit``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, print_json, stdout

softness_app = typer.Typer(help="Rearrangements (p_hop), the softness field, the softness model of relaxation (Arrhenius fits of P_R(S, T)) and its dynamical model.",
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


@softness_app.command("run")
def run_command(
    datasets: list[Path] = typer.Argument(..., help="Datasets with stored trajectories (trajectory_every/trajectory_time), two or more temperatures."),
    out: Path = typer.Option(..., "--out", help="Folder for the cache (resumable) and report/ (softness.json, softness.npz, figures)."),
    window: float = typer.Option(2.0, "--window", help="t_R in the trajectory's time units (an even number of frames)."),
    threshold: float = typer.Option(0.2, "--threshold", help="p_c (squared length): rearranging while p_hop > p_c."),
    species: int = typer.Option(0, "--species", help="Species analysed (KA: 0, the A particles)."),
    frames_per_sample: int = typer.Option(60, "--frames-per-sample", help="Analysed frames per sample, evenly spaced (0: every frame)."),
    n_per_class: int = typer.Option(400, "--per-class", help="At most this many rearranging and as many quiet training examples per temperature."),
    n_bins: int = typer.Option(16, "--bins", help="Softness bins of P_R between the 0.5 % and 99.5 % quantiles of S."),
    min_count: int = typer.Option(100, "--min-count", help="A bin enters the fits at a temperature only with this many particles there."),
    seed: int = typer.Option(0, "--seed", help="Seed of the example sampling and split, the SVM and the model's Monte Carlo."),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Train the softness field, S of every particle and analysed frame, P_R(S, T), the fits, the trap model, the report."""
    from glassml.softness import SoftnessAnalysis

    analysis = SoftnessAnalysis(window=window, threshold=threshold, species=species,
                                frames_per_sample=frames_per_sample or None, n_per_class=n_per_class, n_bins=n_bins,
                                min_count=min_count, seed=seed,
                                show_progress=not json_).run(datasets, out)
    summary = analysis.summary()
    if json_:
        print_json(summary)
        return
    from rich.table import Table

    f = summary["field"]
    stdout.print(f"softness field: {f['descriptors']} structure functions, C = {f['C']:g}, held-out accuracy "
                  f"{f['test_accuracy']:.3f} (chance {f['chance_level']:.3f}, {f['examples']['test']} examples)")
    table = Table(title="per temperature")
    for col in ("T", "τα (MD)", "soft fraction", "<S>", "trap model τα (T left out)", "model / MD"):
        table.add_column(col, justify="right")
    model = {r["temperature"]: r for r in summary["model"]}
    fmt = lambda v: "-" if v is None else f"{v:.3g}"  # noqa: E731
    for t in summary["temperatures"]:
        key = f"{t:g}"
        m = model.get(t, {})
        table.add_row(key, fmt(summary["tau_alpha_md"][key]), fmt(summary["soft_fraction"][key]),
                      fmt(summary["mean_softness"][key]), fmt(m.get("tau_alpha_model")), fmt(m.get("ratio")))
    stdout.print(table)
    a = summary["arrhenius"]
    stdout.print(f"e0 = {a['e0']:.4g} ± {a['e0_err']:.2g}   e1 = {a['e1']:.4g} ± {a['e1_err']:.2g}   "
                  f"Σ0 = {a['sigma0']:.4g} ± {a['sigma0_err']:.2g}   Σ1 = {a['sigma1']:.4g} ± {a['sigma1_err']:.2g}")
    stdout.print(f"T_x = e1/Σ1 = {fmt(a['crossing_temperature'])}   onset = {fmt(summary['onset_temperature'])}"
                  f"{' (extrapolated)' if summary['onset_extrapolated'] else ''}")
    if summary["model_note"]:
        stdout.print(summary["model_note"])
    stdout.print(f"report: {out / 'report'}")
