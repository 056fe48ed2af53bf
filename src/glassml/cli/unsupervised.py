"""Unsupervised structure commands: ``glassml structure cluster``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glassml.cli.app import app, console, print_json

structure_app = typer.Typer(help="Unsupervised structure: reduce and cluster stored descriptors.", no_args_is_help=True)
app.add_typer(structure_app, name="structure")


@structure_app.command("cluster")
def cluster(
    dataset: Path = typer.Argument(..., help="A glassml dataset directory with the descriptor set stored."),
    set_name: str = typer.Option(..., "--set", help="Descriptor set, stored beforehand by glassml describe (desc_<set>)."),
    method: str = typer.Option("pca", "--method", help="ae, pca, gmm or kmeans."),
    components: Optional[int] = typer.Option(None, "--components", help="ae/pca: latent dimension (2); gmm: components (by BIC); kmeans: clusters (2)."),
    positions: Optional[str] = typer.Option(None, "--positions", help="thermal, inherent or cage: use desc_<set>_<positions>."),
    target: str = typer.Option("md_prop", "--target", help="Propensity that picks the slow cluster (train/val only)."),
    max_clusters: int = typer.Option(6, "--max-clusters", help="Largest number of Gaussian components BIC chooses from."),
    epochs: int = typer.Option(100, "--epochs", help="Autoencoder training epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed of every stochastic step."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder of the figures (default DATASET/report/unsupervised/<set>_<method>)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Skip the figures."),
    force: bool = typer.Option(False, "--force", help="Recompute samples whose stored results are current."),
    json_: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
) -> None:
    """Reduce and cluster a stored descriptor set; store latents, labels and the order parameter per sample (resumable)."""
    from glassml.unsupervised import cluster as run

    summary = run(dataset, set_name, method, components=components, positions=positions, target=target, seed=seed,
                  max_clusters=max_clusters, ae_epochs=epochs, out=out, plots=not no_plots, force=force,
                  show_progress=not json_)
    if json_:
        print_json(summary)
        return
    ks = ", ".join(f"species {s}: {k}" for s, k in summary["n_clusters"].items())
    console.print(f"{summary['array']} with {method}: {len(summary['computed'])} samples computed, "
                  f"{len(summary['skipped'])} up to date; clusters ({ks})", highlight=False)
    for part, corr in summary.get("correlations", {}).items():
        for s, c in corr.items():
            r = ", ".join(f"{v:.3f}" for v in c["pearson"])
            console.print(f"  {part} species {s}: Pearson(order parameter, propensity) per time = {r}", highlight=False)
    for name, path in summary.get("figures", {}).items():
        console.print(f"  figure {name}: {path}", highlight=False)
