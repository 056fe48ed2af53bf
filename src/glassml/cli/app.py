"""The Typer application every command module attaches to.

Conventions every command keeps: ``--seed`` for anything stochastic, ``--workers`` for
anything parallel, ``--json`` for machine-readable output on stdout, a rich progress bar on
anything longer than a few seconds (the library draws it: commands pass ``show_progress``).
A :class:`glassml.GlassmlError` is printed on one line and exits with status 2; ``--verbose``
shows the traceback instead.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import typer
from rich.console import Console
from typer.core import TyperCommand

from glassml.jsonutil import dumps
from glassml.progress import console as _console

app = typer.Typer(
    name="glassml",
    help="Machine learning glassy dynamics: simulate, measure, describe, learn, benchmark.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The one rich console on stderr, shared with the library's progress bars and messages.
console = _console()
#: Tables and summaries that are the command's output go to stdout.
stdout = Console(highlight=False, soft_wrap=True)
STATE: dict[str, Any] = {"verbose": False}


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of errors.")) -> None:
    """glassml command line."""
    STATE["verbose"] = verbose


def print_json(payload: Any) -> None:
    """Write a JSON document to stdout (the ``--json`` convention)."""
    sys.stdout.write(dumps(payload))


def json_value(text: str) -> Any:
    """A ``--param`` value: JSON when it parses (``3``, ``[0,1]``, ``true``), else the plain string."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def listed_help(**helps: Callable[[], str]) -> type[TyperCommand]:
    """A command class whose option help is built only when help is shown.

    ``listed_help(models=lambda: ...)`` fills the help of the parameter ``models`` from a
    registry at ``--help`` time, so the list is never written by hand and building it (which
    may import heavy optional parts) never slows down or breaks a normal run.
    """

    class _Command(TyperCommand):
        def format_help(self, ctx, formatter):
            for param in self.params:
                if param.name in helps:
                    param.help = helps[param.name]()
            return super().format_help(ctx, formatter)

    return _Command


def names(text: str, listing: Callable[[], Any]) -> Callable[[], str]:
    """Help text ``text`` followed by the names ``listing()`` returns, for :func:`listed_help`.

    When listing needs an optional part that is not installed, the help says which extra to
    install instead of failing.
    """
    from glassml.errors import missing_extra

    def build() -> str:
        try:
            found = ", ".join(sorted(listing()))
        except ImportError as exc:
            error = missing_extra(exc)
            if error is None:
                raise
            return f"{text}: {error}"
        return f"{text}: {found}."

    return build
