"""Progress for long library calls, in the ground layer so every layer can show it.

Library functions take ``show_progress: bool`` and use :class:`ProgressBar` (a rich bar with
elapsed time and ETA on stderr, so ``--json`` output on stdout stays clean) and :func:`say`
for one-line stage messages.  With ``show=False`` both do nothing.  The command line only
decides whether to show them; it holds no progress code of its own.
"""

from __future__ import annotations

from typing import Any

_CONSOLE: Any = None


def console():
    """The one rich console on stderr that glassml's messages and bars share."""
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console

        _CONSOLE = Console(stderr=True)
    return _CONSOLE


def say(show: bool, text: str) -> None:
    """Print ``text`` (rich markup allowed) on stderr when ``show``."""
    if show:
        console().print(text, highlight=False)


def escape(text: str) -> str:
    """``text`` with rich markup characters escaped, for user-supplied strings inside :func:`say`."""
    from rich.markup import escape as _escape

    return _escape(text)


class ProgressBar:
    """A progress bar with a label, a total and an ETA; a no-op when ``show`` is false.

    Use as a context manager::

        with ProgressBar(show_progress, total=len(names), label="describe boattini") as bar:
            for name in names:
                ...
                bar.advance()
    """

    def __init__(self, show: bool, total: int, label: str, done: int = 0):
        self._progress = None
        self._task = None
        if not show:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console())
        self._progress.start()
        self._task = self._progress.add_task(label, total=total, completed=done)

    def advance(self, steps: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, steps)

    def update(self, **kwargs: Any) -> None:
        """Forward ``description=``, ``completed=`` or ``total=`` to the bar."""
        if self._progress is not None:
            self._progress.update(self._task, **kwargs)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
