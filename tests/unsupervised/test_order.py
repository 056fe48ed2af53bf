"""The order parameter: slow-cluster choice on the given rows only, correlations against scipy,
and the leaderboard model never reading the test split."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from glassml.data import propensity_dataset
from glassml.errors import GlassmlError
from glassml.unsupervised import StructuralClusters, UnsupervisedOrderParameter, propensity_correlations


def two_structures(n=400, seed=0):
    """Two structural populations; population 1 is slow (low propensity).  Two species."""
    rng = np.random.default_rng(seed)
    pop = rng.random(n) < 0.4
    X = rng.normal(size=(n, 6)) + 3.0 * pop[:, None] * np.array([1, -1, 1, 0, 0, 0])
    species = (rng.random(n) < 0.3).astype(np.int64)
    y = np.stack([1.0 + k - (1 + 0.5 * k) * pop + 0.5 * rng.normal(size=n) for k in range(3)])
    return X, y, species, pop


def test_slow_cluster_is_the_low_propensity_population():
    X, y, species, pop = two_structures()
    op = UnsupervisedOrderParameter(method="pca", seed=0).fit(X, y, species)
    order = op.transform(X, species)
    assert set(op.slow_cluster_) == {0, 1}
    for s in (0, 1):
        assert op.clusters_.n_clusters_[s] == 2
        m = species == s
        assert np.mean((order[m] > 0.5) == pop[m]) > 0.97
    corr = propensity_correlations(order, y, species)
    for s in (0, 1):
        m = species == s
        for t in range(3):
            assert corr[s]["pearson"][t] == pytest.approx(pearsonr(order[m], y[t, m])[0], abs=1e-12)
            assert corr[s]["spearman"][t] == pytest.approx(spearmanr(order[m], y[t, m])[0], abs=1e-12)
            assert corr[s]["pearson"][t] < -0.5


@pytest.mark.parametrize("method", ["pca", "gmm", "kmeans"])
def test_same_seed_same_labels(method):
    X, _, species, pop = two_structures(seed=3)
    a = StructuralClusters(method=method, seed=2, max_clusters=3).fit(X, species)
    b = StructuralClusters(method=method, seed=2, max_clusters=3).fit(X, species)
    np.testing.assert_array_equal(a.predict(X, species), b.predict(X, species))
    np.testing.assert_array_equal(a.transform(X, species), b.transform(X, species))
    again = StructuralClusters.from_state(a.state())
    np.testing.assert_array_equal(again.predict(X, species), a.predict(X, species))


def test_bad_input_is_a_glassml_error():
    X, y, species, _ = two_structures(n=60)
    with pytest.raises(GlassmlError, match="only"):
        StructuralClusters(method="kmeans", components=100).fit(X, species)
    with pytest.raises(GlassmlError, match="unknown method"):
        StructuralClusters(method="tsne").fit(X)
    y[0, 3] = np.nan
    with pytest.raises(GlassmlError, match="NaN"):
        UnsupervisedOrderParameter().fit(X, y, species)


def test_leaderboard_model_reads_train_and_val_only(tmp_path):
    from glassml.bench import adapter
    from glassml.learn import PropensityEstimator, get_estimator

    ds = propensity_dataset(tmp_path / "d", n_samples=5, n=160, seed=2)
    cls = get_estimator("unsupervised")
    train, val, test = ds.samples_in("train"), ds.samples_in("val"), ds.samples_in("test")
    est = adapter.fit(cls(seed=0, max_clusters=3), train, val, "md_prop")
    pred = adapter.predict(est, test)
    # scramble the test targets: a model that never reads them predicts the same
    for s in test:
        ds.update_sample(s.name, {"md_prop": np.asarray(s["md_prop"])[:, ::-1]})
    again = adapter.predict(adapter.fit(cls(seed=0, max_clusters=3), train, val, "md_prop"), ds.samples_in("test"))
    for a, b in zip(pred, again):
        np.testing.assert_array_equal(a, b)
    est.save(tmp_path / "m.npz")
    loaded = PropensityEstimator.load(tmp_path / "m.npz")
    for a, b in zip(pred, adapter.predict(loaded, test)):
        np.testing.assert_array_equal(a, b)
    assert est.info_["selection"] == "validation data"
    # the slow cluster anticorrelates with the propensity, so the read-out slope is negative
    assert all(np.all(c[1] < 0) for c in est.readout_.values())
