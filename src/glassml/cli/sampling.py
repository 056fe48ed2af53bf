"""Sampling commands: ``glassml sampling run`` and ``glassml sampling report``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, print_json, stdout

sampling_app = typer.Typer(help="Hard sampling problems: Potts colouring with local, tempered and network-assisted MC.",
                           no_args_is_help=True)
app.add_typer(sampling_app, name="sampling")

STAGES = ("thresholds", "local", "tempering", "acceptance", "sequential")


def _floats(text: str, option: str) -> list[float]:
    from glassml.errors import GlassmlError

    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise GlassmlError(f"{option} {text!r}: expected comma-separated numbers") from None


@sampling_app.command("run")
def run(
    out: Path = typer.Option(..., "--out", help="Output directory (created; finished stages are kept and skipped)."),
    problem: str = typer.Option("potts", "--problem", help="The problem: potts (antiferromagnetic Potts colouring)."),
    q: int = typer.Option(4, "--q", help="Number of colours."),
    c: float = typer.Option(12, "--c", help="Connectivity (degree of a regular graph, mean degree of Erdős–Rényi)."),
    n: int = typer.Option(256, "--n", help="Number of nodes of the main instance."),
    graph: str = typer.Option("regular", "--graph", help="regular or erdos-renyi (planted at the working temperature)."),
    graph_file: Optional[Path] = typer.Option(None, "--graph-file", help="Use this graph (edge list, .graphml, .gml) instead."),
    temperature: float = typer.Option(0.43, "--temperature", help="Working temperature (planting, network acceptance)."),
    temperatures: str = typer.Option("1.0,0.8,0.65,0.55,0.5,0.47,0.45,0.43,0.41", "--temperatures",
                                     help="Ladder for energy and autocorrelation curves and the tempering runs."),
    sizes: str = typer.Option("32,64,128,256,512", "--sizes", help="Sizes N of the network-acceptance scan."),
    sweeps: int = typer.Option(2000, "--sweeps", help="Local sweeps per temperature."),
    hidden: int = typer.Option(64, "--hidden", help="Hidden units of the MADE."),
    epochs: int = typer.Option(30, "--epochs", help="Training epochs of the MADE."),
    n_train: int = typer.Option(1024, "--n-train", help="Training configurations per size."),
    stages: str = typer.Option(",".join(STAGES), "--stages", help="Stages to run: " + ", ".join(STAGES) + "."),
    seed: int = typer.Option(0, "--seed", help="Seed of graphs, chains and networks."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the figures when done."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Draw the instances, sample them every way, measure acceptance against N; write results to --out."""
    from glassml.errors import GlassmlError
    from glassml.sampling.experiment import PottsStudy, run_study, write_report

    if problem != "potts":
        raise GlassmlError(f"--problem {problem!r}: only 'potts' is available")
    chosen = tuple(s.strip() for s in stages.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise GlassmlError(f"--stages: unknown {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    study = PottsStudy(q=q, c=c, n=n, kind=graph, temperature=temperature, temperatures=_floats(temperatures, "--temperatures"),
                       sizes=[int(v) for v in _floats(sizes, "--sizes")], sweeps=sweeps, hidden=hidden, epochs=epochs,
                       n_train=n_train, seed=seed, graph_file=None if graph_file is None else str(graph_file))
    if graph_file is not None:
        from glassml.sampling.potts import read_graph

        g = read_graph(graph_file, q)  # fails early, one line, on a file that is not a graph
        study.n, study.c = g.n_nodes, g.mean_degree
        chosen = tuple(s for s in chosen if s in ("thresholds", "local")) or ("local",)
    summary = run_study(out, study, show_progress=not json_, stages=chosen)
    figures = write_report(out) if report else []
    if json_:
        print_json({**summary, "figures": [str(p) for p in figures]})
        return
    _print_summary(summary)
    for p in figures:
        console.print(f"figure: {p}", highlight=False)


@sampling_app.command("report")
def report(
    out: Path = typer.Argument(..., help="A directory written by `glassml sampling run`."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Figures (acceptance decay, autocorrelation times, energy against T with T_d, T_K) of a run."""
    from glassml.sampling.experiment import load_study, write_report

    figures = write_report(out)
    summary = load_study(out).get("summary", {})
    if json_:
        print_json({**summary, "figures": [str(p) for p in figures]})
        return
    _print_summary(summary)
    for p in figures:
        console.print(f"figure: {p}", highlight=False)


def _print_summary(summary: dict) -> None:
    from rich.table import Table

    table = Table(title="sampling summary")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key in ("dynamic_temperature", "condensation_temperature", "acceptance_rate_per_spin", "sequential_final_energy",
                "planted_energy"):
        if key in summary:
            table.add_row(key, f"{summary[key]:.4g}")
    for key in ("acceptance", "kl_per_spin", "jeffreys_per_spin"):
        for n, v in summary.get(key, {}).items():
            table.add_row(f"{key} N={n}", f"{v:.3g}")
    stdout.print(table)
