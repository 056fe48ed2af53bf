"""``glassml msm``: learn the states of a trajectory dataset, build the MSM, write the report.

Stages, each skipped when its output is on disk and up to date (so an interrupted run resumes):

1. train the :class:`~glassml.msm.vampnet.GraphVAMPNet` (``REPORT/vampnet.pt``, kept while the
   parameters and the samples' checksums are unchanged);
2. store each sample's state probabilities ``msm_probabilities`` (T, R, n_selected, n_states)
   and the particle indices ``msm_particles`` (atomic rewrite of the sample);
3. the Markov analysis (:func:`glassml.msm.markov.analyse`), tau_alpha, the Voronoi link and the
   spatial correlation of the state map (:mod:`glassml.msm.physics`), the figures and
   ``REPORT/msm.json``; a short record goes into the dataset manifest under ``msm``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError
from glassml.jsonutil import dumps, finite_json
from glassml.msm.trajectory import dataset_trajectories, lag_frames
from glassml.progress import ProgressBar, say

#: files written into the report folder
FIGURES = ("implied_timescales.png", "ck_test.png", "state_map.png", "voronoi.png", "spatial_correlation.png")
PROBABILITIES = "msm_probabilities"
PARTICLES = "msm_particles"


def _digest(params: dict, dataset) -> str:
    text = json.dumps({"params": params, "samples": {n: _input_key(dataset, n) for n in dataset.sample_names()}},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _input_key(dataset, name: str) -> str:
    """What identifies a sample's trajectory: a hash of its positions (later MSM arrays do not change it)."""
    s = dataset[name]
    h = hashlib.sha256()
    for key in ("types", "box", "positions"):
        h.update(np.ascontiguousarray(s[key]).tobytes())
    return h.hexdigest()[:16]


def run_msm(path, *, lag: float, n_states: int = 2, out=None, seed: int = 0, force: bool = False,
            show_progress: bool = True, n_map_frames: int = 10, **estimator_params) -> dict:
    """Learn, store, analyse and plot; returns the report (also written to ``REPORT/msm.json``).

    Args:
        path: a glassml dataset whose samples hold long trajectories
            (:func:`glassml.msm.trajectory.sample_trajectories`).
        lag: lag time tau in time units (a whole number of frame intervals).
        n_states: number of states (>= 2).
        out: report folder (default ``DATASET/msm``).
        seed: seed of the training.
        force: retrain and recompute even what is up to date.
        n_map_frames: frames (evenly spaced) used for the Voronoi link and C(r).
        estimator_params: further :class:`~glassml.msm.vampnet.GraphVAMPNet` parameters.
    """
    from glassml.store import Dataset

    from glassml.msm.vampnet import GraphVAMPNet

    ds = Dataset.open(path)
    samples = dataset_trajectories(ds)
    trajs = [t for _, ts in samples for t in ts]
    dt = trajs[0].frame_interval
    if any(abs(t.frame_interval - dt) > 1e-9 * dt for t in trajs):
        raise GlassmlError(f"{ds.path}: the samples have different frame intervals")
    shortest = min(t.n_frames for t in trajs)
    lag_k = lag_frames(lag, dt, shortest, where=str(ds.path))
    if int(n_states) != n_states or n_states < 2:
        raise GlassmlError(f"--states must be at least 2 (a single state has no dynamics), got {n_states}")
    out = Path(out) if out is not None else ds.path / "msm"
    out.mkdir(parents=True, exist_ok=True)
    est = GraphVAMPNet(lag=lag_k, n_states=int(n_states), seed=int(seed), **estimator_params)
    est._check_params()
    params = est.get_params()
    if params["species"] is not None:
        params["species"] = [int(s) for s in params["species"]]
    digest = _digest(params, ds)
    model_path, record_path = out / "vampnet.pt", out / "vampnet.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    if not force and model_path.is_file() and record.get("digest") == digest:
        say(show_progress, f"VAMPnet up to date in {model_path}")
        est = GraphVAMPNet.load(model_path)
    else:
        est.fit(trajs, show_progress=show_progress)
        est.save(model_path)
        from glassml.store.npzio import atomic_write_bytes

        atomic_write_bytes(record_path, dumps({"digest": digest, "params": params, "validation_score": est.validation_score_,
                                               "seed_scores": est.seed_scores_}).encode())
    # ---- per-sample probabilities
    probs: list[np.ndarray] = []
    names = [name for name, _ in samples]
    with ProgressBar(show_progress, len(samples), "state probabilities") as bar:
        for name, ts in samples:
            entry = ds.manifest["samples"][name]
            sample = ds[name]
            if not force and entry.get("msm_digest") == digest and PROBABILITIES in sample:
                p = np.asarray(sample[PROBABILITIES])
            else:
                p = np.stack([est.transform(t) for t in ts], axis=1)  # (T, R, n_sel, n)
                ds.update_sample(name, {PROBABILITIES: p, PARTICLES: est.selected_particles(ts[0].types)}, save=False)
                ds.manifest["samples"][name]["msm_digest"] = digest
                ds.save_manifest()
            probs.extend(p[:, r] for r in range(p.shape[1]))
            bar.advance()
    report = analyse_dataset(trajs, probs, est, lag_k, out, n_map_frames=n_map_frames, show_progress=show_progress)
    report.update({"dataset": str(ds.path), "samples": names, "temperature": ds.manifest.get("temperature"),
                   "model": ds.model.get("name"), "parameters": params, "validation_score": est.validation_score_,
                   "seed_scores": est.seed_scores_, "report": str(out)})
    from glassml.store.npzio import atomic_write_bytes

    report = finite_json(report)
    atomic_write_bytes(out / "msm.json", dumps(report).encode())
    ds.manifest["msm"] = {k: report[k] for k in ("lag_time", "n_states", "t2", "tau_alpha", "t2_over_tau_alpha",
                                                 "correlation_length", "report")}
    ds.manifest["msm"]["digest"] = digest
    ds.save_manifest()
    return report


