"""Commands of glassml.mechanics: ``glassml mechanics shear|modes DATASET``."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json

mechanics_app = typer.Typer(help="Mechanics of glasses: athermal quasistatic shear, vibrational modes and soft spots.",
                            no_args_is_help=True)
app.add_typer(mechanics_app, name="mechanics")


def _open(path: Path):
    from glassml.errors import GlassmlError
    from glassml.store import Dataset
    from glassml.systems import get_model

    ds = Dataset.open(path)
    name = ds.model.get("name")
    if not name:
        raise GlassmlError(f"{path}: the manifest names no model")
    return ds, get_model(name)


def _save(out: Path, arrays: dict) -> None:
    """Write ``arrays`` to ``out`` (.npz) aside, then rename: an existing file is never half-written."""
    import numpy as np

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{os.getpid()}-{out.name}")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out)


@mechanics_app.command()
def shear(
    path: Path = typer.Argument(..., help="A glassml dataset whose samples have initial_positions_inherent."),
    strain_step: float = typer.Option(1e-4, "--strain-step", help="Shear strain added per step."),
    max_strain: float = typer.Option(0.05, "--max-strain", help="Shear up to this strain."),
    max_events: int = typer.Option(None, "--max-events", help="Stop each sample after this many plastic events."),
    force_tolerance: float = typer.Option(1e-6, "--force-tolerance", help="FIRE force-norm tolerance."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples already sheared."),
    json_: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """AQS simple shear of each sample's inherent state; curves and events to DATASET/mechanics/shear/."""
    import numpy as np

    from glassml.mechanics.aqs import AthermalQuasistaticShear, inherent_state_of
    from glassml.progress import ProgressBar

    ds, model = _open(path)
    aqs = AthermalQuasistaticShear(strain_step=strain_step, max_strain=max_strain, force_tolerance=force_tolerance,
                                   max_events=max_events)
    aqs.check_parameters()
    names = sample or ds.sample_names()
    for name in names:  # every sample is checked before any work starts
        inherent_state_of(ds[name])
    results = {}
    with ProgressBar(not json_, total=len(names), label="shear") as bar:
        for name in names:
            out = Path(path) / "mechanics" / "shear" / f"{name}.npz"
            if out.exists() and not force:
                bar.advance()
                continue
            x, t, b = inherent_state_of(ds[name])
            aqs.compute(model, x, t, b)
            ev = aqs.events_
            _save(out, {"strain": aqs.strain_, "stress": aqs.stress_, "energy": aqs.energy_,
                        "event_step": np.array([e.step for e in ev], dtype=np.int64),
                        "event_stress_drop": np.array([e.stress_drop for e in ev]),
                        "event_energy_drop": np.array([e.energy_drop for e in ev]),
                        "event_particle": np.array([e.particle for e in ev], dtype=np.int64),
                        "event_d2min": np.array([e.d2min for e in ev]).reshape(len(ev), len(x))})
            results[name] = aqs.summary()
            bar.advance()
    if json_:
        print_json({n: {k: v for k, v in r.items() if k != "energy"} for n, r in results.items()})
        return
    for name, r in results.items():
        drops = ", ".join(f"{e['stress_drop']:.3g}@{e['strain']:.4f}" for e in r["events"][:5])
        console.print(f"{name}: G = {r['shear_modulus']:.3g}, {len(r['events'])} events; first stress drops {drops}")


@mechanics_app.command()
def modes(
    path: Path = typer.Argument(..., help="A glassml dataset whose samples have initial_positions_inherent."),
    n_modes: int = typer.Option(20, "--n-modes", help="Lowest non-trivial modes kept."),
    n_soft: int = typer.Option(10, "--n-soft", help="Modes summed into the soft-spot field."),
    pseudo_harmonic: bool = typer.Option(True, "--pseudo-harmonic/--no-pseudo-harmonic",
                                         help="Also the quasi-localised mode of the harmonic cost function (kappa, tau, barrier)."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples already done."),
    json_: bool = typer.Option(False, "--json", help="Print eigenvalues and participation ratios as JSON."),
) -> None:
    """Hessian, lowest modes, participation ratios, soft-spot field and the quasi-localised mode; to DATASET/mechanics/modes/."""
    from glassml.mechanics.aqs import inherent_state_of
    from glassml.mechanics.modes import PseudoHarmonicMode, VibrationalModes
    from glassml.progress import ProgressBar

    ds, model = _open(path)
    vm = VibrationalModes(n_modes=n_modes, n_soft=n_soft)
    names = sample or ds.sample_names()
    for name in names:  # every sample is checked before any work starts
        inherent_state_of(ds[name])
    results = {}
    with ProgressBar(not json_, total=len(names), label="modes") as bar:
        for name in names:
            out = Path(path) / "mechanics" / "modes" / f"{name}.npz"
            if out.exists() and not force:
                bar.advance()
                continue
            x, t, b = inherent_state_of(ds[name])
            vm.compute(model, x, t, b)
            arrays = {"eigenvalues": vm.eigenvalues_, "modes": vm.modes_,
                      "participation_ratio": vm.participation_ratio_, "soft_spot_field": vm.soft_spot_field_}
            results[name] = vm.summary()
            if pseudo_harmonic:
                pm = PseudoHarmonicMode().compute(model, x, t, b, start=vm.modes_[0])
                arrays.update(pseudo_harmonic_mode=pm.mode_, pseudo_harmonic_stiffness=pm.stiffness_,
                              pseudo_harmonic_cubic=pm.cubic_, pseudo_harmonic_barrier=pm.barrier_)
                results[name].update(kappa=pm.stiffness_, tau=pm.cubic_, barrier=pm.barrier_,
                                     converged=pm.converged_)
            _save(out, arrays)
            bar.advance()
    if json_:
        print_json(results)
        return
    for name, r in results.items():
        line = (f"{name}: lowest eigenvalues {[round(v, 4) for v in r['eigenvalues'][:5]]}, "
                f"participation {[round(v, 3) for v in r['participation_ratio'][:5]]}")
        if "kappa" in r:
            line += f"; quasi-localised mode kappa {r['kappa']:.4g}, barrier {r['barrier']:.3g}"
        console.print(line)
