"""The layer contract of pyproject.toml ([tool.importlinter]) holds, and it would catch a breach.

``lint-imports`` (import-linter) checks that no module of glassml imports from a layer above
its own, that siblings marked independent (``learn | data``, ``dynamics | structure``, ...)
do not import each other, and that every module directly under glassml is placed in a layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path, src: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on ``root``'s pyproject.toml with the package found first under ``src``."""
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return subprocess.run([*command, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_tree_keeps_the_layer_contract():
    result = lint_imports(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture
def copy_of_tree(tmp_path):
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    "module, source, breach",
    [
        # a ground-layer module reaching for the command line
        ("geometry/_planted.py", "import glassml.cli\n", "glassml.geometry is not allowed to import glassml.cli"),
        # library code importing the CLI inside a function (a lazy import is still an import)
        ("simulate/_planted.py", "def f():\n    from glassml.cli.app import console\n", "glassml.simulate is not allowed to import glassml.cli"),
        # two independent siblings
        ("dynamics/_planted.py", "import glassml.structure\n", "glassml.dynamics is not allowed to import glassml.structure"),
    ],
)
def test_a_planted_violation_breaks_the_contract(copy_of_tree, module, source, breach):
    (copy_of_tree / "src" / "glassml" / module).write_text(source)
    result = lint_imports(copy_of_tree, copy_of_tree / "src")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert breach in " ".join(result.stdout.split()), result.stdout


def test_a_new_subpackage_must_be_placed_in_a_layer(copy_of_tree):
    (copy_of_tree / "src" / "glassml" / "unplaced.py").write_text('"""Not in any layer."""\n')
    result = lint_imports(copy_of_tree, copy_of_tree / "src")
    assert result.returncode != 0
    assert "glassml.unplaced" in result.stdout, result.stdout
