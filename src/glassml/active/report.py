"""The interpretation of a fitted force inference: numbers, symbolic fit and figures.

:func:`interpret` gathers the recovered coefficients (with their errors), the symbolic fit of
the learnt pair force and, when the true model is known (simulated data), the relative errors
against it.  :func:`write_report` writes ``report.json`` and the figures ``pair_force.png``
(the learnt ``f(r)`` beside the true force and the best closed form) and ``loss.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from glassml.active.inference import ForceInference, pair_force_error
from glassml.active.models import ABPModel
from glassml.active.symbolic import fit_pair_form
from glassml.store.npzio import atomic_write_bytes

TRUE_NAMES = {"active_force": "active_force", "omega": "omega", "translational_diffusion": "translational_diffusion",
              "rotational_diffusion": "rotational_diffusion"}


def interpret(estimator: ForceInference, model: ABPModel | None = None, n_points: int = 200) -> dict[str, Any]:
    """Coefficients, symbolic fit and (given the true ``model``) relative errors of a fitted estimator."""
    lo, hi = estimator.distance_range_
    r = np.linspace(lo, hi, n_points)
    f = estimator.pair_force(r)
    best, fits = fit_pair_form(r, f)
    out: dict[str, Any] = {
        "coefficients": estimator.coefficients(),
        "frame_interval": estimator.frame_interval_,
        "distance_range": [lo, hi],
        "best_epoch": estimator.best_epoch_,
        "ridge": getattr(estimator, "ridge_", None),
        "n_basis": getattr(estimator, "n_basis_", None),
        "symbolic": {"best": best.form, "fits": [vars(x) for x in fits]},
    }
    if model is not None:
        truth = {name: float(getattr(model, name)) for name in TRUE_NAMES}
        out["true"] = {**truth, "pair": model.pair.kind}
        out["relative_error"] = {name: (abs(estimator.coefficients()[name]["value"] - v) / abs(v) if v else None)
                                 for name, v in truth.items()}
        out["absolute_error"] = {name: abs(estimator.coefficients()[name]["value"] - v) for name, v in truth.items()}
        out["pair_force_relative_l2"] = pair_force_error(estimator, model.pair, n_points)
        out["symbolic"]["true_form_picked"] = best.form == model.pair.kind
    return out


def write_report(estimator: ForceInference, out_dir, model: ABPModel | None = None) -> dict[str, Any]:
    """Write ``report.json``, ``pair_force.png`` and ``loss.png`` into ``out_dir``; return the report."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = interpret(estimator, model)
    lo, hi = report["distance_range"]
    r = np.linspace(lo, hi, 300)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(r, estimator.pair_force(r), label="learnt f(r)", lw=2)
    if model is not None:
        ax.plot(r, model.pair.force(r), "k--", label=f"true ({model.pair.kind})")
    best = report["symbolic"]["fits"][0]
    from glassml.active.symbolic import FormFit

    ax.plot(r, FormFit(**best).force(r), ":", label=f"fit: {best['form']}")
    ax.set_xlabel("r")
    ax.set_ylabel("f(r)")
    ax.legend()
    fig.tight_layout()
    _save(fig, out_dir / "pair_force.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    hist = estimator.history_
    ax.plot([h["epoch"] for h in hist], [h["train"] for h in hist], label="train")
    if "val" in hist[0]:
        ax.plot([h["epoch"] for h in hist], [h["val"] for h in hist], label="validation")
    ax.axvline(estimator.best_epoch_, color="k", lw=0.5)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    _save(fig, out_dir / "loss.png")
    plt.close(fig)
    report["figures"] = ["pair_force.png", "loss.png"]
    atomic_write_bytes(out_dir / "report.json", (json.dumps(report, indent=1, default=float) + "\n").encode())
    return report


def _save(fig, path: Path) -> None:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    atomic_write_bytes(path, buf.getvalue())
