"""Feature learners on arrays: they learn, survive save/load, select on validation only."""

from __future__ import annotations

import numpy as np
import pytest

import glassml.learn  # noqa: F401
from glassml.bench import adapter
from glassml.bench.score import pooled_metric
from glassml.data import propensity_dataset as make_dataset
from glassml.errors import GlassmlError
from glassml.learn import FeatureEstimator, NotFittedError, PropensityEstimator, get_estimator, registry

FEATURE_MODELS = sorted(n for n, c in registry().items() if c.kind == "features")
#: the learners that fit a map from structure to target (the unsupervised order parameter does not)
SUPERVISED = {n for n in FEATURE_MODELS if getattr(registry()[n], "supervised", True)}
#: smaller grids for the slow learner, chosen by parameter name (a learner without them ignores them)
SMALL = {"widths": (16,), "loss_weights": ((0.05, 0.05),), "max_epochs": 150, "patience": 20}


def _small(cls, **over):
    names = cls._get_param_names()
    return {**{k: v for k, v in SMALL.items() if k in names}, **over}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("learn") / "d", n_samples=10, n=160, seed=1)


@pytest.fixture(scope="module")
def rows(ds):
    """{model: {split: FeatureInputs}} from the dataset, through the benchmark's adapter."""
    return {name: {part: adapter.feature_inputs(ds.samples_in(part), get_estimator(name), "md_prop")
                   for part in ("train", "val", "test")} for name in FEATURE_MODELS}


def _pearson_a(pred_rows, data, k=None):
    """Type-A pooled Pearson per time of (n, T) rows (the benchmark's score)."""
    r = pooled_metric([pred_rows.T], [data.y.T], [data.species], 0)
    return r if k is None else r[k]


def test_every_feature_model_is_registered_and_a_scikit_learn_estimator():
    assert {"boattini_ridge", "cage", "combined_ridge", "softness", "glassmlp"} <= set(FEATURE_MODELS)
    for name in FEATURE_MODELS:
        cls = get_estimator(name)
        assert issubclass(cls, FeatureEstimator) and issubclass(cls, PropensityEstimator)
        assert cls.descriptor_sets and "seed" in cls._get_param_names()


@pytest.mark.parametrize("name", FEATURE_MODELS)
def test_fit_predict_generalises_and_save_load_identical(ds, rows, name, tmp_path):
    cls = get_estimator(name)
    tr, va, te = rows[name]["train"], rows[name]["val"], rows[name]["test"]
    est = cls(**_small(cls, seed=3)).fit(tr.X, tr.y, species=tr.species, groups=tr.groups,
                                         validation=va.as_validation())
    assert est.n_features_in_ == tr.X.shape[1] and est.n_outputs_ == 4
    pred = est.predict(te.X, species=te.species, groups=te.groups)
    assert pred.shape == te.y.shape
    r = _pearson_a(pred, te)
    ceiling = np.array(ds.manifest["targets"]["md_prop"]["ceiling"])
    # a real signal on unseen configurations, within the ceiling
    assert np.all(r > (0.3 if name in SUPERVISED else 0.2)), r
    assert np.all(r < ceiling + 0.05), (r, ceiling)
    assert est.info_["seed"] == 3 and est.info_["selection"] == "validation data"
    est.save(tmp_path / "m.npz")
    again = PropensityEstimator.load(tmp_path / "m.npz")
    assert type(again) is cls and again.info_["seed"] == 3 and again.get_params() == est.get_params()
    np.testing.assert_array_equal(again.predict(te.X, species=te.species), pred)
    # the adapter's round trip is the same fit on the same rows, one (T, N) array per sample
    per_sample = adapter.predict(est, ds.samples_in("test"))
    np.testing.assert_array_equal(np.concatenate([p.T for p in per_sample]), pred)


@pytest.mark.parametrize("name", sorted(SUPERVISED))
def test_overfits_two_samples(tmp_path, name):
    """On a 2-sample training set (scored on those same samples) the model fits far above chance."""
    small = make_dataset(tmp_path / "two", n_samples=4, n=120, seed=7, noise=0.0)
    cls = get_estimator(name)
    tr = adapter.feature_inputs(small.samples_in("train")[:2], cls, "md_prop")
    params = _small(cls, seed=0, **({"widths": [48], "weight_decays": [0.0], "loss_weights": [[0, 0]],
                                     "max_epochs": 400, "patience": 400} if "widths" in cls._get_param_names() else {}))
    est = cls(**params).fit(tr.X, tr.y, species=tr.species, groups=tr.groups, validation=tr.as_validation())
    r = _pearson_a(est.predict(tr.X, species=tr.species), tr)
    assert np.all(r > (0.8 if name != "softness" else 0.7)), r


