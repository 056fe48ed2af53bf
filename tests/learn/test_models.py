"""Feature-based estimators: they learn, survive save/load, select on validation only."""

from __future__ import annotations

import numpy as np
import pytest

import glassml.learn  # noqa: F401
from glassml.bench.score import pooled_metric
from glassml.errors import GlassmlError
from glassml.learn import get_estimator, registry
from glassml.learn.base import Estimator
from glassml.data import propensity_dataset as make_dataset

FEATURE_MODELS = ["boattini_ridge", "cage", "combined_ridge", "softness", "glassmlp"]
FAST = {"glassmlp": {"widths": [16], "loss_weights": [[0.05, 0.05]], "max_epochs": 150, "patience": 20}}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("learn") / "d", n_samples=10, n=160, seed=1)


def _pearson_a(preds, samples, k=None):
    trues = [s["md_prop"] for s in samples]
    types = [s["types"] for s in samples]
    r = pooled_metric(preds, trues, types, 0)
    return r if k is None else r[k]


def test_every_feature_model_is_registered():
    assert set(FEATURE_MODELS) <= set(registry())
    for name in FEATURE_MODELS:
        assert issubclass(get_estimator(name), Estimator)


@pytest.mark.parametrize("name", FEATURE_MODELS)
def test_fit_predict_generalises_and_save_load_identical(ds, name, tmp_path):
    cls = get_estimator(name)
    est = cls(seed=3, **FAST.get(name, {})).fit(ds.samples_in("train"), ds.samples_in("val"))
    test = ds.samples_in("test")
    preds = est.predict(test)
    assert len(preds) == len(test)
    assert all(p.shape == s["md_prop"].shape for p, s in zip(preds, test))
    r = _pearson_a(preds, test)
    ceiling = np.array(ds.manifest["targets"]["md_prop"]["ceiling"])
    # a real signal on unseen configurations, within the ceiling
    assert np.all(r > 0.3), r
    assert np.all(r < ceiling + 0.05), (r, ceiling)
    assert est.info_["seed"] == 3
    est.save(tmp_path / "m.npz")
    again = Estimator.load(tmp_path / "m.npz")
    assert type(again) is cls and again.info_["seed"] == 3
    for a, b in zip(preds, again.predict(test)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", FEATURE_MODELS)
def test_overfits_two_samples(tmp_path, name):
    """On a 2-sample training set (scored on those same samples) the model fits far above chance,
    and far above what it reaches when the targets are shuffled between particles."""
    small = make_dataset(tmp_path / "two", n_samples=4, n=120, seed=7, noise=0.0)
    train = small.samples_in("train")[:2]
    params = {"glassmlp": {"widths": [48], "weight_decays": [0.0], "loss_weights": [[0, 0]], "max_epochs": 400,
                           "patience": 400}}.get(name, {})
    est = get_estimator(name)(seed=0, **params).fit(train, train)
    r = _pearson_a(est.predict(train), train)
    assert np.all(r > (0.8 if name != "softness" else 0.7)), r


def test_unfitted_and_missing_inputs_are_user_errors(ds):
    with pytest.raises(GlassmlError):
        get_estimator("boattini_ridge")().predict(ds.samples_in("test"))
    with pytest.raises(GlassmlError, match="unknown model"):
        get_estimator("no_such_model")


def test_cage_needs_cage_positions(tmp_path):
    d = make_dataset(tmp_path / "nocage", n_samples=4, cage=False)
    cls = get_estimator("cage")
    assert "initial_positions_cage" in cls.missing_inputs(d.samples_in("train")[0])
    with pytest.raises(GlassmlError, match="desc_boattini_cage"):
        cls().fit(d.samples_in("train"), d.samples_in("val"))


def test_selection_uses_validation_only(ds):
    """The ridge strength is the one whose validation Pearson, averaged over times, is best,
    recomputed here with scikit-learn's Ridge; the test split plays no part."""
    from sklearn.linear_model import Ridge

    from glassml.learn.linear import DEFAULT_ALPHAS

    train, val = ds.samples_in("train"), ds.samples_in("val")
    a = get_estimator("boattini_ridge")(seed=0).fit(train, val)
    b = get_estimator("boattini_ridge")(seed=0).fit(train, val)
    assert a.info_["alpha"] == b.info_["alpha"]
    chosen = a.info_["alpha"]["0"]  # one strength for all times, per species
    stack = lambda ss, k: np.concatenate([np.asarray(s[k], float) for s in ss])  # noqa: E731
    xt, xv = stack(train, "desc_boattini"), stack(val, "desc_boattini")
    yt = np.concatenate([s["md_prop"].T for s in train])
    yv = np.concatenate([s["md_prop"].T for s in val])
    mt, mv = stack(train, "types") == 0, stack(val, "types") == 0
    mu, sd = xt[mt].mean(0), xt[mt].std(0)
    sd[sd < 1e-12] = 1.0
    zt, zv = (xt[mt] - mu) / sd, (xv[mv] - mu) / sd
    mean_r = []
    for alpha in DEFAULT_ALPHAS:
        pred = Ridge(alpha=alpha * mt.sum()).fit(zt, yt[mt]).predict(zv)
        mean_r.append(np.mean([np.corrcoef(pred[:, k], yv[mv][:, k])[0, 1] for k in range(yv.shape[1])]))
    assert chosen == pytest.approx(DEFAULT_ALPHAS[int(np.argmax(mean_r))])
    c = get_estimator("boattini_ridge")(seed=0).fit(train, train[:1])  # another validation set
    assert c.info_["val_pearson"] != a.info_["val_pearson"]
    # the final model is refitted on train + val at the chosen strength
    xa, ya = np.concatenate([xt[mt], xv[mv]]), np.concatenate([yt[mt], yv[mv]])
    mu, sd = xa.mean(0), xa.std(0)
    sd[sd < 1e-12] = 1.0
    test = ds.samples_in("test")
    xe, me = stack(test, "desc_boattini"), stack(test, "types") == 0
    want = Ridge(alpha=chosen * len(xa)).fit((xa - mu) / sd, ya).predict((xe[me] - mu) / sd)
    got = np.concatenate([p.T for p in a.predict(test)])[me]
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8)
    assert a.info_["refit_on_train_and_val"]


def test_softness_reports_its_correlation_with_propensity(ds):
    est = get_estimator("softness")(seed=0).fit(ds.samples_in("train"), ds.samples_in("val"))
    r = est.info_["softness_pearson_val"]["0"]
    assert len(r) == 4 and all(abs(v) > 0.3 for v in r)
    s = est.softness(ds.samples_in("test"))
    assert s[0].shape == (ds.samples_in("test")[0].n_particles,)
    assert "top 10%" in est.info_["label_definition"]


def test_glassmlp_records_trials_and_early_stopping(ds):
    est = get_estimator("glassmlp")(seed=0, widths=[8, 16], loss_weights=[[0, 0]], max_epochs=60, patience=5)
    est.fit(ds.samples_in("train"), ds.samples_in("val"))
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
