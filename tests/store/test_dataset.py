"""The store core: datasets of glassml.data's tiny samples, verification, overwrite protection."""

from __future__ import annotations

import pytest

from glassml.errors import GlassmlError
from glassml.data import tiny_dataset as make_dataset, tiny_sample as make_sample
from glassml.store import Dataset, validate_sample


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


def test_summary_states_the_manifest_and_the_first_sample(tmp_path):
    ds = make_dataset(tmp_path / "ds")
    s = ds.summary()
    assert s["model"] == "test" and s["dimension"] == 2 and s["n_replicas"] == 2 and s["n_samples"] == 3
    assert s["split"] == {"train": 2, "val": 0, "test": 1} and s["verified"]["complete"]
    assert s["n_particles"] == 9 and s["species_counts"] == {0: 3, 1: 3, 2: 3} and s["box"] == [4.0, 5.0]
    ds.sample_path("s2").unlink()
    assert "verified" not in ds.summary(verify=False)
    assert ds.summary()["verified"]["missing"] == ["s2"]


def test_records_summary_states_what_was_read(tmp_path):
    from glassml.store.formats import read_any, records_summary

    make_dataset(tmp_path / "ds")
    s = records_summary(*read_any(tmp_path / "ds"))
    assert s["format"] == "glassml" and s["n_samples"] == 3 and s["n_particles"] == 9
    assert s["species_counts"] == {0: 3, 1: 3, 2: 3} and s["arrays"]["positions"] == [3, 2, 9, 2]


def test_refuses_to_overwrite_without_force(tmp_path):
    make_dataset(tmp_path / "ds")
    with pytest.raises(GlassmlError, match="--force"):
        Dataset.create(tmp_path / "ds", model="x", dimension=2)


def test_model_is_the_manifest_record(tmp_path):
    ds = Dataset.create(tmp_path / "a", model={"name": "ka2d", "cutoff": 2.5}, dimension=2)
    assert Dataset.open(ds.path).model == {"name": "ka2d", "cutoff": 2.5}
    ds.model["name"] = "changed"  # a copy: the manifest is changed through the manifest only
    assert ds.model["name"] == "ka2d"
    assert Dataset.create(tmp_path / "b", model="ka3d", dimension=3).model == {"name": "ka3d"}
    bare = Dataset.create(tmp_path / "c", model="x", dimension=3)
    del bare.manifest["model"]
    assert bare.model == {}
