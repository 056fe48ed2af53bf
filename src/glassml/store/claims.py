"""Claims on work shared by processes that write one dataset directory.

A claim is an advisory ``flock`` lock on a small file beside the data.  The operating system
drops it when its holder exits, however it exits (``kill -9`` included), so a crashed holder
never leaves work claimed forever, and no time-outs or process ids are needed.  Locks are
per open file, so two claims on one name conflict even inside one process.  POSIX only
(``fcntl``); where ``fcntl`` is missing, every claim is granted (one process at a time is then
the user's business) and :data:`SHARED_CLAIMS` is ``False``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Whether claims are enforced between processes on this platform.
SHARED_CLAIMS = fcntl is not None


class Claim:
    """An exclusive or shared lock on ``path``: a file (created if missing, never removed) or
    a directory (locked as it is).

    ``acquire(block=False)`` returns whether the lock was taken; ``release`` gives it back.
    Use as a context manager for a blocking exclusive hold.
    """

    def __init__(self, path: str | os.PathLike, *, shared: bool = False):
        self.path = Path(path)
        self.shared = shared
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, block: bool = True) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_dir():
            fd = os.open(self.path, os.O_RDONLY)
        else:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            flags = (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | (0 if block else fcntl.LOCK_NB)
            try:
                fcntl.flock(fd, flags)
            except BlockingIOError:
                os.close(fd)
                return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> "Claim":
        self.acquire(block=True)
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self):  # pragma: no cover - best effort
        self.release()


@contextmanager
def exclusive(path: str | os.PathLike) -> Iterator[Claim]:
    """Hold an exclusive claim on ``path`` for the ``with`` block (waits for other holders)."""
    claim = Claim(path)
    claim.acquire(block=True)
    try:
        yield claim
    finally:
        claim.release()
