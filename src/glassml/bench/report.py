"""The benchmark report: ``report.html`` (figures embedded as base64 PNG, also written beside
it), ``leaderboard.csv`` and the PNG figures.

Figures follow GlassBench (Jung et al., arXiv 2311.14752): type-A pooled Pearson correlation
versus time for every model with the replica ceiling, chi4(t) of predictions against MD,
true vs predicted propensity maps (2D) or a slab (3D) at tau_alpha, and a train-T x test-T
transferability heatmap when several temperatures were benchmarked.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from glassml.geometry import as_lengths, wrap
from glassml.store.npzio import atomic_write_bytes, load_arrays


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    data = buf.getvalue()
    _publish(path, data)
    return data


def _publish(path: Path, data: bytes) -> None:
    """Atomic write, readable by others (a report is meant to be shared)."""
    import os

    atomic_write_bytes(path, data)
    os.chmod(path, 0o644)


def _fmt(v: Any, nd: int = 3) -> str:
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


def leaderboard_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (dataset, model), best Pearson at tau_alpha first; skipped models last."""
    rows = []
    for res in summary["results"]:
        for name, e in res["models"].items():
            sc = e.get("scores") or {}
            r_tau, c_tau = sc.get("pearson_tau"), sc.get("ceiling_tau")
            pa = [v for v in (sc.get("pearson", {}).get("A") or []) if v is not None]
            tau = res["tau_index"]
            rows.append({
                "dataset": res["label"], "model": name, "status": e.get("status"),
                "pearson_A_tau": r_tau, "ceiling_tau": c_tau,
                "fraction_of_ceiling": (r_tau / c_tau) if (r_tau is not None and c_tau) else None,
                "mean_pearson_A": float(np.mean(pa)) if pa else None,
                "spearman_A_tau": (sc.get("spearman", {}).get("A") or [None] * (tau + 1))[tau] if sc else None,
                "mse_A_tau": (sc.get("mse", {}).get("A") or [None] * (tau + 1))[tau] if sc else None,
                "train_seconds": e.get("train_seconds"), "seed": e.get("seed"),
                "note": e.get("reason", ""),
                "inputs": ", ".join(e.get("inputs") or []),
            })
    rank = lambda r: (r["dataset"], r["pearson_A_tau"] is None, -(r["pearson_A_tau"] or 0.0))  # noqa: E731
    return sorted(rows, key=rank)


