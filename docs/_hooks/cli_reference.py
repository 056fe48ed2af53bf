"""MkDocs hook: write the command-line reference from the live ``glassml`` CLI.

A page that contains the marker ``<!-- glassml-cli-reference -->`` gets, in its place, one
section per command (usage, help, arguments and options) read from the Typer app, so the
reference can never disagree with ``glassml COMMAND --help``.
"""

from __future__ import annotations

MARKER = "<!-- glassml-cli-reference -->"


def _leaves(group, ctx, prefix):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or getattr(cmd, "hidden", False):
            continue
        if hasattr(cmd, "list_commands"):
            yield from _leaves(cmd, ctx, prefix + [name])
        else:
            yield prefix + [name], cmd


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(param) -> str:
    if getattr(param, "is_flag", False) or param.required:
        return ""
    value = param.default
    if value is None or value == [] or value == ():
        return ""
    return f"`{value}`"


def _fill_help(cmd, ctx) -> None:
    """Let a command fill option help that it builds only when ``--help`` is shown (lists of
    sets, models, presets), by formatting its help into a discarded buffer."""
    import contextlib
    import io

    sub = cmd.context_class(cmd, info_name=cmd.name, parent=ctx)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            cmd.get_help(sub)
        except Exception:  # the reference shows the static help then
            pass


def cli_commands():
    """``[(["glassml", "bench", "run"], click command), ...]`` for every leaf command."""
    import typer

    from glassml.cli import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="glassml")
    leaves = list(_leaves(root, ctx, ["glassml"]))
    for _, cmd in leaves:
        _fill_help(cmd, ctx)
    return leaves


def render() -> str:
    out = []
    for words, cmd in cli_commands():
        args = [p for p in cmd.params if p.param_type_name == "argument"]
        opts = [p for p in cmd.params if p.param_type_name == "option"]
        usage = " ".join(words + ["[OPTIONS]"] + [p.name.upper() + ("..." if p.nargs == -1 else "") for p in args])
        out += [f"### `{' '.join(words)}`", "", (cmd.help or "").strip().split("\n\n")[0].replace("\n", " "), "",
                "```", usage, "```", ""]
        rows = [(f"`{p.name.upper()}`", "required" if p.required else "", _cell(getattr(p, "help", "") or "")) for p in args]
        rows += [(", ".join(f"`{o}`" for o in p.opts + p.secondary_opts), "required" if p.required else _default(p),
                  _cell(p.help or "")) for p in opts]
        rows.append(("`--help`", "", "Show the command's help and exit."))
        out += ["| argument or option | default | meaning |", "|---|---|---|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        out.append("")
    return "\n".join(out)


def on_page_markdown(markdown, page, config, files):
    if MARKER in markdown:
        return markdown.replace(MARKER, render())
    return markdown
