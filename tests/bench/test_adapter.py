"""The adapter: dataset split -> the arrays or configurations a learner takes, and back."""

from __future__ import annotations

import numpy as np
import pytest

import glassml.learn  # noqa: F401  (fills the registry)
from glassml.bench import adapter
from glassml.bench.run import tau_alpha_index
from glassml.data import propensity_dataset, tiny_dataset
from glassml.errors import GlassmlError
from glassml.learn import PropensityEstimator, get_estimator, registry


class NeighborCount(PropensityEstimator):
    """Graph-kind baseline: propensity at each time ~ a_t + b_t * (neighbors within ``cutoff``),
    fitted by least squares on the training configurations."""

    kind = "graph"

    def __init__(self, cutoff: float = 1.2, positions: str = "thermal", seed: int = 0):
        self.cutoff = cutoff
        self.positions = positions
        self.seed = seed

    def _counts(self, configurations):
        return [np.bincount(c.neighbors(self.cutoff).i, minlength=c.n_particles).astype(float) for c in configurations]

    def fit(self, configurations, y, *, validation=None, trajectories=None):
        n = np.concatenate(self._counts(configurations))
        Y = np.concatenate([np.asarray(t).T for t in y])
        slope, intercept = np.polyfit(n, Y, 1)
        self.coef_ = np.stack([intercept, slope])
        self.info_ = {"seed": self.seed, "n_validation": None if validation is None else len(validation[0]),
                      "trajectories": None if trajectories is None else [list(t.shape) for t in trajectories]}
        return self

    def predict(self, configurations):
        return [self.coef_[0][:, None] + self.coef_[1][:, None] * n[None, :] for n in self._counts(configurations)]

    def _state(self):
        return {"coef": self.coef_}

    def _set_state(self, state):
        self.coef_ = state["coef"]


