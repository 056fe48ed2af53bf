"""Graph learners (glassml.learn.gnn): Bapst GNN, BOTAN, SE(3)-equivariant GNN.

Tiny periodic systems with targets that are deterministic functions of local structure, so
every model can fit them; checks of invariance, overfitting, persistence, resume, batching.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassml.errors import GlassmlError
from glassml.learn.base import get_estimator
from glassml.learn.gnn import BOTAN, BapstGNN, EquivariantGNN
from glassml.learn.gnn.graphs import Graph, collate, locate_pairs, random_cube_symmetry, random_rotation
from glassml.store.dataset import Dataset
from glassml.structure.graph import build_graph

torch.set_num_threads(1)

MODELS = [BapstGNN, BOTAN, EquivariantGNN]
TINY = {"bapst": {"mlp_sizes": [16, 16], "n_steps": 2}, "botan": {"mlp_sizes": [16, 16], "n_steps": 2}, "se3": {"scalars": 8, "vectors": 4, "n_layers": 2}}


def toy_arrays(rng, n, d, box, n_times=3):
    """A random configuration with propensity-like targets that depend on local structure only."""
    x = rng.uniform(0, 1, size=(n, d)) * box
    types = np.zeros(n, dtype=np.int64)
    types[rng.permutation(n)[: n // 4]] = 1
    return with_targets({"types": types, "box": np.asarray(box, float), "initial_positions": x}, n_times)


def with_targets(arrays, n_times=3):
    x, box, types = arrays["initial_positions"], arrays["box"], arrays["types"]
    n = len(types)
    ei, vec = build_graph(x, box, 1.6)
    r = np.linalg.norm(vec, axis=1)
    w = np.exp(-2 * (r - 1.0) ** 2) * (1 + types[ei[0]])
    density = np.bincount(ei[1], weights=w, minlength=n)
    md = np.stack([(t + 1) * density + 0.3 * t * types for t in range(n_times)])
    half = (ei[0] < ei[1]) & (r < 1.35)
    ep = np.stack([(t + 1) * (r[half] - 1.1) * (density[ei[0, half]] + density[ei[1, half]]) for t in range(n_times)])
    energy = -density + 0.5 * types
    out = dict(arrays)
    out.update(md_prop=md, edge_index=ei[:, half], edge_prop=ep, local_energy=energy)
    return out


def write(tmp_path, name, list_of_arrays, d):
    ds = Dataset.create(tmp_path / name, model="toy", dimension=d)
    return [ds.write_sample(f"s{k}", a) for k, a in enumerate(list_of_arrays)]


@pytest.fixture(scope="module")
def data3d(tmp_path_factory):
    rng = np.random.default_rng(1)
    arrays = [toy_arrays(rng, 40, 3, np.array([4.2, 4.4, 4.6])) for _ in range(4)]
    return arrays, write(tmp_path_factory.mktemp("d3"), "ds", arrays, 3)


@pytest.fixture(scope="module")
def data2d(tmp_path_factory):
    rng = np.random.default_rng(2)
    arrays = [toy_arrays(rng, 36, 2, np.array([6.0, 6.3])) for _ in range(3)]
    return arrays, write(tmp_path_factory.mktemp("d2"), "ds", arrays, 2)


def quick_fit(cls, train, val, **kw):
    params = {"epochs": 1, "device": "cpu", **TINY[cls.name], **kw}
    return cls(seed=0, **params).fit(train, val)


# ---------------------------------------------------------------------------- graph utilities
def test_registered_names():
    assert get_estimator("bapst") is BapstGNN and get_estimator("botan") is BOTAN and get_estimator("se3") is EquivariantGNN


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


# ---------------------------------------------------------------------------- parameter counts
def test_bapst_paper_parameter_count_matches_hand_count():
    h, d, k = 64, 3, 2
    mlp = lambda n_in, sizes: sum((a + 1) * b for a, b in zip([n_in] + sizes[:-1], sizes))  # noqa: E731
    node_only = mlp(k, [h, h]) + mlp(d, [h, h]) + mlp(6 * h, [h, h]) + mlp(3 * h, [h, h]) + mlp(h, [h, h, 1])
    assert BapstGNN(size="paper").n_parameters() == node_only  # 62,465
    assert BOTAN(size="paper").n_parameters() == node_only + mlp(h, [h, h, 1])  # 70,850: Bapst's "about 70k"
    assert EquivariantGNN(size="paper").n_parameters() < node_only


# ---------------------------------------------------------------------------- invariances
def _transformed(arrays, rng, *, shift=None, perm=None):
    out = dict(arrays)
    n = len(arrays["types"])
    x = arrays["initial_positions"]
    if shift is not None:
        x = np.mod(x + shift, arrays["box"])
    if perm is not None:
        x, out["types"] = x[perm], arrays["types"][perm]
        inv = np.argsort(perm)
        out["edge_index"] = inv[arrays["edge_index"]]
        out["md_prop"] = arrays["md_prop"][:, perm]
        out["local_energy"] = arrays["local_energy"][perm]
    out["initial_positions"] = x
    assert len(out["types"]) == n
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
@pytest.mark.parametrize("dim", [2, 3])
def test_translation_and_permutation_leave_predictions_unchanged(cls, dim, data2d, data3d, tmp_path):
    arrays, samples = data3d if dim == 3 else data2d
    est = quick_fit(cls, samples[:2], [], node_keys=["local_energy"])
    rng = np.random.default_rng(5)
    n = len(arrays[0]["types"])
    perm = rng.permutation(n)
    shift = rng.uniform(-10, 10, size=dim)
    new = write(tmp_path, "moved", [_transformed(arrays[0], rng, shift=shift), _transformed(arrays[0], rng, perm=perm)], dim)
    base, shifted, permuted = est.predict([samples[0]] + new)
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
    x = np.array(pts) + box_length / 2
    types = (rng.uniform(size=n) < 0.3).astype(np.int64)
    return with_targets({"types": types, "box": np.full(dim, box_length), "initial_positions": x})


@pytest.mark.parametrize("dim", [2, 3])
def test_se3_predictions_are_invariant_under_any_rotation(dim, tmp_path):
    rng = np.random.default_rng(11)
    arrays = _cluster(rng, 30, dim, 20.0, 2.6 if dim == 3 else 3.0)
    samples = write(tmp_path, "c", [arrays], dim)
    est = EquivariantGNN(seed=0, epochs=3, lr=1e-2, device="cpu", scalars=8, vectors=4, n_layers=3, lmax=2).fit(samples, [])
    rotated = []
    for _ in range(3):
        q = random_rotation(rng, dim)
        a = dict(arrays)
        a["initial_positions"] = (arrays["initial_positions"] - 10.0) @ q.T + 10.0
        rotated.append(a)
    a = dict(arrays)  # a reflection too: the features have definite parity
    a["initial_positions"] = arrays["initial_positions"] * np.r_[-1.0, np.ones(dim - 1)] + np.r_[20.0, np.zeros(dim - 1)]
    rotated.append(a)
    preds = est.predict(samples + write(tmp_path, "rot", rotated, dim))
    assert preds[0].std() > 1e-3  # the test would be empty for a constant prediction
    for p in preds[1:]:
        np.testing.assert_allclose(p, preds[0], atol=1e-5, rtol=0)
    # and in a periodic system, rotating every relative vector changes nothing either
    assert est.rotation_sensitivity(samples, n_rotations=3) < 1e-5


def test_bapst_is_not_rotation_invariant_by_construction(data3d):
    _, samples = data3d
    est = quick_fit(BapstGNN, samples[:2], [], epochs=3)
    assert est.rotation_sensitivity(samples[2:], n_rotations=2) > 1e-4


# ---------------------------------------------------------------------------- fitting
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_each_model_overfits_two_samples(cls, tmp_path):
    rng = np.random.default_rng(3)
    arrays = [toy_arrays(rng, 24, 3, np.full(3, 4.1), n_times=2) for _ in range(2)]
    samples = write(tmp_path, "two", arrays, 3)
    kw = {"mlp_sizes": [48, 48], "n_steps": 2} if cls is not EquivariantGNN else {"scalars": 16, "vectors": 8, "n_layers": 2, "lmax": 2}
    # no per-particle inputs beyond the species: the target (a weighted neighbour density) must be
    # learnt through message passing over the edges
    est = cls(seed=0, epochs=250, lr=3e-3, batch_size=2, augment=False, device="cpu", **kw).fit(samples, [])
    losses = [h["val_loss"] for h in est.history]
    assert losses[0] > 0.3
    assert min(losses) < 0.01, min(losses)  # standardised units: the target variance is 1
    preds = est.predict(samples)
    for p, a in zip(preds, arrays):
        A = a["types"] == 0
        assert np.corrcoef(p[:, A].ravel(), a["md_prop"][:, A].ravel())[0, 1] > 0.99
    if cls is BOTAN:
        for pe, a in zip(est.predict_edges(samples), arrays):
            assert np.corrcoef(pe.ravel(), a["edge_prop"].ravel())[0, 1] > 0.95


def test_best_epoch_is_chosen_on_validation_loss(data3d):
    _, samples = data3d
    est = quick_fit(BapstGNN, samples[:2], samples[2:3], epochs=6, lr=3e-2)
    vals = [h["val_loss"] for h in est.history]
    assert est.info_["best_epoch"] == int(np.argmin(vals))
    # the kept weights are those of the best epoch: re-evaluating gives its validation loss
    pred = est.predict(samples[2:3])[0]
    assert np.isfinite(pred).all()


def test_patience_stops_early(data3d):
    _, samples = data3d
    est = quick_fit(BapstGNN, samples[:1], samples[1:2], epochs=50, lr=0.5, patience=2)
    assert len(est.history) < 50
    assert len(est.history) - 1 - est.info_["best_epoch"] == 2


def test_batched_forward_equals_one_graph_at_a_time(data3d):
    _, samples = data3d
    for cls in MODELS:
        est = quick_fit(cls, samples[:2], [])
        graphs = [est.sample_graph(s, None) for s in samples[:3]]
        with torch.no_grad():
            together = est.forward(collate(graphs, "cpu"))[0]
            apart = torch.cat([est.forward(collate([g], "cpu"))[0] for g in graphs])
        torch.testing.assert_close(together, apart, atol=1e-5, rtol=0)


def test_botan_edge_pretraining_uses_edge_loss_only_first(data3d):
    _, samples = data3d
    est = quick_fit(BOTAN, samples[:2], [], epochs=3, edge_pretrain_epochs=2)
    assert len(est.history) == 3
    b = collate([est.sample_graph(s, None) for s in samples[:1]], "cpu")
    g = est._prepare(samples[:1], "md_prop", train=False)
    b = collate(g, "cpu")
    node, edge = est.forward(b)
    pure_edge = est.loss_terms(b, node, edge, epoch=0)
    mixed = est.loss_terms(b, node, edge, epoch=2)
    node_part = est.node_loss(b, node)
    torch.testing.assert_close(mixed, 0.4 * node_part + 0.6 * pure_edge)


# ---------------------------------------------------------------------------- persistence
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.name)
def test_save_load_gives_identical_predictions(cls, data3d, tmp_path):
    _, samples = data3d
    est = quick_fit(cls, samples[:2], samples[2:3], epochs=2)
    est.save(tmp_path / "m.npz")
    back = get_estimator(cls.name).load(tmp_path / "m.npz")
    for a, b in zip(est.predict(samples), back.predict(samples)):
        assert np.array_equal(a, b)
    assert back.info_["best_epoch"] == est.info_["best_epoch"]


def test_resume_after_interruption_matches_uninterrupted_run(data3d, tmp_path, monkeypatch):
    _, samples = data3d
    kw = dict(epochs=4, lr=1e-2, batch_size=1)
    straight = quick_fit(BOTAN, samples[:3], samples[3:], **kw)
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
        quick_fit(BOTAN, samples[:3], samples[3:], checkpoint_dir=str(ckpt), **kw)
    monkeypatch.setattr(BOTAN, "_run_epoch", original)
    assert (ckpt / "checkpoint.pt").exists()
    resumed = quick_fit(BOTAN, samples[:3], samples[3:], checkpoint_dir=str(ckpt), **kw)
    assert [h["epoch"] for h in resumed.history] == [0, 1, 2, 3]
    assert [h["val_loss"] for h in resumed.history] == pytest.approx([h["val_loss"] for h in straight.history], abs=1e-6)
    for a, b in zip(straight.predict(samples), resumed.predict(samples)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # a checkpoint of another configuration is refused, not silently used
    with pytest.raises(GlassmlError, match="different model"):
        quick_fit(BOTAN, samples[:3], samples[3:], checkpoint_dir=str(ckpt), **{**kw, "lr": 1e-3})


# ---------------------------------------------------------------------------- errors
def test_user_errors_are_glassml_errors(data3d, tmp_path):
    arrays, samples = data3d
    with pytest.raises(GlassmlError, match="unknown parameter"):
        BapstGNN(hidden=3)
    with pytest.raises(GlassmlError, match="not fitted"):
        EquivariantGNN().predict(samples)
    with pytest.raises(GlassmlError, match="initial_positions_inherent"):
        quick_fit(BapstGNN, samples[:1], [], positions="inherent")
    bare = {k: arrays[0][k] for k in ("types", "box", "initial_positions", "md_prop")}
    with pytest.raises(GlassmlError, match="edge_prop"):
        quick_fit(BOTAN, write(tmp_path, "bare", [bare], 3), [])
    with pytest.raises(GlassmlError, match="unknown size"):
        BapstGNN(size="huge")
    if not torch.cuda.is_available():
        with pytest.raises(GlassmlError, match="CUDA is not available"):
            quick_fit(BapstGNN, samples[:1], [], device="cuda")


def test_inherent_positions_are_used_when_asked(data3d, tmp_path):
    arrays, samples = data3d
    a = dict(arrays[0])
    a["initial_positions_inherent"] = np.mod(a["initial_positions"] + 0.2 * np.random.default_rng(0).normal(size=a["initial_positions"].shape), a["box"])
    s = write(tmp_path, "inh", [a], 3)
    thermal = quick_fit(EquivariantGNN, s, []).predict(s)[0]
    inherent = quick_fit(EquivariantGNN, s, [], positions="inherent").predict(s)[0]
    assert not np.allclose(thermal, inherent)


def test_potential_energy_input_is_computed_from_the_dataset_model(data3d, tmp_path):
    from glassml.systems.compute import energies_and_forces
    from glassml.systems.models import get_model

    arrays, _ = data3d
    a = {k: arrays[0][k] for k in ("types", "box", "initial_positions", "md_prop")}
    ds = Dataset.create(tmp_path / "ka", model="ka3d", dimension=3)
    s = ds.write_sample("s0", a)
    est = quick_fit(EquivariantGNN, [s], [], node_keys=["potential_energy"])
    expected, _, _ = energies_and_forces(get_model("ka3d"), a["initial_positions"], a["types"], a["box"])
    g = est.sample_graph(s, None)
    np.testing.assert_allclose(g.node_scalars[:, 0] * est.node_std[0] + est.node_mean[0], expected, rtol=1e-7, atol=1e-6)
    assert abs(g.node_scalars.mean()) < 1e-8 and abs(g.node_scalars.std() - 1) < 1e-8
