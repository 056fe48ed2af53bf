"""Benchmarks of glassml.mechanics (numbers quoted in docs/guide/mechanics.md).

    python benchmarks/mechanics.py aqs      # AQS steps/s: glassml against raw LAMMPS minimisations, same run
    python benchmarks/mechanics.py modes    # Hessian and lowest modes: time against scipy's dense solver
    python benchmarks/mechanics.py compare  # soft-spot field vs D2min of the first AQS event (ROC AUC, random)
    python benchmarks/mechanics.py yield-stress  # local-yield-stress probes per minute (frozen-matrix method)
    python benchmarks/mechanics.py stability    # quench rate -> mean local yield stress (Barbot et al. 2018 trend)
    python benchmarks/mechanics.py indicators   # all indicators on the first AQS events over many quenched samples
    python benchmarks/mechanics.py indicators --swap-parent 0.09 --sweeps 150000   # ... of swap glasses
    python benchmarks/mechanics.py swap-stability  # AQS of swap-equilibrated poly-swap-2d glasses, parent T -> yielding

CPU time (time.process_time) is measured, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def mean_and_error(v) -> tuple[float, float]:
    """Mean and standard error (nan for a single value)."""
    v = np.asarray(v, float)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")


def glass(n: int, seed: int = 1):
    """A 2D KA glass: melt at T = 1, then FIRE to the inherent state."""
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import inherent_state, melt
    from glassml.systems import get_model

    model = get_model("ka2d")
    with LammpsEngine.from_model(model, n, seed=seed) as eng:
        melt(eng, temperature=1.0, time=5.0, seed=seed + 1)
        x, _ = inherent_state(eng, eng.unwrapped_positions())
        return model, x, eng.types.copy(), eng.box.copy()


def raw_lammps(model, x, types, box, step: float, n_steps: int) -> tuple[float, np.ndarray]:
    """CPU seconds and stresses of the same shear from plain LAMMPS commands (no glassml)."""
    from glassml.systems.lammps import load_lammps, pair_commands

    lammps = load_lammps()
    with tempfile.TemporaryDirectory() as tmp:
        lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite", "-sf", "opt"])
        for c in ["units lj", "dimension 2", "atom_style atomic", "atom_modify map array sort 0 0.0",
                  "boundary p p p", f"region box block 0 {box[0]:.17g} 0 {box[1]:.17g} -0.5 0.5",
                  f"create_box {model.n_species} box"]:
            lmp.command(c)
        xw = np.mod(x, box)
        lmp.create_atoms(len(x), list(range(1, len(x) + 1)), [int(t) + 1 for t in types],
                         np.column_stack([xw, np.zeros(len(x))]).ravel().tolist())
        for c in [*pair_commands(model, tmp), "neighbor 0.3 bin", "neigh_modify every 1 delay 0 check yes",
                  "fix twod all enforce2d", "change_box all triclinic", "thermo_style custom step pe pxy",
                  "thermo_modify norm yes", "min_style fire"]:
            lmp.command(c)
        t0 = time.process_time()
        out = []
        for k in range(n_steps + 1):
            if k:
                lmp.command(f"change_box all xy final {k * step * box[1]:.17g} remap units box")
            lmp.command("minimize 0.0 1e-6 100000 1000000")
            out.append(-lmp.get_thermo("pxy"))
        dt = time.process_time() - t0
        lmp.close()
    return dt, np.array(out)


def aqs(n: int = 500, n_steps: int = 60, step: float = 1e-4) -> None:
    from glassml.mechanics import AthermalQuasistaticShear

    model, x, types, box = glass(n)
    t_raw, s_raw = raw_lammps(model, x, types, box, step, n_steps)
    t0 = time.process_time()
    a = AthermalQuasistaticShear(strain_step=step, max_strain=n_steps * step).compute(model, x, types, box)
    t_ours = time.process_time() - t0
    t_raw2, _ = raw_lammps(model, x, types, box, step, n_steps)  # again, to see the machine's drift
    t_ref = 0.5 * (t_raw + t_raw2)
    print(f"N = {n}, {n_steps} steps of {step:g}")
    print(f"raw LAMMPS   {n_steps / t_ref:8.2f} steps/s (CPU; two runs {t_raw:.2f} s, {t_raw2:.2f} s)")
    print(f"glassml AQS  {n_steps / t_ours:8.2f} steps/s (CPU {t_ours:.2f} s, {len(a.events_)} events)")
    print(f"ratio glassml / raw = {t_ref / t_ours:.3f}  (target >= 0.9)")
    print(f"max |stress difference| = {np.max(np.abs(a.stress_ - s_raw)):.3g}")
    for ev in a.events_:
        print(f"  event at strain {ev.strain:.4f}: stress drop {ev.stress_drop:.4g}, energy drop {ev.energy_drop:.3g}")


def modes(n: int = 1000) -> None:
    from glassml.mechanics import VibrationalModes

    model, x, types, box = glass(n)
    t0 = time.process_time()
    vm = VibrationalModes(n_modes=10).compute(model, x, types, box)
    t_sparse = time.process_time() - t0
    t0 = time.process_time()
    dense = np.linalg.eigvalsh(vm.hessian_.toarray())
    t_dense = time.process_time() - t0
    print(f"N = {n}: sparse Hessian + shift-invert {t_sparse:.2f} s CPU, dense eigvalsh {t_dense:.2f} s CPU")
    print(f"max |lambda - lambda_dense| over 10 modes = {np.max(np.abs(vm.eigenvalues_ - dense[2:12])):.3g}")
    print("lowest eigenvalues", np.round(vm.eigenvalues_, 4).tolist())
    print("participation ratios", np.round(vm.participation_ratio_, 3).tolist())


def compare(n: int = 150, n_samples: int = 8, step: float = 1e-3) -> None:
    from glassml.mechanics import AthermalQuasistaticShear, PseudoHarmonicMode, VibrationalModes
    from glassml.mechanics.compare import event_auc

    rng = np.random.default_rng(0)
    rows = []
    for s in range(n_samples):
        model, x, types, box = glass(n, seed=10 + 7 * s)
        a = AthermalQuasistaticShear(strain_step=step, max_strain=0.1, max_events=1).compute(model, x, types, box)
        if not a.events_:
            continue
        ev = a.events_[0]
        vm = VibrationalModes(n_modes=10, n_soft=10).compute(model, x, types, box)
        pm = PseudoHarmonicMode().compute(model, x, types, box, start=vm.modes_[0])
        qlm = np.einsum("ia,ia->i", pm.mode_, pm.mode_)
        rows.append((event_auc(vm.soft_spot_field_, ev.d2min), event_auc(qlm, ev.d2min),
                     event_auc(rng.random(n), ev.d2min), ev.strain, ev.stress_drop))
        print(f"sample {s}: first event at strain {ev.strain:.3f}, stress drop {ev.stress_drop:.3g}, "
              f"AUC soft spots {rows[-1][0]:.3f}, quasi-localised mode {rows[-1][1]:.3f}, random {rows[-1][2]:.3f}")
    r = np.array(rows)
    err = r.std(axis=0, ddof=1) / np.sqrt(len(r))
    print(f"{len(r)} samples (N = {n}): AUC soft-spot field {r[:, 0].mean():.3f} +- {err[0]:.3f}, "
          f"quasi-localised mode |pi_i|^2 {r[:, 1].mean():.3f} +- {err[1]:.3f}, random {r[:, 2].mean():.3f} +- {err[2]:.3f}")


def yield_stress(n: int = 150, radius: float = 3.0, n_probes: int = 4, step: float = 2e-3) -> None:
    """Probes (one centre, one orientation) per minute of CPU, and AQS steps of the same glass for scale."""
    from glassml.mechanics import LocalYieldStress
    from glassml.mechanics.glasses import quenched_glass
    from glassml.systems import get_model

    model = get_model("ka2d")
    x, types, box, _ = quenched_glass(model, n, 1e-2, seed=5)
    centres = np.random.default_rng(0).random((n_probes, 2)) * box
    t0 = time.process_time()
    ly = LocalYieldStress(radius=radius, n_directions=2, strain_step=step).compute(model, x, types, box, centres)
    dt = time.process_time() - t0
    steps = sum(len(c[0]) - 1 for row in ly.curves_ for c in row)
    k = ly.yield_stress_.size
    print(f"N = {n}, R = {radius}, strain step {step:g}: {k} probes in {dt:.1f} s CPU = {60 * k / dt:.1f} probes/min "
          f"({steps} minimisations, {steps / dt:.1f} steps/s; mean yield strain {np.nanmean(ly.yield_strain_):.3f})")


def _dataset(root, glasses, model: str = "ka2d"):
    """A dataset of inherent states ``(x, types, box[, diameters])``."""
    from glassml.store import Dataset

    ds = Dataset.create(root, model=model, dimension=2, temperature=1.0, times=np.array([1.0]), n_replicas=1)
    for k, (x, t, b, *dia) in enumerate(glasses):
        arrays = {"types": t, "box": b, "initial_positions": x, "initial_positions_inherent": x}
        if dia:
            arrays["diameters"] = dia[0]
        ds.write_sample(f"s{k}", arrays, seed=k)
    return ds


def stability(n: int = 150, rates=(1e-1, 1e-2, 1e-3), n_samples: int = 3, radius: float = 3.0, seed: int = 100,
              parents=None, eq_taus: float = 10.0, grid: int = 3, directions: int = 2) -> None:
    """Mean local plastic threshold of glasses of several stabilities (more stable: higher,
    Barbot et al. 2018): linear quenches at ``rates``, or with ``parents``, instantaneous
    quenches of liquids equilibrated for ``eq_taus`` tau_alpha at those temperatures (KA2D
    tau_alpha as estimated for ``ladder-ka2d``; 1 time unit above T = 0.6).  Each glass is
    probed on a ``grid`` x ``grid`` lattice of centres in ``directions`` orientations."""
    from glassml.mechanics import LocalYieldStress
    from glassml.mechanics.glasses import parent_glass, quenched_glass
    from glassml.simulate.presets import _LADDER_TAU
    from glassml.systems import get_model

    model = get_model("ka2d")
    tau = _LADDER_TAU["ka2d"]
    for prep in (parents if parents else rates):
        label = f"parent T {prep:g}" if parents else f"rate {prep:g}"
        e, th, tc, gam = [], [], [], []
        for s in range(n_samples):
            t0 = time.time()
            if parents:
                eq = eq_taus * min((tau[t] for t in tau if t <= prep + 1e-9), default=1.0) if prep <= 0.6 else 20.0
                x, t, b, info = parent_glass(model, n, prep, eq, seed=seed + 13 * s)
            else:
                x, t, b, info = quenched_glass(model, n, prep, seed=seed + 13 * s)
            t1 = time.time()
            ly = LocalYieldStress(radius=radius, n_directions=directions, spacing=b[0] / grid).compute(model, x, t, b)
            e.append(info["energy"])
            th.append(np.nanmean(ly.threshold_))
            tc.append(np.nanmean(ly.yield_stress_))
            gam.append(np.nanmean(ly.yield_strain_))
            eqn = (f", equilibrated {info['converged'] and info['fs_stationary']}" if parents else "")
            print(f"  {label} sample {s}: e_IS {info['energy']:.4f}, mean Delta tau_c {th[-1]:.3f}, "
                  f"tau_c {tc[-1]:.3f}, yield strain {gam[-1]:.4f}, no drop: {int(np.isnan(ly.yield_stress_).sum())} "
                  f"of {ly.yield_stress_.size}{eqn} (glass {t1 - t0:.0f} s, probes {time.time() - t1:.0f} s)", flush=True)

        def ms(v):
            return "{:.4f} +- {:.4f}".format(*mean_and_error(v))
        print(f"{label}: e_IS {ms(e)}, mean Delta tau_c {ms(th)}, mean tau_c {ms(tc)}, yield strain {ms(gam)}",
              flush=True)


def indicators(n: int = 150, n_samples: int = 12, rate: float = 1e-2, out: str | None = None,
               swap_parent: float | None = None, sweeps: int = 5000) -> None:
    """Every indicator scored on the first AQS event of ``n_samples`` quenched glasses, through the
    dataset commands' library calls (shear, modes, yield-stress, compare).  With ``swap_parent``:
    poly-swap-2d glasses quenched from liquids equilibrated by ``sweeps`` of swap Monte Carlo at
    that temperature, on glassml's own engines (a 4 x 4 probe grid instead of 6 x 6)."""
    from glassml.mechanics import compare_dataset, modes_dataset, shear_dataset, yield_stress_dataset
    from glassml.mechanics.glasses import quenched_glass, swap_glass
    from glassml.mechanics.report import auc_table
    from glassml.systems import get_model

    root = out or tempfile.mkdtemp(prefix="glassml-mech-")
    t0 = time.time()
    if swap_parent is None:
        glasses = [quenched_glass(get_model("ka2d"), n, rate, seed=200 + 7 * s)[:3] for s in range(n_samples)]
        _dataset(root, glasses)
        print(f"{n_samples} glasses quenched at {rate:g} in {time.time() - t0:.0f} s", flush=True)
    else:
        glasses = [swap_glass("poly-swap-2d", n, swap_parent, sweeps, seed=900 + 7 * s)[:4] for s in range(n_samples)]
        _dataset(root, glasses, "poly-swap-2d")
        print(f"{n_samples} poly-swap-2d glasses from swap-equilibrated parents at T = {swap_parent:g} "
              f"in {time.time() - t0:.0f} s", flush=True)
    t0 = time.time()
    shear_dataset(root, strain_step=1e-3, max_strain=0.15, max_events=1, show_progress=False)
    modes_dataset(root, n_modes=10, show_progress=False)
    print(f"shear + modes {time.time() - t0:.0f} s", flush=True)
    t0 = time.time()
    box = glasses[0][2]
    # glassml's own probes (the swap glasses) are about 20 times slower than LAMMPS': a coarser grid
    grid = 6 if swap_parent is None else 4
    yield_stress_dataset(root, radius=3.0, n_directions=1, spacing=box[0] / grid, show_progress=False)
    print(f"local yield stress ({grid} x {grid} probes) {time.time() - t0:.0f} s", flush=True)
    r = compare_dataset(root, show_progress=False)
    print(auc_table(r))
    print("report in", r["report"])


