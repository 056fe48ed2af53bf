"""Benchmarks and reproduction runs of glassml.active (numbers quoted in docs/guide/active.md).

    python benchmarks/active.py throughput   # ABP engine vs a raw LAMMPS script; seconds per training epoch
    python benchmarks/active.py recovery     # F_a, omega, D_t, D_r, f(r), symbolic form on simulated data
    python benchmarks/active.py spin         # omega and D_r of the chiral system over a longer observation
    python benchmarks/active.py robustness   # errors vs number of frames and localisation noise
    python benchmarks/active.py mips         # MIPS order parameter over (phi, Pe); --start slab: coexistence test

Every mode prints a table; sizes are chosen to run on one core in minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from glassml.active import (ABPModel, ABPRun, ForceInference, Harmonic, Tracks, WCA, Yukawa, mips_order,  # noqa: E402
                            simulate_abp)
from glassml.active.report import interpret  # noqa: E402


def _tracks(model, run, seed):
    a = simulate_abp(model, run, seed=seed)
    return Tracks(a["positions"][:, 0], a["orientations"][:, 0], a["times"], a["box"])


def throughput() -> None:
    """ABPEngine (glassml, recording positions every 100 steps) against one raw LAMMPS run of the same system."""
    from glassml.active.simulate import ABPEngine, initial_state
    from glassml.systems.lammps import load_lammps

    model = ABPModel(WCA(), active_force=24.0)
    n, steps = 1000, 20000
    rng = np.random.default_rng(0)
    x, box, th = initial_state(model, n, 0.4, rng)
    with ABPEngine(model, x, box, th, seed=1) as eng:
        eng.run(100)
        t0 = time.perf_counter()
        eng.record(steps // 100 + 1, 100)
        t_glassml = time.perf_counter() - t0
    lammps = load_lammps()
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    for c in ["units lj", "dimension 2", "atom_style hybrid sphere dipole", "boundary p p p",
              f"region box block 0 {box[0]} 0 {box[1]} -0.5 0.5", "create_box 1 box"]:
        lmp.command(c)
    lmp.create_atoms(n, list(range(1, n + 1)), [1] * n, np.column_stack([x, np.zeros(n)]).ravel().tolist())
    for c in ["set group all diameter 1.0", f"set group all density {4 / np.pi}", "set group all dipole/random 7 1.0",
              *model.pair.lammps_commands(), "neighbor 0.3 bin", "neigh_modify every 1 delay 0 check yes", "timestep 1e-4",
              "fix move all brownian/sphere 1.0 5 gamma_t 1.0 gamma_r 0.3333333333333333 rng gaussian",
              "fix propel all propel/self dipole 24.0", "fix twod all enforce2d", "run 100"]:
        lmp.command(c)
    t0 = time.perf_counter()
    lmp.command(f"run {steps}")
    t_raw = time.perf_counter() - t0
    lmp.close()
    print(f"ABP N={n} phi=0.4 {steps} steps: glassml {n * steps / t_glassml:.3g} atom-steps/s, raw LAMMPS "
          f"{n * steps / t_raw:.3g} atom-steps/s, ratio {t_raw / t_glassml:.3f}")
    model = ABPModel(WCA(), active_force=24.0)
    run = ABPRun(n_particles=200, packing_fraction=0.3, equilibration_time=0.2, n_frames=1000, frame_interval=1e-4)
    tr = _tracks(model, run, 3)
    est = ForceInference(cutoff=1.5, epochs=3).fit(tr)
    print(f"training: {est.seconds_per_epoch_:.2f} s per epoch on {200 * 999} transitions (N=200, 1000 frames)")


CASES = {
    "abp-wca phi=0.3": (ABPModel(WCA(), active_force=24.0), 0.3, 1.5),
    "abp-wca phi=0.5": (ABPModel(WCA(), active_force=24.0), 0.5, 1.5),
    "chiral phi=0.3": (ABPModel(WCA(), active_force=24.0, omega=5.0, rotational_diffusion=1.0), 0.3, 1.5),
    "harmonic phi=0.4": (ABPModel(Harmonic(k=50.0), active_force=10.0), 0.4, 1.5),
    "yukawa phi=0.2": (ABPModel(Yukawa(50.0, 2.0, 2.5), active_force=10.0), 0.2, 2.5),
}


def recovery(cases=None, n_particles: int = 200, n_frames: int = 2000, n_train: int = 3, epochs: int = 2) -> list[dict]:
    rows = []
    for name, (model, phi, cutoff) in CASES.items():
        if cases and name not in cases:
            continue
        run = ABPRun(n_particles=n_particles, packing_fraction=phi, equilibration_time=1.0, n_frames=n_frames, frame_interval=1e-4)
        t0 = time.perf_counter()
        train = [_tracks(model, run, s) for s in range(n_train)]
        val = _tracks(model, run, 100)
        est = ForceInference(cutoff=cutoff, epochs=epochs).fit(train, val)
        rep = interpret(est, model)
        rows.append({"case": name, **rep, "seconds": time.perf_counter() - t0})
        c, e = rep["coefficients"], rep["relative_error"]
        fmt = lambda k: f"{c[k]['value']:.4g}±{c[k]['error']:.2g} ({'-' if e[k] is None else f'{100 * e[k]:.1f}%'})"  # noqa: E731
        print(f"{name:18s} F_a {fmt('active_force')}  omega {fmt('omega')}  D_t {fmt('translational_diffusion')}  "
              f"D_r {fmt('rotational_diffusion')}  f(r) L2 {100 * rep['pair_force_relative_l2']:.1f}%  "
              f"form {rep['symbolic']['best']} ({'true' if rep['symbolic']['true_form_picked'] else 'WRONG'})  "
              f"basis {rep['n_basis']} (N={n_particles}, {n_train}x{n_frames} frames, {epochs} epochs)  "
              f"[{rows[-1]['seconds']:.0f} s]", flush=True)
    return rows


def spin(n_particles: int = 1000, n_frames: int = 2000, n_trajectories: int = 4, omega: float = 5.0) -> None:
    """omega and D_r of the chiral system over a longer total observation time.

    The torque head is the mean spin, whose standard error sqrt(2 D_r / (N T)) depends only on
    the number of particles N and the total time T followed (not on the frame interval), so
    omega is measured here on N = 1000 particles over ``n_trajectories`` runs of ``n_frames``
    frames (Delta t = 1e-4) with :func:`rotational_estimates`, which gives exactly what
    ForceInference reports on the same tracks without building the neighbour graphs."""
    from glassml.active import rotational_estimates

    model = ABPModel(WCA(), active_force=24.0, omega=omega, rotational_diffusion=1.0)
    run = ABPRun(n_particles=n_particles, packing_fraction=0.3, equilibration_time=1.0, n_frames=n_frames, frame_interval=1e-4)
    t0 = time.perf_counter()
    tracks = [_tracks(model, run, s) for s in range(n_trajectories)]
    rot = rotational_estimates(tracks)
    total = n_particles * n_trajectories * (n_frames - 1) * 1e-4
    w, dw = rot["omega"], rot["omega_error"]
    dr, ddr = rot["rotational_diffusion"], rot["rotational_diffusion_error"]
    print(f"chiral WCA phi=0.3, N={n_particles}, {n_trajectories}x{n_frames} frames (N T = {total:.0f}): "
          f"omega {w:.4f} ± {dw:.3f} (true {omega:g}; error {100 * abs(w - omega) / omega:.2f}%, one standard error "
          f"{100 * dw / omega:.2f}%, expected sqrt(2 D_r / (N T)) = {np.sqrt(2 * 1.0 / total):.3f}); "
          f"D_r {dr:.4f} ± {ddr:.4f} (true 1; error {100 * abs(dr - 1):.2f}%)  [{time.perf_counter() - t0:.0f} s]", flush=True)


def robustness(noise_only: bool = False) -> None:
    model = ABPModel(WCA(), active_force=24.0)
    run = ABPRun(n_particles=200, packing_fraction=0.3, equilibration_time=1.0, n_frames=2000, frame_interval=1e-4)
    train = [_tracks(model, run, s) for s in range(2)]
    val = _tracks(model, run, 100)
    if not noise_only:
        frames_curve(model, train, val)
    noise_curve(model, train, val)


def frames_curve(model, train, val) -> None:
    print("frames per trajectory | F_a err | D_t err | D_r err | f(r) L2")
    for frames in (2000, 1000, 500, 250, 125):
        est = ForceInference(cutoff=1.5, epochs=0, n_basis=32).fit([t.subsample(1, frames) for t in train], val.subsample(1, frames))
        rep = interpret(est, model)
        e = rep["relative_error"]
        print(f"{frames:6d} | {100 * e['active_force']:.1f}% | {100 * e['translational_diffusion']:.1f}% | "
              f"{100 * e['rotational_diffusion']:.1f}% | {100 * rep['pair_force_relative_l2']:.1f}%", flush=True)


def noise_curve(model, train, val) -> None:
    print("localisation noise sigma | F_a err | D_t err | D_t err (covariance-corrected) | sigma recovered | f(r) L2")
    for sigma in (0.0, 0.002, 0.005, 0.01, 0.02):
        noisy = [t.with_noise(sigma, k) for k, t in enumerate(train)]
        est = ForceInference(cutoff=1.5, epochs=0, n_basis=32).fit(noisy, val.with_noise(sigma, 99))
        cor = ForceInference(cutoff=1.5, epochs=0, n_basis=32, localisation_noise=True).fit(noisy, val.with_noise(sigma, 99))
        rep = interpret(est, model)
        e = rep["relative_error"]
        ec = interpret(cor, model)["relative_error"]
        print(f"{sigma:6.3f} | {100 * e['active_force']:.1f}% | {100 * e['translational_diffusion']:.1f}% | "
              f"{100 * ec['translational_diffusion']:.1f}% | {cor.localisation_error_:.4f} | "
              f"{100 * rep['pair_force_relative_l2']:.1f}%", flush=True)


MIPS_POINTS = ((0.6, 10.0), (0.3, 100.0), (0.5, 100.0), (0.6, 100.0))


def _block(n: int, width: float, height: float, rng) -> np.ndarray:
    """``n`` points on a jittered grid of nearly equal spacing in ``[0, width) x [0, height)``."""
    a = np.sqrt(width * height / n)
    nx = max(1, int(round(width / a)))
    ny = int(np.ceil(n / nx))
    grid = np.stack(np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"), -1).reshape(-1, 2)
    grid = grid[np.sort(rng.choice(len(grid), size=n, replace=False))]
    return (grid + 0.5) * [width / nx, height / ny] + rng.normal(0.0, 0.02, (n, 2))


def slab_state(model, n: int, phi: float, rng, dense: float = 0.78):
    """Half the particles in a dense slab (area fraction ``dense``) spanning the box, the rest a
    uniform gas beside it: a phase-separated start, so that coexistence is tested without
    waiting for a nucleation event (a slab survives inside the coexistence region and
    evaporates outside it)."""
    box = model.box_for(n, phi)
    n_dense = n // 2
    width = n_dense * np.pi / 4 / dense / box[1]
    x = np.concatenate([_block(n_dense, width, box[1], rng),
                        _block(n - n_dense, box[0] - width, box[1], rng) + [width, 0.0]])
    return x % box, box, rng.uniform(-np.pi, np.pi, n)


def mips(points=MIPS_POINTS, n_particles: int = 500, rotation_times: float = 20.0, start: str = "homogeneous") -> None:
    """MIPS order (fraction of 5x5 cells with local area fraction > 0.8) over phi and Pe = 3 v0 / (sigma D_r).

    F_a = 24 (the WCA force scale, epsilon = 1), D_r = 3 v0 / Pe, D_t = D_r / 3 (sigma = 1), as
    in Redner, Hagan and Baskaran, PRL 110, 055701 (2013); each run lasts ``rotation_times``
    times 1/D_r before 10 frames are sampled over 5 more."""
    for phi, pe in points:
        dr = 3 * 24.0 / pe
        model = ABPModel(WCA(), active_force=24.0, rotational_diffusion=dr, translational_diffusion=dr / 3)
        dt = 1e-4 if model.temperature <= 1.0 else 5e-5
        run = ABPRun(n_particles=n_particles, packing_fraction=phi, timestep=dt, equilibration_time=rotation_times / dr,
                     n_frames=10, frame_interval=round(0.5 / dr / dt) * dt)
        if start == "homogeneous":
            a = simulate_abp(model, run, seed=1)
            pos, box = a["positions"][:, 0], a["box"]
        else:
            from glassml.active.simulate import ABPEngine

            rng = np.random.default_rng(1)
            x, box, th = slab_state(model, n_particles, phi, rng)
            with ABPEngine(model, x, box, th, seed=7, timestep=dt) as eng:
                eng.run(int(round(run.equilibration_time / dt)))
                _, pos, _ = eng.record(run.n_frames, run.stride)
        order = mips_order(pos, box, dense=0.8)
        print(f"N {n_particles} | phi {phi:.2f} | Pe {pe:5.0f} | {start} start | {rotation_times:g} rotation times | "
              f"MIPS order {order:.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["throughput", "recovery", "spin", "robustness", "mips"])
    ap.add_argument("--json", help="also write the rows here (recovery)")
    ap.add_argument("--case", action="append", help="recovery: only this case (repeatable; default all)")
    ap.add_argument("--particles", type=int, default=200, help="recovery: number of particles")
    ap.add_argument("--frames", type=int, default=2000, help="recovery: frames per trajectory (one time step apart)")
    ap.add_argument("--train", type=int, default=3, help="recovery: training trajectories (one more validates)")
    ap.add_argument("--epochs", type=int, default=2, help="recovery: Adam epochs after the least-squares warm start")
    ap.add_argument("--noise-only", action="store_true", help="robustness: only the localisation-noise curve")
    ap.add_argument("--point", type=int, help="mips: only this state point (index into MIPS_POINTS)")
    ap.add_argument("--n", type=int, default=500, help="mips: number of particles")
    ap.add_argument("--start", choices=["homogeneous", "slab"], default="homogeneous",
                    help="mips: start from a homogeneous fluid or from a dense slab beside a gas")
    ap.add_argument("--rotation-times", type=float, default=20.0, help="mips: run length before sampling, in units of 1/D_r")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    if args.mode == "throughput":
        throughput()
    elif args.mode == "recovery":
        rows = recovery(args.case, n_particles=args.particles, n_frames=args.frames, n_train=args.train, epochs=args.epochs)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(rows, fh, indent=1, default=float)
    elif args.mode == "spin":
        spin()
    elif args.mode == "robustness":
        robustness(noise_only=args.noise_only)
    else:
        mips(MIPS_POINTS if args.point is None else [MIPS_POINTS[args.point]], n_particles=args.n,
             rotation_times=args.rotation_times, start=args.start)


if __name__ == "__main__":
    main()
