"""Reproduction of the failure of network-assisted Monte Carlo on the antiferromagnetic Potts
model (Ciarella, Trinquier, Weigt & Zamponi, Mach. Learn.: Sci. Technol. 4, 010501 (2023)),
on one core, in minutes.

Instance: q = 4 colours on random 9-regular graphs.  9-regular graphs are 4-colourable and
lie between the clustering and condensation connectivities (Zdeborová & Krzakala, PRE 76,
031131 (2007)), so T_K = 0 and every temperature below T_d is in the quiet-planting window:
the planted colouring at T_p is an equilibrium configuration.

1. thresholds: T_d and T_K of (q = 4, c = 9, regular) by the m = 1 cavity method, and the
   zero-temperature reconstruction check on Erdős–Rényi graphs around c_d = 8.353;
2. the study below T_d (``glassml sampling run`` with the same settings): local MC from a
   random start and from the planted colouring, parallel tempering, MADE acceptance for
   N = 32..512 with the fitted rate, KL per spin, sequential tempering down to T;
3. the same acceptance scan above T_d, for comparison.

Usage: python benchmarks/sampling_scan.py [--out sampling-scan]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="sampling-scan")
    ap.add_argument("--below", type=float, default=0.1, help="working temperature below T_d")
    ap.add_argument("--above", type=float, default=0.3, help="comparison temperature above T_d")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from glassml.sampling import reconstruction
    from glassml.sampling.experiment import PottsStudy, run_study, write_report

    t0 = time.perf_counter()
    print("zero-temperature reconstruction, q = 4 (overlap > 0: clustered)")
    for kind, c in (("erdos-renyi", 8.3), ("erdos-renyi", 8.4), ("regular", 8), ("regular", 9), ("regular", 10)):
        r = reconstruction(4, c, 0.0, kind=kind, population=5000, iterations=150)
        print(f"  {kind:<12s} c = {c:<5}: overlap {r.overlap:.3f}, complexity {r.complexity:+.4f}")

    ladder = [0.5, 0.3, 0.2, 0.16, 0.14, 0.12, args.below]
    below = PottsStudy(q=4, c=9, n=256, kind="regular", temperature=args.below, temperatures=ladder,
                       sizes=[32, 64, 128, 256, 512], n_train=1024, n_proposals=2048, sweeps=2000, hidden=64, epochs=30,
                       st_samples=256, cavity_population=10000, seed=0)
    summary = run_study(f"{args.out}/below", below, show_progress=True)
    write_report(f"{args.out}/below")
    above = PottsStudy(**{**below.__dict__, "temperature": args.above})
    summary_above = run_study(f"{args.out}/above", above, show_progress=True, stages=("acceptance",))
    write_report(f"{args.out}/above")

    def rows(path):
        return json.load(open(path))["rows"]

    print(json.dumps({k: summary[k] for k in ("dynamic_temperature", "condensation_temperature")}, indent=1))
    for label, path, s in (("below", f"{args.out}/below/acceptance.json", summary),
                           ("above", f"{args.out}/above/acceptance.json", summary_above)):
        print(f"network acceptance {label} T_d: rate = {s['acceptance_rate_per_spin']:.4f} per spin")
        for r in rows(path):
            print(f"  N = {r['n']:4d}: acceptance {r['acceptance']:.3e} +- {r['acceptance_error']:.1e}, "
                  f"KL/N {r['kl_per_spin']:.4f}, e_proposal {r['proposal_energy']:.4f}, "
                  f"e_equilibrium {r['equilibrium_energy']:.4f}, e_planted {r['planted_energy']:.4f}")
    local = json.load(open(f"{args.out}/below/local.json"))["rows"]
    print("local MC (2000 sweeps, N = 256): T, e_para, e from random, e from planted, tau random, tau planted, overlap")
    for r in local:
        print(f"  {r['temperature']:.3f} {r['paramagnetic_energy']:.5f} {r['random']['energy']:.5f} "
              f"{r['planted']['energy']:.5f} {r['random']['tau_sweeps']:.1f} {r['planted']['tau_sweeps']:.1f} "
              f"{r['random']['overlap']:.3f}")
    pt = json.load(open(f"{args.out}/below/tempering.json"))
    print("parallel tempering: T", pt["temperatures"], "\n  e", np.round(pt["energy"], 5).tolist(),
          "\n  swap acceptance", np.round(pt["swap_acceptance"], 3).tolist(), "\n  overlap", np.round(pt["overlap"], 3).tolist())
    st = json.load(open(f"{args.out}/below/sequential.json"))
    print("sequential tempering: T", st["temperatures"], "\n  e", np.round(st["energy"], 5).tolist(),
          "\n  e_para", np.round(st["paramagnetic_energy"], 5).tolist(), "\n  acceptance",
          np.round(st["acceptance"], 4).tolist(), f"\n  planted energy {st['planted_energy']:.5f}, overlap {st['overlap']:.3f}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