@pytest.mark.parametrize("name", FEATURE_MODELS)
def test_without_validation_a_held_out_part_of_training_selects(rows, name):
    """No validation data: selection runs on held-out training configurations, chosen by the seed."""
    cls = get_estimator(name)
    tr, te = rows[name]["train"], rows[name]["test"]
    a = cls(**_small(cls, seed=0)).fit(tr.X, tr.y, species=tr.species, groups=tr.groups)
    b = cls(**_small(cls, seed=0)).fit(tr.X, tr.y, species=tr.species, groups=tr.groups)
    assert "of 6 training configurations held out" in a.info_["selection"]
    np.testing.assert_array_equal(a.predict(te.X, species=te.species), b.predict(te.X, species=te.species))
    assert np.all(_pearson_a(a.predict(te.X, species=te.species), te) > (0.3 if name in SUPERVISED else 0.05))


def test_one_time_target_gives_one_column_predictions(rows):
    tr, te = rows["boattini_ridge"]["train"], rows["boattini_ridge"]["test"]
    est = get_estimator("boattini_ridge")(alpha=1e-2).fit(tr.X, tr.y[:, 2], species=tr.species)
    assert est.info_["selection"] == "none (fixed alpha)" and est.info_["alpha"] == {"0": 0.01, "1": 0.01}
    assert est.predict(te.X, species=te.species).shape == (te.X.shape[0],)


def test_user_errors(ds, rows):
    tr, va = rows["boattini_ridge"]["train"], rows["boattini_ridge"]["val"]
    with pytest.raises(NotFittedError, match="fit the model before predicting"):
        get_estimator("boattini_ridge")().predict(tr.X)
    assert issubclass(NotFittedError, GlassmlError)
    with pytest.raises(GlassmlError, match="unknown model"):
        get_estimator("no_such_model")
    est = get_estimator("boattini_ridge")()
    with pytest.raises(GlassmlError, match="differ in width"):
        est.fit(tr.X, tr.y, species=tr.species, validation=(va.X[:, :3], va.y, va.species))
    with pytest.raises(GlassmlError, match="species must have shape"):
        est.fit(tr.X, tr.y, species=tr.species[:-1])
    with pytest.raises(GlassmlError, match="NaN"):
        est.fit(np.where(tr.X > 2, np.nan, tr.X), tr.y)
    est.fit(tr.X[tr.species == 0], tr.y[tr.species == 0])
    with pytest.raises(GlassmlError, match="species 1 not in the training set"):
        est.predict(tr.X, species=tr.species)
    with pytest.raises(GlassmlError, match="expecting 10 features"):
        est.predict(tr.X[:, :4])


def test_cage_needs_cage_positions(tmp_path):
    d = make_dataset(tmp_path / "nocage", n_samples=4, cage=False)
    cls = get_estimator("cage")
    missing = adapter.missing_inputs(cls, d.samples_in("train"))
    assert {"initial_positions_cage", "desc_boattini_cage"} <= set(missing)
    with pytest.raises(GlassmlError, match="desc_boattini_cage"):
        adapter.feature_inputs(d.samples_in("train"), cls, "md_prop")


