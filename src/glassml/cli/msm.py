"""Commands of glassml.msm: ``glassml msm``."""

from __future__ import annotations

from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json


@app.command()
def msm(
    dataset: Path = typer.Argument(..., help="A glassml dataset of long trajectories (positions (T, R, N, d) on a uniform time grid)."),
    lag: float = typer.Option(..., "--lag", help="Lag time tau (time units, a whole number of frame intervals)."),
    states: int = typer.Option(2, "--states", help="Number of metastable states (at least 2)."),
    out: Path = typer.Option(None, "--out", help="Report folder (default DATASET/msm)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the training."),
    species: str = typer.Option(None, "--species", help="Learn the states of these species only, e.g. '0' or '0,1' (default all)."),
    epochs: int = typer.Option(20, "--epochs", help="Training epochs per seed."),
    seeds: int = typer.Option(3, "--seeds", help="Independent initialisations; the best validation VAMP-2 is kept."),
    cutoff: float = typer.Option(1.5, "--cutoff", help="Graph cutoff (neighbours closer than this)."),
    force: bool = typer.Option(False, "--force", help="Retrain and recompute what is up to date."),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
) -> None:
    """Markov state model from a graph VAMPnet: states, t2, implied timescales, CK test, Voronoi link (resumable)."""
    from glassml.errors import GlassmlError
    from glassml.msm import run_msm

    try:
        chosen = None if species is None else [int(s) for s in species.split(",") if s.strip()]
    except ValueError:
        raise GlassmlError(f"--species must be integers separated by commas, got {species!r}") from None
    report = run_msm(dataset, lag=lag, n_states=states, out=out, seed=seed, force=force, show_progress=not json_,
                     species=chosen, n_epochs=epochs, n_seeds=seeds, cutoff=cutoff)
    if json_:
        print_json(report)
        return
    def f(x, spec=".4g"):
        return "-" if x is None else format(x, spec)

    tau = report["tau_alpha"]
    ratio = report["t2_over_tau_alpha"]
    k = report["correlation_state"]
    console.print(f"{report['dataset']}: {report['n_states']} states at lag {report['lag_time']:g}; "
                  f"validation VAMP-2 {report['validation_score']:.4f}")
    console.print(f"t2 = {f(report['t2'])} (soft), {f(report['t2_hard'])} (ML MSM); tau_alpha = {f(tau)}; "
                  f"t2/tau_alpha = {f(ratio, '.3g')}")
    console.print(f"stationary populations {[None if x is None else round(x, 3) for x in report['stationary_distribution']]}; "
                  f"corr(p, Voronoi volume) = {f(report['voronoi_correlation'][k], '+.3f')}, "
                  f"corr(p, scaled excess) = {f(report['scaled_excess_voronoi_correlation'][k], '+.3f')}; "
                  f"correlation length {f(report['correlation_length'], '.3g')}")
    console.print(f"figures in {report['report']}")
