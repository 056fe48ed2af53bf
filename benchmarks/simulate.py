"""Campaign throughput against raw LAMMPS throughput on the same system, in the same run.

    python benchmarks/simulate.py [--preset quick] [--samples 2] [--full]

Campaign throughput = MD atom-steps / wall time of ``run_campaign`` (serial, one worker), which
includes building the system, the melt's minimisation, thermodynamic sampling for the drift
check, gathering unwrapped snapshots, checksummed atomic writes and manifest updates.  Raw
throughput = one ``run`` of the same number of steps on the same system in one LAMMPS instance
with the same styles.  The ratio should be >= 0.9.  With ``--full`` the campaign also computes
inherent (FIRE) and cage states, which are not MD steps, so that ratio is reported separately.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from dataclasses import replace

from glassml.simulate import get_preset, run_campaign
from glassml.simulate.engine import LammpsEngine
from glassml.simulate.protocols import melt


def raw_throughput(p, atom_steps: int, seed: int = 1) -> float:
    eng = LammpsEngine.from_model(p.model_obj, p.n_particles, density=p.rho, seed=seed, timestep=p.dt,
                                  suffix=None if p.suffix == "none" else p.suffix)
    try:
        # the same state the campaign's replicas run in: melted, then equilibrated at T (untimed)
        melt(eng, temperature=p.melt_temperature, time=p.melt_time)
        eng.draw_velocities(p.temperature, 5)
        eng.run(int(p.equilibration_time / p.dt), ensemble="nvt", temperature=p.temperature)
        eng.draw_velocities(p.temperature, 6)
        eng.run(100, ensemble="nve")  # setup outside the timing
        steps = max(1, atom_steps // p.n_particles)
        t0, c0 = time.perf_counter(), time.process_time()
        eng.run(steps, ensemble="nve")
        return steps * p.n_particles / (time.perf_counter() - t0), steps * p.n_particles / (time.process_time() - c0)
    finally:
        eng.close()


def campaign_throughput(p, seed: int = 0) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        ds = run_campaign(p, f"{tmp}/ds", seed=seed, show_progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        steps = ds.last_run["atom_steps"]
    return steps / wall, steps / cpu, steps, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="quick")
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="also time the campaign with inherent and cage states")
    ap.add_argument("--swap", type=float, nargs="*", metavar="T",
                    help="instead: swap Monte Carlo speed-up (poly-swap-3d, N=500) at these temperatures")
    ap.add_argument("--swap-sweeps", type=int, default=20000)
    args = ap.parse_args()
    if args.swap:
        from glassml.dynamics.relaxation import measure_swap_speedup

        for t in args.swap:
            t0 = time.perf_counter()
            r = measure_swap_speedup("poly-swap-3d", n=500, temperature=t, equilibration_sweeps=max(2000, args.swap_sweeps // 5),
                                     max_sweeps=args.swap_sweeps)
            bound = ">= " if not np.isfinite(r.tau_plain) else ""
            print(f"T={t}: tau_swap={r.tau_swap:.0f} sweeps, tau_plain={r.tau_plain:.0f} sweeps, speed-up {bound}{r.speedup:.1f}, "
                  f"swap acceptance {r.swap_acceptance:.3f}, e={r.energy_per_particle:.4f} ({time.perf_counter() - t0:.0f} s)")
        return
    base = get_preset(args.preset)
    p = replace(base, n_samples=args.samples, split=(args.samples, 0, 0), inherent=False, cage=False)
    # raw before and after the campaign, averaged: the machine's load drifts (2 shared cores)
    campaign_throughput(replace(p, n_samples=1, split=(1, 0, 0)))  # warm-up: imports, caches
    r1 = raw_throughput(p, get_preset(args.preset).atom_steps_per_sample())
    rate_c, cpu_c, steps, wall = campaign_throughput(p)
    r2 = raw_throughput(p, steps // 2)
    rate_r, cpu_r = (r1[0] + r2[0]) / 2, (r1[1] + r2[1]) / 2
    print(f"system: {p.model} N={p.n_particles} T={p.temperature} rho={p.rho:g}, suffix {p.suffix}, 1 thread; "
          f"{args.samples} samples x {p.n_replicas} replicas x {len(p.times)} snapshots")
    print(f"campaign (MD, snapshots, writes): {rate_c / 1e6:.3f} M atom-steps/s  ({steps:.3g} atom-steps in {wall:.1f} s)")
    print(f"raw LAMMPS run, same system:      {rate_r / 1e6:.3f} M atom-steps/s")
    print(f"ratio campaign / raw (wall clock): {rate_c / rate_r:.3f}  (goal >= 0.9)")
    print(f"ratio campaign / raw (CPU time, insensitive to other load): {cpu_c / cpu_r:.3f}")
    if args.full:
        q = replace(base, n_samples=args.samples, split=(args.samples, 0, 0))
        rate_f, _, _, wall_f = campaign_throughput(q)
        print(f"with inherent + cage states: {rate_f / 1e6:.3f} M atom-steps/s, ratio {rate_f / rate_r:.3f} ({wall_f:.1f} s)")


if __name__ == "__main__":
    main()