def best_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per dataset, the leaderboard row of the model that ran with the best Pearson at
    tau_alpha (:func:`leaderboard_rows` order); datasets where no model ran are left out."""
    best: dict[str, dict[str, Any]] = {}
    for r in leaderboard_rows(summary):
        if r["status"] == "ok" and r["dataset"] not in best:
            best[r["dataset"]] = r
    return list(best.values())


def write_leaderboard(rows: list[dict[str, Any]], path: Path) -> None:
    buf = io.StringIO()
    cols = ["dataset", "model", "status", "pearson_A_tau", "ceiling_tau", "fraction_of_ceiling", "mean_pearson_A",
            "spearman_A_tau", "mse_A_tau", "train_seconds", "seed", "note"]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r[k] is None else (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k])) for k in cols})
    _publish(path, buf.getvalue().encode())


def fig_pearson(res: dict[str, Any]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    times = np.asarray(res.get("times") or [], dtype=float)
    for name, e in res["models"].items():
        if e.get("status") != "ok":
            continue
        y = np.array([np.nan if v is None else v for v in e["scores"]["pearson"]["A"]], dtype=float)
        x = times if times.size == y.size else np.arange(y.size)
        ax.plot(x, y, "o-", label=name)
    if res.get("ceiling"):
        c = np.asarray(res["ceiling"], dtype=float)
        x = times[: c.size] if times.size >= c.size else np.arange(c.size)
        ax.plot(x, c[: x.size], "k--", label="replica ceiling")
    if times.size and np.all(times > 0):
        ax.set_xscale("log")
        ax.axvline(times[res["tau_index"]], color="grey", lw=0.8, ls=":", label=r"$\tau_\alpha$")
    ax.set_xlabel("time t (LJ units)")
    ax.set_ylabel("Pearson correlation (type A, pooled)")
    ax.set_title(f"{res['label']}: {res['target']}")
    ax.legend(fontsize=8)
    return fig


def fig_chi4(res: dict[str, Any]):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    times = np.asarray(res.get("times") or [], dtype=float)
    drawn_true = False
    for name, e in res["models"].items():
        if e.get("status") != "ok":
            continue
        sc = e["scores"]
        x = times if times.size == len(sc["chi4_true"]) else np.arange(len(sc["chi4_true"]))
        if not drawn_true:
            ax.plot(x, [np.nan if v is None else v for v in sc["chi4_true"]], "k-", lw=2, label="MD")
            drawn_true = True
        ax.plot(x, [np.nan if v is None else v for v in sc["chi4_pred"]], "o--", label=name)
    if times.size and np.all(times > 0):
        ax.set_xscale("log")
    ax.set_xlabel("time t")
    ax.set_ylabel(r"$\chi_4(t) = N_A\,\mathrm{Var}_c[\bar X_c]$")
    ax.set_title(f"{res['label']}: chi4 of the propensity, MD vs predicted")
    ax.legend(fontsize=8)
    return fig


def fig_maps(res: dict[str, Any], out: Path, dimension: int):
    """True vs predicted propensity at tau_alpha for the best model on one test configuration."""
    from glassml.store import Dataset

    ok = {n: e for n, e in res["models"].items() if e.get("status") == "ok" and e["scores"].get("pearson_tau") is not None}
    if not ok:
        return None
    best = max(ok, key=lambda n: ok[n]["scores"]["pearson_tau"])
    ds = Dataset.open(res["dataset"])
    sample = ds.samples_in("test")[0]
    preds = load_arrays(out / "predictions" / res["label"] / f"{best}.npz", [sample.name])[sample.name]
    k = res["tau_index"]
    true, pred = np.asarray(sample[res["target"]])[k], np.asarray(preds)[k]
    pos = np.asarray(sample["initial_positions"], dtype=float)
    box = as_lengths(sample["box"], pos.shape[1])
    pos = wrap(pos, box)  # into the box for drawing
    sel = np.ones(len(pos), bool)
    title_extra = ""
    if dimension == 3:
        z0 = box[2] / 2
        sel = np.abs(pos[:, 2] - z0) < 1.5
        title_extra = f" (slab |z - {z0:.1f}| < 1.5)"
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
    vmin, vmax = np.percentile(true, [2, 98])
    for ax, field, name in zip(axes, (true, pred), ("MD propensity", f"predicted ({best})")):
        f = field if name.startswith("MD") else (field - pred.mean()) / (pred.std() or 1) * true.std() + true.mean()
        sc = ax.scatter(pos[sel, 0], pos[sel, 1], c=f[sel], s=12, cmap="viridis", vmin=vmin, vmax=vmax)
        ax.set_aspect("equal")
        ax.set_title(name + title_extra, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(sc, ax=axes, shrink=0.8, label="propensity (prediction rescaled to MD mean/std)")
    fig.suptitle(f"{res['label']} test sample {sample.name}, t index {k} (tau_alpha)")
    return fig


def fig_transfer(name: str, mat: dict[str, Any]):
    plt = _plt()
    m = np.array([[np.nan if v is None else v for v in row] for row in mat["pearson_tau"]], dtype=float)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    im = ax.imshow(m, cmap="magma", vmin=0, vmax=1, origin="lower")
    ax.set_xticks(range(len(mat["test_T"])), [f"{t:g}" for t in mat["test_T"]])
    ax.set_yticks(range(len(mat["train_T"])), [f"{t:g}" for t in mat["train_T"]])
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, _fmt(m[i, j], 2), ha="center", va="center", color="w" if m[i, j] < 0.6 else "k")
    ax.set_xlabel("test temperature")
    ax.set_ylabel("train temperature")
    ax.set_title(f"{name}: Pearson at tau_alpha")
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def write_report(summary: dict[str, Any], out: str | Path) -> Path:
    """Write ``out/report.html``, ``out/leaderboard.csv`` and ``out/figures/*.png``."""
    out = Path(out)
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    rows = leaderboard_rows(summary)
    write_leaderboard(rows, out / "leaderboard.csv")
    parts: list[str] = []

    def img(fig, fname: str, caption: str) -> None:
        if fig is None:
            return
        data = _save(fig, figdir / fname)
        b64 = base64.b64encode(data).decode()
        parts.append(f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}">'
                     f"<figcaption>{html.escape(caption)} (<a href=\"figures/{fname}\">{fname}</a>)</figcaption></figure>")

    dims = {d["label"]: d.get("dimension") for d in summary["datasets"]}
    parts.append("<h2>Leaderboard</h2>")
    parts.append(_table(rows))
    for res in summary["results"]:
        lab = res["label"]
        parts.append(f"<h2>{html.escape(lab)}</h2><p>target <code>{html.escape(res['target'])}</code>; "
                     f"tau_alpha at time index {res['tau_index']} ({html.escape(res['tau_source'])}); "
                     f"ceiling: {'from the replica split of the dataset' if res.get('ceiling') else 'not recorded by the dataset'}.</p>")
        img(fig_pearson(res), f"pearson_{lab}.png", "Pearson correlation vs time, type A pooled over test configurations, with the replica ceiling")
        img(fig_chi4(res), f"chi4_{lab}.png", "chi4(t) from MD propensities and from predictions")
        img(fig_maps(res, out, dims.get(lab) or 2), f"maps_{lab}.png", "True vs predicted propensity at tau_alpha, best model")
    if summary.get("transferability"):
        parts.append("<h2>Transferability (train T x test T)</h2>")
        for name, mat in summary["transferability"].items():
            if isinstance(mat, dict) and "pearson_tau" in mat:
                img(fig_transfer(name, mat), f"transfer_{name}.png", f"{name}: Pearson at tau_alpha, trained at one T, tested at another")
    parts.append("<h2>Models: chosen hyper-parameters (validation split only)</h2><ul>")
    for res in summary["results"]:
        for name, e in res["models"].items():
            info = {k: v for k, v in (e.get("info") or {}).items() if k not in ("trials",)}
            parts.append(f"<li><b>{html.escape(res['label'])} / {html.escape(name)}</b> [{html.escape(str(e.get('status')))}]"
                         f" {html.escape(e.get('reason', ''))}<pre>{html.escape(json.dumps(info, default=str)[:1500])}</pre></li>")
    parts.append("</ul>")
    prov = dict(summary["provenance"])
    prov["datasets"] = [{k: v for k, v in d.items() if k != "seeds"} | {"sample_seeds": d.get("seeds")} for d in summary["datasets"]]
    prov["timings_seconds"] = summary.get("timings")
    parts.append("<h2>Provenance</h2><pre>" + html.escape(json.dumps(prov, indent=1, default=str)) + "</pre>")
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>glassml benchmark report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 7px;text-align:right}}
td:nth-child(-n+3),th{{text-align:left}}figure{{margin:1em 0}}img{{max-width:100%}}
pre{{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:80%}}</style></head>
<body><h1>glassml benchmark report</h1>
<p>Propensity prediction scored the GlassBench way (Jung et al., Roadmap on machine learning glassy dynamics,
arXiv 2311.14752): Pearson correlation between predicted and measured propensity, type-A particles pooled over
all test configurations, per time, beside the replica ceiling. Models were selected on the validation split only.</p>
{''.join(parts)}
</body></html>
"""
    path = out / "report.html"
    _publish(path, doc.encode())
    return path


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("<tr><th>dataset</th><th>model</th><th>status</th><th>Pearson A at tau_alpha</th><th>ceiling</th>"
            "<th>fraction of ceiling</th><th>mean Pearson A</th><th>Spearman A at tau_alpha</th><th>train s</th>"
            "<th>arrays read (positions, descriptors)</th><th>note</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(r['dataset'])}</td><td>{html.escape(r['model'])}</td><td>{html.escape(str(r['status']))}</td>"
        f"<td>{_fmt(r['pearson_A_tau'])}</td><td>{_fmt(r['ceiling_tau'])}</td><td>{_fmt(r['fraction_of_ceiling'], 2)}</td>"
        f"<td>{_fmt(r['mean_pearson_A'])}</td><td>{_fmt(r['spearman_A_tau'])}</td><td>{_fmt(r['train_seconds'], 1)}</td>"
        f"<td style='text-align:left'>{html.escape(r['inputs'])}</td>"
        f"<td style='text-align:left'>{html.escape(str(r['note'])[:160])}</td></tr>"
        for r in rows)
    return f"<table>{head}{body}</table>"
