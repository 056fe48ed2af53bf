"""Cross-validation by configuration: folds, roles, scores that match a hand computation, the test
split never read, resume, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.bench.crossval import configuration_folds, cross_validate, fold_roles
from glassml.bench.score import pooled_metric
from glassml.cli import main
from glassml.data import propensity_dataset
from glassml.errors import GlassmlError
from glassml.store import Dataset
from glassml.store.npzio import load_arrays

MODELS = ["boattini_ridge", "combined_ridge"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return propensity_dataset(tmp_path_factory.mktemp("cv") / "ds", n_samples=10, n=120, seed=5)


@pytest.fixture(scope="module")
def run(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("cv-out")
    return out, cross_validate(dataset, out, folds=4, models=MODELS, show_progress=False)


def test_folds_partition_the_names_and_every_fold_is_held_out_once():
    names = [f"c{i}" for i in range(8)]
    groups = configuration_folds(names, 4, seed=1)
    assert sorted(n for g in groups for n in g) == sorted(names) and [len(g) for g in groups] == [2, 2, 2, 2]
    assert configuration_folds(names, 4, seed=1) == groups and configuration_folds(names, 4, seed=2) != groups
    for k in range(4):
        roles = fold_roles(groups, k)
        assert roles["held"] == groups[k] and roles["val"] == groups[(k + 1) % 4]
        assert sorted(roles["train"] + roles["val"] + roles["held"]) == sorted(names)
        assert not set(roles["train"]) & (set(roles["val"]) | set(roles["held"]))


def test_scores_are_the_pooled_pearson_of_the_stored_out_of_fold_predictions(dataset, run):
    out, result = run
    pool = set(dataset.split["train"]) | set(dataset.split["val"])
    assert {n for g in result["folds"] for n in g} == pool  # the test split is never used
    tau = result["tau_index"]
    for name in MODELS:
        e = result["models"][name]
        assert e["status"] == "ok" and len(e["pearson_tau_folds"]) == 4
        preds = {}
        for k in range(4):
            preds.update(load_arrays(out / "crossval" / result["label"] / name / f"fold{k}.npz"))
        assert set(preds) == pool
        names = sorted(preds)
        by_hand = pooled_metric([preds[n] for n in names], [dataset[n]["md_prop"] for n in names],
                                [dataset[n]["types"] for n in names], 0, "pearson")[tau]
        assert e["pearson_tau_pooled"] == pytest.approx(by_hand, abs=1e-9)
        folds = np.array(e["pearson_tau_folds"])
        assert e["pearson_tau_mean"] == pytest.approx(folds.mean())
        assert e["pearson_tau_se"] == pytest.approx(folds.std(ddof=1) / 2)
    # the synthetic propensity is a function of local structure: the models find it
    assert result["models"]["boattini_ridge"]["pearson_tau_pooled"] > 0.5
    rows = (out / "crossval.csv").read_text().splitlines()
    assert rows[0].startswith("model,status") and len(rows) == 1 + len(MODELS)


def test_a_second_run_resumes_every_fold(dataset, run):
    out, first = run
    stamps = {p: p.stat().st_mtime_ns for p in (out / "crossval").rglob("*.npz")}
    again = cross_validate(dataset, out, folds=4, models=MODELS, show_progress=False)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    for name in MODELS:
        assert again["models"][name]["pearson_tau_folds"] == first["models"][name]["pearson_tau_folds"]


def test_a_model_that_lacks_an_input_is_skipped(tmp_path):
    ds = propensity_dataset(tmp_path / "ds", n_samples=6, n=80, seed=2, cage=False)
    result = cross_validate(ds, tmp_path / "out", folds=3, models=["cage"], show_progress=False)
    assert result["models"]["cage"]["status"] == "skipped"


def test_bad_input_is_one_line_and_exit_2(dataset, tmp_path, capsys):
    with pytest.raises(GlassmlError, match="at least 3 folds"):
        configuration_folds(["a", "b", "c"], 2)
    for argv, needle in ([["--folds", "9"], "9 folds need at least 9 configurations"],
                         [["--models", "nonesuch"], "nonesuch"]):
        code = main(["bench", "cv", "--dataset", str(dataset.path), "--out", str(tmp_path / "o"), "--quiet", *argv])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and needle in err, err
    bare = Dataset.create(tmp_path / "bare", model="ka2d", dimension=2)
    bare.save_manifest()
    code = main(["bench", "cv", "--dataset", str(bare.path), "--out", str(tmp_path / "o2"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no target 'md_prop'" in err and str(bare.path) in err


def test_the_command_line_prints_the_table_and_json(dataset, run, capsys):
    out, result = run
    assert main(["bench", "cv", "--dataset", str(dataset.path), "--out", str(out), "--folds", "4", "--quiet",
                 "--models", ",".join(MODELS), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["models"]["combined_ridge"]["pearson_tau_pooled"] == result["models"]["combined_ridge"]["pearson_tau_pooled"]
