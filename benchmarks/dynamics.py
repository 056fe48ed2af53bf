"""Benchmark: glassml.dynamics against atooms-pp on the same isoconfigurational data.

Data: N = 4096 particles in 3D (a jittered cubic lattice, KA composition 80:20, rho = 1.2,
L = 15.05658), 32 replicas,
10 log-spaced times; displacements are Gaussian random walks (a stand-in with the right
array shapes; the physics of the numbers is not the point here, the work is).

glassml: every target (md_prop, cr_prop, bb_prop, ov_prop, edge_prop + the split-half
ceiling statistics) and the collective observables (MSD, Fs, Q, alpha2, chi4 iso/total,
S4(q) on all lattice vectors with q < 2.5, G4(r), OZ xi4).

atooms-pp (the reference, same data, same run): for each time, an in-memory trajectory
whose time origins are the 32 replicas (frames x0, x_r(t) for r = 1..32; norigins = 32),
then MeanSquareDisplacement, SelfIntermediateScattering (same wave vectors), SelfOverlap,
Chi4SelfOverlap, NonGaussianParameter and S4ktOverlap (same q vectors, one per group).
atooms-pp has no per-particle propensities, bond breaking or edge targets, so it does
strictly less work.  (Its cage-relative MSD is left out: in atooms-pp 3.x
``gcf_tpairs_cage_relative`` finds the neighbors in the later frame of each pair and does
not fill the origin frame, so it is not the quantity glassml computes.)  Building its trajectories
is timed separately and not charged to it.

Usage: python benchmarks/dynamics.py [--n 4096] [--replicas 32] [--times 10] [--atooms-times K]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def make_data(n: int, replicas: int, n_times: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    box = np.full(3, (n / 1.2) ** (1 / 3))
    m = round(n ** (1 / 3))
    if m**3 == n:  # a jittered simple cubic lattice: realistic neighbor counts (~18 within 1.485)
        g = (np.stack(np.meshgrid(*[np.arange(m)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5) * box[0] / m
        x0 = g + rng.normal(0, 0.08, g.shape)
    else:
        x0 = rng.uniform(0, box[0], (n, 3))
    types = (np.arange(n) >= int(0.8 * n)).astype(np.int64)
    times = np.logspace(-1, 3, n_times)
    scale = 0.3 * np.sqrt(np.diff(np.concatenate([[0.0], times])))  # sub-unit steps
    steps = rng.normal(0, 1, (n_times, replicas, n, 3)) * (scale / np.sqrt(times.max()) * 3)[:, None, None, None]
    return x0, types, box, times, np.cumsum(steps, axis=0)


def run_glassml(x0, types, box, times, disp):
    from glassml.dynamics import from_arrays, sample_targets
    from glassml.dynamics.observables import Observables
    from glassml.systems import get_model

    t0 = time.perf_counter()
    iso = from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": x0 + disp, "times": times})
    targets = sample_targets(iso, np.asarray(get_model("ka3d").sigma, dtype=float))
    t1 = time.perf_counter()
    obs = Observables(k=7.25, q_max=2.5, r_max=3.0).compute([iso])
    t2 = time.perf_counter()
    return targets, obs, t1 - t0, t2 - t1


def atooms_pairs_trajectory(x0, disp_t, box):
    from atooms.system import Cell, Particle, System
    from atooms.trajectory import TrajectoryRam

    th = TrajectoryRam()
    step = 0
    for r in range(disp_t.shape[0]):
        for x in (x0, x0 + disp_t[r]):
            s = System()
            s.cell = Cell(list(box))
            s.particle = [Particle(position=xi, species="A") for xi in x]
            for p, xi in zip(s.particle, x):
                p.position_unfolded = xi
            th[step] = s
            step += 1
    th.timestep = 1.0
    return th


def run_atooms(x0, box, disp, kvectors, qvectors):
    import atooms.postprocessing as pp

    build = compute = 0.0
    out = {"msd": [], "fs": [], "q": [], "chi4": [], "alpha2": [], "s4": []}
    reps = disp.shape[1]
    for t in range(disp.shape[0]):
        a = time.perf_counter()
        th = atooms_pairs_trajectory(x0, disp[t], box)
        b = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, cf in (
                ("msd", pp.MeanSquareDisplacement(th, tgrid=[1.0], norigins=reps)),
                ("fs", pp.SelfIntermediateScattering(th, tgrid=[1.0], norigins=reps, kvectors=[list(kvectors)])),
                ("q", pp.SelfOverlap(th, tgrid=[1.0], norigins=reps, a=0.3)),
                ("chi4", pp.Chi4SelfOverlap(th, tgrid=[1.0], norigins=reps, a=0.3)),
                ("alpha2", pp.NonGaussianParameter(th, tgrid=[1.0], norigins=reps)),
                ("s4", pp.S4ktOverlap(th, tgrid=[1.0], norigins=reps, kvectors=[[v] for v in qvectors], a=0.3)),
            ):
                cf.compute()
                out[key].append(cf.value[-1] if key not in ("fs",) else cf.value[0][-1])
        c = time.perf_counter()
        build += b - a
        compute += c - b
        del th
    return out, build, compute


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--replicas", type=int, default=32)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument(
        "--atooms-times",
        type=int,
        default=None,
        help="run atooms-pp on this many of the times (evenly spread) and scale its time by T/K "
        "(printed as an extrapolation); default: all times",
    )
    args = ap.parse_args()
    x0, types, box, times, disp = make_data(args.n, args.replicas, args.times)
    print(f"N = {args.n}, R = {args.replicas}, T = {args.times}, L = {box[0]:.5f} (3D)")
    targets, obs, t_targets, t_obs = run_glassml(x0, types, box, times, disp)
    t_glassml = t_targets + t_obs
    print(f"glassml  targets (md, cr, bb, ov, edge + ceiling stats): {t_targets:7.2f} s")
    print(f"glassml  observables (MSD, Fs, Q, alpha2, chi4, S4, G4, xi4): {t_obs:7.2f} s")
    from glassml.dynamics.observables import lattice_vectors

    qv = lattice_vectors(box, 1e-9, 2.5)
    sub = np.arange(args.times)
    if args.atooms_times is not None and args.atooms_times < args.times:
        sub = np.unique(np.linspace(0, args.times - 1, args.atooms_times).round().astype(int))
    ref, t_build, t_atooms = run_atooms(x0, box, disp[sub], obs.kvectors, qv)
    scale = args.times / len(sub)
    note = "" if scale == 1 else f"  (measured on {len(sub)} of {args.times} times, x{scale:.2f} extrapolated)"
    t_atooms *= scale
    print(f"atooms-pp  building in-memory trajectories (not charged): {t_build * scale:7.2f} s")
    print(f"atooms-pp  MSD, Fs, Q, chi4, alpha2, S4: {t_atooms:7.2f} s{note}")
    # same numbers?
    chk = {
        "msd": np.max(np.abs(np.array(ref["msd"]) / obs.msd[sub] - 1)),
        "fs": np.max(np.abs(np.array(ref["fs"]) / obs.fs[sub] - 1)),
        "Q": np.max(np.abs(np.array(ref["q"]) / obs.overlap[sub] - 1)),
        "chi4": np.max(np.abs(np.array(ref["chi4"]) - obs.chi4_total[sub]) / np.maximum(np.abs(obs.chi4_total[sub]), 1e-300)),
    }
    print("max relative difference vs atooms-pp: " + ", ".join(f"{k} {v:.1e}" for k, v in chk.items()))
    print(f"RATIO atooms-pp / glassml = {t_atooms / t_glassml:.1f}x  (glassml does more work: all targets + G4)")


if __name__ == "__main__":
    main()
