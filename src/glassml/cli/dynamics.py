"""Dynamics commands: ``glassml targets`` and ``glassml dynamics``."""

from __future__ import annotations

from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json
from glassml.store import Dataset


@app.command()
def targets(
    path: Path = typer.Argument(..., help="A glassml dataset directory with replica trajectories."),
    force: bool = typer.Option(False, "--force", help="Recompute samples whose targets are up to date."),
    json_: bool = typer.Option(False, "--json", help="Print the manifest's target records as JSON."),
    shell: float = typer.Option(1.485, help="Initial neighbours: r_ij(0) < shell * sigma_ij."),
    broken: float = typer.Option(1.7, help="A bond is broken when r_ij(t) > broken * sigma_ij."),
    overlap_a: float = typer.Option(0.3, "--overlap-a", help="Overlap length a of the overlap mobility."),
    edge_cutoff: float = typer.Option(1.35, "--edge-cutoff", help="BOTAN edges: AA pairs closer than this."),
) -> None:
    """Compute per-particle targets (md_prop, cr_prop, bb_prop, ov_prop, edge_prop) and the replica ceiling."""
    from glassml.dynamics import TargetParameters, compute_targets
    from glassml.dynamics.targets import CEILING_TARGETS

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
