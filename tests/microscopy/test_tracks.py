"""Linking, drift subtraction and tracks into a dataset that glassml.dynamics reads unchanged."""

import numpy as np
import pytest

from glassml.microscopy import complete_tracks, drift, link, subtract_drift, tracks_to_dataset
from glassml.microscopy.tracks import detections_table

pytest.importorskip("trackpy")


def _walkers(n_frames=12, n=40, step=0.3, drift_per_frame=(0.8, -0.4), seed=0):
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(np.arange(8), np.arange(5)), -1).reshape(-1, 2)[:n] * 12.0 + 10.0
    walk = np.cumsum(np.r_[np.zeros((1, n, 2)), rng.normal(0, step, (n_frames - 1, n, 2))], axis=0)
    true = grid[None] + walk
    d = np.arange(n_frames)[:, None] * np.asarray(drift_per_frame)[None]
    seen = true + d[:, None]
    frames = [{"x": seen[k, :, 0], "y": seen[k, :, 1], "signal": np.ones(n), "uncertainty": np.zeros(n)}
              for k in range(n_frames)]
    return true, d, frames


def test_link_recovers_drift_and_tracks(tmp_path):
    true, d, frames = _walkers()
    tracks = link(detections_table(frames), search_range=3.0, memory=0)
    assert tracks["particle"].nunique() == 40
    est = drift(tracks)
    # the estimate is the drift plus the mean displacement of the walkers (zero on average)
    mean_walk = (true - true[0]).mean(axis=1)
    assert np.allclose(est, d + mean_walk, atol=1e-9)
    xy, ids = complete_tracks(subtract_drift(tracks, est), len(frames))
    assert xy.shape == (12, 40, 2)
    order = np.argsort(xy[0, :, 1] * 1000 + xy[0, :, 0])
    t_order = np.argsort(true[0, :, 1] * 1000 + true[0, :, 0])
    assert np.allclose(xy[:, order] - xy[0, order], (true[:, t_order] - true[0, t_order]) - mean_walk[:, None], atol=1e-9)


def test_memory_fills_gaps_and_dataset_runs_dynamics(tmp_path):
    from glassml.dynamics import dataset_observables

    true, d, frames = _walkers(drift_per_frame=(0.0, 0.0))
    gap = dict(frames[5])
    frames[5] = {k: v[1:] for k, v in gap.items()}  # particle 0 vanishes in frame 5
    tracks = link(detections_table(frames), search_range=3.0, memory=0)
    assert complete_tracks(tracks, 12)[0].shape[1] == 39
    tracks = link(detections_table(frames), search_range=3.0, memory=2)
    xy, _ = complete_tracks(tracks, 12)
    assert xy.shape[1] == 40
    ds = tracks_to_dataset(tmp_path / "ds", tracks, 12, (80, 110), pixel_size=0.1, frame_interval=0.5)
    assert ds.manifest["times"] == pytest.approx(list(np.arange(1, 12) * 0.5))
    res = dataset_observables(ds, k=2 * np.pi)
    msd = (((true - true[0]) * 0.1) ** 2).sum(-1).mean(1)[1:]
    # particle 0's frame 5 is interpolated: only that point differs, by one particle's share
    assert np.allclose(res["msd"], msd, rtol=0.05)
