"""The documentation builds, and says what the code does.

* the MkDocs site (docs/, mkdocs.yml) builds with ``--strict``, API reference included;
* README.md stays short, runs its own Python example, and its command table matches the CLI;
* every descriptor set, every package and every layer of the import contract is documented;
* neither README.md nor docs/ reads like a lab notebook (dates, sessions, to-do lists).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
README_LIMIT = 10_000  # bytes


def _readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README.md has no ```python example"
    return blocks[0]


# ------------------------------------------------------------------------ the site builds
def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def test_mkdocs_build_strict(tmp_path):
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python") if not _installed(m)]
    if missing:
        pytest.skip(f"mkdocs is not installed ({', '.join(missing)} missing): pip install -e '.[docs]'")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(site)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    for page in ("index.html", "benchmarks/index.html", "guide/cli/index.html", "reference/learn/index.html"):
        assert (site / page).is_file(), f"{page} was not built"
    # the command-line page is generated from the live CLI
    assert "glassml bench run" in (site / "guide" / "cli" / "index.html").read_text()


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in PAGES:
        rel = page.relative_to(DOCS).as_posix()
        if rel.startswith("_"):
            continue
        assert rel in nav, f"docs/{rel} is not in mkdocs.yml's nav"


def test_every_package_has_a_reference_page():
    src = ROOT / "src" / "glassml"
    packages = sorted(p.name for p in src.iterdir() if (p / "__init__.py").is_file() and not p.name.startswith("_"))
    assert packages
    for name in packages:
        page = DOCS / "reference" / f"{name}.md"
        assert page.is_file(), f"glassml.{name} has no API reference page (docs/reference/{name}.md)"
        assert f"::: glassml.{name}" in page.read_text()


# ------------------------------------------------------------------------ README
def test_readme_is_short():
    size = README.stat().st_size
    assert size <= README_LIMIT, f"README.md is {size} bytes; keep it under {README_LIMIT} and move the rest to docs/"


def test_readme_example_is_short():
    lines = [ln for ln in _readme_python().splitlines() if ln.strip()]
    assert len(lines) <= 15, f"README's Python example has {len(lines)} lines"


def test_readme_example_runs(shared_data, tmp_path):
    """The README example, run where ``glassbench-ka2d/`` is (the shared data folder)."""
    if not (shared_data / "glassbench-ka2d").is_dir():
        pytest.skip("the GlassBench KA2D files are not present")
    script = tmp_path / "readme_example.py"
    script.write_text(_readme_python())
    proc = subprocess.run([sys.executable, str(script)], cwd=shared_data, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, f"README example failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    numbers = [float(x) for x in re.findall(r"-?\d+\.\d+", proc.stdout)]
    assert numbers and all(-1.0 <= x <= 1.0 for x in numbers), f"expected Pearson correlations, got {proc.stdout!r}"


def test_readme_links_exist():
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text()):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"


def _cli_commands() -> dict[str, set[str]]:
    """{"glassml bench run": {"--out", "--preset", ...}} for every command of the live CLI."""
    sys.path.insert(0, str(DOCS / "_hooks"))
    try:
        from cli_reference import cli_commands
    finally:
        sys.path.pop(0)
    return {" ".join(words): {o for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")}
            for words, cmd in cli_commands()}


def test_readme_command_table_matches_the_cli():
    pytest.importorskip("typer")
    cli = _cli_commands()
    rows = re.findall(r"^\| `(glassml [^`]*)` \|", README.read_text(), re.M)
    table: dict[str, set[str]] = {}
    for row in rows:
        words = []
        for w in row.split():
            if not re.fullmatch(r"[a-z][a-z-]*", w):
                break
            words.append(w)
        table[" ".join(words)] = set(re.findall(r"--[a-z][a-z-]*", row))
    assert set(table) == set(cli), (f"README's command table and `glassml --help` differ: missing "
                                    f"{sorted(set(cli) - set(table))}, unknown {sorted(set(table) - set(cli))}")
    for command, options in table.items():
        unknown = options - cli[command]
        assert not unknown, f"README lists {sorted(unknown)} for `{command}`, which has no such option"


# ------------------------------------------------------------------------ docs match the code
def test_every_descriptor_set_is_documented():
    from glassml.structure import list_sets

    guide = (DOCS / "guide" / "structure.md").read_text()
    readme = README.read_text()
    for name in list_sets():
        assert re.search(rf"^\| `{name}` \|", guide, re.M), f"descriptor set {name!r} missing from the sets table of docs/guide/structure.md"
        assert f"`{name}`" in readme, f"descriptor set {name!r} missing from README's describe row"


def test_the_import_layers_are_documented():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config.get("tool", {}).get("importlinter", {}).get("contracts", [])
    layers = [c for c in contracts if c.get("type") == "layers"]
    if not layers:
        pytest.skip("pyproject.toml declares no import-linter layers contract")
    design = (DOCS / "design.md").read_text()
    for layer in layers[0]["layers"]:
        for name in (n.strip() for n in layer.split("|")):
            if name.startswith("_"):
                continue
            assert f"`glassml.{name}`" in design, f"layer package glassml.{name} missing from the layer table of docs/design.md"


# ------------------------------------------------------------------------ no lab notebook
NOTEBOOK = [
    (r"\b20\d\d-\d\d-\d\d\b", "a dated entry"),
    (r"\bsession\b", "a session"),
    (r"\bengineers?\b", "engineers"),
    (r"\bissue[s]? ?#?\d+", "an issue number"),
    (r"\bTODO\b|\bto-do\b|\bWhat is left\b|\bNot done yet\b", "a to-do list"),
    (r"\bmeasured today\b|\bthis session\b", "dated wording"),
]


@pytest.mark.parametrize("path", [README, *PAGES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_lab_notebook(path: Path):
    text = path.read_text()
    for pattern, what in NOTEBOOK:
        m = re.search(pattern, text, re.I)
        assert m is None, f"{path.relative_to(ROOT)} contains {what}: {text[max(0, m.start() - 60):m.end() + 60]!r}"