def swap_stability(n: int = 300, parents=(0.2, 0.12, 0.09), sweeps=(5000, 30000, 150000), n_samples: int = 4,
                   step: float = 1e-3, max_strain: float = 0.15, seed: int = 500, json_out: str | None = None,
                   grid: int = 0, radius: float = 5.0) -> None:
    """AQS of glasses quenched from poly-swap-2d liquids equilibrated by swap Monte Carlo at each
    parent temperature (``sweeps`` of swap MC each, about ten swap relaxation times), on
    glassml's own AQS engine.  Per glass: inherent-state energy, shear modulus, the stress peak
    and its strain, the largest single stress drop, the first plastic event's strain and the
    mean stress over the last third of the strain (the flow stress); with ``grid`` > 0, also the
    mean local plastic threshold and local yield strain of ``grid`` x ``grid`` frozen-matrix probes
    of radius ``radius`` (loading direction, strain step 2e-3, glassml's own engine) of the
    unloaded glass, the quantity Barbot et al. (2018) find higher in more relaxed glasses.  Ozawa
    et al. (PNAS 115, 6656 (2018); Phys. Rev. Research 2, 023203 (2020) for 2D) find that more
    stable glasses have a higher peak followed by a larger, sharper drop (brittle yielding)."""
    import json

    from glassml.mechanics import AthermalQuasistaticShear, LocalYieldStress
    from glassml.mechanics.glasses import swap_glass
    from glassml.systems import get_model

    model = get_model("poly-swap-2d")
    rows = {}
    for parent, sw in zip(parents, sweeps):
        cols: dict[str, list[float]] = {}
        for s in range(n_samples):
            t0 = time.process_time()
            x, t, b, dia, info = swap_glass(model, n, parent, sw, seed=seed + 17 * s)
            t1 = time.process_time()
            a = AthermalQuasistaticShear(strain_step=step, max_strain=max_strain).compute(model, x, t, b, diameters=dia)
            t2 = time.process_time()
            local = {}
            if grid > 0:
                ly = LocalYieldStress(radius=radius, n_directions=1, strain_step=2e-3, max_strain=0.3,
                                      spacing=b[0] / grid).compute(model, x, t, b, diameters=dia)
                local = {"local_threshold": float(np.nanmean(ly.threshold_)),
                         "local_yield_strain": float(np.nanmean(ly.yield_strain_)),
                         "probes_without_drop": int(np.isnan(ly.threshold_).sum())}
            t3 = time.process_time()
            k = int(np.argmax(a.stress_))
            drops = [e.stress_drop for e in a.events_]
            last = a.strain_ >= 2 * max_strain / 3
            row = {"e_IS": info["energy"], "G": a.shear_modulus_, "peak_stress": float(a.stress_[k]),
                   "peak_strain": float(a.strain_[k]), "largest_drop": max(drops, default=0.0),
                   "first_event_strain": a.events_[0].strain if a.events_ else float("nan"),
                   "flow_stress": float(a.stress_[last].mean()), "n_events": len(a.events_),
                   "equilibrated": float(info["converged"]), **local}
            for key, v in row.items():
                cols.setdefault(key, []).append(v)
            print(f"  T_p {parent:g} glass {s}: " + ", ".join(f"{key} {v:.4g}" for key, v in row.items())
                  + f" (swap {t1 - t0:.0f} s, AQS {t2 - t1:.0f} s, probes {t3 - t2:.0f} s CPU)", flush=True)

        rows[parent] = {key: mean_and_error(v) for key, v in cols.items()}
        print(f"T_p {parent:g}: " + ", ".join(f"{key} {m:.4g} +- {e:.2g}" for key, (m, e) in rows[parent].items()),
              flush=True)
    if json_out:
        with open(json_out, "w") as fh:
            json.dump({str(p): r for p, r in rows.items()}, fh, indent=1)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["aqs", "modes", "compare", "yield-stress", "stability", "indicators",
                                    "swap-stability"])
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--samples", type=int, default=None)
    p.add_argument("--out", default=None, help="indicators: keep the dataset (and its report) here")
    p.add_argument("--seed", type=int, default=None, help="stability: seed of the first glass (default 100)")
    p.add_argument("--rates", type=float, nargs="+", default=None, help="stability: cooling rates (default 1e-1 1e-2 1e-3)")
    p.add_argument("--parents", type=float, nargs="+", default=None,
                   help="stability: parent temperatures of equilibrium liquids quenched at once (instead of rates)")
    p.add_argument("--eq-taus", type=float, default=10.0, help="stability: equilibration of the parents, in tau_alpha")
    p.add_argument("--radius", type=float, default=None, help="stability: region radius (default 3)")
    p.add_argument("--grid", type=int, default=None,
                   help="stability: probe centres per side (default 3); swap-stability: probe the glasses too")
    p.add_argument("--directions", type=int, default=2, help="stability: shear orientations per probe")
    p.add_argument("--sweeps", type=int, nargs="+", default=None,
                   help="swap-stability: swap sweeps at each parent temperature (with --parents)")
    p.add_argument("--json", default=None, help="swap-stability: write the table here")
    p.add_argument("--max-strain", type=float, default=0.15, help="swap-stability: shear to this strain")
    p.add_argument("--swap-parent", type=float, default=None,
                   help="indicators: poly-swap-2d glasses from swap-equilibrated liquids at this temperature "
                        "(with --sweeps: one value, default 5000)")
    a = p.parse_args()
    kw = {} if a.n is None else {"n": a.n}
    if a.samples is not None and a.mode in ("stability", "indicators", "swap-stability"):
        kw["n_samples"] = a.samples
    if a.seed is not None and a.mode == "stability":
        kw["seed"] = a.seed
    if a.rates is not None and a.mode == "stability":
        kw["rates"] = tuple(a.rates)
    if a.mode == "stability":
        kw.update(parents=a.parents, eq_taus=a.eq_taus, grid=a.grid or 3, directions=a.directions,
                  **({} if a.radius is None else {"radius": a.radius}))
    if a.mode == "swap-stability":
        if a.seed is not None:
            kw["seed"] = a.seed
        if a.parents:
            if not a.sweeps or len(a.sweeps) != len(a.parents):
                p.error("swap-stability: give one --sweeps value per --parents temperature")
            kw.update(parents=tuple(a.parents), sweeps=tuple(a.sweeps))
        swap_stability(json_out=a.json, max_strain=a.max_strain, grid=a.grid or 0,
                       **({} if a.radius is None else {"radius": a.radius}), **kw)
    elif a.mode == "aqs":
        aqs(**kw)
    elif a.mode == "modes":
        modes(**kw)
    elif a.mode == "compare":
        compare(**kw)
    elif a.mode == "yield-stress":
        yield_stress(**kw)
    elif a.mode == "stability":
        stability(**kw)
    else:
        if a.swap_parent is not None:
            kw.update(swap_parent=a.swap_parent, sweeps=a.sweeps[0] if a.sweeps else 5000)
        indicators(out=a.out, **kw)
