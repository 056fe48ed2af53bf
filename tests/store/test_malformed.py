"""A generated suite of malformed inputs: each, run through the real CLI, gives exit status 2 and
exactly one line on stderr naming the problem, never a traceback."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from glassml.data import tiny_dataset as make_dataset, tiny_sample as make_sample

from glassml.cli import main


# ---------------------------------------------------------------------------- builders
def _tc_arrays(n=6, r=3, seed=0):
    a = make_sample(n=n, n_replicas=r, n_times=1, seed=seed, props=False)
    return {"box": np.asarray(4.0), "types": a["types"] + 1, "initial_positions": a["initial_positions"],
            "initial_positions_inherent": a["initial_positions_inherent"], "positions": a["positions"][0]}


def tc_file(tmp: Path, name="N6T0.23_1_tc05.npz", **change) -> Path:
    arrays = _tc_arrays()
    for k, v in change.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    np.savez(tmp / name, **arrays)
    return tmp / name


def models_file(tmp: Path, name="N6T0.5_1.npz", **change) -> Path:
    a = make_sample(n=6)
    arrays = {"types": a["types"] + 1, "initial_positions": a["initial_positions"], "md_prop": a["md_prop"], "bb_prop": a["bb_prop"]}
    arrays.update({k: v for k, v in change.items() if v is not None})
    for k in [k for k, v in change.items() if v is None]:
        arrays.pop(k)
    np.savez(tmp / name, **arrays)
    return tmp / name


def dump_file(tmp: Path, rows=None, cols="id type xu yu zu", box="0 5\n0 5\n0 5", n=None, name="a.dump", frames=1) -> Path:
    rows = rows or ["1 1 0.5 0.5 0.5", "2 2 1.5 1.5 1.5", "3 1 2.5 2.5 2.5"]
    frame = f"ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n{n or len(rows)}\nITEM: BOX BOUNDS pp pp pp\n{box}\nITEM: ATOMS {cols}\n" + "\n".join(rows) + "\n"
    (tmp / name).write_text(frame * frames)
    return tmp / name


XYZ_OK = '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3\nA 0 0 0\nB 1 1 1\n'


def xyz_file(tmp: Path, text: str, name="a.xyz") -> Path:
    (tmp / name).write_text(text)
    return tmp / name


def pickle_file(tmp: Path, obj, name="sys.pickle") -> Path:
    (tmp / name).write_bytes(pickle.dumps(obj))
    return tmp / name


def _bapst(**change):
    a = make_sample(n=4, d=3, n_times=2, n_replicas=2, props=False)
    data = {"positions": a["initial_positions"], "types": a["types"] % 2, "box": np.full(3, 4.5), "time": np.arange(1.0, 5.0),
            "time_indices": np.array([1, 3]), "trajectory_target_positions": a["positions"], "metadata": {"temperature": 0.5}}
    data.update({k: v for k, v in change.items() if v is not None})
    for k in [k for k, v in change.items() if v is None]:
        data.pop(k)
    return data


def put(path: Path, data: bytes | str) -> Path:
    """Write raw bytes or text to ``path`` and return it."""
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def good_npz_bytes(tmp: Path) -> bytes:
    return tc_file(tmp, name="ok_tc05.npz").read_bytes()


def write_manifest(tmp: Path, text: str) -> Path:
    ds = make_dataset(tmp / "ds", n_samples=1)
    (ds.path / "glassml.json").write_text(text)
    return ds.path


Case = Callable[[Path], list]
N = 6
CASES: dict[str, Case] = {
    "empty npz": lambda t: ["info", str(put(t / "e_tc05.npz", b""))],
    "truncated npz": lambda t: ["info", str(put(t / "x_tc05.npz", good_npz_bytes(t)[:300]))],
    "npz of random bytes": lambda t: ["info", str(put(t / "r_tc05.npz", np.random.default_rng(0).bytes(500)))],
    "missing positions": lambda t: ["info", str(tc_file(t, positions=None))],
    "missing types": lambda t: ["info", str(tc_file(t, types=None))],
    "NaN in positions": lambda t: ["info", str(tc_file(t, positions=np.full((3, N, 2), np.nan)))],
    "inf in initial positions": lambda t: ["info", str(tc_file(t, initial_positions=np.full((N, 2), np.inf)))],
    "float species": lambda t: ["info", str(tc_file(t, types=np.ones(N)))],
    "negative species": lambda t: ["info", str(tc_file(t, types=-np.ones(N, dtype=int)))],
    "negative box": lambda t: ["info", str(tc_file(t, box=np.asarray(-4.0)))],
    "zero box": lambda t: ["info", str(tc_file(t, box=np.asarray(0.0)))],
    "box of wrong shape": lambda t: ["info", str(tc_file(t, box=np.ones(3)))],
    "positions with wrong N": lambda t: ["info", str(tc_file(t, positions=np.zeros((3, N + 1, 2))))],
    "positions not 3-D": lambda t: ["info", str(tc_file(t, positions=np.zeros((N, 2))))],
    "string positions": lambda t: ["info", str(tc_file(t, positions=np.full((3, N, 2), "a")))],
    "mismatched replica counts across time codes": lambda t: [
        "info", str(tc_file(t, "N6T0.23_2_tc05.npz")), str(tc_file(t, "N6T0.23_2_tc10.npz", positions=np.zeros((4, N, 2))))],
    "initial positions differ across time codes": lambda t: [
        "info", str(tc_file(t, "N6T0.23_3_tc05.npz")), str(tc_file(t, "N6T0.23_3_tc10.npz", initial_positions=np.zeros((N, 2))))],
    "time code not in the table": lambda t: ["info", str(tc_file(t, "N6T0.23_4_tc07.npz"))],
    "NaN stored time": lambda t: ["info", str(tc_file(t, time=np.asarray(np.nan)))],
    "--times of wrong length": lambda t: ["info", str(tc_file(t)), "--times", "1,2"],
    "--times not numbers": lambda t: ["info", str(tc_file(t)), "--times", "a,b"],
    "models missing initial_positions": lambda t: ["info", str(models_file(t, initial_positions=None))],
    "models md_prop of wrong shape": lambda t: ["info", str(models_file(t, md_prop=np.zeros((3, N + 3)))), "--density", "1"],
    "models with an object array": lambda t: ["info", str(models_file(t, extra=np.array([{"a": 1}], dtype=object)))],
    "models of unknown N without box": lambda t: ["info", str(models_file(t))],
    "negative density": lambda t: ["info", str(models_file(t)), "--density", "-1"],
    "pickle without the opt-in": lambda t: ["info", str(pickle_file(t, _bapst()))],
    "pickle that is not a dict": lambda t: ["info", str(pickle_file(t, [1, 2, 3])), "--allow-pickle"],
    "pickle missing an entry": lambda t: ["info", str(pickle_file(t, _bapst(trajectory_target_positions=None))), "--allow-pickle"],
    "pickle of garbage": lambda t: ["info", str(put(t / "g.pkl", b"\x80\x04garbage")), "--allow-pickle"],
    "pickle with time index out of range": lambda t: ["info", str(pickle_file(t, _bapst(time_indices=np.array([1, 30])))), "--allow-pickle"],
    "empty directory": lambda t: ["info", str((t / "d").mkdir() or t / "d")],
    "verify on a directory that is not a dataset": lambda t: ["verify", str(t)],
    "verify on a file": lambda t: ["verify", str(tc_file(t))],
    "bad JSON manifest": lambda t: ["info", str(write_manifest(t, "{not json"))],
    "manifest of another format": lambda t: ["info", str(write_manifest(t, json.dumps({"format": "other"})))],
    "manifest from a newer glassml": lambda t: ["verify", str(write_manifest(t, json.dumps({"format": "glassml-dataset", "format_version": 99})))],
    "manifest lacking samples": lambda t: ["info", str(write_manifest(t, json.dumps({"format": "glassml-dataset", "format_version": 1})))],
    "empty dump": lambda t: ["info", str(put(t / "e.dump", ""))],
    "truncated dump": lambda t: ["info", str(dump_file(t, n=5))],
    "non-numeric dump column": lambda t: ["info", str(dump_file(t, rows=["1 1 0.5 0.5 abc", "2 2 1 1 1", "3 1 2 2 2"]))],
    "float species in dump": lambda t: ["info", str(dump_file(t, rows=["1 1.5 0.5 0.5 0.5", "2 2 1 1 1", "3 1 2 2 2"]))],
    "dump without positions": lambda t: ["info", str(dump_file(t, rows=["1 1 0", "2 2 0", "3 1 0"], cols="id type vx"))],
    "dump with a triclinic box": lambda t: ["info", str(dump_file(t, box="0 5 0\n0 5 0\n0 5 0"))],
    "dump with inverted box": lambda t: ["info", str(dump_file(t, box="5 0\n0 5\n0 5"))],
    "dump with duplicate ids": lambda t: ["info", str(dump_file(t, rows=["1 1 0.5 0.5 0.5", "1 2 1 1 1", "3 1 2 2 2"]))],
    "dump with a short row": lambda t: ["info", str(dump_file(t, rows=["1 1 0.5 0.5", "2 2 1 1 1", "3 1 2 2 2"]))],
    "not a dump at all": lambda t: ["info", str(put(t / "n.dump", "hello\nworld\n"))],
    "extxyz without Lattice": lambda t: ["info", str(xyz_file(t, XYZ_OK.replace('Lattice="3 0 0 0 3 0 0 0 3" ', "")))],
    "truncated extxyz": lambda t: ["info", str(xyz_file(t, XYZ_OK.rsplit("\n", 2)[0] + "\n"))],
    "non-orthogonal extxyz": lambda t: ["info", str(xyz_file(t, XYZ_OK.replace("3 0 0 0 3", "3 1 0 0 3")))],
    "non-numeric extxyz positions": lambda t: ["info", str(xyz_file(t, XYZ_OK.replace("B 1 1 1", "B 1 x 1")))],
    "extxyz with a bad atom count": lambda t: ["info", str(xyz_file(t, "two\n" + XYZ_OK.split("\n", 1)[1]))],
    "extxyz with NaN": lambda t: ["info", str(xyz_file(t, XYZ_OK.replace("B 1 1 1", "B 1 nan 1")))],
    "GSD of garbage": lambda t: ["info", str(put(t / "g.gsd", b"\x00" * 64))],
    "unknown format name": lambda t: ["info", str(tc_file(t)), "--format", "nonsense"],
    "path that does not exist": lambda t: ["info", str(t / "nothing.npz")],
    "glob matching nothing": lambda t: ["info", str(t / "*.nothing")],
    "unknown binary file": lambda t: ["info", str(put(t / "blob.bin", b"\x01\x02\x03"))],
    "inputs of mixed formats": lambda t: ["info", str(dump_file(t)), str(xyz_file(t, XYZ_OK))],
    "convert onto an existing dataset": lambda t: ["convert", str(tc_file(t)), str(make_dataset(t / "old", n_samples=1).path)],
    "convert onto a foreign directory": lambda t: ["convert", str(tc_file(t)), str(t), "--force"],
    "convert to a read-only format": lambda t: ["convert", str(tc_file(t)), str(t / "out"), "--to", "bapst"],
    "bad --frames value": lambda t: ["info", str(dump_file(t)), "--frames", "sideways"],
    "bad --dimension": lambda t: ["info", str(dump_file(t)), "--dimension", "4"],
    "malformed --species-map": lambda t: ["info", str(dump_file(t)), "--species-map", "1:0"],
    "--species-map missing a label": lambda t: ["info", str(dump_file(t)), "--species-map", "1=0"],
    "--density not a number": lambda t: ["info", str(dump_file(t)), "--density", "abc"],
    "unknown option": lambda t: ["info", str(dump_file(t)), "--no-such-option"],
    "missing argument": lambda t: ["convert", str(dump_file(t))],
    "brackets in a path are not markup": lambda t: ["info", str(t / "[red]x[/red].dump")],
}


#: What each one-line message must say (the problem, and the file where there is one).
EXPECT: dict[str, str] = {
    "empty npz": "e_tc05.npz: file is empty", "truncated npz": "x_tc05.npz: not a readable .npz",
    "npz of random bytes": "r_tc05.npz: not a readable .npz", "missing positions": "missing array 'positions'",
    "missing types": "missing array 'types'", "NaN in positions": "'positions' holds 36 non-finite",
    "inf in initial positions": "'initial_positions' holds 12 non-finite", "float species": "'types' must hold integers",
    "negative species": "negative species", "negative box": "'box' lengths must be positive", "zero box": "must be positive",
    "box of wrong shape": "'box' must be a scalar or have 2", "positions with wrong N": r"'positions' must have shape \(R, 6, 2\)",
    "positions not 3-D": "'positions' must have shape", "string positions": "'positions' is not numeric",
    "mismatched replica counts across time codes": "tc10.npz: 4 replicas at tc10 but 3 at tc05",
    "initial positions differ across time codes": "tc10.npz: 'initial_positions' differs", "time code not in the table": "tc07 is not in",
    "NaN stored time": "times must be finite", "--times of wrong length": "--times gives 2 times", "--times not numbers": "--times must be",
    "models missing initial_positions": "N6T0.5_1.npz: missing array 'initial_positions'",
    "models md_prop of wrong shape": r"'md_prop' must have shape \(T, 6\), got \(3, 9\)", "models with an object array": "'extra' is unreadable",
    "models of unknown N without box": "pass --density", "negative density": "density must be a positive",
    "pickle without the opt-in": "sys.pickle: .*--allow-pickle", "pickle that is not a dict": "expected a dict",
    "pickle missing an entry": "missing entry 'trajectory_target_positions'", "pickle of garbage": "g.pkl: not a readable pickle",
    "pickle with time index out of range": "'time_indices' must be", "empty directory": "d: is a directory but neither",
    "verify on a directory that is not a dataset": "not a glassml dataset", "verify on a file": "is a file, not a glassml dataset",
    "bad JSON manifest": "glassml.json: manifest is not valid JSON", "manifest of another format": "is not a glassml-dataset manifest",
    "manifest from a newer glassml": "newer glassml", "manifest lacking samples": "lacks 'samples'", "empty dump": "e.dump: file is empty",
    "truncated dump": r"a.dump: line 12: file ends early .*needs 5 atom lines from line 10", "non-numeric dump column": "line 10: column 'zu' must hold numbers, got 'abc'",
    "float species in dump": "column 'type' must hold integers, got '1.5'", "dump without positions": "hold no positions",
    "dump with a triclinic box": "triclinic", "dump with inverted box": "'box' lengths must be positive", "dump with duplicate ids": "not unique",
    "dump with a short row": "line 10: expected 5 columns", "not a dump at all": "n.dump: line 1: expected 'ITEM: TIMESTEP'",
    "extxyz without Lattice": "no Lattice", "truncated extxyz": "a.xyz: .*file ends early", "non-orthogonal extxyz": "only orthogonal",
    "non-numeric extxyz positions": "line 4: positions must be numbers", "extxyz with a bad atom count": "line 1: expected a positive number of atoms",
    "extxyz with NaN": "non-finite", "GSD of garbage": "g.gsd: not a readable GSD", "unknown format name": "unknown format 'nonsense'",
    "path that does not exist": "nothing.npz: does not exist", "glob matching nothing": "no files match", "unknown binary file": "blob.bin: cannot tell",
    "inputs of mixed formats": "inputs mix formats", "convert onto an existing dataset": "old: a glassml dataset already exists",
    "convert onto a foreign directory": "not a glassml dataset; choose another", "convert to a read-only format": "'bapst' cannot be written",
    "bad --frames value": "frames must be", "bad --dimension": "dimension must be 2 or 3",
    "malformed --species-map": "--species-map must look like", "--density not a number": "Invalid value for '--density'",
    "unknown option": "--no-such-option", "missing argument": "(?i)missing argument",
    "brackets in a path are not markup": r"\[red\]x\[/red\]\.dump: no files match", "--species-map missing a label": "a.dump: species label '2' is not in",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_gives_one_line_and_status_2(case, tmp_path, capsys):
    argv = CASES[case](tmp_path)
    capsys.readouterr()
    status = main(argv)
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert status == 2, (case, captured.err)
    assert len(lines) == 1, (case, captured.err)
    assert lines[0].startswith("error:") and "Traceback" not in captured.err
    assert captured.out == ""
    assert re.search(EXPECT[case], lines[0]), (case, lines[0])


def test_suite_is_big_enough():
    assert len(CASES) >= 30 and set(EXPECT) == set(CASES)


def test_malformed_through_python_m_glassml(tmp_path):
    path = tc_file(tmp_path, positions=np.full((3, N, 2), np.nan))
    proc = subprocess.run([sys.executable, "-m", "glassml", "info", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and str(path) in proc.stderr and "non-finite" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_verbose_shows_the_traceback(tmp_path):
    with pytest.raises(Exception, match="non-finite"):
        main(["--verbose", "info", str(tc_file(tmp_path, positions=np.full((3, N, 2), np.nan)))])


