"""Small hand-built samples shared by the store tests, and checks of the store core itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.store import Dataset, validate_sample

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "glassbench-ka2d"
KA2D_TC05 = DATA / "N1290T0.23_151_tc05.npz"
KA2D_TC40 = DATA / "N1290T0.23_151_tc40.npz"


def make_sample(n: int = 9, d: int = 2, n_times: int = 3, n_replicas: int = 2, seed: int = 0, props: bool = True) -> dict[str, np.ndarray]:
    """A tiny random sample with unwrapped trajectories that leave the box."""
    rng = np.random.default_rng(seed)
    box = np.linspace(4.0, 5.0, d)
    x0 = rng.uniform(-box / 2, box / 2, size=(n, d))
    steps = rng.normal(scale=1.5, size=(n_times, n_replicas, n, d)).cumsum(axis=0)
    arrays = {
        "types": np.arange(n, dtype=np.int64) % 3,
        "box": box,
        "initial_positions": x0,
        "initial_positions_inherent": x0 + rng.normal(scale=0.01, size=x0.shape),
        "times": np.logspace(-1, 2, n_times),
        "positions": x0 + steps,
    }
    if props:
        disp = np.linalg.norm(arrays["positions"] - x0, axis=-1).mean(axis=1)
        arrays["md_prop"] = disp
        arrays["bb_prop"] = disp / 2
    return arrays


def make_dataset(path: Path, n_samples: int = 3, seed: int = 0, **kw) -> Dataset:
    """A small glassml dataset of :func:`make_sample` samples (split 2/0/1 when 3 samples)."""
    first = make_sample(**kw)
    ds = Dataset.create(
        path, model="test", dimension=first["box"].size, temperature=0.5, times=first["times"], n_replicas=first["positions"].shape[1]
    )
    for i in range(n_samples):
        ds.write_sample(f"s{i}", make_sample(seed=seed + i, **kw), seed=seed + i, save=False)
    names = ds.sample_names()
    ds.set_split(names[:-1], [], names[-1:], save=False)
    ds.save_manifest()
    return ds


def test_make_sample_is_valid():
    validate_sample(make_sample())
    validate_sample(make_sample(d=3, n_replicas=1))


def test_verify_finds_corrupt_missing_and_stray(tmp_path):
    ds = make_dataset(tmp_path / "ds")
    assert ds.verify().complete
    path = ds.sample_path("s0")
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    ds.sample_path("s1").unlink()
    (ds.sample_dir / ".tmp-half").write_bytes(b"PK")
    report = Dataset.open(ds.path).verify()
    assert report.corrupt == ["s0"] and report.missing == ["s1"] and report.partial == [".tmp-half"]
    assert not report.complete


def test_refuses_to_overwrite_without_force(tmp_path):
    make_dataset(tmp_path / "ds")
    with pytest.raises(GlassmlError, match="--force"):
        Dataset.create(tmp_path / "ds", model="x", dimension=2)
