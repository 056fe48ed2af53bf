"""The one error type a user can cause.

Every error a user can trigger (a bad file, a wrong shape, NaN, an unknown model) is a
:class:`GlassmlError` whose message names the file (when there is one) and the problem.
The command line prints that message on one line and exits with status 2.
"""

from __future__ import annotations

import os


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
