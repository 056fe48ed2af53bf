"""Setting and changing a dataset's train/validation/test split: ``resplit`` and ``glassml split``."""

from __future__ import annotations

import json
import shutil

import pytest

from glassml import __version__
from glassml.bench.run import check_split
from glassml.cli import main
from glassml.data import propensity_dataset, tiny_dataset
from glassml.errors import GlassmlError
from glassml.store import MANIFEST, Dataset, resplit, split_size
from glassml.store.npzio import sha256_file


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    """A 10-sample dataset with targets and descriptors, split 6/2/2."""
    return propensity_dataset(tmp_path_factory.mktemp("built") / "p", n_samples=10, n=60).path


@pytest.fixture
def ds(_built, tmp_path):
    shutil.copytree(_built, tmp_path / "p")
    return Dataset.open(tmp_path / "p")


def _files(ds: Dataset) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(ds.sample_dir.iterdir())}


def _manifest(ds: Dataset) -> dict:
    return json.loads((ds.path / MANIFEST).read_text())


def _partition(split: dict, names: list[str]) -> None:
    parts = [set(split[p]) for p in ("train", "val", "test")]
    assert sum(len(p) for p in parts) == len(names) and set.union(*parts) == set(names)


# ------------------------------------------------------------------------ library
def test_new_val_split_keeps_test_and_touches_only_the_split(ds):
    before_files, before = _files(ds), _manifest(ds)
    old = ds.split
    change = resplit(ds, val=3, seed=1)
    assert change.changed and change.sizes == {"train": 5, "val": 3, "test": 2}
    assert change.previous == {"train": 6, "val": 2, "test": 2}
    assert change.split["test"] == old["test"]
    assert set(change.split["val"]) <= set(old["train"] + old["val"])
    _partition(change.split, ds.sample_names())

    again = Dataset.open(ds.path)
    assert again.split == change.split
    after = _manifest(again)
    assert after["split"] == change.split
    # nothing recomputed, nothing lost: samples, targets, descriptors, checksums as they were
    assert _files(again) == before_files
    for name, entry in after["samples"].items():
        assert sha256_file(again.sample_path(name)) == entry["sha256"] == before["samples"][name]["sha256"]
    assert {k: v for k, v in after.items() if k not in ("split", "split_history")} == \
           {k: v for k, v in before.items() if k != "split"}
    assert "md_prop" in after["targets"] and "boattini" in after["descriptors"]
    assert again.verify().complete

    [record] = after["split_history"]
    assert record == change.record
    assert record == {"seed": 1, "val": 3, "test": None, "force": False, "previous": {"train": 6, "val": 2, "test": 2},
                      "sizes": {"train": 5, "val": 3, "test": 2}, "left_test": 0, "glassml_version": __version__}


def test_same_seed_same_split_and_a_rerun_changes_nothing(ds, tmp_path):
    other = Dataset.open(shutil.copytree(ds.path, tmp_path / "copy"))
    first = resplit(ds, val=0.3, seed=7)
    assert first.sizes["val"] == 3
    assert resplit(other, val="0.3", seed=7).split == first.split
    text = (ds.path / MANIFEST).read_text()
    rerun = resplit(Dataset.open(ds.path), val=3, seed=7)
    assert not rerun.changed and rerun.split == first.split
    assert (ds.path / MANIFEST).read_text() == text  # no second history entry
    seeds = {tuple(resplit(Dataset.open(other.path), val=3, seed=s).split["val"]) for s in range(6)}
    assert len(seeds) > 1


def test_every_change_is_appended_to_the_history(ds):
    resplit(ds, val=1, seed=0)
    resplit(ds, val=2, seed=0)
    history = _manifest(ds)["split_history"]
    assert [h["sizes"]["val"] for h in history] == [1, 2]
    assert history[1]["previous"] == history[0]["sizes"] == {"train": 7, "val": 1, "test": 2}


def test_val_zero_moves_validation_back_into_training(ds):
    change = resplit(ds, val=0, seed=0)
    assert change.sizes == {"train": 8, "val": 0, "test": 2}


def test_changing_the_test_split_needs_force(ds):
    text = (ds.path / MANIFEST).read_text()
    with pytest.raises(GlassmlError, match="--force") as err:
        resplit(ds, val=2, test=3, seed=0)
    assert "\n" not in str(err.value)
    assert (ds.path / MANIFEST).read_text() == text and Dataset.open(ds.path).split == ds.split

    old_test = set(ds.split["test"])
    change = resplit(ds, val=2, test=0.3, seed=3, force=True)
    assert change.sizes == {"train": 5, "val": 2, "test": 3}
    _partition(change.split, ds.sample_names())
    moved = old_test - set(change.split["test"])
    record = _manifest(ds)["split_history"][-1]
    assert record["force"] and record["test"] == 0.3 and record["left_test"] == len(moved)
    assert _manifest(ds)["split"] == change.split


def test_a_first_test_split_needs_no_force(tmp_path):
    ds = tiny_dataset(tmp_path / "t", n_samples=5)
    ds.set_split([], [], [])  # samples in no part, e.g. freshly converted
    change = resplit(ds, val=1, test=2, seed=0)
    assert change.sizes == {"train": 2, "val": 1, "test": 2}
    _partition(change.split, ds.sample_names())
    # samples in no part join the pool the validation split is drawn from
    ds.set_split(["s0"], [], ["s4"])
    change = resplit(ds, val=2, seed=0)
    assert change.split["test"] == ["s4"] and change.sizes == {"train": 2, "val": 2, "test": 1}