def analyse_dataset(trajs, probs, est, lag: int, out: Path, *, n_map_frames: int = 10, show_progress: bool = False) -> dict:
    """The Markov analysis and the physics of the state map of fitted probabilities."""
    from glassml.msm import plots
    from glassml.msm.markov import analyse
    from glassml.msm.physics import (correlation_length, pearson, relaxation_time, scaled_excess_volumes,
                                     state_map_correlation, voronoi_volumes)

    say(show_progress, "Markov model, implied timescales, CK test")
    dt = trajs[0].frame_interval
    mk = analyse(probs, lag, frame_interval=dt).as_dict()
    taus = [relaxation_time(t)[0] for t in trajs]
    taus = [t for t in taus if t is not None]
    tau = float(np.mean(taus)) if taus else None
    # the physics of the state map on a few frames of the first trajectory
    traj, p = trajs[0], probs[0]
    sel = est.selected_particles(traj.types)
    n_states = p.shape[2]
    frames = np.unique(np.linspace(0, traj.n_frames - 1, min(n_map_frames, traj.n_frames)).astype(int))
    vol = np.stack([voronoi_volumes(traj.wrapped(f), traj.box) for f in frames])  # (M, N)
    excess = scaled_excess_volumes(vol, traj.types)
    state = n_states - 1  # the least populated state (states are ordered by population)
    corr_raw = [pearson(p[frames, :, s], vol[:, sel]) for s in range(n_states)]
    corr_excess = [pearson(p[frames, :, s], excess[:, sel]) for s in range(n_states)]
    r, c = state_map_correlation(np.stack([traj.wrapped(f)[sel] for f in frames]), traj.box, p[frames, :, state])
    xi = correlation_length(r, c)
    figures = [
        plots.plot_implied_timescales(mk, out / FIGURES[0], tau),
        plots.plot_ck_test(mk, out / FIGURES[1]),
        plots.plot_state_map(traj.wrapped(int(frames[0]))[sel], traj.box, p[frames[0], :, state], out / FIGURES[2]),
        plots.plot_voronoi_link(p[frames, :, state], excess[:, sel], out / FIGURES[3]),
        plots.plot_spatial_correlation(r, c, xi, out / FIGURES[4]),
    ]
    t2 = mk["t2_soft"]
    return {
        **mk,
        "n_states": int(n_states),
        "t2": t2,
        "tau_alpha": tau,
        "t2_over_tau_alpha": (t2 / tau) if tau else None,
        "correlation_state": int(state),
        "voronoi_correlation": corr_raw,
        "scaled_excess_voronoi_correlation": corr_excess,
        "spatial_correlation_r": r.tolist(),
        "spatial_correlation": [None if not np.isfinite(x) else float(x) for x in c],
        "correlation_length": xi,
        "figures": [str(f) for f in figures],
    }
