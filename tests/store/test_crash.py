"""Crash safety and lazy opening: a writer killed mid-write, and a 500-sample dataset that opens
without reading its sample files."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from glassml.data import tiny_dataset as make_dataset

from glassml.store import Dataset, convert, load_arrays, validate_sample
from glassml.store.npzio import TMP_PREFIX, sha256_file

WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from glassml.store import Dataset
    ds = Dataset.open(sys.argv[1])
    rng = np.random.default_rng(0)
    n = 20000
    for i in range(1000):
        x0 = rng.uniform(-10, 10, size=(n, 2))
        ds.write_sample(f"big{i}", {"types": np.zeros(n, dtype=np.int64), "box": np.full(2, 20.0),
                                    "initial_positions": x0, "times": np.arange(1.0, 11.0),
                                    "positions": x0 + rng.normal(size=(10, 4, n, 2))})
        print(i, flush=True)
    """
)


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def test_killed_writer_leaves_previous_samples_intact_and_nothing_half_written_accepted(tmp_path):
    ds = make_dataset(tmp_path / "ds")
    before = {n: sha256_file(ds.sample_path(n)) for n in ds.sample_names()}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(ds.path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "0"  # one big sample finished: the loop is running
        # kill while a sample is being written (a temporary file exists)
        assert _wait_for(lambda: any(f.name.startswith(TMP_PREFIX) for f in ds.sample_dir.iterdir())), "writer never wrote"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    after = Dataset.open(ds.path)  # the manifest is never half-written either
    report = after.verify()
    # the half-written file is reported (partial), or, if the kill landed just after its rename,
    # the whole but unregistered file is: either way verify does not call the dataset complete
    assert not report.complete and (report.partial or report.unregistered)
    for name, sha in before.items():  # previous contents intact
        assert name in report.ok and sha256_file(after.sample_path(name)) == sha
    for name in report.ok:  # everything verify accepts loads in full and is valid
        validate_sample(load_arrays(after.sample_path(name)), after.sample_path(name))
    for name in report.unregistered:  # a sample renamed into place but not yet registered is whole
        validate_sample(load_arrays(after.sample_dir / f"{name}.npz"))


def test_killed_convert_leaves_the_old_dataset_in_place(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(1)
    n = 10000
    for i in range(24):  # GlassBench-style models files, about 1.5 MB each
        np.savez(src / f"N{n}T0.5_{i}.npz", types=(np.arange(n) % 2) + 1, initial_positions=rng.uniform(0, 20, (n, 3)),
                 md_prop=rng.random((8, n)), bb_prop=rng.random((8, n)))
    old = make_dataset(tmp_path / "dst", n_samples=2)
    before = {n: sha256_file(old.sample_path(n)) for n in old.sample_names()}
    manifest = (old.path / "glassml.json").read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassml", "convert", str(src), str(old.path), "--force", "--density", "1.2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        building = lambda: any(p.name.startswith(".dst.tmp-") and len(list((p / "samples").glob("*.npz"))) >= 2
                               for p in tmp_path.iterdir() if (p / "samples").is_dir())
        assert _wait_for(building, timeout=120), "convert never started writing"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    again = Dataset.open(tmp_path / "dst")
    assert (again.path / "glassml.json").read_bytes() == manifest
    assert again.verify().complete and {n: sha256_file(again.sample_path(n)) for n in again.sample_names()} == before
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".dst.tmp-")]
    assert leftovers  # the unfinished build lies aside under a hidden temporary name
    # the next write to the same destination clears builds of dead processes
    convert(old.path, tmp_path / "dst", force=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dst.tmp-")]
    assert Dataset.open(tmp_path / "dst").verify().complete


def _dataset_of_500(path: Path) -> Dataset:
    """500 small samples (one written, 499 byte-identical copies registered with its checksum)."""
    ds = make_dataset(path, n_samples=1)
    first = ds.sample_path("s0")
    sha = ds.manifest["samples"]["s0"]["sha256"]
    for i in range(1, 500):
        shutil.copyfile(first, ds.sample_path(f"s{i}"))
        ds.register_sample(f"s{i}", sha, seed=i, save=False)
    ds.set_split([f"s{i}" for i in range(400)], [f"s{i}" for i in range(400, 450)], [f"s{i}" for i in range(450, 500)], save=False)
    ds.save_manifest()
    return ds


OPENS: list[str] = []
_RECORDING: list[bool] = [False]


def _audit(event: str, args) -> None:
    if _RECORDING[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        OPENS.append(os.fsdecode(args[0]))


@pytest.fixture(scope="module")
def audit_opens():
    sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only while asked
    yield
    _RECORDING[0] = False


def _sample_opens(path: Path, action) -> list[str]:
    OPENS.clear()
    _RECORDING[0] = True
    try:
        action()
    finally:
        _RECORDING[0] = False
    return [p for p in OPENS if str(path / "samples") in p]


def test_500_sample_dataset_opens_without_reading_samples(tmp_path, audit_opens):
    path = _dataset_of_500(tmp_path / "big").path

    def browse():
        ds = Dataset.open(path)
        assert len(ds) == 500 and len(ds.split["train"]) == 400
        samples = list(ds)  # Sample objects are handles: nothing read yet
        assert len(samples) == 500 and len(ds.samples_in("test")) == 50

    assert _sample_opens(path, browse) == []
    # the audit hook does see sample reads: asking for one array opens exactly that file
    opened = _sample_opens(path, lambda: Dataset.open(path)["s7"]["types"])
    assert opened == [str(path / "samples" / "s7.npz")]


def test_info_of_500_samples_reads_one_sample_without_verify(tmp_path, audit_opens, capsys):
    from glassml.cli import main

    path = _dataset_of_500(tmp_path / "big").path
    opened = _sample_opens(path, lambda: main(["info", str(path), "--json", "--no-verify"]))
    assert len(set(opened)) == 1
    assert '"n_samples": 500' in capsys.readouterr().out
