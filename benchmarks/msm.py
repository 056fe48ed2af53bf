"""Markov state models from graph VAMPnets: training throughput and the Kob–Andersen ladder.

Two parts (both by default; ``--part throughput`` or ``--part ladder`` for one):

``throughput``
    Trains the :class:`glassml.msm.GraphVAMPNet` for one epoch on a stated system (3D KA,
    N = 300, 200 frames, graph cutoff 1.5, 3 convolutions of width 16, 8 frame pairs per step,
    one thread) and prints particle-frames per second and seconds per epoch, beside the time of
    the same number of forward passes of the lobe alone measured in the same run (the ratio is
    the cost of the two lobes, the backward pass and deeptime's VAMP-2 score).

``ladder``
    For each temperature of the ladder: a LAMMPS NVT trajectory of 3D KA (N = 300, 400 or 500
    frames, :data:`LADDER`; stored as a glassml dataset under ``--out``, reused when present), tau_alpha from
    Fs(k = 7.25, t) of the A particles, then ``glassml msm`` (lag ~ 2 tau_alpha, 2 states,
    A particles) and the numbers the guide quotes: t2, t2/tau_alpha, the correlation of the
    state probability with the raw and the scaled excess Voronoi volume, and the correlation
    length of the state map.  Resumable: finished stages are skipped.

Run: ``OMP_NUM_THREADS=1 python benchmarks/msm.py --out /tmp/msm-bench``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

#: (temperature, frame interval, equilibration time, frames) of the ladder
LADDER = ((0.9, 0.5, 100.0, 500), (0.8, 1.0, 150.0, 400), (0.7, 2.0, 300.0, 400))
N_PARTICLES = 300


def throughput(seed: int = 0) -> dict:
    import torch

    from glassml.msm import GraphVAMPNet, simulate_trajectory
    from glassml.msm.lobe import collate_frames, frame_graph

    torch.set_num_threads(1)
    traj = simulate_trajectory("ka3d", N_PARTICLES, 0.8, n_frames=200, frame_interval=0.5, equilibration=50.0, seed=seed)
    est = GraphVAMPNet(lag=2, n_states=2, n_epochs=1, n_seeds=1, validation_fraction=0.1, seed=seed)
    t0 = time.perf_counter()
    est.fit(traj)
    fit_time = time.perf_counter() - t0
    n_pairs = int(round(traj.n_frames * 0.9)) - 2
    graphs = [frame_graph(traj.wrapped(f), traj.box, traj.types, est.cutoff) for f in range(traj.n_frames)]
    sel = np.arange(traj.n_particles)
    lobe = est.lobe_
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in range(0, 2 * n_pairs, 8):
            lobe(collate_frames(graphs[b % traj.n_frames:b % traj.n_frames + 8], traj.types, sel))
    forward = time.perf_counter() - t0
    out = {"system": f"ka3d N={N_PARTICLES}, {traj.n_frames} frames, cutoff {est.cutoff}, n_conv {est.n_conv}, "
                     f"n_hidden {est.n_hidden}, batch {est.batch_frames} frame pairs, 1 thread",
           "epoch_seconds_incl_graphs_and_validation": fit_time,
           "particle_frames_per_second": 2 * n_pairs * traj.n_particles / fit_time,
           "forward_only_seconds": forward, "ratio_epoch_over_forward": fit_time / forward}
    return out


def ladder(out: Path, seed: int = 0, epochs: int = 3, seeds: int = 2) -> list[dict]:
    from glassml.msm import relaxation_time, run_msm, simulate_trajectory, trajectory_dataset
    from glassml.msm.trajectory import dataset_trajectories
    from glassml.store import Dataset

    rows = []
    for k, (temperature, interval, equil, n_frames) in enumerate(LADDER):
        path = out / f"ka3d-T{temperature:g}"
        if not Dataset.is_dataset(path):
            t0 = time.perf_counter()
            traj = simulate_trajectory("ka3d", N_PARTICLES, temperature, n_frames=n_frames, frame_interval=interval,
                                       equilibration=equil, seed=seed + k)
            trajectory_dataset(path, [traj], model="ka3d", temperature=temperature, seed=seed + k, force=True)
            print(f"T={temperature}: simulated in {time.perf_counter() - t0:.0f} s", flush=True)
        traj = dataset_trajectories(Dataset.open(path))[0][1][0]
        tau = relaxation_time(traj)[0]
        lag = interval * max(1, int(round(2 * tau / interval)))
        t0 = time.perf_counter()
        rep = run_msm(path, lag=lag, n_states=2, seed=seed, species=[0], n_epochs=epochs, n_seeds=seeds,
                      show_progress=False)
        row = {"T": temperature, "frames": traj.n_frames, "frame_interval": interval, "duration": traj.duration,
               "lag": lag, "tau_alpha": rep["tau_alpha"], "t2": rep["t2"], "t2_hard": rep["t2_hard"],
               "t2_over_tau_alpha": rep["t2_over_tau_alpha"], "stationary": rep["stationary_distribution"],
               "validation_vamp2": rep["validation_score"], "seed_scores": rep["seed_scores"],
               "corr_voronoi": rep["voronoi_correlation"][rep["correlation_state"]],
               "corr_scaled_excess": rep["scaled_excess_voronoi_correlation"][rep["correlation_state"]],
               "correlation_length": rep["correlation_length"], "msm_seconds": time.perf_counter() - t0}
        print(row, flush=True)
        rows.append(row)
    print("\n| T | tau_alpha | lag | t2 (soft) | t2 (ML MSM) | t2/tau_alpha | corr(p, V) | corr(p, scaled excess V) | xi |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['T']} | {r['tau_alpha']:.3g} | {r['lag']:g} | {r['t2']:.3g} | {r['t2_hard']:.3g} | "
              f"{r['t2_over_tau_alpha']:.3g} | {r['corr_voronoi']:+.2f} | {r['corr_scaled_excess']:+.2f} | "
              f"{r['correlation_length']:.2f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("all", "throughput", "ladder"), default="all")
    ap.add_argument("--out", type=Path, default=Path("msm-bench"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.part in ("all", "throughput"):
        print(throughput(args.seed), flush=True)
    if args.part in ("all", "ladder"):
        ladder(args.out, args.seed, args.epochs, args.seeds)


if __name__ == "__main__":
    main()
