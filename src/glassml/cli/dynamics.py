"""Dynamics commands: ``glassml targets`` and ``glassml dynamics``."""

from __future__ import annotations

from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json, stdout


@app.command()
def targets(
    path: Path = typer.Argument(..., help="A glassml dataset directory with replica trajectories."),
    force: bool = typer.Option(False, "--force", help="Recompute samples whose targets are up to date."),
    json_: bool = typer.Option(False, "--json", help="Print the manifest's target records as JSON."),
    shell: float = typer.Option(1.485, help="Initial neighbors: r_ij(0) < shell * sigma_ij."),
    broken: float = typer.Option(1.7, help="A bond is broken when r_ij(t) > broken * sigma_ij."),
    overlap_a: float = typer.Option(0.3, "--overlap-a", help="Overlap length a of the overlap mobility."),
    edge_cutoff: float = typer.Option(1.35, "--edge-cutoff", help="BOTAN edges: AA pairs closer than this."),
) -> None:
    """Compute per-particle targets (md_prop, cr_prop, bb_prop, ov_prop, edge_prop) and the replica ceiling."""
    from glassml.dynamics import TargetParameters, compute_targets
    from glassml.dynamics.targets import CEILING_TARGETS
    from glassml.store import Dataset

    ds = Dataset.open(path)
    params = TargetParameters(shell=shell, broken=broken, overlap_a=overlap_a, edge_cutoff=edge_cutoff)
    record = compute_targets(ds, show_progress=not json_, force=force, params=params)
    if json_:
        print_json(record)
        return
    from rich.table import Table

    table = Table(title=f"replica ceiling (split-half), {record['md_prop']['n_samples']} samples, R = {record['md_prop']['n_replicas']}")
    table.add_column("t", justify="right")
    names = [n for n in CEILING_TARGETS if n in record]
    for name in names:
        table.add_column(name, justify="right")
    for k, t in enumerate(record["md_prop"]["times"]):
        row = [f"{t:.4g}"]
        for name in names:
            c = record[name]["ceiling"][k]
            row.append("-" if c is None else f"{c:.3f}")
        table.add_row(*row)
    console.print(table)


@app.command()
def dynamics(
    paths: list[Path] = typer.Argument(..., help="One or more glassml datasets (one per temperature for the fits)."),
    json_: bool = typer.Option(False, "--json", help="Print all results as JSON on stdout."),
    out: Path = typer.Option(None, "--out", help="Folder for PNG plots and observables.json (default DATASET/dynamics)."),
    k: float = typer.Option(None, "--k", help="Wave number of Fs (default: first peak of S(k))."),
    a: float = typer.Option(0.3, "--a", help="Overlap length of Q, chi4, S4, G4."),
    species: int = typer.Option(None, "--species", help="Only this species in MSD, Fs, Q, chi4, S4 (default all)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Do not write PNG plots."),
) -> None:
    """MSD, Fs, Q, alpha2, chi4, S4, xi4, tau_alpha and D; tau_alpha(T) fits across datasets."""
    from glassml.dynamics import observables_report

    summary = observables_report(paths, out=out, plots=not no_plots, k=k, a=a, species=species)
    if json_:
        print_json(summary)
        return
    for res in summary["datasets"]:
        _print_table(res)
    if "temperature_fits" in summary:
        _print_fits(summary["temperature_fits"])


def _print_fits(fits: dict) -> None:
    """One line per law of tau_alpha(T) (parameters ± standard errors, or why it was not fitted)."""
    for law, rec in {**fits["fits"], **{f"{k} (1/D)": v for k, v in fits.get("fits_D", {}).items()}}.items():
        if "error" in rec and not isinstance(rec["error"], dict):
            stdout.print(f"{law}: not fitted: {rec['error']}")
            continue
        par = ", ".join(f"{k} {rec[k]:.4g} ± {rec['errors'].get(k, float('nan')):.2g}" for k in rec
                        if k not in ("law", "rms_ln_tau", "errors", "fragility"))
        frag = rec.get("fragility") or {}
        m = f"; fragility m {frag['m']:.3g} at Tg {frag['Tg']:.3g}" if frag.get("m") else ""
        stdout.print(f"{law}: {par}; rms of ln tau {rec['rms_ln_tau']:.3g}{m}")
    on = fits.get("onset")
    if on:
        stdout.print(f"onset (parabolic To): {on['To']:.4g} ± {on['error']:.2g}" if on["resolved"]
                     else "onset: not resolved by these temperatures (the parabolic law's To runs away)")
    se = fits["stokes_einstein"]
    if se["xi"] is not None:
        stdout.print(f"Stokes-Einstein: D ∝ tau_alpha^-xi with xi {se['xi']:.3g}")
    if fits.get("k_differs"):
        console.print(f"warning: the first peak of S(k) differs between the datasets (k = {', '.join(f'{k:.3f}' for k in fits['k'])}): "
                      "tau_alpha(T) mixes wave numbers; give one with --k (7.25 for KA's A particles)")
    if fits.get("not_equilibrated_T"):
        console.print(f"warning: datasets at T = {', '.join(f'{t:g}' for t in fits['not_equilibrated_T'])} have samples "
                      "that failed the equilibration test (glassml info lists them); their tau_alpha is in the fits")


def _print_table(res: dict) -> None:
    from rich.table import Table

    title = f"{res['dataset']}  T = {res['temperature']}  k = {res['k']:.3f}  ({res['n_samples']} samples x {res['n_replicas']} replicas)"
    table = Table(title=title)
    for col in ("t", "MSD", "Fs(k,t)", "Q(t)", "alpha2", "chi4 iso", "chi4 total", "xi4"):
        table.add_column(col, justify="right")
    for i, t in enumerate(res["times"]):
        row = [t, res["msd"][i], res["fs"][i], res["overlap"][i], res["alpha2"][i], res["chi4_iso"][i], res["chi4_total"][i], res["xi4"][i]]
        table.add_row(*[("-" if v is None or v != v else f"{v:.4g}") for v in row])
    stdout.print(table)
    taus = ", ".join(f"species {s}: {('-' if v is None else f'{v:.4g}')}" for s, v in res["tau_alpha"].items())
    D = res["diffusion_constant"]
    if len(res["times"]) < 4:
        console.print(f"note: only {len(res['times'])} time points: tau_alpha and D are rough interpolations")
    if res.get("not_equilibrated"):
        console.print(f"warning: {len(res['not_equilibrated'])} samples failed the equilibration test: "
                      f"{', '.join(res['not_equilibrated'])}")
    stdout.print(f"tau_alpha (Fs = 1/e): {taus};  D = {('-' if D is None else f'{D:.4g}')}" + (f";  plots in {res['plots']}" if "plots" in res else ""))
