"""MkDocs hook: show Sphinx cross-reference roles in docstrings as code.

glassml's docstrings cite other objects the Sphinx way (``:class:`~glassml.geometry.Box```,
``:func:`compute_targets```).  Markdown has no such roles, so without this hook the API
reference would print them literally.  A Markdown preprocessor, registered before mkdocstrings
reads the Markdown configuration, turns each role into inline code (``~`` keeps only the last
name, as in Sphinx).
"""

from __future__ import annotations

import re

from markdown import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const|term|ref):`(~?)([^`<]+?)(?:\s*<([^`>]+)>)?`")


def _code(match: re.Match) -> str:
    tilde, text, target = match.groups()
    name = (target or text).strip()
    if target is None and tilde:
        name = name.rsplit(".", 1)[-1]
    elif target is not None:
        name = text.strip()
    return f"`{name}`"


class _Roles(Preprocessor):
    def run(self, lines):
        return [ROLE.sub(_code, line) if ":`" in line else line for line in lines]


class RstRoles(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_Roles(md), "glassml_rst_roles", 40)


@event_priority(100)  # before mkdocstrings copies the Markdown extensions
def on_config(config):
    if not any(isinstance(e, RstRoles) for e in config.markdown_extensions):
        config.markdown_extensions.append(RstRoles())
    return config
