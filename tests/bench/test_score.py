"""GlassBench scoring, checked against answers computed independently (scipy) in the test."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from glassml.bench.score import pooled_metric, propensity_chi4, score_models_path, score_predictions
from glassml.cli import main
from glassml.errors import GlassmlError

N_TIMES, N = 4, 60


def _write_glassbench(root, system="KA2D", temp="0.3", ids=range(401, 405), seed=0):
    """Files in GlassBench's *_models layout: labels 1,2,3; test files carry predictions."""
    rng = np.random.default_rng(seed)
    test = root / f"{system}_models" / f"T{temp}" / "test"
    train = root / f"{system}_models" / f"T{temp}" / "train"
    test.mkdir(parents=True)
    train.mkdir(parents=True)
    files = []
    for i in ids:
        types = rng.choice([1, 2, 3], size=N, p=[0.5, 0.25, 0.25])
        md = rng.gamma(2.0, 1.0, (N_TIMES, N)) * np.arange(1, N_TIMES + 1)[:, None]
        arrays = {"types": types, "initial_positions": rng.uniform(0, 8, (N, 2)), "md_prop": md,
                  "bb_prop": rng.random((N_TIMES, N))}
        np.savez(train / f"N{N}T{temp}_{i - 400}.npz", **arrays)
        arrays.update({
            "BOTAN": md + rng.normal(0, 0.5, md.shape), "CAGE": md + rng.normal(0, 1.5, md.shape),
            "GlassMLP": md + rng.normal(0, 1.0, md.shape), "SE3": -md + rng.normal(0, 0.5, md.shape),
            "DEN": rng.random(N), "EPOT": md[2] + rng.normal(0, 3, N),
            "SBO_CG": rng.random((N, 7)),  # a multi-column descriptor: listed, not scored
        })
        path = test / f"N{N}T{temp}_{i}.npz"
        np.savez(path, **arrays)
        files.append(arrays)
    return files


def _independent(files, key, metric="pearson", label=1):
    out = []
    for k in range(N_TIMES):
        p = np.concatenate([(f[key][k] if f[key].ndim == 2 else f[key])[f["types"] == label] for f in files])
        t = np.concatenate([f["md_prop"][k][f["types"] == label] for f in files])
        if metric == "pearson":
            out.append(stats.pearsonr(p, t)[0])
        elif metric == "spearman":
            out.append(stats.spearmanr(p, t)[0])
        else:
            out.append(np.mean((p - t) ** 2))
    return np.array(out)


def _chi4_independent(files, key):
    res = []
    for k in range(N_TIMES):
        means = [f[key][k][f["types"] == 1].mean() for f in files]
        n_a = np.mean([(f["types"] == 1).sum() for f in files])
        res.append(n_a * np.var(means))
    return np.array(res)


def test_pooled_metrics_match_scipy():
    rng = np.random.default_rng(0)
    types = [rng.integers(0, 2, 50) for _ in range(3)]
    trues = [rng.random((3, 50)) for _ in range(3)]
    preds = [t + rng.normal(0, 0.3, t.shape) for t in trues]
    for metric, ref in (("pearson", lambda a, b: stats.pearsonr(a, b)[0]),
                        ("spearman", lambda a, b: stats.spearmanr(a, b)[0]),
                        ("mse", lambda a, b: np.mean((a - b) ** 2))):
        got = pooled_metric(preds, trues, types, 0, metric)
        for k in range(3):
            a = np.concatenate([p[k][s == 0] for p, s in zip(preds, types)])
            b = np.concatenate([t[k][s == 0] for t, s in zip(trues, types)])
            assert got[k] == pytest.approx(ref(a, b), rel=1e-10)


def test_pooling_is_not_averaging_per_configuration():
    """Two configurations, each perfectly anticorrelated inside, offset so the pooled r is positive."""
    types = [np.zeros(3, int), np.zeros(3, int)]
    trues = [np.array([[0.0, 1.0, 2.0]]), np.array([[10.0, 11.0, 12.0]])]
    preds = [np.array([[2.0, 1.0, 0.0]]), np.array([[12.0, 11.0, 10.0]])]
    r = pooled_metric(preds, trues, types)[0]
    assert r > 0.9  # a per-configuration average would give -1


def test_propensity_chi4_definition():
    types = [np.array([0, 0, 1]), np.array([0, 0, 1])]
    fields = [np.array([[1.0, 3.0, 100.0]]), np.array([[5.0, 7.0, -100.0]])]
    # A-means 2 and 6 -> variance 4, N_A = 2
    assert propensity_chi4(fields, types)[0] == pytest.approx(8.0)
    assert np.isnan(propensity_chi4(fields[:1], types[:1])[0])  # one configuration: no variance


