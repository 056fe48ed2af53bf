"""Graph learners (glassml.learn.gnn): Bapst GNN, BOTAN, SE(3)-equivariant GNN.

Tiny periodic systems built as Configurations, with targets that are deterministic functions of
local structure (and replica trajectories whose displacements are too), so every model can fit
them; checks of the scikit-learn conventions, invariance, overfitting, persistence, resume and
batching.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone

from glassml.data import spaced_points
from glassml.errors import GlassmlError
from glassml.learn.base import NEEDS_EXTRA, PropensityEstimator, get_estimator, registry
from glassml.learn.gnn import BOTAN, BapstGNN, EquivariantGNN
from glassml.learn.gnn.graphs import Graph, collate, locate_pairs, neighbor_graph, random_cube_symmetry, random_rotation
from glassml.structure import Configuration

torch.set_num_threads(1)

MODELS = [BapstGNN, BOTAN, EquivariantGNN]
TINY = {"bapst": {"mlp_sizes": [16, 16], "n_steps": 2}, "botan": {"mlp_sizes": [16, 16], "n_steps": 2}, "se3": {"scalars": 8, "vectors": 4, "n_layers": 2}}
MODEL_NAME = {2: "ka2d", 3: "ka3d"}


# ---------------------------------------------------------------------------- toy data


def structural_targets(conf, n_times, n_replicas=2):
    """A propensity (T, N) and replica trajectories (T, R, N, d) that depend on local structure only."""
    nb = conf.neighbors(1.6)
    n, t = conf.n_particles, conf.types
    w = np.exp(-2 * (nb.distances - 1.0) ** 2) * (1 + t[nb.i])
    density = np.bincount(nb.j, weights=w, minlength=n)
    md = np.stack([(k + 1) * density + 0.3 * k * t for k in range(n_times)])
    # every particle is pushed away from its neighbors, more so by the close ones
    push = np.zeros((n, conf.dimension))
    np.add.at(push, nb.j, (w / nb.distances)[:, None] * nb.vectors)
    scale = 0.04 * (1 + np.arange(n_times))[:, None, None, None] * (1 + 0.2 * np.arange(n_replicas))[None, :, None, None]
    traj = conf.positions[None, None] + scale * push[None, None]
    return md, traj


def toy(rng, n, box, n_times=3, model=None):
    box = np.asarray(box, float)
    x = spaced_points(rng, n, box)
    types = np.zeros(n, dtype=np.int64)
    types[rng.permutation(n)[: n // 4]] = 1
    conf = Configuration(x, box, types, model=model)
    md, traj = structural_targets(conf, n_times)
    return {"conf": conf, "y": md, "traj": traj, "x": x, "box": box, "types": types}


def confs(items):
    return [it["conf"] for it in items]


def fit_items(est, train, val=()):
    validation = (confs(val), [v["y"] for v in val], [v["traj"] for v in val]) if len(val) else None
    return est.fit(confs(train), [t["y"] for t in train], validation=validation, trajectories=[t["traj"] for t in train])


def quick_fit(cls, train, val=(), **kw):
    params = {"epochs": 1, "device": "cpu", "seed": 0, **TINY[cls.name], **kw}
    return fit_items(cls(**params), train, val)


@pytest.fixture(scope="module")
def data3d():
    rng = np.random.default_rng(1)
    return [toy(rng, 40, [4.2, 4.4, 4.6], model="ka3d") for _ in range(4)]


@pytest.fixture(scope="module")
def data2d():
    rng = np.random.default_rng(2)
    return [toy(rng, 36, [6.0, 6.3], model="ka2d") for _ in range(3)]


# ---------------------------------------------------------------------------- graph utilities
def test_registered_names_and_kind():
    assert get_estimator("bapst") is BapstGNN and get_estimator("botan") is BOTAN and get_estimator("se3") is EquivariantGNN
    # get_estimator names the learn extra for exactly these when torch is missing
    assert {n for n, c in registry().items() if c.kind == "graph"} == set(NEEDS_EXTRA)
    assert all(issubclass(c, PropensityEstimator) and c.kind == "graph" for c in MODELS)
    assert BOTAN.needs_trajectories and not BapstGNN.needs_trajectories and not EquivariantGNN.needs_trajectories


def test_neighbor_graph_on_a_hand_built_periodic_system():
    # box 4 x 5; particle 2 sees particle 0 through the x boundary; particle 3 is isolated
    x = np.array([[0.2, 1.0], [1.2, 1.0], [3.7, 1.0], [2.0, 3.8]])
    conf = Configuration(x, [4.0, 5.0])
    ei, vec = neighbor_graph(conf, 1.1, self_edges=False)
    assert ei.tolist() == [[1, 2, 0, 0], [0, 0, 1, 2]]  # sorted by receiver, then sender
    np.testing.assert_allclose(vec, [[-1.0, 0.0], [0.5, 0.0], [1.0, 0.0], [-0.5, 0.0]], atol=1e-12)
    ei, vec = neighbor_graph(conf, 1.1, self_edges=True)
    assert ei.tolist() == [[0, 1, 2, 0, 1, 0, 2, 3], [0, 0, 0, 1, 1, 2, 2, 3]]
    assert np.all(vec[ei[0] == ei[1]] == 0)


def test_locate_pairs_finds_directed_pairs():
    ei = np.array([[0, 0, 1, 2, 2], [1, 2, 0, 0, 1]])
    got = locate_pairs(ei, 3, np.array([[2, 1, 0, 1], [1, 0, 2, 2]]))
    assert got.tolist() == [4, 2, 1, -1]


def test_cube_symmetries_map_the_box_onto_itself():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(400):
        m = random_cube_symmetry(rng, 3)
        assert np.allclose(m @ m.T, np.eye(3))
        assert set(np.abs(m).sum(0)) == {1.0} and set(np.abs(m).ravel()) <= {0.0, 1.0}
        seen.add(m.tobytes())
    assert len(seen) == 48  # the full octahedral group with reflections


def test_random_rotation_is_proper():
    rng = np.random.default_rng(0)
    for d in (2, 3):
        q = random_rotation(rng, d)
        assert np.allclose(q @ q.T, np.eye(d)) and np.isclose(np.linalg.det(q), 1.0)


def test_collate_offsets_edges_and_keeps_targets():
    g1 = Graph(types=np.array([0, 1]), edge_index=np.array([[0, 1], [1, 0]]), edge_vectors=np.array([[1.0, 0], [-1.0, 0]]), node_scalars=np.zeros((2, 0)), target=np.array([[1.0, 2.0]]))
    g2 = Graph(types=np.array([1, 0, 0]), edge_index=np.array([[0, 2], [2, 0]]), edge_vectors=np.array([[0.0, 1], [0.0, -1]]), node_scalars=np.zeros((3, 0)), target=np.array([[3.0, 4.0, 5.0]]))
    b = collate([g1, g2], "cpu", transforms=[None, np.array([[0.0, -1.0], [1.0, 0.0]])])
    assert b.edge_index.tolist() == [[0, 1, 2, 4], [1, 0, 4, 2]]
    assert b.node_offsets == [0, 2, 5]
    assert torch.allclose(b.edge_vectors[2:], torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))
    assert b.target[:, 0].tolist() == [1, 2, 3, 4, 5]


# ---------------------------------------------------------------------------- scikit-learn conventions
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_get_params_set_params_and_clone(cls, data3d):
    keys = ["potential_energy"]
    est = cls(epochs=2, node_keys=keys, seed=4, device="cpu", **TINY[cls.name])
    params = est.get_params()
    assert params["node_keys"] is keys and params["epochs"] == 2 and params["seed"] == 4 and params["size"] is None
    assert cls(**params).get_params() == params  # round trip
    assert not any(k.endswith("_") for k in vars(est))  # nothing fitted before fit
    est.set_params(epochs=1, lr=3e-3)
    assert est.epochs == 1 and est.lr == 3e-3
    fitted = fit_items(est, data3d[:2])
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params() and not hasattr(twin, "net_")
    a = fitted.predict(confs(data3d[2:3]))[0]
    b = fit_items(twin, data3d[:2]).predict(confs(data3d[2:3]))[0]
    # same parameters and seed, same network; float32 sums over several CPU threads may differ in the last bit
    np.testing.assert_allclose(a, b, rtol=1e-6)
    for attr in ("net_", "n_types_", "n_times_", "dimension_", "target_mean_", "history_", "info_"):
        assert hasattr(fitted, attr)


def test_size_preset_fills_only_parameters_left_at_none():
    paper = BapstGNN(size="paper")._resolved()
    assert paper["mlp_sizes"] == (64, 64) and paper["n_steps"] == 7 and paper["lr"] == 1e-4 and paper["epochs"] == 1000
    mixed = BapstGNN(size="paper", n_steps=2, lr=1e-2)._resolved()
    assert mixed["n_steps"] == 2 and mixed["lr"] == 1e-2 and mixed["mlp_sizes"] == (64, 64)
    default = EquivariantGNN()._resolved()
    assert default["lmax"] == 1 and default["epochs"] == 20 and default["augment"] is False and default["cutoff"] == 1.5
    assert EquivariantGNN(size="paper")._resolved()["cutoff"] == 2.0 == BapstGNN(size="paper")._resolved()["cutoff"]


def test_bapst_paper_parameter_count_matches_hand_count():
    h, d, k = 64, 3, 2
    mlp = lambda n_in, sizes: sum((a + 1) * b for a, b in zip([n_in] + sizes[:-1], sizes))  # noqa: E731
    node_only = mlp(k, [h, h]) + mlp(d, [h, h]) + mlp(6 * h, [h, h]) + mlp(3 * h, [h, h]) + mlp(h, [h, h, 1])
    assert BapstGNN(size="paper").n_parameters() == node_only  # 62,465
    assert BOTAN(size="paper").n_parameters() == node_only + mlp(h, [h, h, 1])  # 70,850: Bapst's "about 70k"
    assert EquivariantGNN(size="paper").n_parameters() < node_only


# ---------------------------------------------------------------------------- invariances
def _moved(item, *, shift=None, perm=None):
    x, types = item["x"], item["types"]
    if shift is not None:
        x = np.mod(x + shift, item["box"])
    if perm is not None:
        x, types = x[perm], types[perm]
    return Configuration(x, item["box"], types, model=item["conf"].model)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
@pytest.mark.parametrize("dim", [2, 3])
def test_translation_and_permutation_leave_predictions_unchanged(cls, dim, data2d, data3d):
    items = data3d if dim == 3 else data2d
    est = quick_fit(cls, items[:2], node_keys=["potential_energy"])
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(items[0]["types"]))
    shift = rng.uniform(-10, 10, size=dim)
    base, shifted, permuted = est.predict([items[0]["conf"], _moved(items[0], shift=shift), _moved(items[0], perm=perm)])
    assert np.abs(base).max() > 0
    np.testing.assert_allclose(shifted, base, atol=1e-5, rtol=0)
    np.testing.assert_allclose(permuted, base[:, perm], atol=1e-5, rtol=0)


def _cluster(rng, n, dim, box_length, radius):
    """Particles in a ball far from its periodic images (so a rotation about its centre is exact)."""
    pts = []
    while len(pts) < n:
        p = rng.uniform(-radius, radius, size=dim)
        if np.linalg.norm(p) < radius and all(np.linalg.norm(p - q) > 0.75 for q in pts):
            pts.append(p)
    return np.array(pts) + box_length / 2, (rng.uniform(size=n) < 0.3).astype(np.int64)


@pytest.mark.parametrize("dim", [2, 3])
def test_se3_predictions_are_invariant_under_any_rotation(dim):
    rng = np.random.default_rng(11)
    x, types = _cluster(rng, 30, dim, 20.0, 2.6 if dim == 3 else 3.0)
    box = np.full(dim, 20.0)
    conf = Configuration(x, box, types)
    md, _ = structural_targets(conf, 3)
    est = EquivariantGNN(seed=0, epochs=3, lr=1e-2, device="cpu", scalars=8, vectors=4, n_layers=3, lmax=2).fit([conf], [md])
    moved = [Configuration((x - 10.0) @ random_rotation(rng, dim).T + 10.0, box, types) for _ in range(3)]
    # a reflection too: the features have definite parity
    moved.append(Configuration(x * np.r_[-1.0, np.ones(dim - 1)] + np.r_[20.0, np.zeros(dim - 1)], box, types))
    preds = est.predict([conf] + moved)
    assert preds[0].std() > 1e-3  # the test would be empty for a constant prediction
    for p in preds[1:]:
        np.testing.assert_allclose(p, preds[0], atol=1e-5, rtol=0)
    # and in a periodic system, rotating every relative vector changes nothing either
    assert est.rotation_sensitivity([conf], n_rotations=3) < 1e-5


def test_bapst_is_not_rotation_invariant_by_construction(data3d):
    est = quick_fit(BapstGNN, data3d[:2], epochs=3)
    assert est.rotation_sensitivity(confs(data3d[2:]), n_rotations=2) > 1e-4


# ---------------------------------------------------------------------------- fitting
@pytest.mark.slow
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_each_model_overfits_two_configurations(cls):
    rng = np.random.default_rng(3)
    items = [toy(rng, 24, np.full(3, 4.1), n_times=2) for _ in range(2)]
    kw = {"mlp_sizes": [48, 48], "n_steps": 2} if cls is not EquivariantGNN else {"scalars": 16, "vectors": 8, "n_layers": 2, "lmax": 2}
    kw["cutoff"] = 2.0  # the target sums over neighbors closer than 1.6
    # no per-particle inputs beyond the species: the target (a weighted neighbor density) must be
    # learnt through message passing over the edges
    # a constant learning rate: this checks capacity, not the schedule
    est = fit_items(cls(seed=0, epochs=250, lr=3e-3, schedule="constant", warmup_epochs=0, batch_size=2, augment=False, device="cpu", **kw), items)
    losses = [h["val_loss"] for h in est.history_]
    assert losses[0] > 0.3
    # standardised units: the target variance is 1 (BOTAN's loss adds the harder pair target)
    assert min(losses) < (0.03 if cls is BOTAN else 0.01), min(losses)
    for p, it in zip(est.predict(confs(items)), items):
        a = it["types"] == 0
        assert np.corrcoef(p[:, a].ravel(), it["y"][:, a].ravel())[0, 1] > 0.99
    if cls is BOTAN:
        for pe, it in zip(est.predict_edges(confs(items)), items):
            _, true = est.edge_targets(it["conf"], it["traj"])
            assert np.corrcoef(pe.ravel(), true.ravel())[0, 1] > 0.95


def test_best_epoch_is_chosen_on_validation_loss(data3d):
    est = quick_fit(BapstGNN, data3d[:2], data3d[2:3], epochs=6, lr=3e-2)
    vals = [h["val_loss"] for h in est.history_]
    assert est.info_["best_epoch"] == int(np.argmin(vals)) and est.info_["n_val"] == 1
    assert np.isfinite(est.predict(confs(data3d[2:3]))[0]).all()


def test_patience_stops_early(data3d):
    est = quick_fit(BapstGNN, data3d[:1], data3d[1:2], epochs=50, lr=0.5, patience=2)
    assert len(est.history_) < 50
    assert len(est.history_) - 1 - est.info_["best_epoch"] == 2


def test_batched_forward_equals_one_graph_at_a_time(data3d):
    for cls in MODELS:
        est = quick_fit(cls, data3d[:2])
        graphs = [est.to_graph(c) for c in confs(data3d[:3])]
        with torch.no_grad():
            together = est.forward(collate(graphs, "cpu"))[0]
            apart = torch.cat([est.forward(collate([g], "cpu"))[0] for g in graphs])
        torch.testing.assert_close(together, apart, atol=1e-5, rtol=0)


def test_botan_edge_pretraining_uses_edge_loss_only_first(data3d):
    est = quick_fit(BOTAN, data3d[:2], epochs=3, edge_pretrain_epochs=2)
    assert len(est.history_) == 3
    b = collate(est._prepare(confs(data3d[:1]), [data3d[0]["y"]], [data3d[0]["traj"]], train=False), "cpu")
    node, edge = est.forward(b)
    pure_edge = est.loss_terms(b, node, edge, epoch=0)
    mixed = est.loss_terms(b, node, edge, epoch=2)
    torch.testing.assert_close(mixed, 0.4 * est.node_loss(b, node) + 0.6 * pure_edge)


# ---------------------------------------------------------------------------- BOTAN's pair target
def test_botan_pair_target_is_the_dynamics_edge_propensity():
    from glassml.dynamics.targets import TargetParameters, sample_targets
    from glassml.dynamics.trajectory import Isoconfigurational

    rng = np.random.default_rng(8)
    item = toy(rng, 40, [4.2, 4.4, 4.6], n_times=3)
    conf, traj = item["conf"], item["traj"] + rng.normal(scale=0.05, size=item["traj"].shape)
    iso = Isoconfigurational(types=item["types"], box=item["box"], initial_positions=item["x"], times=np.arange(1.0, 4.0),
                             displacements=traj - item["x"][None, None])
    ref = sample_targets(iso, np.ones((2, 2)), TargetParameters())
    pairs, values = BOTAN().edge_targets(conf, traj)
    assert pairs.shape[1] > 10
    assert np.array_equal(pairs, ref["edge_index"])
    np.testing.assert_allclose(values, ref["edge_prop"], rtol=0, atol=1e-13)
    # a relaxed state: pairs and displacements are taken from the thermal reference positions
    relaxed = Configuration(item["x"] + 0.01, item["box"], item["types"], reference=item["x"])
    pairs2, values2 = BOTAN(positions="inherent").edge_targets(relaxed, traj)
    assert np.array_equal(pairs2, pairs) and np.array_equal(values2, values)
    with pytest.raises(GlassmlError, match="reference"):
        BOTAN(positions="inherent").edge_targets(Configuration(item["x"], item["box"], item["types"]), traj)
    everyone = BOTAN(edge_pairs="all").edge_targets(conf, traj)[0]
    assert everyone.shape[1] > pairs.shape[1]


# ---------------------------------------------------------------------------- persistence
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_save_load_gives_identical_predictions(cls, data3d, tmp_path):
    est = quick_fit(cls, data3d[:2], data3d[2:3], epochs=2)
    est.save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    assert type(back) is cls
    as_lists = lambda params: {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}  # noqa: E731
    assert as_lists(back.get_params()) == as_lists(est.get_params())
    for a, b in zip(est.predict(confs(data3d)), back.predict(confs(data3d))):
        assert np.array_equal(a, b)
    if cls is BOTAN:
        for a, b in zip(est.predict_edges(confs(data3d)), back.predict_edges(confs(data3d))):
            assert np.array_equal(a, b, equal_nan=True)
    assert back.info_["best_epoch"] == est.info_["best_epoch"] and back.history_ == est.history_


def test_a_path_parameter_is_saved_as_a_string(data3d, tmp_path):
    """``checkpoint_dir`` may be a pathlib.Path: it is saved (and loaded back) as a string."""
    est = quick_fit(BapstGNN, data3d[:2], data3d[2:3], checkpoint_dir=tmp_path / "ckpt")
    assert (tmp_path / "ckpt" / "checkpoint.pt").exists()
    est.save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    assert back.checkpoint_dir == str(tmp_path / "ckpt")
    for a, b in zip(est.predict(confs(data3d)), back.predict(confs(data3d))):
        assert np.array_equal(a, b)


def test_resume_after_interruption_matches_uninterrupted_run(data3d, tmp_path, monkeypatch):
    kw = dict(epochs=4, lr=1e-2, batch_size=1)
    straight = quick_fit(BOTAN, data3d[:3], data3d[3:], **kw)
    ckpt = tmp_path / "ckpt"
    calls = {"n": 0}
    original = BOTAN._run_epoch

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BOTAN, "_run_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        quick_fit(BOTAN, data3d[:3], data3d[3:], checkpoint_dir=str(ckpt), **kw)
    monkeypatch.setattr(BOTAN, "_run_epoch", original)
    assert (ckpt / "checkpoint.pt").exists()
    resumed = quick_fit(BOTAN, data3d[:3], data3d[3:], checkpoint_dir=str(ckpt), **kw)
    assert [h["epoch"] for h in resumed.history_] == [0, 1, 2, 3]
    assert [h["val_loss"] for h in resumed.history_] == [h["val_loss"] for h in straight.history_]
    for a, b in zip(straight.predict(confs(data3d)), resumed.predict(confs(data3d))):
        assert np.array_equal(a, b)
    # a checkpoint of another configuration or other data is refused, not silently used
    with pytest.raises(GlassmlError, match="different model"):
        quick_fit(BOTAN, data3d[:3], data3d[3:], checkpoint_dir=str(ckpt), **{**kw, "lr": 1e-3})
    with pytest.raises(GlassmlError, match="different model"):
        quick_fit(BOTAN, data3d[1:4], data3d[:1], checkpoint_dir=str(ckpt), **kw)


# ---------------------------------------------------------------------------- errors
def test_user_errors_are_glassml_errors(data3d):
    item = data3d[0]
    with pytest.raises(GlassmlError, match="not fitted"):
        EquivariantGNN().predict(confs(data3d))
    with pytest.raises(GlassmlError, match="unknown size"):
        quick_fit(BapstGNN, data3d[:1], size="huge")
    with pytest.raises(GlassmlError, match="unknown positions"):
        quick_fit(BapstGNN, data3d[:1], positions="relaxed")
    with pytest.raises(GlassmlError, match="unknown node input"):
        quick_fit(BapstGNN, data3d[:1], node_keys=["local_energy"])
    with pytest.raises(GlassmlError, match="model="):
        quick_fit(EquivariantGNN, [{**item, "conf": Configuration(item["x"], item["box"], item["types"])}], node_keys=["potential_energy"])
    with pytest.raises(GlassmlError, match="trajectories"):
        BOTAN(epochs=1, device="cpu").fit(confs(data3d[:1]), [item["y"]])
    with pytest.raises(GlassmlError, match="trajectories"):
        BOTAN(epochs=1, device="cpu").fit(confs(data3d[:1]), [item["y"]], trajectories=[item["traj"]], validation=(confs(data3d[1:2]), [data3d[1]["y"]]))
    with pytest.raises(GlassmlError, match="shape"):
        BapstGNN(epochs=1, device="cpu").fit(confs(data3d[:1]), [item["y"][:, :-1]])
    with pytest.raises(GlassmlError, match="Configuration"):
        BapstGNN(epochs=1, device="cpu").fit([item["x"]], [item["y"]])
    with pytest.raises(GlassmlError, match="validation"):
        BapstGNN(epochs=1, device="cpu").fit(confs(data3d[:1]), [item["y"]], validation=confs(data3d[1:2]))
    with pytest.raises(GlassmlError, match="amp"):
        quick_fit(BapstGNN, data3d[:1], amp="sometimes")
    if not torch.cuda.is_available():
        with pytest.raises(GlassmlError, match="CUDA is not available"):
            quick_fit(BapstGNN, data3d[:1], device="cuda")


def test_se3_without_e3nn_names_the_learn_extra(data3d, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None if name == "e3nn" else real(name, package))
    with pytest.raises(GlassmlError, match=r"^the SE\(3\) graph learner needs the 'learn' extra \(e3nn is not installed\)"):
        quick_fit(EquivariantGNN, data3d[:1])


def test_potential_energy_input_is_computed_from_the_configuration_model(data3d):
    from glassml.systems.compute import energies_and_forces
    from glassml.systems.models import get_model

    est = quick_fit(EquivariantGNN, data3d[:2], node_keys=["potential_energy"])
    item = data3d[0]
    expected, _, _ = energies_and_forces(get_model("ka3d"), item["x"], item["types"], item["box"])
    g = est.to_graph(item["conf"])
    np.testing.assert_allclose(g.node_scalars[:, 0] * est.node_std_[0] + est.node_mean_[0], expected, rtol=1e-7, atol=1e-6)
    both = np.concatenate([est.to_graph(c).node_scalars for c in confs(data3d[:2])])
    assert abs(both.mean()) < 1e-8 and abs(both.std() - 1) < 1e-8
