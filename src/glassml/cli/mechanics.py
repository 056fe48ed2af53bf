"""Commands of glassml.mechanics: ``glassml mechanics shear|modes|yield-stress|compare DATASET``."""

from __future__ import annotations

from pathlib import Path

import typer

from glassml.cli.app import app, console, print_json

mechanics_app = typer.Typer(help="Mechanics of glasses: AQS shear, vibrational modes, soft spots, local yield stress, indicator comparison.",
                            no_args_is_help=True)
app.add_typer(mechanics_app, name="mechanics")


@mechanics_app.command()
def shear(
    path: Path = typer.Argument(..., help="A glassml dataset whose samples have initial_positions_inherent."),
    strain_step: float = typer.Option(1e-4, "--strain-step", help="Shear strain added per step."),
    max_strain: float = typer.Option(0.05, "--max-strain", help="Shear up to this strain."),
    max_events: int = typer.Option(None, "--max-events", help="Stop each sample after this many plastic events."),
    force_tolerance: float = typer.Option(1e-6, "--force-tolerance", help="FIRE force-norm tolerance."),
    engine: str = typer.Option("auto", "--engine",
                               help="lammps, numpy (glassml's own FIRE) or auto (numpy for a polydisperse model)."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples already sheared."),
    json_: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """AQS simple shear of each sample's inherent state; curves and events to DATASET/mechanics/shear/."""
    from glassml.mechanics.dataset import shear_dataset

    results = shear_dataset(path, strain_step=strain_step, max_strain=max_strain, max_events=max_events,
                            force_tolerance=force_tolerance, engine=engine, samples=sample, force=force,
                            show_progress=not json_)
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
    cubic: bool = typer.Option(True, "--cubic/--no-cubic",
                               help="Also the cubic (nonlinear) mode grown from the quasi-localised one."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples already done."),
    json_: bool = typer.Option(False, "--json", help="Print eigenvalues and participation ratios as JSON."),
) -> None:
    """Hessian, lowest modes, participation ratios, soft-spot field, quasi-localised and cubic modes; to DATASET/mechanics/modes/."""
    from glassml.mechanics.dataset import modes_dataset

    results = modes_dataset(path, n_modes=n_modes, n_soft=n_soft, pseudo_harmonic=pseudo_harmonic, cubic=cubic,
                            samples=sample, force=force, show_progress=not json_)
    if json_:
        print_json(results)
        return
    for name, r in results.items():
        line = (f"{name}: lowest eigenvalues {[round(v, 4) for v in r['eigenvalues'][:5]]}, "
                f"participation {[round(v, 3) for v in r['participation_ratio'][:5]]}")
        if "kappa" in r:
            line += f"; quasi-localised mode kappa {r['kappa']:.4g}, barrier {r['barrier']:.3g}"
        if "cubic_kappa" in r:
            line += f"; cubic mode kappa {r['cubic_kappa']:.4g}, barrier {r['cubic_barrier']:.3g}"
        console.print(line)


@mechanics_app.command("yield-stress")
def yield_stress(
    path: Path = typer.Argument(..., help="A glassml dataset whose samples have initial_positions_inherent."),
    radius: float = typer.Option(3.0, "--radius", help="Radius R of the free inner region (at most half the box)."),
    n_directions: int = typer.Option(4, "--directions", help="Shear orientations k*180/n degrees, k = 0..n-1."),
    strain_step: float = typer.Option(2e-3, "--strain-step", help="Local shear strain added per step."),
    max_strain: float = typer.Option(0.2, "--max-strain", help="Give up on a probe without a drop at this strain."),
    spacing: float = typer.Option(None, "--spacing", help="Probe grid spacing (default: the radius)."),
    engine: str = typer.Option("auto", "--engine",
                               help="lammps, numpy (glassml's own FIRE) or auto (numpy for a polydisperse model)."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute samples already done."),
    json_: bool = typer.Option(False, "--json", help="Print the per-sample summaries as JSON."),
) -> None:
    """Local yield stress by the frozen-matrix method on a probe grid; to DATASET/mechanics/yield_stress/."""
    from glassml.mechanics.dataset import yield_stress_dataset

    results = yield_stress_dataset(path, radius=radius, n_directions=n_directions, strain_step=strain_step,
                                   max_strain=max_strain, spacing=spacing, engine=engine, samples=sample,
                                   force=force, show_progress=not json_)
    if json_:
        print_json(results)
        return
    for name, r in results.items():
        means = ", ".join(f"{a * 180 / 3.141592653589793:.0f}°: {m:.3g}" for a, m in zip(r["angles"], r["mean_threshold"]))
        console.print(f"{name}: {r['n_probes']} probes; mean local threshold {means}; "
                      f"weakest direction {r['mean_minimum_threshold']:.3g}")


@mechanics_app.command()
def compare(
    path: Path = typer.Argument(..., help="A dataset already run through glassml mechanics shear (and modes, yield-stress)."),
    fraction: float = typer.Option(0.05, "--fraction", help="Event particles: this fraction with the largest D2min."),
    softness: bool = typer.Option(True, "--softness/--no-softness", help="Include the cross-fitted SVM softness."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random indicator and of the softness folds."),
    sample: list[str] = typer.Option(None, "--sample", help="Only these samples (default all)."),
    force: bool = typer.Option(False, "--force", help="Recompute the per-sample indicators."),
    json_: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Score each indicator (ROC AUC, rank) on the first plastic events; table and figures to DATASET/report/mechanics/."""
    from glassml.mechanics.dataset import compare_dataset
    from glassml.mechanics.report import auc_table

    result = compare_dataset(path, fraction=fraction, softness=softness, seed=seed, samples=sample, force=force,
                             show_progress=not json_)
    if json_:
        print_json(result)
        return
    console.print(auc_table(result), soft_wrap=True, markup=False)
    console.print(f"report: {result['report']}")
