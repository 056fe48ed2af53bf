"""Active-matter commands: ``glassml active simulate|learn|report``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, print_json, stdout

active_app = typer.Typer(help="Active Brownian particles: simulate (LAMMPS), learn their forces (ActiveNet), report.",
                         no_args_is_help=True)
app.add_typer(active_app, name="active")


@active_app.command("simulate")
def simulate(
    out: Optional[Path] = typer.Option(None, "--out", help="Dataset directory to write (resumed if it exists with the same settings)."),
    preset: str = typer.Option("abp-tiny", "--preset", help="An abp-* preset (see --list)."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Number of trajectories (default: the preset's)."),
    n_particles: Optional[int] = typer.Option(None, "--n", help="Number of particles (default: the preset's)."),
    phi: Optional[float] = typer.Option(None, "--phi", help="Area fraction (default: the preset's)."),
    active_force: Optional[float] = typer.Option(None, "--active-force", help="F_a (default: the preset's)."),
    omega: Optional[float] = typer.Option(None, "--omega", help="Chiral angular velocity (default: the preset's)."),
    frames: Optional[int] = typer.Option(None, "--frames", help="Frames per trajectory (default: the preset's)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the initial states and the noise."),
    workers: int = typer.Option(1, "--workers", help="Local Dask workers (one trajectory each at a time)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler to use instead."),
    force: bool = typer.Option(False, "--force", help="Overwrite a dataset made with other settings."),
    list_: bool = typer.Option(False, "--list", help="List the presets and exit."),
    json_: bool = typer.Option(False, "--json", help="Print the dataset summary as JSON."),
) -> None:
    """Simulate active Brownian particles with LAMMPS's BROWNIAN package into a glassml dataset."""
    from glassml.active.campaign import PRESETS, simulate_dataset
    from glassml.active.campaign import preset as get_preset
    from glassml.errors import GlassmlError

    if list_:
        if json_:
            print_json({name: c.as_dict() for name, c in PRESETS.items()})
        else:
            for name, c in PRESETS.items():
                r = c.run
                stdout.print(f"{name}: {c.description}; {c.model.dynamics}, {r.n_frames} frames every {r.frame_interval:g}, "
                             f"{c.n_samples} samples")
        return
    if out is None:
        raise GlassmlError("give the dataset directory to write with --out")
    spec = get_preset(preset).with_changes(active_force=active_force, omega=omega, n_particles=n_particles,
                                           packing_fraction=phi, n_frames=frames, n_samples=samples)
    ds = simulate_dataset(out, spec, seed=seed, force=force, workers=workers, scheduler=scheduler, show_progress=not json_)
    summary = ds.summary()
    if json_:
        print_json(summary)
    else:
        stdout.print(f"{ds.path}: {summary['n_samples']} trajectories of {summary.get('n_particles')} particles, "
                     f"Pe = {ds.manifest['active']['peclet']:.3g}, phi = {ds.manifest['active']['packing_fraction']:.3g}")


def _tracks(source: Path, frame_interval: Optional[float], box: Optional[str]):
    from glassml.active.tracks import read_tracks, tracks_from_dataset
    from glassml.store import Dataset

    if Dataset.is_dataset(source):
        ds = Dataset.open(source)
        train = tracks_from_dataset(ds, "train") if ds.split["train"] else tracks_from_dataset(ds)
        val = tracks_from_dataset(ds, "val") if ds.split["val"] else None
        return train, val, ds
    lengths = None if box is None else [float(v) for v in box.split(",")]
    return [read_tracks(source, frame_interval=frame_interval, box=lengths)], None, None


@active_app.command("learn")
def learn(
    source: Path = typer.Argument(..., help="A dataset from 'glassml active simulate', or a tracks CSV (trackpy layout)."),
    out: Path = typer.Option(..., "--out", help="Folder for model.pt, report.json and the figures."),
    cutoff: float = typer.Option(2.5, "--cutoff", help="Edges join particles closer than this."),
    epochs: int = typer.Option(10, "--epochs", help="Training epochs after the least-squares warm start."),
    frame_interval: Optional[float] = typer.Option(None, "--frame-interval", help="Time between frames (CSV without a 'time' column)."),
    box: Optional[str] = typer.Option(None, "--box", help="Periodic box 'Lx,Ly' of CSV tracks (default: open edges)."),
    mobility: float = typer.Option(1.0, "--mobility", help="mu: forces are velocities divided by it."),
    seed: int = typer.Option(0, "--seed", help="Seed of the network's weights and batch order."),
    force: bool = typer.Option(False, "--force", help="Overwrite a model already in --out."),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Learn the active force, pair force, spin and diffusion coefficients from trajectories."""
    from glassml.active.inference import ForceInference
    from glassml.active.models import ABPModel
    from glassml.active.report import write_report

    from glassml.errors import GlassmlError

    if (out / "model.pt").exists() and not force:
        raise GlassmlError("already holds a learnt model; pass --force to replace it", out)
    train, val, ds = _tracks(source, frame_interval, box)
    est = ForceInference(cutoff=cutoff, epochs=epochs, mobility=mobility, seed=seed).fit(train, val, show_progress=not json_)
    out.mkdir(parents=True, exist_ok=True)
    est.save(out / "model.pt")
    model = None
    if ds is not None and ds.model.get("name") == "abp":
        model = ABPModel.from_record(ds.model)
    report = write_report(est, out, model)
    _print_report(report, json_)


@active_app.command("report")
def report(
    model_dir: Path = typer.Argument(..., help="A folder written by 'glassml active learn'."),
    dataset: Optional[Path] = typer.Option(None, "--dataset", help="The simulated dataset, to compare with the true model."),
    json_: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Re-draw the figures and numbers of a learnt model (against the true model of a simulated dataset)."""
    from glassml.active.inference import ForceInference
    from glassml.active.models import ABPModel
    from glassml.active.report import write_report
    from glassml.errors import GlassmlError
    from glassml.store import Dataset

    path = model_dir / "model.pt"
    if not path.exists():
        raise GlassmlError("has no model.pt; run 'glassml active learn' first", model_dir)
    est = ForceInference.load(path)
    model = None
    if dataset is not None:
        ds = Dataset.open(dataset)
        if ds.model.get("name") != "abp":
            raise GlassmlError("is not an active-particle dataset (model is not 'abp')", dataset)
        model = ABPModel.from_record(ds.model)
    _print_report(write_report(est, model_dir, model), json_)


def _print_report(report: dict, json_: bool) -> None:
    if json_:
        print_json(report)
        return
    from rich.table import Table

    table = Table(title="recovered coefficients")
    for col in ("coefficient", "value", "error", "true", "relative error"):
        table.add_column(col, justify="right")
    for name, rec in report["coefficients"].items():
        true = report.get("true", {}).get(name)
        rel = report.get("relative_error", {}).get(name)
        table.add_row(name, f"{rec['value']:.5g}", f"{rec['error']:.2g}", "-" if true is None else f"{true:.5g}",
                      "-" if rel is None else f"{100 * rel:.2f}%")
    stdout.print(table)
    line = f"pair force: best closed form {report['symbolic']['best']}"
    if "pair_force_relative_l2" in report:
        line += f" (true: {report['true']['pair']}); relative L2 to the true force {100 * report['pair_force_relative_l2']:.2f}%"
    stdout.print(line)
