"""``glassml simulate``: run a simulation campaign into a dataset directory."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, listed_help, names
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
    from glassml.simulate import get_preset, list_presets, load_config, run_campaign

    if list_:
        for name in list_presets():
            p = get_preset(name)
            console.print(f"{name:24s} {p.description}", highlight=False, soft_wrap=True)
        return
    if out is None:
        raise GlassmlError("--out DIR is required: the dataset directory to write")
    p = load_config(config, base=preset) if config is not None else get_preset(preset)
    ds = run_campaign(p, out, seed=seed, workers=workers, scheduler=scheduler, force=force, show_progress=not quiet)
    run = ds.last_run
    console.print(
        f"{ds.path}: {len(ds)} samples ({run['simulated']} simulated now) of {p.name}; "
        f"{run['atom_steps_per_second'] / 1e6:.2f} M atom-steps/s overall",
        highlight=False,
    )
