"""Temperature ladders: the cost of each rung against raw LAMMPS, and D(T) with tau_alpha(T).

    python benchmarks/ladder.py cost [--ladder ladder-ka3d] [--rungs T1.00 T0.60]
    python benchmarks/ladder.py diffusion LADDER_DIR [--samples 3] [--taus 50] [--splits test,val] [--json D.json]
    python benchmarks/ladder.py phenomenology LADDER_DIR [--diffusion D.json]

``cost``: for each rung, one sample of the rung's preset (its N, T, timestep and styles;
replicas, equilibration and time grid cut short, inherent and cage states off, so that only MD
is timed) run through ``run_campaign`` against one raw LAMMPS ``run`` of as many steps on the
same system, in the same process (``benchmarks/simulate.py``'s two timers).  The ratio should
be >= 0.9.  The rung's full cost is then its atom-steps (``Ladder.atom_steps``) at the measured
campaign rate per CPU second, on one core (MD only: inherent and cage states come on top).

``diffusion``: the replicas of a rung end at 3 tau_alpha, before the mean-square displacement is
diffusive, so D comes from separate NVT runs started from the equilibrated configurations of
``--samples`` samples of each rung (``initial_positions``; test samples first, or the
``--splits`` given, in order), ``--taus`` tau_alpha long
(tau_alpha from the rung's own Fs), frames every tau_alpha / 10; D of the A particles from the
MSD (averaged over time origins one tau_alpha apart, lags up to 0.8 of the run) beyond 1 (``glassml.dynamics.relaxation.diffusion_constant``), mean and standard error over
the samples.

``phenomenology``: tau_alpha(T) of the A particles (Fs at k = 7.25, GlassBench's KA
convention, the same k at every rung) with jackknife errors from every rung that is complete (``glassml.dynamics.observables_report``), D(T) from ``--diffusion``, and the fits of
``glassml.dynamics.temperature_fits``, beside Kob & Andersen's T_MCT = 0.435 (PRE 51, 4626,
1995) and RUMD3's D_A(T = 0.8) = 5.5e-3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

#: Published values the ladder is compared with (sources in the module docstring).
T_MCT_KA = 0.435
D_A_RUMD = {0.8: 5.5e-3}


def cost(ladder_name: str, rungs: list[str] | None) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from simulate import campaign_throughput, raw_throughput  # benchmarks/simulate.py

    from glassml.simulate.presets import LADDERS

    lad = LADDERS[ladder_name].validate()
    steps = lad.atom_steps()
    total = 0.0
    for r in lad.rungs:
        name = lad.rung_name(r)
        if rungs and name not in rungs:
            continue
        p = replace(r, n_samples=1, split=(1, 0, 0), n_replicas=2, inherent=False, cage=False,
                    equilibration_time=min(r.equilibration_time, 20.0), times=tuple(t for t in r.times if t <= 10.0))
        campaign_throughput(p)  # warm-up: imports, caches
        r1 = raw_throughput(p, p.atom_steps_per_sample())
        rate_c, cpu_c, n_steps, wall = campaign_throughput(p)
        r2 = raw_throughput(p, n_steps)
        rate_r, cpu_r = (r1[0] + r2[0]) / 2, (r1[1] + r2[1]) / 2
        hours = steps[name] / cpu_c / 3600  # CPU-time rate: the projection does not depend on other load
        total += hours
        print(f"{name}: campaign {rate_c / 1e6:.3f} M atom-steps/s, raw LAMMPS {rate_r / 1e6:.3f}: ratio {rate_c / rate_r:.3f} "
              f"(CPU time {cpu_c / cpu_r:.3f}, {cpu_c / 1e6:.3f} M atom-steps per CPU second); rung {steps[name]:.3g} "
              f"atom-steps = {hours:.2f} h of one core", flush=True)
    print(f"ladder {ladder_name}: {total:.2f} h of one core for the rungs measured (half that with --workers 2)")


def _rungs(folder: Path) -> list[Path]:
    from glassml.store import Dataset

    out = []
    for p in sorted(folder.glob("T*"), key=lambda p: -float(p.name[1:])):
        if not Dataset.is_dataset(p):
            continue
        ds = Dataset.open(p)
        want = ds.manifest["campaign"]["preset"]["n_samples"]
        if len(ds) < want:
            print(f"{p.name}: {len(ds)} of {want} samples, skipped (incomplete)")
            continue
        out.append(p)
    return out


#: Wave number of Fs for every rung: GlassBench's KA convention, near the first peak of S_AA(k).
#: One k for the whole ladder: the first peak found per rung moves by a bin (2 pi / L = 0.67 at
#: N = 1000) between temperatures, which alone changes tau_alpha by 30 % at T = 1.0.
K = 7.25


def _tau_alpha(path: Path) -> tuple[float, float]:
    from glassml.dynamics import dataset_observables
    from glassml.store import Dataset

    r = dataset_observables(Dataset.open(path), species=0, k=K)
    return r["tau_alpha"]["0"], (r.get("tau_alpha_error") or {}).get("0")


def diffusion(folder: Path, n_samples: int, taus: float, out: str | None, splits: tuple[str, ...] = ("test",)) -> list[dict]:
    from glassml.dynamics.observables import mean_square_displacement
    from glassml.dynamics.relaxation import diffusion_constant
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import equilibrium_trajectory
    from glassml.store import Dataset
    from glassml.systems import get_model

    rows = []
    for path in _rungs(folder):
        ds = Dataset.open(path)
        T = float(ds.manifest["temperature"])
        tau, _ = _tau_alpha(path)
        model = get_model(ds.model["name"])
        D, wall = [], time.perf_counter()
        for s in [x for split in splits for x in ds.samples_in(split)][:n_samples]:
            eng = LammpsEngine(model, s["initial_positions"], s["types"], s["box"])
            try:
                eng.draw_velocities(T, 1000 + len(D))
                every = max(1, int(round(tau / 10 / eng.timestep)))
                x = equilibrium_trajectory(eng, T, every, int(round(taus * 10)) + 1)
            finally:
                eng.close()
            xa = x[:, s["types"] == 0]
            lags = np.arange(1, int(0.8 * len(xa)))  # MSD averaged over origins one tau_alpha apart
            msd = [mean_square_displacement(np.stack([xa[o + k] - xa[o] for o in range(0, len(xa) - k, 10)])[:, None])
                   .mean() for k in lags]
            D.append(diffusion_constant(lags * every * eng.timestep, np.array(msd), x.shape[-1]))
        D = np.array([np.nan if d is None else d for d in D], float)
        row = {"T": T, "tau_alpha_A": tau, "D_A": float(np.nanmean(D)),
               "D_A_error": float(np.nanstd(D, ddof=1) / np.sqrt(np.isfinite(D).sum())) if np.isfinite(D).sum() > 1 else None,
               "samples": int(np.isfinite(D).sum()), "run": taus * tau, "wall_s": time.perf_counter() - wall}
        rows.append(row)
        ref = f"; RUMD3 {D_A_RUMD[T]:.3g}, ratio {row['D_A'] / D_A_RUMD[T]:.3f}" if T in D_A_RUMD else ""
        err = f" ± {row['D_A_error']:.2g}" if row["D_A_error"] else ""
        print(f"{path.name}: D_A = {row['D_A']:.4g}{err} ({row['samples']} samples, runs of {row['run']:.0f}), "
              f"D_A tau_alpha / T = {row['D_A'] * tau / T:.4g}{ref} ({row['wall_s']:.0f} s)", flush=True)
    if out:
        Path(out).write_text(json.dumps(rows, indent=1))
    return rows


def phenomenology(folder: Path, diffusion_json: str | None) -> dict:
    from glassml.dynamics.relaxation import temperature_fits

    paths = _rungs(folder)
    T, tau, tau_err = [], [], []
    for p in paths:
        t, e = _tau_alpha(p)
        T.append(float(p.name[1:]))
        tau.append(t)
        tau_err.append(np.nan if e is None else e)
    D = np.full(len(T), np.nan)
    D_err = np.full(len(T), np.nan)
    if diffusion_json:
        for row in json.loads(Path(diffusion_json).read_text()):
            if row["T"] in T:
                D[T.index(row["T"])] = row["D_A"]
                D_err[T.index(row["T"])] = row["D_A_error"] if row["D_A_error"] else np.nan
    out = temperature_fits(T, tau, D, tau_error=tau_err, D_error=D_err)
    for t, a, e, d in zip(T, tau, tau_err, D):
        print(f"T={t:.2f}: tau_alpha(A) {a:.4g} ± {e:.2g}, D_A {d:.4g}, D tau/T {d * a / t:.4g}")
    for law, rec in out["fits"].items():
        if "error" in rec and not isinstance(rec["error"], dict):
            print(f"{law}: {rec['error']}")
            continue
        par = ", ".join(f"{k} {rec[k]:.4g} ± {rec['errors'].get(k, float('nan')):.2g}" for k in rec
                        if k not in ("law", "rms_ln_tau", "errors", "fragility"))
        frag = rec.get("fragility") or {}
        m = f", fragility m {frag['m']:.3g} (Tg {frag['Tg']:.3g})" if frag.get("m") else ""
        print(f"{law}: {par}; rms ln tau {rec['rms_ln_tau']:.3g}{m}")
    mc = out["fits"].get("mode_coupling", {})
    if "Tc" in mc:
        print(f"T_MCT from tau_alpha: {mc['Tc']:.4g}; Kob & Andersen {T_MCT_KA}: ratio {mc['Tc'] / T_MCT_KA:.3f}")
    mcd = out["fits_D"].get("mode_coupling", {})
    if "Tc" in mcd:
        print(f"T_MCT from D_A: {mcd['Tc']:.4g} (gamma {mcd['gamma']:.3g}); Kob & Andersen {T_MCT_KA}: "
              f"ratio {mcd['Tc'] / T_MCT_KA:.3f}")
    on = out.get("onset") or {}
    print(f"onset (parabolic To): {on.get('To', float('nan')):.4g} ± {on.get('error') or float('nan'):.2g}, "
          f"resolved {on.get('resolved', False)}")
    print(f"Stokes-Einstein exponent xi (D ∝ tau^-xi): {out['stokes_einstein']['xi']}")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="part", required=True)
    c = sub.add_parser("cost")
    c.add_argument("--ladder", default="ladder-ka3d")
    c.add_argument("--rungs", nargs="*", default=None, help="rung folders (T1.00 ...); default all")
    d = sub.add_parser("diffusion")
    d.add_argument("folder", type=Path)
    d.add_argument("--samples", type=int, default=3)
    d.add_argument("--taus", type=float, default=50.0, help="run length in tau_alpha of the rung")
    d.add_argument("--json", default=None)
    d.add_argument("--splits", default="test", help="splits to take the samples from, in order (e.g. test,val,train)")
    f = sub.add_parser("phenomenology")
    f.add_argument("folder", type=Path)
    f.add_argument("--diffusion", default=None, help="the --json of `diffusion`")
    f.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    if a.part == "cost":
        cost(a.ladder, a.rungs)
    elif a.part == "diffusion":
        diffusion(a.folder, a.samples, a.taus, a.json, tuple(x.strip() for x in a.splits.split(",") if x.strip()))
    else:
        out = phenomenology(a.folder, a.diffusion)
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