@pytest.mark.parametrize("value,count", [(0, 0), (3, 3), ("4", 4), (0.25, 0.25), ("0.5", 0.5), (" 1e-1 ", 0.1)])
def test_split_size_reads_counts_and_fractions(value, count):
    got = split_size(value, "val")
    assert got == count and type(got) is type(count)


@pytest.mark.parametrize("kw,message", [
    ({"val": 8}, "leaving none to train"),                      # the pool outside test is 8
    ({"val": 0.9}, "leaving none to train"),
    ({"val": 1.5}, "out of range"),
    ({"val": 0.0}, "out of range"),
    ({"val": "1.0"}, "out of range"),
    ({"val": "nan"}, "out of range"),
    ({"val": "abc"}, "not a number"),
    ({"val": ""}, "not a number"),
    ({"val": True}, "not a number"),
    ({"val": -1}, "negative"),
    ({"val": 2, "test": "x", "force": True}, "not a number"),
    ({"val": 2, "test": 10, "force": True}, "leaving none to train"),
    ({"val": 2, "test": 8, "force": True}, "leaving none to train"),
    ({"val": 1, "seed": -3}, "non-negative integer seed"),
])
def test_impossible_splits_are_one_line_errors(ds, kw, message):
    text = (ds.path / MANIFEST).read_text()
    with pytest.raises(GlassmlError, match=message) as err:
        resplit(ds, **{"seed": 0, **kw})
    assert "\n" not in str(err.value)
    assert (ds.path / MANIFEST).read_text() == text


def test_too_few_samples(tmp_path):
    ds = tiny_dataset(tmp_path / "one", n_samples=1)
    with pytest.raises(GlassmlError, match="at least 2 samples"):
        resplit(ds, val=1, seed=0)


def test_everything_in_test_leaves_nothing_to_train(tmp_path):
    ds = tiny_dataset(tmp_path / "t", n_samples=3)
    ds.set_split([], [], ds.sample_names())
    with pytest.raises(GlassmlError, match="none to train"):
        resplit(ds, val=0, seed=0)


# ------------------------------------------------------------------------ command line
def test_cli_split_json(ds, capsys):
    capsys.readouterr()
    assert main(["split", str(ds.path), "--val", "3", "--seed", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["changed"] and out["sizes"] == {"train": 5, "val": 3, "test": 2}
    assert out["previous"] == {"train": 6, "val": 2, "test": 2} and out["record"]["seed"] == 2
    assert Dataset.open(ds.path).split == out["split"] == resplit(ds, val=3, seed=2).split


def test_cli_split_human_readable(ds, capsys):
    capsys.readouterr()
    assert main(["split", str(ds.path), "--val", "0.1", "--seed", "0"]) == 0
    assert "train 7, val 1, test 2 (was train 6, val 2, test 2)" in capsys.readouterr().out
    assert main(["split", str(ds.path), "--val", "1", "--seed", "0"]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_cli_test_split_needs_force(ds, capsys):
    capsys.readouterr()
    assert main(["split", str(ds.path), "--val", "2", "--test", "3", "--seed", "0"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and err.count("\n") == 1
    assert Dataset.open(ds.path).split == ds.split
    assert main(["split", str(ds.path), "--val", "2", "--test", "3", "--seed", "0", "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sizes"] == {"train": 5, "val": 2, "test": 3}


@pytest.mark.parametrize("args,message", [
    (["--val", "9", "--seed", "0"], "leaving none to train"),
    (["--val", "1.5", "--seed", "0"], "out of range"),
    (["--val", "two", "--seed", "0"], "not a number"),
    (["--val", "2", "--seed", "x"], "seed"),
    (["--val", "2"], "seed"),
    (["--seed", "0"], "val"),
])
def test_cli_errors_exit_2_with_one_line(ds, capsys, args, message):
    text = (ds.path / MANIFEST).read_text()
    capsys.readouterr()
    assert main(["split", str(ds.path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert (ds.path / MANIFEST).read_text() == text


def test_cli_errors_on_a_missing_or_tiny_dataset(tmp_path, capsys):
    tiny_dataset(tmp_path / "one", n_samples=1)
    capsys.readouterr()
    assert main(["split", str(tmp_path / "one"), "--val", "1", "--seed", "0"]) == 2
    assert "at least 2 samples" in capsys.readouterr().err
    assert main(["split", str(tmp_path / "nowhere"), "--val", "1", "--seed", "0"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_empty_val_split_points_to_glassml_split(tmp_path, capsys):
    ds = tiny_dataset(tmp_path / "t", n_samples=4)  # train 3, val 0, test 1
    with pytest.raises(GlassmlError, match=r"glassml split DATASET --val N"):
        check_split(ds)
    assert main(["split", str(ds.path), "--val", "1", "--seed", "0"]) == 0
    split = check_split(Dataset.open(ds.path))
    assert [len(split[p]) for p in ("train", "val", "test")] == [2, 1, 1]
