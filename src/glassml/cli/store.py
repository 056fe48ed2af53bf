"""Store commands: ``glassml info``, ``glassml verify``, ``glassml convert``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer

from glassml.cli.app import app, console, print_json, stdout
from glassml.errors import GlassmlError
from glassml.progress import ProgressBar
from glassml.store import Dataset


def _counts(types: np.ndarray) -> dict[int, int]:
    return {int(k): int(v) for k, v in zip(*np.unique(types, return_counts=True))}


def dataset_summary(ds: Dataset, *, verify: bool = True) -> dict:
    """The facts ``glassml info`` shows about a dataset (reads the manifest and one sample)."""
    m = ds.manifest
    summary = {
        "path": str(ds.path),
        "format": "glassml",
        "model": (m.get("model") or {}).get("name"),
        "dimension": m.get("dimension"),
        "temperature": m.get("temperature"),
        "times": m.get("times"),
        "n_replicas": m.get("n_replicas"),
        "n_samples": len(ds),
        "split": {k: len(v) for k, v in ds.split.items()},
        "targets": sorted(m.get("targets", {})),
        "descriptors": sorted(m.get("descriptors", {})),
        "species_map": m.get("species_map"),
    }
    names = ds.sample_names()
    if names:
        first = ds[names[0]]
        types = first["types"]
        summary["n_particles"] = int(types.shape[0])
        summary["species_counts"] = _counts(types)
        summary["box"] = [float(b) for b in np.atleast_1d(first["box"])]
    if verify:
        summary["verified"] = ds.verify().as_dict()
    return summary


def records_summary(records: list, meta: dict[str, Any]) -> dict:
    """The facts ``glassml info`` shows about foreign files (already read and validated)."""
    _, first = records[0]
    sizes = sorted({int(a["types"].shape[0]) for _, a in records})
    split = meta.get("split")
    return {
        "path": meta["sources"][0] if len(meta["sources"]) == 1 else f"{len(meta['sources'])} files",
        "format": meta["format"],
        "model": (meta.get("model") or {}).get("name"),
        "dimension": meta.get("dimension"),
        "temperature": meta.get("temperature"),
        "times": meta.get("times"),
        "n_replicas": meta.get("n_replicas"),
        "n_samples": len(records),
        "split": None if not split else {k: len(v) for k, v in split.items()},
        "species_map": meta.get("species_map"),
        "n_particles": sizes[0] if len(sizes) == 1 else sizes,
        "species_counts": _counts(first["types"]),
        "box": [float(b) for b in np.atleast_1d(first["box"])],
        "arrays": {k: list(np.shape(v)) for k, v in first.items()},
        "verified": True,
    }


def parse_species_map(text: str) -> dict[str, int]:
    """``"1=0,2=1,3=2"`` -> ``{"1": 0, "2": 1, "3": 2}`` (foreign label = glassml species)."""
    out: dict[str, int] = {}
    for item in text.split(","):
        label, _, species = item.partition("=")
        if not label.strip() or not species.strip().isdigit():
            raise GlassmlError(f"--species-map must look like '1=0,2=1,3=2', got {text!r}")
        out[label.strip()] = int(species)
    if sorted(out.values()) != list(range(len(out))):
        raise GlassmlError(f"--species-map must map onto 0..K-1 once each, got {text!r}")
    return out


def _reader_options(temperature, density, times, dt, frames, dimension, allow_pickle, species_map=None) -> dict[str, Any]:
    opts: dict[str, Any] = {"allow_pickle": allow_pickle}
    if species_map:
        opts["species_map"] = parse_species_map(species_map)
    if temperature is not None:
        opts["temperature"] = temperature
    if density is not None:
        opts["density"] = density
    if times:
        try:
            opts["times"] = [float(t) for t in times.split(",")]
        except ValueError:
            raise GlassmlError(f"--times must be comma-separated numbers, got {times!r}") from None
    if dt is not None:
        opts["dt"] = dt
    if frames is not None:
        opts["frames"] = frames
    if dimension is not None:
        opts["dimension"] = dimension
    return opts


def _print_summary(summary: dict) -> None:
    for key, value in summary.items():
        if isinstance(value, list) and len(value) > 12:
            value = f"[{', '.join(map(str, value[:3]))}, ..., {value[-1]}] ({len(value)} values)"
        stdout.print(f"[bold]{key:>14}[/bold]  {value}")


PROGRESS_MIN = 20  # samples; fewer are written in well under a second

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
    from glassml.store.formats import read_any, resolve_format

    if len(path) == 1 and Dataset.is_dataset(path[0]) and (fmt is None or resolve_format(fmt) == "glassml"):
        summary = dataset_summary(Dataset.open(path[0]), verify=not no_verify)
    else:
        opts = _reader_options(temperature, density, times, dt, frames, dimension, allow_pickle, species_map)
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
    from glassml.store.formats import read_any, write_any
    from glassml.store.formats.dataset_io import check_destination

    opts = _reader_options(temperature, density, times, dt, frames, dimension, allow_pickle, species_map)
    check_destination(dst, force)  # refuse before reading anything
    records, meta = read_any(src, fmt, **opts)
    if to != "glassml":
        paths = write_any(dst, records, meta, to, force=force, replica=replica)
        if json_:
            print_json({"written": [str(p) for p in paths]})
        else:
            console.print(f"wrote {len(paths)} files under {dst}")
        return
    with ProgressBar(len(records) > PROGRESS_MIN, total=len(records), label="writing samples") as bar:
        result = write_any(dst, records, meta, force=force, on_sample=lambda name: bar.advance())
    summary = dataset_summary(result)
    if json_:
        print_json(summary)
    else:
        console.print(f"wrote {summary['n_samples']} samples to {dst} (verified: {summary['verified']['complete']})")
