"""D_A of KA3D (truncated and shifted, rho = 1.2) at T = 0.8 against system size, beside RUMD3's
N = 4000 reference (D_A ≈ 5.5e-3, gamdpy's science tests; ``../shared/REFERENCES.md``).

Each start: melt at T = 2, NVT at T = 0.8 for ``--equilibration`` time units (about 10 tau_alpha
by default), then ``--production`` time units of NVT with frames every ``production / 40``; D_A
is the slope of the A particles' mean-square displacement (averaged over time origins) between
a quarter and a half of the run (10 to 20 time units, where the MSD is diffusive: tau_alpha ≈
2.6).
Hydrodynamic finite-size effects lower D in a periodic box by ``2.837 k T / (6 pi eta L)``
(Yeh & Hummer, J. Phys. Chem. B 108, 15873 (2004)), so D(N) rises with N towards its N = inf value.

    python benchmarks/ka3d_diffusion_size.py [--sizes 1000 4000] [--starts 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def diffusion_a(n: int, seed: int, temperature: float = 0.8, equilibration: float = 25.0,
                production: float = 40.0) -> float:
    from glassml.simulate.protocols import state_point
    from glassml.systems import get_model

    return state_point(get_model("ka3d"), n, temperature, equilibration, production, seed=seed)["D"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--seed", type=int, default=31)
    args = ap.parse_args()
    for n in args.sizes:
        t0 = time.process_time()
        d = np.array([diffusion_a(n, args.seed + 10 * k) for k in range(args.starts)])
        err = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        print(f"N = {n}: D_A = {d.mean():.4e} ± {err:.1e} ({', '.join(f'{v:.4e}' for v in d)}); "
              f"RUMD3 (N = 4000) 5.5e-3, ratio {d.mean() / 5.5e-3:.3f} ({time.process_time() - t0:.0f} s CPU)", flush=True)


if __name__ == "__main__":
    main()
