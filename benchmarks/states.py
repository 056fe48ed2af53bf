"""Inherent-state throughput against a raw LAMMPS ``minimize`` on the same configuration, in the same run,
and an independent check of the minimum with scipy's L-BFGS on glassml's numpy energy.

    python benchmarks/states.py [DATASET] [--samples 2] [--tolerance 1e-6] [--no-lbfgs]

DATASET is a glassml dataset whose model LAMMPS can run (default: the first BOTAN/GlassBench
KA 3D configuration at T = 0.44, N = 4096, converted into a temporary dataset and run with the
shifted-force model ``ka3d-sf`` those data were made with).

glassml = :func:`glassml.simulate.find_inherent_state` (LAMMPS instance built through the
engine, FIRE, positions gathered and unwrapped, the residual force checked with glassml's own
forces).  Raw = a LAMMPS instance driven by plain input commands (``read_data``, the model's
pair style, ``min_style fire``, ``minimize 0 TOL ...``) with the same suffix and neighbour
settings.  Throughput = FIRE iterations per second of CPU time (both run in this process on one
thread, so a busy machine slows both alike; wall times are printed beside them); the ratio
raw/glassml time should be >= 0.9.
"""

from __future__ import annotations

import argparse
import glob
import tempfile
import time
from pathlib import Path

import numpy as np

from glassml.simulate import find_inherent_state
from glassml.store import Dataset
from glassml.systems import energies_and_forces, get_model
from glassml.systems.lammps import load_lammps, pair_commands

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "botan-ka3d" / "T0.44" / "train"


def default_dataset(tmp: str) -> tuple[Path, str]:
    from glassml.store.formats import convert

    files = sorted(glob.glob(str(SHARED / "*_1_tc07.npz")))
    if not files:
        raise SystemExit(f"no dataset given and no BOTAN files under {SHARED}")
    out = Path(tmp) / "botan"
    convert(files, out, "botan", density=1.2, times=[4120.0], temperature=0.44)
    return out, "ka3d-sf"


def write_data(path: Path, x: np.ndarray, types: np.ndarray, box: np.ndarray, n_species: int) -> None:
    d = x.shape[1]
    lines = ["glassml benchmark configuration", "", f"{len(x)} atoms", f"{n_species} atom types", ""]
    lines += [f"0 {box[0]:.17g} xlo xhi", f"0 {box[1]:.17g} ylo yhi",
              f"0 {box[2]:.17g} zlo zhi" if d == 3 else "-0.5 0.5 zlo zhi", "", "Atoms # atomic", ""]
    xw = x - np.floor(x / box) * box
    for i, (p, t) in enumerate(zip(xw, types)):
        z = p[2] if d == 3 else 0.0
        lines.append(f"{i + 1} {int(t) + 1} {p[0]:.17g} {p[1]:.17g} {z:.17g}")
    path.write_text("\n".join(lines) + "\n")


def raw_minimize(model, x, types, box, tolerance: float, max_iterations: int) -> tuple[float, float, int, float]:
    """CPU and wall seconds, FIRE iterations and energy per particle of a plain LAMMPS minimisation."""
    lammps = load_lammps()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "conf.data"
        write_data(data, x, types, box, model.n_species)
        c0, t0 = time.process_time(), time.perf_counter()
        lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite", "-sf", "opt"])
        try:
            for c in ["units lj", f"dimension {model.dimension}", "atom_style atomic", "atom_modify map array",
                      f"read_data {data}", *pair_commands(model, tmp), "neighbor 0.3 bin",
                      "neigh_modify every 1 delay 0 check yes", "thermo_modify norm yes",
                      *(["fix twod all enforce2d"] if model.dimension == 2 else []),
                      "min_style fire", f"minimize 0.0 {tolerance:.17g} {max_iterations} {10 * max_iterations}"]:
                lmp.command(c)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            steps = int(lmp.extract_global("ntimestep"))
            energy = float(lmp.get_thermo("pe"))
        finally:
            lmp.close()
    return cpu, wall, steps, energy


def lbfgs_check(model, x0, xi, types, box) -> tuple[float, float, float, int]:
    """scipy L-BFGS from the thermal start: its energy per particle, |e - e_FIRE|, max |x - x_FIRE|, iterations."""
    from scipy.optimize import minimize

    d = x0.shape[1]

    def energy(v):
        e, f, _ = energies_and_forces(model, v.reshape(-1, d), types, box)
        return e.sum(), -f.ravel()

    r = minimize(energy, x0.ravel(), jac=True, method="L-BFGS-B",
                 options={"maxiter": 100_000, "gtol": 1e-9, "ftol": 1e-16, "maxcor": 20})
    e_fire = energy(xi.ravel())[0] / len(xi)
    return r.fun / len(xi), abs(r.fun / len(xi) - e_fire), float(np.abs(r.x.reshape(-1, d) - xi).max()), int(r.nit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?")
    ap.add_argument("--model", help="model name (default: the dataset's)")
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--tolerance", type=float, default=1e-6)
    ap.add_argument("--max-iterations", type=int, default=100_000)
    ap.add_argument("--no-lbfgs", action="store_true", help="skip the scipy L-BFGS cross-check")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.dataset is None:
            path, model_name = default_dataset(tmp)
        else:
            path, model_name = Path(args.dataset), args.model
        ds = Dataset.open(path)
        model = get_model(model_name or ds.model["name"])
        for s in list(ds)[: args.samples]:
            x0, types, box = np.asarray(s["initial_positions"], float), np.asarray(s["types"]), np.asarray(s["box"], float)
            # glassml first, then raw, then glassml again: the load of a shared machine drifts
            runs = []
            for _ in range(2):
                c0, t0 = time.process_time(), time.perf_counter()
                r1 = find_inherent_state(model, x0, types, box, force_tolerance=args.tolerance,
                                         max_iterations=args.max_iterations)
                runs.append((time.process_time() - c0, time.perf_counter() - t0))
                if len(runs) == 1:
                    c_raw, w_raw, steps_raw, e_raw = raw_minimize(model, x0, types, box, args.tolerance, args.max_iterations)
            c_gl, w_gl = np.mean(runs, axis=0)
            print(f"{s.name}: N={len(x0)} model={model.name} tolerance={args.tolerance:g}")
            print(f"  glassml find_inherent_state: {r1.iterations} FIRE iterations (+{r1.polish_iterations} polish) "
                  f"in {c_gl:.2f} s CPU ({w_gl:.2f} s wall) = {r1.iterations / c_gl:.0f} it/s; "
                  f"e_IS = {r1.energy_per_particle:.10f}, max |F_i| = {r1.max_force:.2e}")
            print(f"  raw LAMMPS minimize:         {steps_raw} FIRE iterations in {c_raw:.2f} s CPU ({w_raw:.2f} s wall) "
                  f"= {steps_raw / c_raw:.0f} it/s; e = {e_raw:.10f}")
            print(f"  ratio (raw time / glassml time, CPU; same iterations {steps_raw == r1.iterations}): {c_raw / c_gl:.3f}")
            if not args.no_lbfgs:
                t0 = time.perf_counter()
                e_l, de, dx, nit = lbfgs_check(model, x0, r1.positions, types, box)
                print(f"  scipy L-BFGS on glassml's energy from the same start: e = {e_l:.10f} ({nit} iterations, "
                      f"{time.perf_counter() - t0:.0f} s); |e - e_FIRE| = {de:.1e}; max |x - x_FIRE| = {dx:.1e}")


if __name__ == "__main__":
    main()
