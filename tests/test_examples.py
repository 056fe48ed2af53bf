"""Every script in examples/ runs, exits 0 and prints what it promises.

Scripts are found by listing the folder, so a new example is tested without touching this
file.  Each example declares two module-level constants, read here without importing it:

* ``NEEDS``: the folder of real data it reads under the shared data folder (``None`` if it
  makes its own synthetic data); it gets the shared data folder as its argument, or the test
  skips when that data is absent.  An example without real data gets a temporary folder.
* ``EXPECT``: a regular expression its standard output must match.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def declared(path: Path) -> dict[str, object]:
    """The module-level constants ``NEEDS`` and ``EXPECT`` of an example (literal values)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("NEEDS", "EXPECT"):
                found[name] = ast.literal_eval(node.value)
    return found


def test_there_are_examples():
    assert len(EXAMPLES) >= 3, f"expected at least three scripts in {ROOT / 'examples'}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path: Path, tmp_path: Path, request):
    consts = declared(path)
    assert "NEEDS" in consts and "EXPECT" in consts, f"{path.name} must declare NEEDS and EXPECT (see this test's docstring)"
    needs, expect = consts["NEEDS"], consts["EXPECT"]
    if needs is None:
        folder = tmp_path / "data"
        folder.mkdir()
    else:
        folder = request.getfixturevalue("shared_data")
        if not (folder / str(needs)).is_dir():
            pytest.skip(f"{folder / str(needs)} is not present")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(path), str(folder)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    report = f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{path.name} exited with {proc.returncode}\n{report}"
    assert re.search(str(expect), proc.stdout, re.MULTILINE), f"{path.name}: no line matches {expect!r}\n{report}"
