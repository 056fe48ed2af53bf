"""Fuzzing the readers: damaged copies of valid files either read or give one error line, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from glassml.data import tiny_sample as make_sample

from glassml.cli import main
from glassml.store.formats import write_any

FORMATS = {"lammps-dump": "s.dump", "extxyz": "s.xyz", "gsd": "s.gsd", "glassbench-models": "N9T0.5_1.npz"}


def _valid_bytes(tmp, fmt: str) -> bytes:
    a = make_sample(n=5, n_times=2, n_replicas=1, props=True)
    meta = {"species_map": {"1": 0, "2": 1, "3": 2}, "temperature": 0.5, "split": None}
    if fmt == "glassbench-models":
        write_any(tmp / "gb", [("N9T0.5_1", a)], meta, fmt)
        return (tmp / "gb" / "N9T0.5_1.npz").read_bytes()
    write_any(tmp / FORMATS[fmt], [("s", a)], meta, fmt)
    return (tmp / FORMATS[fmt]).read_bytes()


edits = st.lists(
    st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
    min_size=1, max_size=4,
)


def _damage(data: bytes, ops) -> bytes:
    out = bytearray(data)
    for op, where, blob in ops:
        if not out:
            break
        i = int(where * len(out))
        if op == "flip":
            out[i] ^= blob[0] or 1
        elif op == "cut":
            del out[i:]
        elif op == "insert":
            out[i:i] = blob
        else:
            del out[i:i + len(blob)]
    return bytes(out)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_damaged_files_never_raise(fmt, tmp_path_factory, capsys):
    valid = _valid_bytes(tmp_path_factory.mktemp("valid"), fmt)
    folder = tmp_path_factory.mktemp("fuzz")
    extra = ["--density", "1.0"] if fmt == "glassbench-models" else []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(ops=edits)
    def check(ops):
        path = folder / FORMATS[fmt]
        path.write_bytes(_damage(valid, ops))
        capsys.readouterr()
        status = main(["info", str(path), "--format", fmt, *extra])
        err = capsys.readouterr().err
        assert status in (0, 2), err
        if status == 2:
            assert len(err.strip().splitlines()) == 1 and str(path) in err, err

    check()


def test_fuzz_damage_really_damages():
    data = bytes(range(50))
    assert _damage(data, [("cut", 0.5, b"x")]) == data[:25]
    assert np.frombuffer(_damage(data, [("flip", 0.0, b"\x01")]), np.uint8)[0] == 1
