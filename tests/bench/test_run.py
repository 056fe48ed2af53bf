"""The benchmark runner on existing datasets: train, score, report, resume, refuse bad input."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import glassml.learn  # noqa: F401  (fills the registry)
from glassml.bench.run import run_benchmark, select_models
from glassml.cli import main
from glassml.data import propensity_dataset as make_dataset
from glassml.learn import base as learn_base

#: the feature learners; the graph learners are trained by their own tests
MODELS = sorted(n for n, c in learn_base.registry().items() if c.kind == "features")


@pytest.fixture(scope="module")
def two_temperatures(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    d1 = make_dataset(root / "T0.5", n_samples=8, n=120, temperature=0.5, seed=11)
    d2 = make_dataset(root / "T0.7", n_samples=8, n=120, temperature=0.7, seed=12, noise=0.6)
    return root, d1, d2


@pytest.fixture(scope="module")
def bench(two_temperatures):
    root, d1, d2 = two_temperatures
    out = root / "out"
    summary = run_benchmark(None, out, datasets=[d1.path, d2.path], models=MODELS, show_progress=False)
    return out, summary


def test_every_model_trained_and_scored_with_ceiling(bench):
    out, summary = bench
    assert [r["label"] for r in summary["results"]] == ["T0.5", "T0.7"]
    for res in summary["results"]:
        assert res["ceiling"] is not None
        for name in MODELS:
            e = res["models"][name]
            assert e["status"] == "ok", e
            sc = e["scores"]
            assert len(sc["pearson"]["A"]) == 4 and len(sc["ceiling"]) == 4
            assert sc["pearson_tau"] > 0.2
            assert sc["pearson_tau"] < sc["ceiling_tau"] + 0.05
    saved = json.loads((out / "scores.json").read_text())
    assert saved["results"][0]["models"]["glassmlp"]["scores"]["pearson"]["A"] == \
        summary["results"][0]["models"]["glassmlp"]["scores"]["pearson"]["A"]


def test_leaderboard_and_figures(bench):
    out, summary = bench
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert len(rows) == 2 * len(MODELS)
    t05 = [r for r in rows if r["dataset"] == "T0.5"]
    vals = [float(r["pearson_A_tau"]) for r in t05]
    assert vals == sorted(vals, reverse=True)
    assert all(0 < float(r["fraction_of_ceiling"]) < 1.1 for r in rows)
    for f in ("pearson_T0.5.png", "chi4_T0.5.png", "maps_T0.5.png", "pearson_T0.7.png", "transfer_glassmlp.png"):
        data = (out / "figures" / f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    html = (out / "report.html").read_text()
    assert html.count("<img ") >= 6 and "data:image/png;base64," in html
    assert "Provenance" in html and "&quot;seed&quot;: 0" in html
    # the report says which positions and descriptors each model read
    assert "arrays read" in html and "desc_boattini" in html
    if "cage" in MODELS:
        assert "initial_positions_cage" in html


def test_transferability_matrix(bench):
    _, summary = bench
    mat = summary["transferability"]["boattini_ridge"]
    assert mat["train_T"] == [0.5, 0.7] and mat["test_T"] == [0.5, 0.7]
    m = np.array(mat["pearson_tau"], dtype=float)
    assert m.shape == (2, 2) and np.all(np.isfinite(m)) and np.all(m > 0.2)
    # the diagonal equals the in-temperature test score
    for i, res in enumerate(summary["results"]):
        assert m[i, i] == pytest.approx(res["models"]["boattini_ridge"]["scores"]["pearson_tau"], rel=1e-6)


def test_resume_reuses_trained_models(bench, two_temperatures):
    out, first = bench
    _, d1, d2 = two_temperatures
    again = run_benchmark(None, out, datasets=[d1.path, d2.path], models=MODELS, show_progress=False)
    for r0, r1 in zip(first["results"], again["results"]):
        for name in MODELS:
            assert r1["models"][name]["resumed"] is True
            assert r1["models"][name]["scores"]["pearson"] == r0["models"][name]["scores"]["pearson"]


def test_new_registered_model_appears_without_touching_the_runner(two_temperatures, tmp_path):
    _, d1, _ = two_temperatures

    @learn_base.register("species_mean_baseline")
    class SpeciesMean(learn_base.FeatureEstimator):
        """Baseline: each species' mean training propensity per time (reads descriptors, uses none)."""

        descriptor_sets = (("boattini", None),)

        def __init__(self, seed=0):
            self.seed = seed

        def _fit(self, X, Y, species, groups, validation):
            self.means_ = np.stack([Y[species == k].mean(axis=0) for k in range(species.max() + 1)])
            return {}

        def _predict_rows(self, X, species, groups):
            return self.means_[species]

        def _model_state(self):
            return {"means": self.means_}

        def _set_model_state(self, state):
            self.means_ = state["means"]

    try:
        # the default model list is the registry (the graph models are trained by their own tests)
        assert set(select_models(None)) == set(learn_base.registry()) >= {"species_mean_baseline", *MODELS}
        summary = run_benchmark(None, tmp_path / "o", datasets=[d1.path], models=["species_mean_baseline"],
                                show_progress=False)
        models = summary["results"][0]["models"]
        assert models["species_mean_baseline"]["status"] == "ok"
        # it cannot know which A particle moves: no pooled correlation within species A
        assert models["species_mean_baseline"]["scores"]["pearson"]["A"][0] is None
    finally:
        learn_base._REGISTRY.pop("species_mean_baseline", None)