def test_selection_uses_validation_only(ds, rows):
    """The ridge strength is the one whose validation Pearson, averaged over times, is best,
    recomputed here with scikit-learn's Ridge; the test split plays no part."""
    from sklearn.linear_model import Ridge

    from glassml.learn.linear import DEFAULT_ALPHAS

    tr, va, te = rows["boattini_ridge"]["train"], rows["boattini_ridge"]["val"], rows["boattini_ridge"]["test"]
    cls = get_estimator("boattini_ridge")
    a = cls(seed=0).fit(tr.X, tr.y, species=tr.species, validation=va.as_validation())
    b = cls(seed=0).fit(tr.X, tr.y, species=tr.species, validation=va.as_validation())
    assert a.info_["alpha"] == b.info_["alpha"]
    chosen = a.info_["alpha"]["0"]  # one strength for all times, per species
    # the learner reads exactly the stored descriptor array
    np.testing.assert_array_equal(tr.X, np.concatenate([s["desc_boattini"] for s in ds.samples_in("train")]))
    mt, mv = tr.species == 0, va.species == 0
    mu, sd = tr.X[mt].mean(0), tr.X[mt].std(0)
    sd[sd < 1e-12] = 1.0
    zt, zv = (tr.X[mt] - mu) / sd, (va.X[mv] - mu) / sd
    mean_r = []
    for alpha in DEFAULT_ALPHAS:
        pred = Ridge(alpha=alpha * mt.sum()).fit(zt, tr.y[mt]).predict(zv)
        mean_r.append(np.mean([np.corrcoef(pred[:, k], va.y[mv][:, k])[0, 1] for k in range(va.y.shape[1])]))
    assert chosen == pytest.approx(DEFAULT_ALPHAS[int(np.argmax(mean_r))])
    one = va.groups == 0  # another validation set: another score
    c = cls(seed=0).fit(tr.X, tr.y, species=tr.species,
                        validation=(va.X[one], va.y[one], va.species[one], va.groups[one]))
    assert c.info_["val_pearson"] != a.info_["val_pearson"]
    # the final model is refitted on train + val at the chosen strength
    xa, ya = np.concatenate([tr.X[mt], va.X[mv]]), np.concatenate([tr.y[mt], va.y[mv]])
    mu, sd = xa.mean(0), xa.std(0)
    sd[sd < 1e-12] = 1.0
    me = te.species == 0
    want = Ridge(alpha=chosen * len(xa)).fit((xa - mu) / sd, ya).predict((te.X[me] - mu) / sd)
    got = a.predict(te.X, species=te.species)[me]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8)
    assert a.info_["refit_on_train_and_val"]


def test_softness_reports_its_correlation_with_propensity(rows):
    tr, va, te = rows["softness"]["train"], rows["softness"]["val"], rows["softness"]["test"]
    est = get_estimator("softness")(seed=0).fit(tr.X, tr.y, species=tr.species, groups=tr.groups,
                                               validation=va.as_validation())
    r = est.info_["softness_pearson_val"]["0"]
    assert len(r) == 4 and all(abs(v) > 0.3 for v in r)
    s = est.softness(te.X, species=te.species)
    assert s.shape == (te.X.shape[0],)
    assert "top 10%" in est.info_["label_definition"]


def test_softness_labels_are_per_configuration():
    from glassml.learn.softness import rearranging_labels

    prop = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0])
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    lab = rearranging_labels(prop, groups, q_high=0.25, q_low=0.5)
    # the top quarter and bottom half of each configuration, not of the pooled values
    np.testing.assert_array_equal(lab, [-1, -1, 0, 1, -1, -1, 0, 1])


def test_glassmlp_records_trials_and_early_stopping(rows):
    tr, va = rows["glassmlp"]["train"], rows["glassmlp"]["val"]
    est = get_estimator("glassmlp")(seed=0, widths=[8, 16], loss_weights=[[0, 0]], max_epochs=60, patience=5)
    est.fit(tr.X, tr.y, species=tr.species, groups=tr.groups, validation=va.as_validation())
    trials = est.info_["trials"]
    assert len(trials) == 2
    assert est.info_["chosen"]["width"] == max(trials, key=lambda t: t["val_mean_pearson"])["width"]
    assert all(t["best_epoch"] < t["epochs_run"] <= 60 for t in trials)


def test_glassmlp_loss_terms():
    import torch

    from glassml.learn.glassmlp import glassmlp_loss

    true = torch.tensor([[1.0], [2.0], [3.0], [4.0]], dtype=torch.float64)
    conf = torch.tensor([0, 0, 1, 1])
    # a prediction with the right mean per particle but no spread: MSE alone, then the variance term
    flat = torch.full_like(true, 2.5)
    mse = float(((flat - true) ** 2).mean())
    assert float(glassmlp_loss(flat, true, conf, 2, 0.0, 0.0)) == pytest.approx(mse)
    var_term = (0.0 - float(true.std(dim=0)[0])) ** 2
    assert float(glassmlp_loss(flat, true, conf, 2, 1.0, 0.0)) == pytest.approx(mse + var_term)
    # configuration means 1.5 and 3.5 (std sqrt(2)); flat prediction has std 0 across configurations
    chi_term = (0 - np.sqrt(2.0)) ** 2
    assert float(glassmlp_loss(flat, true, conf, 2, 0.0, 1.0)) == pytest.approx(mse + chi_term)


