"""tau_alpha of GlassBench's KA protocol at its higher temperatures, against the presets' grids.

GlassBench's time grids put tau_alpha at index 6 (4120 at T = 0.44).  The presets
``glassbench-ka3d-T0.64`` and ``-T0.56`` place index 6 at an *estimated* tau_alpha (25 and 80);
this script measures it on GlassBench's form of the potential (``ka3d-sf``, rho = 1.2): melt,
NVT equilibration for ``--equilibration`` times the estimate, then an NVT run of 3 estimates
with unwrapped positions on a log grid, averaged over time origins spaced by the estimate;
tau_alpha is where Fs(q = 7.25, t) of the A particles crosses 1/e (the GlassBench
convention).  Several independent starts give the error.

Usage: python benchmarks/glassbench_tau.py [--n 1000] [--temperatures 0.64 0.56] [--starts 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def measure(temperature: float, tau_guess: float, n: int, seed: int, equilibration: float) -> float | None:
    from glassml.dynamics.observables import tau_alpha
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import equilibrate, melt
    from glassml.systems import get_model

    engine = LammpsEngine.from_model(get_model("ka3d-sf"), n, seed=seed)
    try:
        melt(engine, temperature=2.0, time=5.0, seed=seed + 1)
        equilibrate(engine, temperature, equilibration * tau_guess, seed=seed + 2)
        dt = engine.timestep
        every = max(1, int(round(tau_guess / 20 / dt)))
        n_frames = int(round(4 * tau_guess / (every * dt))) + 1
        frames = engine.record(np.arange(n_frames) * every, ensemble="nvt", temperature=temperature)
        a = engine.types == 0
    finally:
        engine.close()
    x = frames[:, a]
    lags = np.unique(np.round(np.geomspace(1, n_frames // 2, 30)).astype(int))
    origins = np.arange(0, n_frames // 2, 20)
    fs = np.array([np.mean([np.cos(7.25 * (x[o + k] - x[o])).mean() for o in origins]) for k in lags])
    return tau_alpha(lags * every * dt, fs)


def main() -> None:
    from glassml.simulate.presets import get_preset

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.64, 0.56])
    ap.add_argument("--starts", type=int, default=2)
    ap.add_argument("--equilibration", type=float, default=10.0, help="in units of the estimated tau_alpha")
    args = ap.parse_args()
    for T in args.temperatures:
        preset = get_preset(f"glassbench-ka3d-T{T:.2f}")
        grid_tau = preset.times[6]
        t0 = time.perf_counter()
        taus = [measure(T, grid_tau, args.n, 100 * k + 7, args.equilibration) for k in range(args.starts)]
        ok = np.array([t for t in taus if t is not None], float)
        err = ok.std(ddof=1) / np.sqrt(len(ok)) if len(ok) > 1 else float("nan")
        print(f"T={T:.2f} N={args.n}: tau_alpha = {ok.mean():.1f} ± {err:.1f} ({', '.join(f'{t:.1f}' for t in ok)}); "
              f"preset grid index 6 = {grid_tau:g}; ratio {ok.mean() / grid_tau:.2f} ({time.perf_counter() - t0:.0f} s)",
              flush=True)


if __name__ == "__main__":
    main()