class NeighborCountWithTrajectories(NeighborCount):
    """The same, declaring that it takes the replica trajectories too."""

    needs_trajectories = True


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return propensity_dataset(tmp_path_factory.mktemp("adapter") / "d", n_samples=5, n=100, seed=3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    ds = tiny_dataset(tmp_path_factory.mktemp("adapter") / "t", n_samples=4)
    names = ds.sample_names()
    ds.set_split(names[:2], names[2:3], names[3:])
    return ds


def test_feature_rows_are_the_stored_arrays_side_by_side(synthetic):
    samples = synthetic.samples_in("train")
    cage = get_estimator("cage")
    assert adapter.descriptor_arrays(cage) == ["desc_boattini_cage", "desc_boattini"]
    rows = adapter.feature_inputs(samples, cage, "md_prop")
    want = np.concatenate([np.concatenate([s["desc_boattini_cage"], s["desc_boattini"]], axis=1) for s in samples])
    np.testing.assert_array_equal(rows.X, want)
    np.testing.assert_array_equal(rows.y, np.concatenate([s["md_prop"].T for s in samples]))
    np.testing.assert_array_equal(rows.species, np.concatenate([s["types"] for s in samples]))
    np.testing.assert_array_equal(rows.groups, np.repeat(np.arange(len(samples)), 100))
    assert adapter.feature_inputs(samples, cage).y is None
    back = adapter.split_rows(rows.y, samples)
    for b, s in zip(back, samples):
        np.testing.assert_array_equal(b, s["md_prop"])


def test_every_registered_learner_says_what_it_reads(synthetic):
    for name, cls in registry().items():
        keys = adapter.required_arrays(cls)
        assert "types" in keys, name
        if cls.kind == "features":
            assert set(adapter.descriptor_arrays(cls)) <= set(keys)
    assert adapter.missing_inputs(get_estimator("boattini_ridge"), synthetic.samples_in("test")) == []


def test_graph_inputs_follow_the_positions_parameter(tiny):
    samples = tiny.samples_in("train")
    thermal = adapter.graph_inputs(samples, NeighborCount, "md_prop")
    assert thermal.trajectories is None and len(thermal.configurations) == 2
    for c, s, y in zip(thermal.configurations, samples, thermal.y):
        np.testing.assert_array_equal(c.positions, s["initial_positions"])
        np.testing.assert_array_equal(c.types, s["types"])
        np.testing.assert_array_equal(c.box, s["box"])
        np.testing.assert_array_equal(y, s["md_prop"])
    inherent = adapter.graph_inputs(samples, NeighborCount(positions="inherent"))
    assert inherent.y is None
    for c, s in zip(inherent.configurations, samples):
        np.testing.assert_array_equal(c.positions, s["initial_positions_inherent"])
        np.testing.assert_array_equal(c.reference, s["initial_positions"])
    with_traj = adapter.graph_inputs(samples, NeighborCountWithTrajectories, "md_prop")
    for t, s in zip(with_traj.trajectories, samples):
        np.testing.assert_array_equal(t, s["positions"])
    assert adapter.required_arrays(NeighborCountWithTrajectories)[-1] == "positions"
    # a dataset without cage positions: the runner skips the learner and says why
    assert adapter.missing_inputs(NeighborCount(positions="cage"), samples) == ["initial_positions_cage"]
    with pytest.raises(GlassmlError, match="initial_positions_cage"):
        adapter.graph_inputs(samples, NeighborCount(positions="cage"))
    with pytest.raises(GlassmlError, match="unknown positions"):
        adapter.graph_inputs(samples, NeighborCount(positions="relaxed"))


@pytest.mark.parametrize("cls", [NeighborCount, NeighborCountWithTrajectories])
def test_graph_round_trip(tiny, cls):
    train, val, test = (tiny.samples_in(p) for p in ("train", "val", "test"))
    est = adapter.fit(cls(), train, val, "md_prop")
    assert est.info_["n_validation"] == 1
    assert (est.info_["trajectories"] is not None) == cls.needs_trajectories
    preds = adapter.predict(est, test)
    assert [p.shape for p in preds] == [s["md_prop"].shape for s in test]


def test_feature_round_trip_matches_the_array_api(synthetic):
    train, val, test = (synthetic.samples_in(p) for p in ("train", "val", "test"))
    ridge = get_estimator("boattini_ridge")
    est = adapter.fit(ridge(), train, val, "md_prop")
    tr, va, te = (adapter.feature_inputs(s, ridge, "md_prop") for s in (train, val, test))
    direct = ridge().fit(tr.X, tr.y, species=tr.species, groups=tr.groups, validation=va.as_validation())
    got = adapter.predict(est, test)
    np.testing.assert_array_equal(np.concatenate([p.T for p in got]), direct.predict(te.X, species=te.species))


def test_tau_alpha_from_the_trajectories_uses_the_observables_fs(tmp_path):
    """tau_alpha_index estimates Fs(q=7.25, t) of type A from the stored replicas; the same
    curve computed here by hand gives the same time."""
    from glassml.dynamics.observables import tau_alpha
    from glassml.store import Dataset

    rng = np.random.default_rng(0)
    times = np.logspace(-1, 2, 7)
    ds = Dataset.create(tmp_path / "t", model="test", dimension=2, temperature=0.5, times=times, n_replicas=3)
    for i in range(3):
        x0 = rng.uniform(0, 6, (30, 2))
        steps = 0.15 * np.sqrt(times)[:, None, None, None] * rng.normal(size=(times.size, 3, 30, 2))
        ds.write_sample(f"s{i}", {"types": np.arange(30) % 2, "box": np.array([6.0, 6.0]), "initial_positions": x0,
                                  "times": times, "positions": x0 + steps}, seed=i, save=False)
    ds.set_split(["s0", "s1"], ["s2"], [])
    k, source = tau_alpha_index(ds)
    fs = []
    for s in ds.samples_in("train"):
        a = s["types"] == 0
        fs.append(np.cos(7.25 * (s["positions"][:, :, a, :] - s["initial_positions"][None, None, a, :])).mean(axis=(1, 2, 3)))
    tau = tau_alpha(times, np.mean(fs, axis=0))
    assert tau is not None and "estimated tau_alpha" in source
    assert k == int(np.argmin(np.abs(np.log(times) - np.log(tau))))