def test_save_refuses_a_value_json_would_not_read_back(rows, tmp_path):
    """Saving is strict: a parameter JSON cannot hold as itself (here a set) is a GlassmlError
    naming the learner and the type, and no file is written."""
    tr = rows["boattini_ridge"]["train"]
    est = get_estimator("boattini_ridge")(alphas={1e-2, 1.0}).fit(tr.X, tr.y, species=tr.species)
    with pytest.raises(GlassmlError, match=r"boattini_ridge: cannot save .* type set"):
        est.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    # numpy values are written as plain numbers and lists (a list read back as a tuple where the default is one)
    est.set_params(alphas=np.array([1e-2, 1.0]), seed=np.int64(2)).save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    assert back.alphas == (1e-2, 1.0) and back.seed == 2 and type(back.seed) is int


def test_load_returns_the_saved_class_or_refuses_another(rows, tmp_path):
    tr = rows["boattini_ridge"]["train"]
    get_estimator("boattini_ridge")(alpha=1e-2).fit(tr.X, tr.y, species=tr.species).save(tmp_path / "r.npz")
    assert type(PropensityEstimator.load(tmp_path / "r.npz")).__name__ == "BoattiniRidge"
    assert type(FeatureEstimator.load(tmp_path / "r.npz")).__name__ == "BoattiniRidge"
    with pytest.raises(GlassmlError, match=r"r\.npz: holds a saved 'boattini_ridge' model, not a Softness"):
        get_estimator("softness").load(tmp_path / "r.npz")


#: run in a fresh interpreter where torch and e3nn are absent as they are without the extra:
#: importlib.util.find_spec gives None for them and importing them raises ModuleNotFoundError
WITHOUT_TORCH = r"""
import importlib.abc, importlib.util, sys
ABSENT = ("torch", "e3nn")

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ABSENT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Absent())
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, package=None: (None if name.partition(".")[0] in ABSENT
                                                       else _find_spec(name, package))
import numpy as np
from glassml.errors import GlassmlError
from glassml.learn import GlassMLP, get_estimator, registry, PropensityEstimator

def message(fn):
    try:
        fn()
    except GlassmlError as exc:
        return str(exc)
    raise SystemExit(f"no GlassmlError from {fn}")

names = registry()
assert "glassmlp" in names and not {"bapst", "botan", "se3"} & set(names), sorted(names)
X, y = np.random.default_rng(0).normal(size=(40, 3)), np.random.default_rng(1).normal(size=40)
print("fit:", message(lambda: GlassMLP(max_epochs=2).fit(X, y)))
print("load:", message(lambda: PropensityEstimator.load(sys.argv[1])))
print("name:", message(lambda: get_estimator("bapst")))
print("import:", message(lambda: __import__("glassml.learn.gnn")))
assert "torch" not in sys.modules
"""


def test_without_torch_every_entry_point_names_the_learn_extra(rows, tmp_path):
    """Without torch: the feature learners are registered, the graph learners are not, and fitting
    or loading GlassMLP, asking for a graph learner by name or importing glassml.learn.gnn each
    raise the one-line GlassmlError that says to install the learn extra."""
    import subprocess
    import sys

    tr = rows["glassmlp"]["train"]
    get_estimator("glassmlp")(widths=(4,), loss_weights=((0, 0),), max_epochs=2).fit(
        tr.X, tr.y, species=tr.species, groups=tr.groups).save(tmp_path / "mlp.npz")
    proc = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, str(tmp_path / "mlp.npz")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    assert set(lines) == {"fit", "load", "name", "import"}
    for line in lines.values():
        assert "needs the 'learn' extra (torch is not installed): pip install 'glassml[learn]'" in line, line
    assert lines["fit"].startswith("GlassMLP") and lines["name"].startswith("model 'bapst'")