def test_one_pearson_for_learners_and_scores():
    """The scorer's pooled Pearson is the learners' pearson_columns, and a constant field has none."""
    from glassml.learn.features import pearson_columns

    rng = np.random.default_rng(1)
    types = [rng.integers(0, 2, 40) for _ in range(2)]
    trues = [rng.random((2, 40)) for _ in range(2)]
    preds = [t + rng.normal(0, 0.5, t.shape) for t in trues]
    a = [np.concatenate([p[k][s == 0] for p, s in zip(preds, types)]) for k in range(2)]
    b = [np.concatenate([t[k][s == 0] for t, s in zip(trues, types)]) for k in range(2)]
    np.testing.assert_array_equal(pooled_metric(preds, trues, types), pearson_columns(np.stack(a, 1), np.stack(b, 1)))
    const = [np.full((2, 40), 0.1) for _ in range(2)]  # 0.1 * n is not exact in binary: still NaN
    assert np.all(np.isnan(pooled_metric(const, trues, types)))


def test_score_models_path_reproduces_independent_answers(tmp_path):
    files = _write_glassbench(tmp_path)
    res = score_models_path(tmp_path / "KA2D_models")
    (g,) = res["groups"]
    assert g["system"] == "KA2D" and g["temperature"] == pytest.approx(0.3) and g["n_files"] == 4
    assert set(g["models"]) == {"BOTAN", "CAGE", "GlassMLP", "SE3"}
    assert set(g["descriptors"]) == {"DEN", "EPOT"}
    assert sum("'SBO_CG' has shape (60, 7)" in x for x in res["skipped"]) == 4
    assert g["species_map"] == {"1": "A", "2": "B", "3": "C"}
    for name in ("BOTAN", "CAGE", "GlassMLP", "SE3"):
        sc = g["models"][name]
        np.testing.assert_allclose(sc["pearson"]["A"], _independent(files, name), rtol=1e-10)
        np.testing.assert_allclose(sc["spearman"]["A"], _independent(files, name, "spearman"), rtol=1e-10)
        np.testing.assert_allclose(sc["mse"]["A"], _independent(files, name, "mse"), rtol=1e-10)
        np.testing.assert_allclose(sc["pearson"]["B"], _independent(files, name, label=2), rtol=1e-10)
        np.testing.assert_allclose(sc["chi4_pred"], _chi4_independent(files, name), rtol=1e-10)
        np.testing.assert_allclose(sc["chi4_true"], _chi4_independent(files, "md_prop"), rtol=1e-10)
    np.testing.assert_allclose(g["descriptors"]["EPOT"]["pearson"]["A"], _independent(files, "EPOT"), rtol=1e-10)
    # ordering sanity: less noise, better score; SE3 here is anti-correlated by construction
    p = {k: np.mean(v["pearson"]["A"]) for k, v in g["models"].items()}
    assert p["BOTAN"] > p["GlassMLP"] > p["CAGE"] > 0 > p["SE3"]


def test_one_file_and_published_ceiling(tmp_path):
    _write_glassbench(tmp_path, system="KA", temp="0.44")
    one = sorted((tmp_path / "KA_models" / "T0.44" / "test").glob("*.npz"))[0]
    res = score_models_path(one)
    (g,) = res["groups"]
    assert g["n_files"] == 1 and g["system"] == "KA"
    assert g["ceiling"][6] == pytest.approx(0.943) and g["tau_index"] == 6
    assert g["models"]["BOTAN"]["ceiling"] == g["ceiling"][:N_TIMES]


def test_cli_score_json_and_table(tmp_path, capsys):
    files = _write_glassbench(tmp_path)
    assert main(["bench", "score", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    got = out["groups"][0]["models"]["GlassMLP"]["pearson"]["A"]
    np.testing.assert_allclose(got, _independent(files, "GlassMLP"), rtol=1e-10)
    assert main(["bench", "score", str(tmp_path / "KA2D_models" / "T0.3" / "test")]) == 0
    table = capsys.readouterr().out
    assert "BOTAN" in table and "EPOT (descriptor)" in table


def test_score_bad_inputs_exit_2(tmp_path, capsys):
    assert main(["bench", "score", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "empty").mkdir()
    np.savez(tmp_path / "empty" / "x.npz", types=np.ones(3, int), md_prop=np.ones((2, 3)))
    assert main(["bench", "score", str(tmp_path / "empty")]) == 2
    assert "no file holds" in capsys.readouterr().err
    with pytest.raises(GlassmlError):
        score_predictions([np.ones((2, 3))], [np.ones((2, 4))], [np.zeros(4, int)])
