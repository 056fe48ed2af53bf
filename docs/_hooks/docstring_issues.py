"""MkDocs hook: known docstring problems in ``src/`` that are reported, not yet fixed.

Under ``mkdocs build --strict`` every griffe warning about a docstring it cannot parse aborts
the build.  The docstrings listed in :data:`KNOWN` have such problems; they have been reported
to the owners of the code.  Until they are fixed, griffe's warnings about *these files only*
are logged at INFO level with the prefix ``known docstring issue:`` (so they stay visible in
the build log and ``tests/test_docs.py`` lists them); any other warning still fails the build.
Remove an entry as soon as its docstring is fixed.
"""

from __future__ import annotations

import logging

#: file (relative to the repository) -> what is wrong there
KNOWN = {
    "src/glassml/dynamics/observables.py": (
        "class Observables: the 'Results after compute()' paragraph sits inside the NumPy "
        "'Parameters' section, so griffe reads it as parameters"
    ),
    "src/glassml/simulate/cage.py": (
        "function cage_state: the closing paragraph about pair lists sits inside the NumPy "
        "'Parameters' section, so griffe reads it as parameters"
    ),
}

PREFIX = "known docstring issue: "


class _Downgrade(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            message = record.getMessage()
            if any(path in message for path in KNOWN):
                record.msg, record.args = PREFIX + message, ()
                record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_FILTER = _Downgrade()


def on_startup(command, dirty):
    logger = logging.getLogger("mkdocs.plugins.griffe")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
