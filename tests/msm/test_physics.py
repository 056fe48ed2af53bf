"""Voronoi volumes, the state-map correlation, tau_alpha and the Markov helpers against answers
known on paper (lattices, Brownian motion, an exact two-state chain) and against freud and
deeptime themselves."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.msm import (
    Trajectory,
    correlation_length,
    lag_frames,
    pearson,
    relaxation_time,
    sample_trajectories,
    scaled_excess_volumes,
    state_map_correlation,
    telegraph_states,
    timescales_of,
    voronoi_volumes,
)


def test_voronoi_volumes_of_lattices_and_a_liquid():
    g = np.stack(np.meshgrid(np.arange(5), np.arange(4), indexing="ij"), -1).reshape(-1, 2) * [1.0, 1.5] + 0.25
    assert np.allclose(voronoi_volumes(g, np.array([5.0, 6.0])), 1.5)  # rectangular cells, across the wall
    rng = np.random.default_rng(0)
    box = np.array([4.0, 5.0, 6.0])
    x = rng.uniform(-3, 9, (200, 3))  # any image: folded inside
    v = voronoi_volumes(x, box)
    assert v.sum() == pytest.approx(box.prod(), rel=1e-4)  # the cells tile the box
    assert np.all(v > 0)


def test_scaled_excess_volume_by_hand():
    v = np.array([1.0, 3.0, 0.5, 1.5])
    t = np.array([0, 0, 1, 1])
    assert np.allclose(scaled_excess_volumes(v, t), [-0.5, 0.5, -0.5, 0.5])
    two = scaled_excess_volumes(np.stack([v, 2 * v]), t)  # per frame
    assert np.allclose(two, [[-0.5, 0.5, -0.5, 0.5]] * 2)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_state_map_correlation_of_a_checkerboard():
    n = 8
    g = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2).astype(float)
    values = (g.sum(axis=1) % 2).astype(float)  # +-1/2 around the mean
    r, c = state_map_correlation(g, np.array([n, n], float), values, r_max=2.5, dr=0.1)
    at = lambda x: c[int(x / 0.1 + 1e-9)]  # noqa: E731  (the bin holding distance x)
    assert at(1.0) == pytest.approx(-1.0)
    assert at(np.sqrt(2)) == pytest.approx(1.0)
    assert at(2.0) == pytest.approx(1.0)
    with pytest.raises(GlassmlError, match="uniform"):
        state_map_correlation(g, np.array([n, n], float), np.ones(len(g)))


def test_correlation_length_of_an_exponential():
    r = np.arange(0.05, 6, 0.1)
    assert correlation_length(r, 0.7 * np.exp(-r / 1.7)) == pytest.approx(1.7)
    c = np.exp(-r / 0.9)
    c[r > 3] = -0.01  # cut at the first non-positive bin
    assert correlation_length(r, c) == pytest.approx(0.9)


def test_relaxation_time_of_brownian_particles():
    """Fs(k, t) = exp(-k^2 D t) for Brownian motion, so tau_alpha = 1 / (k^2 D)."""
    rng = np.random.default_rng(1)
    d, n, frames, D, dt, k = 3, 400, 120, 0.01, 0.5, 7.25
    steps = rng.normal(0.0, np.sqrt(2 * D * dt), (frames - 1, n, d))
    x = np.concatenate([np.zeros((1, n, d)), np.cumsum(steps, axis=0)]) + rng.uniform(0, 8, (1, n, d))
    traj = Trajectory(np.zeros(n, int), np.full(d, 8.0), x, dt)
    tau, times, fs = relaxation_time(traj, k=k)
    assert tau == pytest.approx(1 / (k * k * D), rel=0.05)


def test_two_state_timescale_by_hand():
    p, q = 0.1, 0.05
    T = np.array([[1 - p, p], [q, 1 - q]])
    assert timescales_of(T, 1)[0] == pytest.approx(-1 / np.log(1 - p - q))
    assert timescales_of(np.linalg.matrix_power(T, 4), 4)[0] == pytest.approx(-1 / np.log(1 - p - q))
    s = telegraph_states(2000, 200, p, q, np.random.default_rng(0))
    assert np.mean(s) == pytest.approx(p / (p + q), abs=0.01)


def test_trajectory_checks():
    with pytest.raises(GlassmlError, match="longer than the trajectory"):
        lag_frames(50.0, 1.0, 20)
    with pytest.raises(GlassmlError, match="whole number"):
        lag_frames(2.5, 1.0, 20)
    assert lag_frames(4.0, 2.0, 20) == 2
    x = np.zeros((2, 3, 2))
    sample = {"types": np.zeros(3, int), "box": np.array([5.0, 5.0]), "positions": x[:, None], "times": np.array([0.0, 1.0])}
    with pytest.raises(GlassmlError, match="only 2 frame"):
        sample_trajectories(sample)
    sample.update(positions=np.zeros((4, 1, 3, 2)), times=np.array([0.0, 1.0, 3.0, 4.0]))
    with pytest.raises(GlassmlError, match="equally spaced"):
        sample_trajectories(sample)
    sample.update(times=np.array([0.0, 1.0, 2.0, 3.0]))
    [traj] = sample_trajectories(sample)
    assert traj.frame_interval == 1.0 and traj.n_frames == 4
