"""Cross-validation by configuration: scores on configurations a model never trained on,
without touching the test split.

With few configurations (GlassBench's ten Kob–Andersen configurations at T = 0.44), one test
split of two configurations leaves a score uncertain by a few hundredths.  K-fold
cross-validation over the configurations outside the test split (train + val) uses every one
of them for scoring once: fold k is held out and scored, fold k + 1 (cyclically) is the
validation set (early stopping, hyper-parameter choice), the remaining folds train.  A
configuration is never split between roles, so particles of one configuration never sit on
both sides (Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 2nd ed.,
Sec. 7.10; grouped folds as in GlassBench, Jung et al., arXiv 2311.14752).

Reported per model: the Pearson correlation (type A) at tau_alpha of every fold, their mean
and standard error, and the *pooled* out-of-fold score (all held-out predictions scored
together, as GlassBench pools its test configurations).  Every fold's predictions are saved
with a fingerprint of what they depend on, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from glassml.bench import adapter
from glassml.bench.run import (DEFAULT_TARGET, _write_json, campaign_preset, ceiling_of, dataset_label, fingerprint,
                               make_estimator, model_params, select_models, stage_descriptors, tau_alpha_index)
from glassml.errors import GlassmlError
from glassml.progress import escape as _esc
from glassml.progress import say as _say
from glassml.store import Dataset
from glassml.store.npzio import load_arrays, write_npz


def configuration_folds(names: Sequence[str], folds: int, seed: int = 0) -> list[list[str]]:
    """Split sample names into ``folds`` groups of near-equal size after a seeded shuffle."""
    names = sorted(names)
    if folds < 3:
        raise GlassmlError(f"cross-validation needs at least 3 folds (held-out, validation, training), got {folds}")
    if folds > len(names):
        raise GlassmlError(f"{folds} folds need at least {folds} configurations outside the test split; "
                           f"the dataset has {len(names)}")
    order = np.random.default_rng(seed).permutation(len(names))
    return [sorted(names[i] for i in part) for part in np.array_split(order, folds)]


def fold_roles(groups: Sequence[Sequence[str]], k: int) -> dict[str, list[str]]:
    """Fold ``k`` held out, fold ``k + 1`` (cyclically) for validation, the rest for training."""
    n = len(groups)
    val = (k + 1) % n
    train = [name for j, g in enumerate(groups) if j not in (k, val) for name in g]
    return {"train": train, "val": list(groups[val]), "held": list(groups[k])}


def cross_validate(
    dataset: Dataset | str | Path, out: str | Path, *, folds: int = 5, models: Sequence[str] | None = None,
    seed: int = 0, target: str = DEFAULT_TARGET, params: dict[str, dict[str, Any]] | None = None,
    show_progress: bool = True,
) -> dict[str, Any]:
    """K-fold cross-validation by configuration of every model on one dataset's train + val samples.

    Returns (and writes to ``out/crossval.json`` and ``out/crossval.csv``) per model: the
    status, the per-fold Pearson(A) at tau_alpha, mean, standard error over folds and the pooled
    out-of-fold score, beside the dataset's replica ceiling.  The test split is never read.
    """
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise GlassmlError("is a file; choose a directory for the cross-validation output", out)
    if target not in ds.manifest.get("targets", {}):
        raise GlassmlError(f"dataset has no target '{target}'; run `glassml targets DATASET` first", ds.path)
    pool = [n for part in ("train", "val") for n in ds.split[part]]
    groups = configuration_folds(pool, folds, seed)
    classes = select_models(models)
    for name in params or {}:
        if name not in classes:
            raise GlassmlError(f"--param names model {name!r}, which is not being run ({', '.join(classes)})")
    out.mkdir(parents=True, exist_ok=True)
    skip = stage_descriptors(ds, classes, show_progress=show_progress)
    ds = Dataset.open(ds.path)
    label = dataset_label(ds)
    tau, tau_src = tau_alpha_index(ds, target)
    ceiling = ceiling_of(ds, target)
    samples = {n: ds[n] for n in pool}
    for n, s in samples.items():
        if target not in s:
            raise GlassmlError(f"sample {n!r} lacks target '{target}'; run `glassml targets DATASET` first", ds.path)
    result: dict[str, Any] = {"dataset": str(ds.path), "label": label, "target": target, "folds": groups, "seed": seed,
                              "tau_index": tau, "tau_source": tau_src, "times": ds.manifest.get("times"),
                              "ceiling": ceiling, "models": {}}
    _say(show_progress, f"[bold]cross-validation[/bold] {len(classes)} models, {folds} folds over {len(pool)} configurations"
         " (test split untouched)")
    for name, cls in classes.items():
        kw = model_params(cls, campaign_preset(ds), (params or {}).get(name))
        entry: dict[str, Any] = {"params": kw}
        result["models"][name] = entry
        missing = adapter.missing_inputs(make_estimator(cls, seed, kw), list(samples.values()))
        reason = skip.get(name) or (f"needs {', '.join(missing)}, which the dataset lacks" if missing else None)
        if reason:
            entry.update(status="skipped", reason=reason)
            _say(show_progress, f"  {name}: skipped ({_esc(reason)})")
            continue
        try:
            entry.update(_cross_validate_model(ds, name, cls, kw, groups, samples, out / "crossval" / label / name,
                                               seed=seed, target=target, tau=tau, ceiling=ceiling,
                                               show_progress=show_progress))
        except GlassmlError as exc:
            entry.update(status="failed", reason=str(exc))
            _say(show_progress, f"  {name}: cannot run ({_esc(str(exc))})")
    _write_json(out / "crossval.json", result)
    _write_csv(out / "crossval.csv", result)
    return result


def _cross_validate_model(ds: Dataset, name: str, cls: type, kw: dict, groups: list[list[str]], samples: dict,
                          folder: Path, *, seed: int, target: str, tau: int, ceiling, show_progress: bool) -> dict:
    from glassml.bench.score import score_predictions

    per_fold, seconds = [], []
    preds_all: dict[str, np.ndarray] = {}
    for k in range(len(groups)):
        roles = fold_roles(groups, k)
        fp = fingerprint(ds, name, cls, seed, target, kw, parts=roles)
        pred_path, meta_path = folder / f"fold{k}.npz", folder / f"fold{k}.json"
        preds, resumed = None, False
        if pred_path.exists() and meta_path.exists() and json.loads(meta_path.read_text()).get("fingerprint") == fp:
            stored = load_arrays(pred_path)
            preds = [stored[n] for n in roles["held"]]
            seconds.append(json.loads(meta_path.read_text()).get("train_seconds"))
            resumed = True
        if preds is None:
            t0 = time.perf_counter()
            est = adapter.fit(make_estimator(cls, seed, kw), [samples[n] for n in roles["train"]],
                              [samples[n] for n in roles["val"]], target, model=ds.model)
            held = [samples[n] for n in roles["held"]]
            preds = [np.asarray(p, dtype=np.float32) for p in adapter.predict(est, held, model=ds.model)]
            seconds.append(time.perf_counter() - t0)
            write_npz(pred_path, dict(zip(roles["held"], preds)))
            _write_json(meta_path, {"fingerprint": fp, "train_seconds": seconds[-1], **roles})
        trues = [np.asarray(samples[n][target], dtype=float) for n in roles["held"]]
        types = [np.asarray(samples[n]["types"]) for n in roles["held"]]
        sc = score_predictions(preds, trues, types, ceiling=ceiling, tau_index=tau)
        per_fold.append(sc.get("pearson_tau"))
        preds_all.update(zip(roles["held"], preds))
        _say(show_progress, f"  {name} fold {k + 1}/{len(groups)}: Pearson(A) at tau_alpha = "
             f"{'–' if per_fold[-1] is None else round(per_fold[-1], 3)}" + (" (resumed)" if resumed else f" ({seconds[-1]:.1f} s)"))
    names = sorted(preds_all)
    pooled = score_predictions([preds_all[n] for n in names], [np.asarray(samples[n][target], float) for n in names],
                               [np.asarray(samples[n]["types"]) for n in names], ceiling=ceiling, tau_index=tau)
    values = np.array([np.nan if v is None else v for v in per_fold], dtype=float)
    finite = values[np.isfinite(values)]
    mean = float(finite.mean()) if finite.size else None
    se = float(finite.std(ddof=1) / np.sqrt(finite.size)) if finite.size > 1 else None
    _say(show_progress, f"  {name}: mean {mean if mean is None else round(mean, 3)}"
         f" ± {se if se is None else round(se, 3)}, pooled {pooled.get('pearson_tau') and round(pooled['pearson_tau'], 3)}")
    return {"status": "ok", "pearson_tau_folds": [None if not np.isfinite(v) else float(v) for v in values],
            "pearson_tau_mean": mean, "pearson_tau_se": se, "pearson_tau_pooled": pooled.get("pearson_tau"),
            "ceiling_tau": pooled.get("ceiling_tau"), "train_seconds": seconds, "inputs": adapter.required_arrays(
                make_estimator(cls, seed, kw)), "pooled_scores": pooled}


def _write_csv(path: Path, result: dict[str, Any]) -> None:
    from glassml.store.npzio import atomic_write_bytes

    lines = ["model,status,pearson_tau_mean,pearson_tau_se,pearson_tau_pooled,ceiling_tau,folds"]
    fmt = lambda v: "" if v is None else f"{v:.6g}"  # noqa: E731
    for name, e in result["models"].items():
        lines.append(",".join([name, e["status"], fmt(e.get("pearson_tau_mean")), fmt(e.get("pearson_tau_se")),
                               fmt(e.get("pearson_tau_pooled")), fmt(e.get("ceiling_tau")),
                               " ".join(fmt(v) for v in e.get("pearson_tau_folds", []))]))
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
