"""Structure commands: ``glassml describe``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from glassml.cli.app import app, console, json_value, listed_help, names, print_json
from glassml.errors import GlassmlError


def _sets() -> list[str]:
    from glassml.structure import list_sets

    return list_sets()


def _parse_params(items: list[str]) -> dict:
    params = {}
    for item in items:
        if "=" not in item:
            raise GlassmlError(f"--param takes KEY=VALUE (VALUE in JSON, e.g. lengths=[0,1,2]), got {item!r}")
        key, value = item.split("=", 1)
        params[key.strip()] = json_value(value)
    return params


@app.command(cls=listed_help(set_name=names("Descriptor set", _sets)))
def describe(
    dataset: Path = typer.Argument(..., help="A glassml dataset directory."),
    set_name: str = typer.Option(..., "--set", help="Descriptor set (listed in --help)."),
    positions: Optional[str] = typer.Option(None, "--positions", help="thermal, inherent or cage (default: the set's own; jung uses inherent)."),
    param: List[str] = typer.Option([], "--param", help="Descriptor parameter KEY=VALUE (JSON value); repeatable."),
    force: bool = typer.Option(False, "--force", help="Recompute samples whose stored features are current."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
) -> None:
    """Compute a descriptor set for every sample and store it as desc_<set> (resumable)."""
    from glassml.structure import describe as run

    summary = run(dataset, set_name, positions=positions, show_progress=not json_, force=force, **_parse_params(param))
    if json_:
        print_json(summary)
    else:
        console.print(
            f"{set_name}: {summary['n_features']} features on {summary['positions']} positions; "
            f"{len(summary['computed'])} samples computed, {len(summary['skipped'])} up to date"
        )
