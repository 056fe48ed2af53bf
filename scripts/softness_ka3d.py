"""Reproduce the softness numbers of the softness guide on KA3D (N = 500, rho = 1.2).

Two stages, both resumable (rerun the same command after an interruption):

1. ``simulate``: one campaign per temperature (``glassml.simulate.campaign.run_campaign``)
   storing an equilibrium NVT trajectory (frames every 0.1 LJ time, unwrapped) per sample;
   no inherent or cage states, one short replica (the campaign's minimum).
2. ``analyse``: ``glassml.softness.SoftnessAnalysis`` on all the datasets: p_hop and events,
   the softness field trained on rearranging against quiet A particles, S for every A particle
   and analysed frame, P_R(S, T), the Arrhenius fits, T_x, the onset, the soft fraction, τα from
   F_s(q = 7.25, t) of the A particles, and the trap model's τα at each temperature left out of
   its fit.  t_R = 2.0 (20 frames), p_c = 0.2, 60 analysed frames per sample.  The report
   (JSON and figures) goes to ``OUT/analysis2/report``; the same analysis is
   ``glassml softness run OUT/ka3d-N500-T* --out OUT/analysis2 --window 2 --frames-per-sample 60``.

Usage::

    OMP_NUM_THREADS=1 python scripts/softness_ka3d.py OUT [--temperatures 0.9 0.75 0.7 0.65 0.6 0.55]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

# LJ time the trajectory covers at each temperature (about 20 tau_alpha at N = 500) and the
# equilibration before it (about 10 tau_alpha); tau_alpha(T) measured with this script.
TRAJECTORY_TIME = {0.9: 60.0, 0.8: 80.0, 0.75: 100.0, 0.7: 150.0, 0.65: 200.0, 0.6: 300.0, 0.55: 600.0}
EQUILIBRATION_TIME = {0.9: 20.0, 0.8: 30.0, 0.75: 40.0, 0.7: 60.0, 0.65: 100.0, 0.6: 150.0, 0.55: 400.0}


def simulate(out: Path, temperatures, *, n_particles: int, n_samples: int, seed: int) -> list[Path]:
    from glassml.simulate.campaign import run_campaign
    from glassml.simulate.presets import preset_from_mapping

    paths = []
    for t in temperatures:
        preset = preset_from_mapping({
            "name": f"softness-ka3d-T{t:g}", "model": "ka3d", "n_particles": n_particles, "temperature": float(t),
            "n_samples": n_samples, "n_replicas": 1, "times": (0.05,), "split": (n_samples, 0, 0),
            "equilibration_time": EQUILIBRATION_TIME[t], "melt_time": 5.0, "inherent": False, "cage": False,
            "trajectory_every": 0.1, "trajectory_time": TRAJECTORY_TIME[t],
        }, base="quick")
        path = out / f"ka3d-N{n_particles}-T{t:g}"
        t0 = time.perf_counter()
        ds = run_campaign(preset, path, seed=seed)
        print(f"T = {t:g}: {path} ({ds.last_run['simulated']} samples simulated in {time.perf_counter() - t0:.0f} s)",
              flush=True)
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.9, 0.75, 0.7, 0.65, 0.6, 0.55])
    ap.add_argument("--n-particles", type=int, default=500)
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--simulate-only", action="store_true")
    args = ap.parse_args()
    paths = simulate(args.out, args.temperatures, n_particles=args.n_particles, n_samples=args.samples, seed=args.seed)
    if args.simulate_only:
        return
    from glassml.softness import SoftnessAnalysis

    t0 = time.perf_counter()
    analysis = SoftnessAnalysis(window=2.0, threshold=0.2, frames_per_sample=60, seed=args.seed).run(
        paths, args.out / "analysis2")
    print(json.dumps(analysis.summary(), indent=1))
    print(f"analysis: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
