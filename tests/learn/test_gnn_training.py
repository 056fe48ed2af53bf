"""Graph learners learn: validation loss falls within a few steps on tiny systems, the fast
message passing equals the direct computation, the learning-rate schedules, float64 training,
and the invariances of the trained models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glassml.data import spaced_points
from glassml.errors import GlassmlError
from glassml.learn.base import PropensityEstimator
from glassml.learn.gnn import BOTAN, BapstGNN, EquivariantGNN, StackedBapstGNN, StackedBOTAN, StackedEquivariantGNN
from glassml.learn.gnn.graphs import collate
from glassml.learn.gnn.networks import EncodeProcessDecode
from glassml.structure import Configuration

torch.set_num_threads(1)

MODELS = [BapstGNN, BOTAN, EquivariantGNN]
STACKED = [StackedBapstGNN, StackedBOTAN, StackedEquivariantGNN]
TINY = {"bapst": {"mlp_sizes": [16, 16], "n_steps": 2}, "botan": {"mlp_sizes": [16, 16], "n_steps": 2},
        "se3": {"scalars": 8, "vectors": 4, "n_layers": 2}}
TINY.update({f"{name}_stacked": params for name, params in TINY.items()})




def _item(rng, n=40, box=(4.2, 4.4, 4.6), n_times=3):
    """A configuration, a target that is a smooth function of the local structure, and replica
    trajectories pushing each particle away from its close neighbors."""
    box = np.asarray(box, float)
    x = spaced_points(rng, n, box)
    types = np.zeros(n, dtype=np.int64)
    types[rng.permutation(n)[: n // 4]] = 1
    conf = Configuration(x, box, types)
    nb = conf.neighbors(1.6)
    w = np.exp(-2 * (nb.distances - 1.0) ** 2) * (1 + types[nb.i])
    density = np.bincount(nb.j, weights=w, minlength=n)
    y = np.stack([(k + 1) * density + 0.3 * k * types for k in range(n_times)])
    push = np.zeros((n, 3))
    np.add.at(push, nb.j, (w / nb.distances)[:, None] * nb.vectors)
    traj = x[None, None] + 0.04 * (1 + np.arange(n_times))[:, None, None, None] * (1 + 0.2 * np.arange(2))[None, :, None, None] * push[None, None]
    return {"conf": conf, "y": y, "traj": traj, "x": x, "types": types, "box": box}


@pytest.fixture(scope="module")
def items():
    rng = np.random.default_rng(21)
    return [_item(rng) for _ in range(4)]


def _fit(cls, items, **kw):
    train, val = items[:3], items[3:]
    est = cls(**{"device": "cpu", "seed": 0, **TINY[cls.name], **kw})
    return est.fit([t["conf"] for t in train], [t["y"] for t in train], trajectories=[t["traj"] for t in train],
                   validation=([v["conf"] for v in val], [v["y"] for v in val], [v["traj"] for v in val]))


@pytest.mark.parametrize("cls", MODELS + STACKED, ids=lambda c: c.name)
def test_validation_loss_falls_within_a_few_steps_and_invariances_hold_after_training(cls, items):
    # the stacked learners' own sets need inherent states: the toy thermal configurations take Boattini's
    stacked = {"ridge_inputs": ["boattini"], "ridge_folds": 3} if cls in STACKED else {}
    est = _fit(cls, items, epochs=12, batch_size=1, lr=1e-2, schedule="constant", warmup_epochs=0, **stacked)  # 36 optimiser steps
    val = [h["val_loss"] for h in est.history_]
    assert min(val[-3:]) < 0.7 * val[0], val
    assert est.info_["best_epoch"] == int(np.argmin(val))
    it = items[3]
    rng = np.random.default_rng(4)
    perm = rng.permutation(len(it["types"]))
    shifted = Configuration(np.mod(it["x"] + rng.uniform(-5, 5, 3), it["box"]), it["box"], it["types"])
    permuted = Configuration(it["x"][perm], it["box"], it["types"][perm])
    base, moved, swapped = est.predict([it["conf"], shifted, permuted])
    assert base.std() > 1e-2
    np.testing.assert_allclose(moved, base, atol=1e-4 * base.std(), rtol=0)
    np.testing.assert_allclose(swapped, base[:, perm], atol=1e-4 * base.std(), rtol=0)
    sensitivity = est.rotation_sensitivity([it["conf"]], n_rotations=2)
    if issubclass(cls, EquivariantGNN):
        assert sensitivity < 1e-5
    else:  # learnt through cube-symmetry augmentation only: neither exact nor arbitrary
        assert 1e-5 < sensitivity < 1.0


def test_fast_message_passing_equals_the_direct_computation(items):
    torch.manual_seed(0)
    for n_edge_out, scale, norm in ((0, 1.0, "none"), (3, 0.1, "graph")):
        net = EncodeProcessDecode(2, 3, 3, mlp_sizes=(16, 16), n_steps=3, n_edge_out=n_edge_out, message_scale=scale, norm=norm).double()
        est = BapstGNN()
        graphs = [est.to_graph(it["conf"]) for it in items[:2]]
        b = collate(graphs, "cpu", dtype=torch.float64)
        nodes = torch.nn.functional.one_hot(b.types, 2).double()
        args = (nodes, b.edge_vectors, b.edge_index, b.graph_index)
        fast, direct = net(*args), net.forward_reference(*args)
        torch.testing.assert_close(fast[0], direct[0], rtol=1e-12, atol=1e-12)
        if n_edge_out:
            torch.testing.assert_close(fast[1], direct[1], rtol=1e-12, atol=1e-12)
        loss = lambda out: out[0].square().sum() + (out[1].square().sum() if n_edge_out else 0.0)  # noqa: E731
        g_fast = torch.autograd.grad(loss(fast), list(net.parameters()))
        g_direct = torch.autograd.grad(loss(direct), list(net.parameters()))
        for a, c in zip(g_fast, g_direct):
            torch.testing.assert_close(a, c, rtol=1e-10, atol=1e-12)


def test_learning_rate_schedules():
    cos = BapstGNN(epochs=12, warmup_epochs=2, schedule="cosine")
    assert cos.learning_rate_factor(0.0) == pytest.approx(0.1) and cos.learning_rate_factor(1.0) == pytest.approx(0.55)
    assert cos.learning_rate_factor(2.0) == pytest.approx(1.0)
    assert cos.learning_rate_factor(7.0) == pytest.approx(0.02 + 0.98 * 0.5)  # half-way through the decay
    assert cos.learning_rate_factor(12.0) == pytest.approx(0.02)
    const = BapstGNN(epochs=12, warmup_epochs=0, schedule="constant")
    assert {const.learning_rate_factor(e) for e in (0.0, 5.5, 11.9)} == {1.0}
    with pytest.raises(GlassmlError, match="schedule"):
        BapstGNN(schedule="linear")._resolved()
    with pytest.raises(GlassmlError, match="precision"):
        BapstGNN(precision="float16")._resolved()


def test_plateau_halves_the_rate_and_history_records_it(items):
    est = _fit(BapstGNN, items, epochs=9, lr=50.0, schedule="plateau", warmup_epochs=0, patience=None)  # far too high: no progress
    lrs = [h["lr"] for h in est.history_]
    assert lrs[0] == pytest.approx(50.0) and min(lrs) <= 25.0 and all(b <= a for a, b in zip(lrs, lrs[1:]))


def test_float64_training_saves_and_loads_in_float64(items, tmp_path):
    est = _fit(BapstGNN, items, epochs=2, precision="float64")
    assert next(est.net_.parameters()).dtype == torch.float64
    est.save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    assert next(back.net_.parameters()).dtype == torch.float64
    confs = [it["conf"] for it in items]
    for a, b in zip(est.predict(confs), back.predict(confs)):
        assert np.array_equal(a, b)


def test_graph_norm_standardises_each_graph_on_its_own():
    from glassml.learn.gnn.networks import GraphNorm

    torch.manual_seed(1)
    x = torch.cat([torch.randn(5, 3) * 4 + 7, torch.randn(3, 3) - 2]).double()
    gi = torch.tensor([0] * 5 + [1] * 3)
    out = GraphNorm(3).double()(x, gi, 2)
    for part in (out[:5], out[5:]):
        torch.testing.assert_close(part.mean(0), torch.zeros(3, dtype=torch.float64), atol=1e-12, rtol=0)
        torch.testing.assert_close(part.var(0, unbiased=False), torch.ones(3, dtype=torch.float64), atol=1e-4, rtol=0)
    torch.testing.assert_close(out[5:], GraphNorm(3).double()(x[5:], torch.zeros(3, dtype=torch.long), 1))


def test_mean_aggregation_scales_messages_by_the_mean_neighbor_count(items):
    est = _fit(BapstGNN, items, epochs=1, aggregation="mean")
    assert est.net_.message_scale == pytest.approx(1.0 / est.graph_stats_["avg_neighbors"])
    with pytest.raises(GlassmlError, match="aggregation"):
        _fit(BapstGNN, items, epochs=1, aggregation="max")


def test_history_records_the_validation_pearson_of_type_a_at_each_time(items):
    est = _fit(BapstGNN, items, epochs=3, batch_size=1)
    kept = est.history_[est.info_["best_epoch"]]  # the weights kept are those of this epoch
    it = items[3]
    y_hat = est.predict([it["conf"]])[0]
    a = it["types"] == 0
    direct = [np.corrcoef(y_hat[k, a], it["y"][k, a])[0, 1] for k in range(3)]
    np.testing.assert_allclose(kept["val_pearson"], direct, atol=1e-5)


def test_displacement_input_is_the_log_distance_to_the_thermal_positions(items):
    rng = np.random.default_rng(3)
    it = items[0]
    thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
    relaxed = Configuration(it["x"], it["box"], it["types"], reference=thermal)
    est = BapstGNN(node_keys=["displacement"], **TINY["bapst"])
    g = est.to_graph(relaxed)
    delta = thermal - it["x"]
    delta -= it["box"] * np.round(delta / it["box"])
    np.testing.assert_allclose(g.node_scalars[:, 0], np.log(np.linalg.norm(delta, axis=1) + 1e-3), rtol=1e-12)
    with pytest.raises(GlassmlError, match="positions='inherent' or 'cage'"):
        est.to_graph(it["conf"])


def test_coarse_grained_displacement_input_is_the_exp_weighted_neighbour_mean(items):
    rng = np.random.default_rng(4)
    it = items[0]
    thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
    relaxed = Configuration(it["x"], it["box"], it["types"], reference=thermal)
    g = BapstGNN(node_keys=["displacement", "displacement_L0.5"], **TINY["bapst"]).to_graph(relaxed)
    delta = thermal - it["x"]
    delta -= it["box"] * np.round(delta / it["box"])
    logu = np.log(np.linalg.norm(delta, axis=1) + 1e-3)
    rij = it["x"][None, :, :] - it["x"][:, None, :]
    rij -= it["box"] * np.round(rij / it["box"])
    r = np.linalg.norm(rij, axis=2)
    w = np.where(r < 1.5, np.exp(-r / 0.5), 0.0)  # j = i (r = 0, weight 1) and neighbours within 3 L
    np.testing.assert_allclose(g.node_scalars[:, 0], logu, rtol=1e-12)
    np.testing.assert_allclose(g.node_scalars[:, 1], w @ logu / w.sum(axis=1), rtol=1e-10)
    with pytest.raises(GlassmlError, match="unknown node input"):
        BapstGNN(node_keys=["displacement_Lx"], **TINY["bapst"]).to_graph(relaxed)


def test_descriptor_set_inputs_are_the_stored_features_of_the_set_on_its_own_positions(items, tmp_path):
    from glassml.structure.sets import compute_set

    rng = np.random.default_rng(5)
    train = []
    for it in items[:3]:
        thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
        train.append(Configuration(it["x"], it["box"], it["types"], model="ka3d", reference=thermal))
    keys = ["displacement", "descriptors:boattini", "descriptors:displacement"]
    est = BapstGNN(node_keys=keys, positions="inherent", epochs=2, device="cpu", **TINY["bapst"])
    with pytest.raises(GlassmlError, match="known only after fit"):
        est.n_parameters()
    est.fit(train, [it["y"] for it in items[:3]])
    conf = train[1]
    # Boattini's set is defined on thermal positions: the graph's reference; the displacement set on the graph's own
    thermal_conf = Configuration(conf.reference, conf.box, conf.types, model="ka3d")
    boattini, _ = compute_set("boattini", thermal_conf)
    disp, _ = compute_set("displacement", conf)
    raw = est.to_graph(conf).node_scalars * est.node_std_ + est.node_mean_
    np.testing.assert_allclose(raw[:, 0], np.log(np.linalg.norm(conf.query.box.minimum_image(conf.reference - conf.positions), axis=1) + 1e-3),
                               rtol=1e-10)
    np.testing.assert_allclose(raw[:, 1 : 1 + boattini.shape[1]], boattini, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(raw[:, 1 + boattini.shape[1]:], disp, rtol=1e-9, atol=1e-12)
    assert est.n_node_scalars() == raw.shape[1] == 1 + boattini.shape[1] + disp.shape[1]
    # the fitted model saves its resolved set parameters and predicts the same after loading
    est.save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    assert back.descriptor_params_ == est.descriptor_params_
    np.testing.assert_allclose(back.predict([conf])[0], est.predict([conf])[0], rtol=1e-6, atol=1e-7)
    # a set of inherent positions cannot be computed on a thermal graph
    with pytest.raises(GlassmlError, match="use positions='inherent'"):
        BapstGNN(node_keys=["descriptors:displacement"], **TINY["bapst"]).to_graph(items[0]["conf"])
    with pytest.raises(GlassmlError, match="unknown descriptor set"):
        BapstGNN(node_keys=["descriptors:nope"], **TINY["bapst"]).to_graph(conf)


def test_ridge_inputs_are_cross_fitted_ridge_predictions_and_the_full_ridge_at_prediction(tmp_path):
    from glassml.learn.linear import SpeciesRidge
    from glassml.structure.sets import compute_set

    rng = np.random.default_rng(31)
    more = [_item(rng) for _ in range(6)]
    train, val, new = more[:4], more[4:5], more[5]
    est = BapstGNN(ridge_inputs=["boattini"], ridge_folds=2, epochs=2, device="cpu", **TINY["bapst"])
    est.fit([it["conf"] for it in train], [it["y"] for it in train], validation=([it["conf"] for it in val], [it["y"] for it in val]))
    assert isinstance(est.ridge_, SpeciesRidge) and est.n_node_scalars() == 3 and "alpha" in est.info_["ridge"]

    def rows(group):
        return (np.concatenate([compute_set("boattini", it["conf"])[0] for it in group]), np.concatenate([it["y"].T for it in group]),
                np.concatenate([it["types"] for it in group]))

    def ridge(group):
        (x, y, species), (xv, yv, sv) = rows(group), rows(val)
        return SpeciesRidge(refit=False).fit(x, y, species=species, validation=(xv, yv, sv, np.zeros(len(sv))))

    # a new configuration gets the prediction of the ridge fitted on all training configurations
    x_new = compute_set("boattini", new["conf"])[0]
    expected = ridge(train).predict(x_new, species=new["types"])
    raw = est.to_graph(new["conf"]).node_scalars * est.node_std_ + est.node_mean_
    np.testing.assert_allclose(raw, expected, rtol=1e-8, atol=1e-10)
    # each training configuration gets the prediction of a ridge fitted on the other fold only
    cross, on_val = est._fit_ridge([it["conf"] for it in train], [it["y"] for it in train], [it["conf"] for it in val],
                                   [it["y"] for it in val], est._resolved())
    x_val = compute_set("boattini", val[0]["conf"])[0]
    np.testing.assert_allclose(on_val[0], ridge(train).predict(x_val, species=val[0]["types"]).T, rtol=1e-8, atol=1e-10)
    for k, other in ((0, train[2:]), (3, train[:2])):
        x_k = compute_set("boattini", train[k]["conf"])[0]
        np.testing.assert_allclose(cross[k], ridge(other).predict(x_k, species=train[k]["types"]).T, rtol=1e-8, atol=1e-10)
        assert not np.allclose(cross[k], ridge(train).predict(x_k, species=train[k]["types"]).T)
    est.save(tmp_path / "stacked.npz")
    back = PropensityEstimator.load(tmp_path / "stacked.npz")
    np.testing.assert_allclose(back.predict([new["conf"]])[0], est.predict([new["conf"]])[0], rtol=1e-6, atol=1e-7)
    with pytest.raises(GlassmlError, match="at least 2 training configurations"):
        BapstGNN(ridge_inputs=["boattini"], epochs=1, device="cpu", **TINY["bapst"]).fit([train[0]["conf"]], [train[0]["y"]])
    with pytest.raises(GlassmlError, match="ridge_folds"):
        BapstGNN(ridge_inputs=["boattini"], ridge_folds=1, **TINY["bapst"]).to_graph(new["conf"])


def test_stacked_learners_read_the_combined_ridge_sets_and_need_inherent_states(items):
    from glassml.learn.gnn.base import COMBINED_SETS
    from glassml.learn.linear import CombinedRidge

    assert [name for name, _ in CombinedRidge.descriptor_sets] == list(COMBINED_SETS)
    for cls in STACKED:
        assert cls()._resolved()["ridge_inputs"] == COMBINED_SETS and cls(ridge_inputs=["jung"])._resolved()["ridge_inputs"] == ("jung",)
    assert BOTAN()._resolved()["ridge_inputs"] == ()
    with pytest.raises(GlassmlError, match="use positions='inherent'"):
        StackedBOTAN(epochs=1, device="cpu", **TINY["botan"]).fit([it["conf"] for it in items[:2]], [it["y"] for it in items[:2]])


def test_sparse_sums_and_gathers_equal_index_add_and_index_select_with_their_gradients():
    from glassml.learn.gnn.networks import Incidence, scatter_sum

    g = torch.Generator().manual_seed(0)
    n, e = 7, 30
    edge_index = torch.randint(0, n, (2, e), generator=g)  # unsorted, some nodes without edges
    inc = Incidence(edge_index, n)
    assert inc.sparse
    values = torch.randn(e, 4, dtype=torch.float64, generator=g, requires_grad=True)
    x = torch.randn(n, 4, dtype=torch.float64, generator=g, requires_grad=True)
    weights = torch.randn(n, 4, dtype=torch.float64, generator=g), torch.randn(e, 4, dtype=torch.float64, generator=g)
    fast = ((inc.sum_at_receivers(values) * weights[0]).sum()
            + ((inc.at_senders(x) + 2 * inc.at_receivers(x)) * weights[1]).sum())
    direct = ((scatter_sum(values, edge_index[1], n) * weights[0]).sum()
              + ((x[edge_index[0]] + 2 * x[edge_index[1]]) * weights[1]).sum())
    grads_fast = torch.autograd.grad(fast, (values, x))
    grads_direct = torch.autograd.grad(direct, (values, x))
    torch.testing.assert_close(fast, direct, rtol=1e-12, atol=1e-12)
    for a, b in zip(grads_fast, grads_direct):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_species_weights_weigh_each_species_mean_squared_error(items):
    est = _fit(BapstGNN, items, epochs=1)
    batch = collate([est.to_graph(items[0]["conf"], items[0]["y"])], "cpu")
    with torch.no_grad():
        pred, _ = est.forward(batch)
    err = ((pred.double() - batch.target.double()) ** 2).numpy()
    a = items[0]["types"] == 0
    est.set_params(species_weights=None)
    assert float(est.node_loss(batch, pred)) == pytest.approx(err[a].mean(), rel=1e-6)
    est.set_params(species_weights=(1.0, 0.0))
    assert float(est.node_loss(batch, pred)) == pytest.approx(err[a].mean(), rel=1e-6)
    est.set_params(species_weights=(1.0, 3.0))
    assert float(est.node_loss(batch, pred)) == pytest.approx((err[a].mean() + 3 * err[~a].mean()) / 4, rel=1e-6)
    with pytest.raises(GlassmlError, match="species_weights"):
        BapstGNN(species_weights=(1.0, -1.0))._resolved()


def test_reference_edges_carry_the_thermal_vector_of_each_pair_and_rotate_with_the_graph(items):
    rng = np.random.default_rng(5)
    it = items[0]
    thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
    relaxed = Configuration(it["x"], it["box"], it["types"], reference=thermal)
    est = BapstGNN(reference_edges=True, **TINY["bapst"])
    g = est.to_graph(relaxed)
    i, j = g.edge_index
    expected = thermal[j] - thermal[i]
    expected -= it["box"] * np.round(expected / it["box"])
    np.testing.assert_allclose(g.reference_vectors, expected, atol=1e-12)
    flip = np.diag([-1.0, 1.0, 1.0])
    batch = collate([g], "cpu", transforms=[flip], dtype=torch.float64)
    np.testing.assert_allclose(batch.reference_vectors.numpy(), expected @ flip.T, atol=1e-12)
    np.testing.assert_allclose(batch.edge_vectors.numpy(), g.edge_vectors @ flip.T, atol=1e-12)
    fitted = BapstGNN(reference_edges=True, epochs=1, device="cpu", **TINY["bapst"]).fit([relaxed], [it["y"]])
    assert fitted.net_.edge_encoder[0].in_features == 2 * (3 + 10)
    assert fitted.predict([relaxed])[0].shape == it["y"].shape
    with pytest.raises(GlassmlError, match="positions='inherent' or 'cage'"):
        est.to_graph(it["conf"])


def test_se3_reference_edges_enter_through_invariants_only(items):
    rng = np.random.default_rng(6)
    relaxed, ys = [], []
    for it in items[:2]:
        thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
        relaxed.append(Configuration(it["x"], it["box"], it["types"], reference=thermal))
        ys.append(it["y"])
    est = EquivariantGNN(reference_edges=True, epochs=2, device="cpu", precision="float64", **TINY["se3"]).fit(relaxed, ys)
    # the rms change of a pair vector between thermal and relaxed positions sets the scale
    g = est.to_graph(relaxed[0])
    assert 0.05 < est.graph_stats_["reference_spread"] < 0.15
    assert est.net_.radials[0].hs[0] == 2 * est.net_.n_basis + 2
    # the edge invariants: length along the edge and across it make up the whole change
    v = torch.as_tensor(g.edge_vectors)
    ref = torch.as_tensor(g.reference_vectors)
    scalars = est.net_.edge_scalars(v, ref).detach().numpy()
    env = est.net_.envelope(v.norm(dim=1)).numpy()
    keep = env > 1e-3
    along, across = (scalars[keep, -2:] / env[keep, None] * est.net_.reference_spread).T
    change = g.reference_vectors - g.edge_vectors
    np.testing.assert_allclose(along**2 + across**2, (change[keep] ** 2).sum(axis=1), rtol=1e-9, atol=1e-12)
    # rotations and reflections of both position sets leave the prediction unchanged
    assert est.rotation_sensitivity(relaxed, n_rotations=3) < 1e-9
    # and the thermal positions matter
    moved = Configuration(relaxed[0].positions, relaxed[0].box, relaxed[0].types,
                          reference=np.mod(relaxed[0].reference + rng.normal(scale=0.05, size=relaxed[0].reference.shape), items[0]["box"]))
    assert np.abs(est.predict([moved])[0] - est.predict([relaxed[0]])[0]).max() > 1e-6


def test_se3_displacement_vector_is_an_l1_input_that_rotates_with_the_configuration(items):
    rng = np.random.default_rng(7)
    relaxed, ys, thermals = [], [], []
    for it in items[:2]:
        thermal = np.mod(it["x"] + rng.normal(scale=0.05, size=it["x"].shape), it["box"])
        relaxed.append(Configuration(it["x"], it["box"], it["types"], reference=thermal))
        ys.append(it["y"])
        thermals.append(thermal)
    est = EquivariantGNN(displacement_vector=True, epochs=2, device="cpu", precision="float64", **TINY["se3"]).fit(relaxed, ys)
    g = est.to_graph(relaxed[0])
    shift = thermals[0] - items[0]["x"]
    shift -= items[0]["box"] * np.round(shift / items[0]["box"])
    np.testing.assert_allclose(g.reference_shift, shift, atol=1e-12)
    assert str(est.net_.tps[0].irreps_in1).endswith("1x1o")
    assert 0.05 < est.graph_stats_["shift_spread"] < 0.15
    assert est.rotation_sensitivity(relaxed, n_rotations=3) < 1e-9
    # flipping every displacement (not the structure) changes the prediction: the vectors are read
    flipped = Configuration(items[0]["x"], items[0]["box"], items[0]["types"], reference=np.mod(items[0]["x"] - shift, items[0]["box"]))
    assert np.abs(est.predict([flipped])[0] - est.predict([relaxed[0]])[0]).max() > 1e-6
    with pytest.raises(GlassmlError, match="displacement_vector"):
        est.to_graph(items[0]["conf"])


def test_seed_ensemble_predicts_the_mean_of_its_members_and_saves_and_resumes(items, tmp_path):
    """``members=2`` trains the networks of seeds 0 and 1 as two single fits would, and
    predicts their mean (BOTAN: the edge head is averaged too)."""
    kw = dict(epochs=3, batch_size=1, lr=1e-2)
    pair = _fit(BOTAN, items, members=2, checkpoint_dir=tmp_path / "ckpt", **kw)
    one, two = _fit(BOTAN, items, seed=0, **kw), _fit(BOTAN, items, seed=1, **kw)
    confs = [t["conf"] for t in items]
    for y, a, b in zip(pair.predict(confs), one.predict(confs), two.predict(confs)):
        assert np.abs(a - b).max() > 1e-3 * a.std()  # the members differ
        np.testing.assert_allclose(y, (a + b) / 2, rtol=0, atol=1e-5 * a.std())
    assert pair.info_["best_epochs"] == [one.info_["best_epoch"], two.info_["best_epoch"]]
    assert [h["member"] for h in pair.history_] == [0, 0, 0, 1, 1, 1]
    assert pair.n_parameters() == 2 * one.n_parameters()
    pair.save(tmp_path / "m.npz")
    back = PropensityEstimator.load(tmp_path / "m.npz")
    for a, b in zip(pair.predict(confs), back.predict(confs)):
        assert np.array_equal(a, b)
    assert sorted(p.parent.name for p in (tmp_path / "ckpt").glob("*/checkpoint.pt")) == ["member0", "member1"]
    resumed = _fit(BOTAN, items, members=2, checkpoint_dir=tmp_path / "ckpt", **kw)  # both members finished: no epoch is run
    assert [h["val_loss"] for h in resumed.history_] == [h["val_loss"] for h in pair.history_]
    for a, b in zip(pair.predict(confs), resumed.predict(confs)):
        assert np.array_equal(a, b)
    with pytest.raises(GlassmlError, match="members must be a positive integer"):
        _fit(BOTAN, items, members=0, **kw)
