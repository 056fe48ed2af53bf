"""The graph VAMPnet on a system with known answers: guests hopping between two sites of a host
lattice at known rates (glassml.msm.toy).  The learnt two-state model must recover the exact
implied timescale -1/ln(1 - p01 - p10) within 10 %, and deeptime's MSM on the true labels must
agree with it; the same seed gives the same states and save/load changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("deeptime")

from glassml.errors import GlassmlError  # noqa: E402
from glassml.msm import GraphVAMPNet, analyse, exact_timescale, hard_assignments, switching_lattice  # noqa: E402

P01, P10, LAG = 0.02, 0.03, 5
SMALL = dict(n_hidden=8, n_conv=1, cutoff=1.2, batch_frames=16, learning_rate=1e-2, species=[0])


@pytest.fixture(scope="module")
def toy():
    import torch

    torch.set_num_threads(1)
    traj, states = switching_lattice(6, 300, p01=P01, p10=P10, seed=1)
    est = GraphVAMPNet(lag=LAG, n_states=2, n_epochs=3, n_seeds=2, seed=0, **SMALL).fit(traj)
    return traj, states, est, est.transform(traj)


def test_learnt_states_recover_switching_timescale(toy):
    traj, states, est, p = toy
    exact = exact_timescale(P01, P10)
    learnt = analyse(p, LAG)
    truth = analyse(np.eye(2)[states], LAG)
    assert learnt.t2_soft == pytest.approx(exact, rel=0.10)
    assert learnt.t2_hard == pytest.approx(exact, rel=0.10)
    assert truth.t2_hard == pytest.approx(exact, rel=0.10)  # deeptime's estimator on the true labels
    assert learnt.t2_soft == pytest.approx(truth.t2_hard, rel=0.05)
    # the learnt states are the true ones, labelled by population (state 0, stationary 0.6, first)
    hard = np.stack(hard_assignments(p), axis=1)
    assert np.mean(hard == states) > 0.98
    assert learnt.stationary[0] == pytest.approx(P10 / (P01 + P10), abs=0.05)
    # VAMP-2 of a two-state model: 1 (constant) + lambda_2(lag)^2 at most
    assert 1.3 < est.validation_score_ <= 1 + (1 - P01 - P10) ** (2 * LAG) + 0.05
    assert max(est.seed_scores_) == est.validation_score_
    # the CK test: T(lag)^k predicts T(k lag)
    ok = np.isfinite(learnt.ck_predicted)
    assert np.allclose(learnt.ck_predicted[ok], learnt.ck_estimated[ok], atol=0.05)
    # implied timescales flat in the lag, as for an exact two-state chain
    assert np.allclose(learnt.its_soft[:, 0], exact, rtol=0.15)


def test_save_load_gives_identical_probabilities(toy, tmp_path):
    traj, _, est, p = toy
    path = est.save(tmp_path / "vampnet.pt")
    again = GraphVAMPNet.load(path)
    assert np.array_equal(again.transform(traj), p)
    assert again.get_params() == est.get_params()
    assert again.validation_score_ == est.validation_score_


def test_same_seed_same_states():
    traj, _ = switching_lattice(4, 80, p01=P01, p10=P10, seed=3)
    a = GraphVAMPNet(lag=2, n_epochs=1, n_seeds=1, seed=7, **SMALL).fit(traj).transform(traj)
    b = GraphVAMPNet(lag=2, n_epochs=1, n_seeds=1, seed=7, **SMALL).fit(traj).transform(traj)
    c = GraphVAMPNet(lag=2, n_epochs=1, n_seeds=1, seed=8, **SMALL).fit(traj).transform(traj)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_parameters_and_data():
    traj, _ = switching_lattice(3, 30, seed=0)
    with pytest.raises(GlassmlError, match="at least 2 states"):
        GraphVAMPNet(lag=1, n_states=1).fit(traj)
    with pytest.raises(GlassmlError, match="longer than the trajectory"):
        GraphVAMPNet(lag=40).fit(traj)
    with pytest.raises(GlassmlError, match="too few frames"):
        GraphVAMPNet(lag=20).fit(traj)
    with pytest.raises(GlassmlError, match="species"):
        GraphVAMPNet(lag=1, species=[5]).fit(traj)
    with pytest.raises(GlassmlError, match="not fitted"):
        GraphVAMPNet().transform(traj)


def test_scikit_learn_clone_keeps_parameters():
    from sklearn.base import clone

    est = GraphVAMPNet(lag=3, n_states=3, species=(0,), n_conv=2)
    copy = clone(est)
    assert copy.get_params() == est.get_params() and copy is not est
