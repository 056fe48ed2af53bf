"""glassml's command line: a thin layer over the library (no logic of its own)."""

from __future__ import annotations

import sys

from glassml.cli.app import STATE, app, console
from glassml.errors import GlassmlError

# Command modules attach themselves to ``app`` on import.  Add new modules here.
from glassml.cli import store as _store  # noqa: F401,E402
from glassml.cli import bench as _bench  # noqa: F401,E402
from glassml.cli import dynamics as _dynamics  # noqa: F401,E402

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors print one line and exit with status 2."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args[:1]
    try:
        app(args=args, standalone_mode=False)
    except GlassmlError as exc:
        if verbose or STATE.get("verbose"):
            raise
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return (2)
    except KeyboardInterrupt:
        console.print("interrupted; run the same command again to resume", highlight=False)
        return (130)
    except SystemExit as exc:  # typer.Exit / click usage errors
        return (exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2))
    except Exception as exc:  # click's own usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.Abort):
            return (130)
        if isinstance(exc, click.ClickException):
            console.print(f"[red]error:[/red] {exc.format_message()}", highlight=False, soft_wrap=True)
            return (2)
        raise
    return (0)