def _one_line_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err, err


def test_bad_input_one_line_exit_2(tmp_path, capsys, two_temperatures):
    _, d1, _ = two_temperatures
    notargets = make_dataset(tmp_path / "nt", n_samples=4, targets=False)
    _one_line_exit_2(capsys, ["bench", "run", "--out", str(tmp_path / "o1"), "--dataset", str(notargets.path)],
                     "no target 'md_prop'")
    _one_line_exit_2(capsys, ["bench", "run", "--out", str(tmp_path / "o2"), "--dataset", str(d1.path),
                              "--models", "boattini_ridge,no_such_model"], "unknown model 'no_such_model'")
    bad = make_dataset(tmp_path / "overlap", n_samples=5)
    m = json.loads((bad.path / "glassml.json").read_text())
    m["split"]["test"].append(m["split"]["train"][0])
    (bad.path / "glassml.json").write_text(json.dumps(m))
    _one_line_exit_2(capsys, ["bench", "run", "--out", str(tmp_path / "o3"), "--dataset", str(bad.path)],
                     "test split overlaps training")


def test_model_parameters_from_the_command_line(two_temperatures, tmp_path, capsys):
    _, d1, _ = two_temperatures
    argv = ["bench", "run", "--out", str(tmp_path / "p"), "--dataset", str(d1.path), "--models", "glassmlp", "--quiet",
            "--param", "glassmlp.max_epochs=3", "--param", "glassmlp.widths=[8]", "--param", "glassmlp.loss_weights=[[0,0]]"]
    assert main(argv) == 0
    capsys.readouterr()
    saved = json.loads((tmp_path / "p" / "scores.json").read_text())
    e = saved["results"][0]["models"]["glassmlp"]
    assert e["params"] == {"max_epochs": 3, "widths": [8], "loss_weights": [[0, 0]]}
    assert [t["epochs_run"] for t in e["info"]["trials"]] == [3]
    _one_line_exit_2(capsys, argv[:-2] + ["--param", "glassmlp-max_epochs"], "use MODEL.NAME=VALUE")
    _one_line_exit_2(capsys, argv + ["--param", "softness.c_grid=[1]"], "not being run")
    _one_line_exit_2(capsys, argv + ["--param", "glassmlp.no_such=1"], "takes no parameter no_such")
