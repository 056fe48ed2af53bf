"""``glassml simulate``: run a simulation campaign into a dataset directory; ``glassml states``:
inherent and cage states of any dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, listed_help, names, print_json
from glassml.errors import GlassmlError


def _presets() -> list[str]:
    from glassml.simulate import list_presets

    return list_presets()


@app.command(cls=listed_help(preset=names("Preset name", _presets)))
def simulate(
    preset: str = typer.Option("quick", "--preset", "-p", help="Preset name (see --list)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Dataset directory to write (resumed if it holds this campaign)."),
    seed: int = typer.Option(0, "--seed", help="Campaign seed: same seed, same bytes."),
    workers: int = typer.Option(1, "--workers", "-w", help="Local Dask workers, one single-threaded LAMMPS instance each (extra 'distributed')."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of an existing Dask scheduler to join (extra 'distributed')."),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML/JSON file overriding preset settings."),
    force: bool = typer.Option(False, "--force", help="Overwrite a dataset from another campaign."),
    list_: bool = typer.Option(False, "--list", help="List presets and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Simulate equilibrated configurations and their isoconfigurational replicas (LAMMPS; extra 'simulate')."""
    from glassml.simulate import Ladder, get_preset, list_presets, load_config, run_campaign, run_ladder

    if list_:
        for name in list_presets():
            p = get_preset(name)
            console.print(f"{name:24s} {p.description}", highlight=False, soft_wrap=True)
        return
    if out is None:
        raise GlassmlError("--out DIR is required: the dataset directory to write")
    p = get_preset(preset)
    if isinstance(p, Ladder):
        if config is not None:
            raise GlassmlError(f"--config changes one preset; {p.name} is a ladder of {len(p.rungs)}: "
                               "give one of its rungs (ladder-...-T<temperature>) instead", config)
        for ds in run_ladder(p, out, seed=seed, workers=workers, scheduler=scheduler, force=force, show_progress=not quiet):
            bad = ds.summary(verify=False).get("not_equilibrated") or []
            console.print(f"{ds.path}: {len(ds)} samples ({ds.last_run['simulated']} simulated now)"
                          + (f"; {len(bad)} failed the equilibration check" if bad else ""), highlight=False)
        return
    if config is not None:
        p = load_config(config, base=preset)
    ds = run_campaign(p, out, seed=seed, workers=workers, scheduler=scheduler, force=force, show_progress=not quiet)
    run = ds.last_run
    console.print(
        f"{ds.path}: {len(ds)} samples ({run['simulated']} simulated now) of {p.name}; "
        f"{run['atom_steps_per_second'] / 1e6:.2f} M atom-steps/s overall",
        highlight=False,
    )


@app.command()
def states(
    dataset: Path = typer.Argument(..., help="A glassml dataset directory."),
    inherent: bool = typer.Option(True, "--inherent/--no-inherent", help="Compute initial_positions_inherent (FIRE)."),
    cage: bool = typer.Option(True, "--cage/--no-cage", help="Compute initial_positions_cage (Alkemade et al. 2023)."),
    force_tolerance: float = typer.Option(1e-6, "--force-tolerance", help="Accept an inherent state when max |F_i| is below this."),
    max_iterations: int = typer.Option(100_000, "--max-iterations", help="FIRE iteration limit per sample."),
    cage_sweeps: int = typer.Option(1000, "--cage-sweeps", help="Monte Carlo sweeps averaged for a cage state."),
    temperature: Optional[float] = typer.Option(None, "--temperature", help="Cage-sampler temperature (default: the dataset's)."),
    model: Optional[str] = typer.Option(None, "--model", help="glassml model to use instead of the dataset's (e.g. ka3d-sf for GlassBench/BOTAN KA)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the cage samplers (each sample's derives from it and its name)."),
    workers: int = typer.Option(1, "--workers", "-w", help="Samples computed at once (threads, one LAMMPS instance each)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples whose states are up to date."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
) -> None:
    """Compute the inherent and cage states of every sample of a dataset (resumable)."""
    from glassml.simulate import compute_states

    summary = compute_states(dataset, inherent=inherent, cage=cage, force_tolerance=force_tolerance,
                             max_iterations=max_iterations, cage_sweeps=cage_sweeps, temperature=temperature,
                             model=model, seed=seed, workers=workers, force=force, show_progress=not json_)
    if json_:
        print_json(summary)
        return
    parts = []
    for kind in ("inherent", "cage"):
        if kind in summary:
            parts.append(f"{kind}: {len(summary[kind]['computed'])} computed, {len(summary[kind]['up_to_date'])} up to date")
    if summary.get("mean_energy_per_particle") is not None:
        parts.append(f"mean inherent-state energy {summary['mean_energy_per_particle']:.6f} per particle")
    console.print(f"{summary['path']} ({summary['model']}, {summary['truncation']}): " + "; ".join(parts), highlight=False)
