"""The Typer application every command module attaches to.

Conventions every command keeps: ``--seed`` for anything stochastic, ``--workers`` for
anything parallel, ``--json`` for machine-readable output on stdout, a rich progress bar on
anything longer than a few seconds.  A :class:`glassml.GlassmlError` is printed on one line
and exits with status 2; ``--verbose`` shows the traceback instead.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console

from glassml.jsonutil import dumps

app = typer.Typer(
    name="glassml",
    help="Machine learning glassy dynamics: simulate, measure, describe, learn, benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

console = Console(stderr=True)
STATE: dict[str, Any] = {"verbose": False}


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of errors.")) -> None:
    """glassml command line."""
    STATE["verbose"] = verbose


def print_json(payload: Any) -> None:
    """Write a JSON document to stdout (the ``--json`` convention)."""
    sys.stdout.write(dumps(payload))


def progress(**kwargs: Any):
    """A rich progress bar with ETA, written to stderr (so ``--json`` output stays clean)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        **kwargs,
    )
