"""The mechanics section of a dataset's report: the indicator table and the fields beside the events.

:func:`write_report` writes ``auc.md`` (ROC AUC and percentile rank of each indicator, mean ±
standard error over samples, and whether it beats random by more than its error bar),
``auc.png`` (the same as bars) and ``fields_<sample>.png`` for the first samples: each indicator
as a coloured map of the inherent state, with the particles of the first plastic event circled.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from glassml.store.npzio import atomic_write_bytes


def auc_table(result: dict) -> str:
    """Markdown table of ``result["auc"]`` and ``result["rank"]`` (from :func:`compare_dataset`)."""
    lines = [f"First plastic event of AQS shear: {result['n_samples']} samples, event particles = the "
             f"{result['fraction']:.0%} with the largest D2min.", "",
             "| indicator | ROC AUC (mean ± s.e.) | rank of event centre (mean ± s.e.) | AUC beats random |",
             "|---|---|---|---|"]
    for name, s in sorted(result["auc"].items(), key=lambda kv: kv[1]["rank"]):
        r = result["rank"].get(name, {})
        beats = "—" if name == "random" else ("yes" if s.get("beats_random") else "no")
        lines.append(f"| {name} | {s['mean']:.3f} ± {s['sem']:.3f} | {r.get('mean', float('nan')):.3f} ± "
                     f"{r.get('sem', float('nan')):.3f} | {beats} |")
    for note in result.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def write_report(folder, result: dict, samples, fields, events, fraction: float, max_figures: int = 3) -> Path:
    """Write the table and figures into ``folder`` (each file written aside and renamed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glassml.mechanics.compare import event_particles

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / "auc.md", auc_table(result).encode())
    names = sorted(result["auc"], key=lambda k: result["auc"][k]["rank"])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2))
    means = [result["auc"][k]["mean"] for k in names]
    errs = [result["auc"][k]["sem"] for k in names]
    ax.barh(range(len(names)), means, xerr=errs, color="tab:blue", alpha=0.8)
    ax.axvline(0.5, color="k", lw=0.8, ls="--")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("ROC AUC, first plastic event")
    fig.tight_layout()
    atomic_write_bytes(folder / "auc.png", _png(fig))
    plt.close(fig)
    for (name, x, _t, box), f, (d2, centre, strain) in list(zip(samples, fields, events))[:max_figures]:
        keys = [k for k in names if k in f]
        ncol = min(4, len(keys))
        nrow = int(np.ceil(len(keys) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 3.2 * nrow), squeeze=False)
        xw = np.mod(x, np.asarray(box, float))
        ev = event_particles(d2, fraction)
        for ax, k in zip(axes.ravel(), keys):
            v = np.asarray(f[k], float)
            pct = np.argsort(np.argsort(v)) / max(1, len(v) - 1)
            ax.scatter(xw[:, 0], xw[:, 1], c=pct, s=14, cmap="viridis")
            ax.scatter(xw[ev, 0], xw[ev, 1], s=60, facecolors="none", edgecolors="r", linewidths=1.2)
            ax.scatter(xw[centre, 0], xw[centre, 1], s=90, marker="x", color="r")
            ax.set_title(f"{k}\nAUC {result['per_sample'][name][k]['auc']:.2f}", fontsize=8)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in axes.ravel()[len(keys):]:
            ax.axis("off")
        fig.suptitle(f"{name}: percentile of each indicator; red = first event (strain {strain:.3f})", fontsize=9)
        fig.tight_layout()
        atomic_write_bytes(folder / f"fields_{name}.png", _png(fig))
        plt.close(fig)
    return folder
