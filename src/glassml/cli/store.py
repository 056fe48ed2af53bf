"""Store commands: ``glassml info``, ``glassml verify``, ``glassml convert``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from glassml.cli.app import app, console, print_json
from glassml.errors import GlassmlError
from glassml.store import Dataset


def dataset_summary(ds: Dataset, *, verify: bool = True) -> dict:
    """The facts ``glassml info`` shows about a dataset."""
    m = ds.manifest
    summary = {
        "path": str(ds.path),
        "model": m.get("model", {}).get("name"),
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
        summary["species_counts"] = {int(k): int(v) for k, v in zip(*np.unique(types, return_counts=True))}
        summary["box"] = [float(b) for b in np.atleast_1d(first["box"])]
    if verify:
        summary["verified"] = ds.verify().as_dict()
    return summary


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
        raise typer.Exit(1)
