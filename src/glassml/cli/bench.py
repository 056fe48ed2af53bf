"""Benchmark commands: ``glassml bench score``, ``glassml bench run`` and ``glassml demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, json_value, listed_help, names, print_json, stdout

bench_app = typer.Typer(help="Score predictions GlassBench's way; run the whole benchmark.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("score")
def score(
    path: Path = typer.Argument(..., help="A GlassBench *_models root, a T*/test folder or one test .npz file."),
    target: str = typer.Option("md_prop", help="Target the predictions are scored against (md_prop or bb_prop)."),
    json_: bool = typer.Option(False, "--json", help="Print every score as JSON on stdout."),
) -> None:
    """Score the predictions stored in GlassBench files (BOTAN, CAGE, GlassMLP, SE3, descriptors)."""
    from glassml.bench.score import score_models_path

    result = score_models_path(path, target=target)
    if json_:
        print_json(result)
        return
    from rich.table import Table

    for g in result["groups"]:
        tau = g.get("tau_index")
        table = Table(title=f"{g['system']} T={g['temperature']} ({g['n_files']} test files): pooled Pearson, type A, {target}")
        n_times = len(next(iter({**g["models"], **g["descriptors"]}.values()))["pearson"]["A"])
        table.add_column("predictor")
        for k in range(n_times):
            table.add_column(f"t{k}" + ("*" if k == tau else ""), justify="right")
        if g.get("ceiling"):
            c = g["ceiling"]
            table.add_row("ceiling", *[f"{c[k]:.3f}" if k < len(c) else "" for k in range(n_times)])
        for kind in ("models", "descriptors"):
            for name, sc in g[kind].items():
                table.add_row(name + (" (descriptor)" if kind == "descriptors" else ""),
                              *["–" if v is None else f"{v:.3f}" for v in sc["pearson"]["A"]])
        stdout.print(table)
        if tau is not None:
            console.print(f"* = tau_alpha (time index {tau})")
    for s in result["skipped"][:5]:
        console.print(f"note: {s}", highlight=False, markup=False)
    if len(result["skipped"]) > 5:
        console.print(f"... and {len(result['skipped']) - 5} more notes (see --json)", highlight=False)


def _models() -> list[str]:
    from glassml.learn import registry

    return list(registry())


def _presets() -> list[str]:
    from glassml.simulate import list_presets

    return list_presets()


def parse_params(items: Optional[list[str]]) -> dict[str, dict]:
    """``["glassmlp.max_epochs=50", "bapst.epochs=3"]`` -> ``{"glassmlp": {"max_epochs": 50}, ...}`` (values JSON)."""
    from glassml.errors import GlassmlError

    out: dict[str, dict] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        model, dot, name = key.partition(".")
        if not (sep and dot and model and name):
            raise GlassmlError(f"--param {item!r}: use MODEL.NAME=VALUE, e.g. glassmlp.max_epochs=50")
        out.setdefault(model, {})[name] = json_value(value)
    return out


def _run(preset: Optional[str], out: Path, seed: int, workers: int, models: Optional[str], dataset: Optional[list[Path]],
         target: str, force: bool, quiet: bool, param: Optional[list[str]] = None) -> dict:
    import sys

    from glassml.bench.run import run_benchmark

    names = None if models is None else [m for m in models.split(",")]
    return run_benchmark(preset, out, seed=seed, workers=workers, models=names, datasets=dataset or None, target=target,
                         show_progress=not quiet, force=force, argv=["glassml", *sys.argv[1:]], params=parse_params(param))


def _summarise(summary: dict, out: Path) -> None:
    from glassml.bench.report import best_rows

    for r in best_rows(summary):
        frac = "" if r["fraction_of_ceiling"] is None else f" = {r['fraction_of_ceiling']:.2f} of the ceiling {r['ceiling_tau']:.3f}"
        console.print(f"best model ({r['dataset']}): {r['model']}, Pearson(A) at tau_alpha {r['pearson_A_tau']:.3f}{frac}", highlight=False)
    console.print(f"total {summary['timings'].get('total', 0):.0f} s; report: {(out / 'report.html').resolve()}", highlight=False)


@bench_app.command("run", cls=listed_help(preset=names("Simulation preset", _presets),
                                           models=names("Comma-separated model names (default: every registered model)", _models)))
def run(
    preset: str = typer.Option("quick", help="Simulation preset (listed in --help)."),
    out: Path = typer.Option(..., "--out", help="Output directory (resumable: run again to continue)."),
    seed: int = typer.Option(0, help="Seed for simulation and training."),
    workers: int = typer.Option(1, help="Parallel simulation workers."),
    models: Optional[str] = typer.Option(None, help="Comma-separated model names (listed in --help)."),
    dataset: Optional[list[Path]] = typer.Option(None, help="Use existing dataset(s) with targets instead of simulating; repeat for several temperatures."),
    target: str = typer.Option("md_prop", help="Target to learn and score."),
    force: bool = typer.Option(False, help="Redo the simulation from scratch."),
    quiet: bool = typer.Option(False, help="No progress output."),
    param: Optional[list[str]] = typer.Option(None, help="Model parameter MODEL.NAME=VALUE (JSON value); repeatable."),
    json_: bool = typer.Option(False, "--json", help="Print the scores as JSON on stdout."),
) -> None:
    """Simulate, compute targets and descriptors, train every model, score on the test split, write the report."""
    summary = _run(preset, out, seed, workers, models, dataset, target, force, quiet, param)
    if json_:
        print_json(summary)
    _summarise(summary, out)


@bench_app.command("cv", cls=listed_help(models=names("Comma-separated model names (default: every registered model)", _models)))
def cv(
    dataset: Path = typer.Option(..., "--dataset", help="A dataset with targets; its train + val samples are cross-validated."),
    out: Path = typer.Option(..., "--out", help="Output directory (resumable: run again to continue)."),
    folds: int = typer.Option(5, help="Number of folds (configurations held out in turn)."),
    seed: int = typer.Option(0, help="Seed for the fold assignment and training."),
    models: Optional[str] = typer.Option(None, help="Comma-separated model names (listed in --help)."),
    target: str = typer.Option("md_prop", help="Target to learn and score."),
    quiet: bool = typer.Option(False, help="No progress output."),
    param: Optional[list[str]] = typer.Option(None, help="Model parameter MODEL.NAME=VALUE (JSON value); repeatable."),
    json_: bool = typer.Option(False, "--json", help="Print the scores as JSON on stdout."),
) -> None:
    """K-fold cross-validation by configuration over the train + val samples (the test split is untouched)."""
    from glassml.bench.crossval import cross_validate

    names_ = None if models is None else models.split(",")
    result = cross_validate(dataset, out, folds=folds, models=names_, seed=seed, target=target,
                            params=parse_params(param), show_progress=not quiet)
    if json_:
        print_json(result)
        return
    from rich.table import Table

    c = result["ceiling"][result["tau_index"]] if result.get("ceiling") else None
    table = Table(title=f"{result['label']}: Pearson(A) at tau_alpha, {folds}-fold cross-validation"
                  + ("" if c is None else f" (ceiling {c:.3f})"))
    for col in ("model", "mean ± se", "pooled", "/ ceiling"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for name, e in result["models"].items():
        if e["status"] != "ok":
            table.add_row(name, e["status"], "", "")
            continue
        mean, se, pooled = e["pearson_tau_mean"], e["pearson_tau_se"], e["pearson_tau_pooled"]
        table.add_row(name, "–" if mean is None else f"{mean:.3f} ± {se or 0:.3f}", "–" if pooled is None else f"{pooled:.3f}",
                      "" if c is None or pooled is None else f"{pooled / c:.2f}")
    stdout.print(table)
    console.print(f"scores: {(out / 'crossval.csv').resolve()}", highlight=False)


@bench_app.command("transfer")
def transfer(
    datasets: list[Path] = typer.Argument(..., help="One dataset per temperature (targets and jung descriptors computed)."),
    held_out: float = typer.Option(..., "--held-out", help="Temperature left out of training and scored."),
    seed: int = typer.Option(0, help="Seed of the networks."),
    target: str = typer.Option("md_prop", help="Target to learn and score."),
    param: Optional[list[str]] = typer.Option(None, help="GlassMLP parameter glassmlp.NAME=VALUE (JSON value); repeatable."),
    json_: bool = typer.Option(False, "--json", help="Print the scores as JSON on stdout."),
) -> None:
    """GlassMLP with temperature as an input, trained on every other rung, scored at the held-out one."""
    from glassml.bench.transfer import temperature_transfer

    params = parse_params(param)
    unknown = set(params) - {"glassmlp"}
    if unknown:
        from glassml.errors import GlassmlError

        raise GlassmlError(f"--param names {', '.join(sorted(unknown))}; only glassmlp.NAME=VALUE applies here")
    result = temperature_transfer(datasets, held_out, target=target, seed=seed, params=params.get("glassmlp"))
    if json_:
        print_json(result)
        return
    stdout.print(f"held out T = {result['held_out']:g}; trained at {', '.join(f'{t:g}' for t in result['train_temperatures'])}")
    for key, label in (("transferable", "GlassMLP with T input"), ("nearest", f"GlassMLP trained at T = {result['nearest']['trained_at']:g}"),
                       ("own", "GlassMLP trained at the held-out T")):
        r = result[key]
        stdout.print(f"  {label:40s} Pearson(A) at tau_alpha {r['pearson_tau']:.3f}; chi4 {r['chi4_pred']:.3g} (MD {r['chi4_md']:.3g})")


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Output directory."),
    seed: int = typer.Option(0, help="Seed."),
    workers: int = typer.Option(2, help="Parallel simulation workers."),
) -> None:
    """The quick benchmark end to end (what `make demo` runs): simulate, learn, score, report."""
    summary = _run("quick", out, seed, workers, None, None, "md_prop", False, False)
    _summarise(summary, out)
    console.print(f"open {(out / 'report.html').resolve()} in a browser", highlight=False)
