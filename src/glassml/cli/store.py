"""Store commands: ``glassml info``, ``glassml verify``, ``glassml convert``, ``glassml split``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, print_json, stdout
from glassml.store import Dataset, resplit


def _print_summary(summary: dict) -> None:
    if summary.get("not_equilibrated"):
        console.print(f"warning: {len(summary['not_equilibrated'])} sample(s) failed the equilibration check "
                      f"(energy drift or ageing Fs): {', '.join(summary['not_equilibrated'][:8])}", highlight=False)
    for key, value in summary.items():
        if isinstance(value, list) and len(value) > 12:
            value = f"[{', '.join(map(str, value[:3]))}, ..., {value[-1]}] ({len(value)} values)"
        stdout.print(f"[bold]{key:>14}[/bold]  {value}")


FORMAT_HELP = "Input format (default: detected): glassml, glassbench, glassbench-models, glassbench-trajectories, botan, bapst, lammps-dump, extxyz, gsd."


@app.command()
def info(
    path: list[str] = typer.Argument(..., help="A glassml dataset directory, foreign file(s), a directory or a glob of files."),
    json_: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
    fmt: Optional[str] = typer.Option(None, "--format", "--from", help=FORMAT_HELP),
    temperature: Optional[float] = typer.Option(None, help="Temperature, when the files do not say."),
    density: Optional[float] = typer.Option(None, help="Number density (box of BOTAN files and box-less npz)."),
    times: Optional[str] = typer.Option(None, help="Comma-separated times of the time codes."),
    dt: Optional[float] = typer.Option(None, help="Time step of dump/GSD frames (times = step x dt)."),
    frames: Optional[str] = typer.Option(None, help="Dump/xyz/GSD frames: 'trajectory' (one sample per file) or 'samples'."),
    dimension: Optional[int] = typer.Option(None, help="Force the dimension of dump/xyz/GSD files."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Allow reading pickles (runs code from the file)."),
    species_map: Optional[str] = typer.Option(None, "--species-map", help="Foreign label to species, e.g. '1=0,2=1,3=2' (default: sorted labels)."),
    no_verify: bool = typer.Option(False, "--no-verify", help="Skip checksum verification of a dataset."),
) -> None:
    """Summarise a dataset or foreign file: model, N, dimension, species, temperature, times, replicas, split, verified."""
    from glassml.store.formats import read_any, reader_options, records_summary, resolve_format

    if len(path) == 1 and Dataset.is_dataset(path[0]) and (fmt is None or resolve_format(fmt) == "glassml"):
        summary = Dataset.open(path[0]).summary(verify=not no_verify)
    else:
        opts = reader_options(temperature, density, times, dt, frames, dimension, allow_pickle, species_map)
        records, meta = read_any(path, fmt, **opts)
        summary = records_summary(records, meta)
    if json_:
        print_json(summary)
    else:
        _print_summary(summary)


@app.command()
def verify(path: Path = typer.Argument(..., help="A glassml dataset directory."), json_: bool = typer.Option(False, "--json")) -> None:
    """Check every sample's checksum; list missing, corrupt and half-written samples (exit 1 if any)."""
    ds = Dataset.open(path)
    report = ds.verify()
    if json_:
        print_json(report.as_dict())
    else:
        console.print(f"{len(report.ok)} samples ok" + ("" if report.complete else f"; problems: {report.as_dict()}"))
    if not report.complete:
        raise SystemExit(1)  # glassml.cli.main returns it as the exit status


@app.command()
def convert(
    src: list[str] = typer.Argument(..., help="Input file(s), directory or glob (quote it to let glassml expand it)."),
    dst: Path = typer.Argument(..., help="The new glassml dataset (or output of --to)."),
    fmt: Optional[str] = typer.Option(None, "--from", "--format", help=FORMAT_HELP),
    to: str = typer.Option("glassml", "--to", help="Output format: glassml, glassbench-models, glassbench-trajectories, botan, lammps-dump, extxyz, gsd."),
    temperature: Optional[float] = typer.Option(None, help="Temperature, when the files do not say."),
    density: Optional[float] = typer.Option(None, help="Number density (box of BOTAN files and box-less npz)."),
    times: Optional[str] = typer.Option(None, help="Comma-separated times of the time codes."),
    dt: Optional[float] = typer.Option(None, help="Time step of dump/GSD frames (times = step x dt)."),
    frames: Optional[str] = typer.Option(None, help="Dump/xyz/GSD frames: 'trajectory' (one sample per file) or 'samples'."),
    dimension: Optional[int] = typer.Option(None, help="Force the dimension of dump/xyz/GSD files."),
    replica: int = typer.Option(0, help="Replica written by dump/xyz/GSD writers."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Allow reading pickles (runs code from the file)."),
    species_map: Optional[str] = typer.Option(None, "--species-map", help="Foreign label to species, e.g. '1=0,2=1,3=2' (default: sorted labels)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing dataset at DST."),
    json_: bool = typer.Option(False, "--json", help="Print the new dataset's summary as JSON."),
) -> None:
    """Convert foreign files into a new glassml dataset (built aside, then renamed into place)."""
    from glassml.store.formats import convert as run, reader_options

    opts = reader_options(temperature, density, times, dt, frames, dimension, allow_pickle, species_map)
    result = run(src, dst, fmt, to=to, force=force, replica=replica, show_progress=True, **opts)
    if not isinstance(result, Dataset):
        if json_:
            print_json({"written": [str(p) for p in result]})
        else:
            console.print(f"wrote {len(result)} files under {dst}")
        return
    summary = result.summary()
    if json_:
        print_json(summary)
    else:
        console.print(f"wrote {summary['n_samples']} samples to {dst} (verified: {summary['verified']['complete']})")


@app.command()
def split(
    dataset: Path = typer.Argument(..., help="A glassml dataset directory."),
    val: str = typer.Option(..., "--val", help="Validation samples: a count N or a fraction of all samples in (0, 1), drawn from the samples outside the test split."),
    test: Optional[str] = typer.Option(None, "--test", help="Test samples (N or fraction), re-drawn from all samples; needs --force when the test split is not empty. Default: keep the test split."),
    seed: int = typer.Option(..., "--seed", help="Seed of the draws; the same seed gives the same split."),
    force: bool = typer.Option(False, "--force", help="Allow re-drawing a non-empty test split (its samples may move into training)."),
    json_: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
) -> None:
    """Set or change the train/validation/test split; only the manifest changes, the change is recorded in it."""
    change = resplit(Dataset.open(dataset), val=val, test=test, seed=seed, force=force)
    if json_:
        print_json(change.as_dict())
        return
    sizes, before = change.sizes, change.previous
    now = f"train {sizes['train']}, val {sizes['val']}, test {sizes['test']}"
    if change.changed:
        stdout.print(f"{dataset}: split {now} (was train {before['train']}, val {before['val']}, test {before['test']})", markup=False)
    else:
        stdout.print(f"{dataset}: split unchanged ({now})", markup=False)
