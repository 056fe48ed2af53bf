"""Swap Monte Carlo below the mode-coupling temperature: relaxation times with and without swaps.

For each temperature: ``--starts`` independent configurations melted, then equilibrated by swap
Monte Carlo (energy trace checked for stationarity, length compared with tau_swap); from each,
a swap run and a (longer) plain Monte Carlo run on a logarithmic grid of sweeps; tau_alpha of
Fs(q = 2 pi, t) of both, centre-of-mass drift removed (``glassml.dynamics.relaxation.measure_swap_speedup``).  Where plain
Monte Carlo does not relax within its run, tau_plain is extrapolated from a VFT fit of the
temperatures where it did (``glassml.dynamics.relaxation.fit_vft``).  The throughput line times,
in the same process and on the same equilibrated configuration, swap attempts per second
(``p_swap`` 0.99) against displacement attempts per second (plain sweeps).

Ninarello, Berthier & Coslovich, PRX 7, 021039 (2017) for the model and the algorithm.

    nice -n 19 python benchmarks/swap.py --model poly-swap-3d --n 150 --skin 0.4 --temps 0.12 \
        --eq-sweeps 20000 --swap-sweeps 20000 --plain-sweeps 100000 --json t012.json
    python benchmarks/swap.py --model poly-swap-3d --merge t*.json   # one table, VFT and MCT fits

``--eq-sweeps``, ``--swap-sweeps`` and ``--plain-sweeps`` take one value per temperature (or one
for all); several processes, one per temperature, then ``--merge`` is how the guide's numbers
were made.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from glassml.dynamics.relaxation import fit_vft, measure_swap_speedup  # noqa: E402
from glassml.simulate.swap import swap_equilibrated  # noqa: E402


def throughput(model: str, n: int, temperature: float, skin: float, sweeps: int = 40, rounds: int = 5) -> dict:
    """Swap attempts per second (p_swap 0.99) against displacement attempts per second (plain
    sweeps) on one equilibrated configuration: ``rounds`` alternating blocks of ``sweeps``
    sweeps each, the fastest block of each kind (the machine is shared)."""
    mc, _ = swap_equilibrated(model, n, temperature, seed=99, equilibration_sweeps=200, skin=skin)
    mc.run(5, p_swap=0.99)
    mc.run(5, p_swap=0.0)  # compiled, warmed
    t_swap, t_plain = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        mc.run(sweeps, p_swap=0.99)
        t_swap.append(time.perf_counter() - t)
        t = time.perf_counter()
        mc.run(sweeps, p_swap=0.0)
        t_plain.append(time.perf_counter() - t)
    swap_rate = 0.99 * n * sweeps / min(t_swap)
    move_rate = n * sweeps / min(t_plain)
    return {"swap_attempts_per_s": swap_rate, "plain_sweep_s": min(t_plain) / sweeps, "move_attempts_per_s": move_rate,
            "swap_over_move": swap_rate / move_rate}


def vft_extrapolation(rows: list[dict]) -> dict | None:
    """VFT fit of tau_plain over the temperatures where plain Monte Carlo relaxed; tau_plain and
    the speed-up extrapolated at every temperature (printed)."""
    T = np.array([r["temperature"] for r in rows])
    tau_p = np.array([r["tau_plain"] for r in rows])
    if np.isfinite(tau_p).sum() < 3:
        print("VFT fit of tau_plain: needs 3 temperatures where plain Monte Carlo relaxed", flush=True)
        return None
    f = fit_vft(T, tau_p)
    print(f"VFT fit of tau_plain over T = {', '.join(f'{t:g}' for t in T[np.isfinite(tau_p)])}: "
          f"tau0 {f.params['tau0']:.3g}, D {f.params['D']:.3g}, T0 {f.params['T0']:.4g}, rms ln tau {f.rms:.3g}", flush=True)
    for r in rows:
        ext = float(f.tau(r["temperature"]))
        r["tau_plain_vft"] = ext
        r["speedup_vft"] = ext / r["tau_swap"]
        print(f"  T={r['temperature']:g}: tau_plain measured {r['tau_plain']:.4g}, VFT {ext:.4g}; tau_swap {r['tau_swap']:.4g}; "
              f"speed-up measured {r['speedup']:.4g}, with VFT tau_plain {ext / r['tau_swap']:.4g}", flush=True)
    return f.as_dict()


def mct_power_law(T, tau) -> dict | None:
    """Least squares of ln tau = ln A - gamma ln(T - T_c) (the mode-coupling power law, Götze,
    Complex Dynamics of Glass-Forming Liquids, OUP 2009), T_c on a fine grid below min T; the
    T_MCT of the data."""
    T, tau = np.asarray(T, float), np.asarray(tau, float)
    ok = np.isfinite(tau) & (tau > 0)
    if ok.sum() < 3:
        return None
    T, lt = T[ok], np.log(tau[ok])
    best = None
    for tc in np.linspace(0.0, T.min() * (1 - 1e-4), 4000):
        A = np.stack([np.ones_like(T), -np.log(T - tc)], axis=1)
        (c, g), *_ = np.linalg.lstsq(A, lt, rcond=None)
        err = float(np.sum((A @ np.array([c, g]) - lt) ** 2))
        if g > 0 and (best is None or err < best[0]):
            best = (err, tc, g, c)
    if best is None:
        return None
    return {"T_mct": float(best[1]), "gamma": float(best[2]), "A": float(np.exp(best[3])),
            "rms_ln_tau": float(np.sqrt(best[0] / len(T))), "temperatures": T.tolist()}


def _combine(rows: list[dict]) -> dict:
    """Rows of one temperature from several runs as one: mean and standard error of each tau
    (:func:`glassml.dynamics.relaxation.combine_speedups`)."""
    if len(rows) == 1:
        return rows[0]
    from glassml.dynamics.relaxation import SwapSpeedup, combine_speedups

    keys = SwapSpeedup.__dataclass_fields__
    parts = []
    for r in rows:  # each row may itself combine several starts: weight it by them
        parts += [SwapSpeedup(**{k: r[k] for k in keys if k in r})] * int(r.get("starts", 1))
    return combine_speedups(parts).as_dict()


def merge(paths: list[str], t_mct: float | None = None) -> None:
    """Print the rows of several ``--json`` files of one model together, with the VFT extrapolation."""
    rows = []
    for path in paths:
        with open(path) as fh:
            data = json.load(fh)
        print(f"{path}: {data['model']} N={data['n']}, {data['throughput']['swap_attempts_per_s'] / 1e6:.3f} M swap "
              f"attempts/s against {data['throughput']['move_attempts_per_s'] / 1e6:.3f} M displacement attempts/s")
        rows += data["rows"]
    rows = [_combine([r for r in rows if r["temperature"] == t]) for t in sorted({r["temperature"] for r in rows}, reverse=True)]
    for r in rows:
        print(f"T={r['temperature']:g}: tau_swap {r['tau_swap']:.4g} ± {r['tau_swap_err']:.2g}, tau_plain "
              f"{r['tau_plain']:.4g} ± {r['tau_plain_err']:.2g} (run {r['plain_sweeps']}), speed-up {r['speedup']:.4g} "
              f"± {r['speedup_err']:.2g}{'' if np.isfinite(r['tau_plain']) else ' (lower bound)'}, "
              f"equilibration {r['equilibration_taus']:.3g} tau_swap, stationary {r['energy_stationary']}, "
              f"acceptance {r['swap_acceptance']:.3f}, U/N {r['energy_per_particle']:.4f}, {r['starts']} start(s)")
    vft_extrapolation(rows)
    pl = mct_power_law([r["temperature"] for r in rows], [r["tau_plain"] for r in rows])
    if pl is not None:
        ratio = f" (published {t_mct:g}: ratio {pl['T_mct'] / t_mct:.3f})" if t_mct else ""
        print(f"MCT power law of tau_plain over T = {', '.join(f'{t:g}' for t in pl['temperatures'])}: "
              f"T_MCT {pl['T_mct']:.4g}{ratio}, gamma {pl['gamma']:.3g}, rms ln tau {pl['rms_ln_tau']:.3g}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="poly-swap-3d")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--temps", type=float, nargs="+", default=[0.12, 0.10, 0.095, 0.09])
    ap.add_argument("--eq-sweeps", type=int, nargs="+", default=[5000], help="one per temperature, or one for all")
    ap.add_argument("--swap-sweeps", type=int, nargs="+", default=[5000])
    ap.add_argument("--plain-sweeps", type=int, nargs="+", default=[50000])
    ap.add_argument("--starts", type=int, default=2)
    ap.add_argument("--skin", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--t-mct", type=float, default=None, help="the model's T_MCT, for the table (default 0.104 in 3D, 0.12 in 2D)")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--merge", nargs="+", default=None, help="only combine the --json files of earlier runs")
    a = ap.parse_args(argv)
    t_mct = a.t_mct if a.t_mct is not None else (0.104 if a.model.endswith("3d") else 0.12)
    if a.merge:
        merge(a.merge, t_mct)
        return

    def per_t(v, k):
        return v[k] if len(v) > 1 else v[0]

    tp = throughput(a.model, a.n, a.temps[0], a.skin)
    print(f"{a.model} N={a.n}: {tp['swap_attempts_per_s'] / 1e6:.3f} M swap attempts/s, "
          f"{tp['move_attempts_per_s'] / 1e6:.3f} M displacement attempts/s (plain sweep {1e3 * tp['plain_sweep_s']:.2f} ms); "
          f"swap/displacement {tp['swap_over_move']:.2f}", flush=True)
    rows = []
    for k, T in enumerate(a.temps):
        w = time.perf_counter()
        r = measure_swap_speedup(a.model, a.n, T, seed=a.seed + 100 * k, equilibration_sweeps=per_t(a.eq_sweeps, k),
                                 swap_sweeps=per_t(a.swap_sweeps, k), plain_sweeps=per_t(a.plain_sweeps, k),
                                 max_sweeps=None, starts=a.starts, skin=a.skin)
        row = {**r.as_dict(), "T_over_TMCT": T / t_mct, "wall_s": time.perf_counter() - w,
               "eq_sweeps": per_t(a.eq_sweeps, k), "swap_sweeps": per_t(a.swap_sweeps, k)}
        rows.append(row)
        bound = "" if np.isfinite(r.tau_plain) else " (plain not relaxed: lower bound)"
        print(f"T={T:g} (T/T_MCT {T / t_mct:.3f}): tau_swap {r.tau_swap:.4g} ± {r.tau_swap_err:.2g}, "
              f"tau_plain {r.tau_plain:.4g} ± {r.tau_plain_err:.2g}, speed-up {r.speedup:.4g} ± {r.speedup_err:.2g}{bound}; "
              f"swap acceptance {r.swap_acceptance:.3f}, U/N {r.energy_per_particle:.4f}, "
              f"equilibration {r.equilibration_taus:.3g} tau_swap, energy stationary {r.energy_stationary}, "
              f"equilibrated {r.equilibrated}; plain Fs at its end {r.fs_plain_end:.3f}; {r.starts} starts, {row['wall_s']:.0f} s", flush=True)
    fit = vft_extrapolation(rows)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"model": a.model, "n": a.n, "throughput": tp, "rows": rows, "vft": fit}, fh, indent=1)


if __name__ == "__main__":
    main()
