"""``glassml structure cluster``: stored arrays, figures, resume, determinism, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.cli import main
from glassml.data import propensity_dataset
from glassml.store import Dataset


@pytest.fixture()
def ds(tmp_path):
    return propensity_dataset(tmp_path / "d", n_samples=5, n=160, seed=4)


def run(capsys, *args):
    code = main(["structure", "cluster", *map(str, args), "--max-clusters", "3"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cluster_stores_resumes_and_draws(ds, capsys):
    code, out, _ = run(capsys, ds.path, "--set", "boattini", "--method", "pca", "--json", "--seed", "1")
    assert code == 0
    summary = json.loads(out)
    assert summary["computed"] == ds.sample_names() and summary["fit_on"] == "train+val"
    arrays = summary["arrays"]
    for s in Dataset.open(ds.path):
        assert s[arrays["latent"]].shape == (160, 2)
        assert s[arrays["labels"]].shape == (160,) and s[arrays["order"]].shape == (160,)
    for name in ("latent", "bic", "correlation"):
        assert (ds.path / "report" / "unsupervised" / "boattini_pca" / f"{name}.png").stat().st_size > 1000
    # the order parameter is structurally slow: it anticorrelates with propensity on the test split
    assert all(r < 0 for r in summary["correlations"]["test"]["0"]["pearson"])
    labels = {s.name: s[arrays["labels"]] for s in Dataset.open(ds.path)}
    code, out, _ = run(capsys, ds.path, "--set", "boattini", "--method", "pca", "--json", "--seed", "1", "--no-plots")
    again = json.loads(out)
    assert again["computed"] == [] and again["skipped"] == ds.sample_names()
    code, out, _ = run(capsys, ds.path, "--set", "boattini", "--method", "pca", "--json", "--seed", "1", "--force", "--no-plots")
    for s in Dataset.open(ds.path):
        np.testing.assert_array_equal(s[arrays["labels"]], labels[s.name])
    assert Dataset.open(ds.path).verify().complete


def test_kmeans_components(ds, capsys):
    code, out, _ = run(capsys, ds.path, "--set", "softness", "--method", "kmeans", "--components", "3", "--json", "--no-plots")
    assert code == 0
    summary = json.loads(out)
    assert summary["n_clusters"] == {"0": 3, "1": 3}
    s = Dataset.open(ds.path)[ds.sample_names()[0]]
    assert set(np.unique(s["cluster_softness_kmeans"])) == {0, 1, 2}


@pytest.mark.parametrize("args, message", [
    (["--set", "steinhardt"], "not stored"),
    (["--set", "boattini", "--method", "kmeans", "--components", "10000"], "only"),
    (["--set", "boattini", "--method", "umap"], "unknown method"),
])
def test_bad_input_one_line_exit_2(ds, capsys, args, message):
    code, _, err = run(capsys, ds.path, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_nan_features_exit_2(ds, capsys):
    name = ds.sample_names()[0]
    x = np.array(ds[name]["desc_boattini"], dtype=float)
    x[5, 1] = np.nan
    ds.update_sample(name, {"desc_boattini": x})
    code, _, err = run(capsys, ds.path, "--set", "boattini")
    assert code == 2 and "NaN" in err and name in err and len(err.strip().splitlines()) == 1
