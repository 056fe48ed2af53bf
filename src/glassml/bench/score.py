"""Scoring the way GlassBench does it.

Reference: G. Jung et al., "Roadmap on machine learning glassy dynamics", arXiv 2311.14752
(Nature Reviews Physics 2025), which introduces the GlassBench dataset and its metrics:

* **Pearson correlation per time**, between predicted and measured propensity, for the
  particles of type A only, *pooled* over all test configurations (all A particles of all
  configurations form one sample of pairs); the correlation itself is
  :func:`glassml.learn.features.pearson_columns`, the one the learners select with.  Also reported here per species, with Spearman's
  rank correlation and the mean-squared error.
* **chi4(t) from predictions vs from MD** (:func:`propensity_chi4`): the susceptibility of the
  propensity field, chi4(t) = N_A * Var_c[ X̄_c(t) ], where X̄_c(t) is the mean propensity of the
  A particles of configuration c and the variance runs over configurations.  A predictor that reproduces
  dynamic heterogeneity reproduces chi4 (Jung, Biroli, Berthier PRL 130, 238202, 2023).
* **Ceiling**: with a finite number of isoconfigurational replicas the measured propensity
  is noisy, which caps the reachable correlation; the ceiling is reported beside every score
  (from the dataset's target record, or the published GlassBench values where known).
* **Transferability**: the train-T x test-T matrix of Pearson at tau_alpha.

Species: inside glassml, type A is species 0.  GlassBench files label species 1, 2(, 3);
:func:`score_models_path` maps the smallest label to A.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.learn.features import pearson_columns

SPECIES_NAMES = "ABCDEFGH"

#: Published GlassBench replica ceilings (roadmap, arXiv 2311.14752), KA 3D, T=0.44, first times.
PUBLISHED_CEILING = {("KA", 0.44): [0.976, 0.975, 0.973, 0.971, 0.967, 0.959, 0.943, 0.911]}
#: Index of t = tau_alpha in GlassBench's published time grids, per (system, temperature).
GLASSBENCH_TAU_INDEX = {("KA", 0.44): 6}
#: Arrays of a GlassBench file that are inputs or targets, never predictions.
NOT_PREDICTIONS = {"types", "initial_positions", "initial_positions_inherent", "initial_positions_cage",
                   "md_prop", "bb_prop", "cr_prop", "box", "times", "positions"}


# --------------------------------------------------------------------------- metrics
def _rank_columns(a: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(a, axis=0)


#: metric name -> f(pred, true) on (n, T) columns of pooled particles, one value per time
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "pearson": pearson_columns,
    "spearman": lambda p, t: pearson_columns(_rank_columns(p), _rank_columns(t)),
    "mse": lambda p, t: ((p - t) ** 2).mean(axis=0),
}


def _check(preds: Sequence[np.ndarray], trues: Sequence[np.ndarray], types: Sequence[np.ndarray]) -> None:
    if not (len(preds) == len(trues) == len(types)) or not preds:
        raise GlassmlError(f"need as many predictions, targets and type arrays (got {len(preds)}, {len(trues)}, {len(types)})")
    for i, (p, t, s) in enumerate(zip(preds, trues, types)):
        p, t = np.asarray(p), np.asarray(t)
        if p.ndim == 1:
            p = p[None, :]
        if p.shape[1] != t.shape[1] or t.shape[1] != np.asarray(s).shape[0]:
            raise GlassmlError(f"configuration {i}: prediction {p.shape}, target {t.shape} and types {np.asarray(s).shape} disagree")
        if p.shape[0] not in (1, t.shape[0]):
            raise GlassmlError(f"configuration {i}: prediction has {p.shape[0]} times, target {t.shape[0]}")


def pooled_metric(
    preds: Sequence[np.ndarray], trues: Sequence[np.ndarray], types: Sequence[np.ndarray],
    species: int | None = 0, metric: str = "pearson",
) -> np.ndarray:
    """``metric`` per time, pooling the chosen species over every configuration.

    ``preds[c]`` is (T, N) or a time-independent (N,) descriptor; ``trues[c]`` is (T, N);
    ``species=None`` pools all particles.
    """
    _check(preds, trues, types)
    fn = METRICS[metric]
    n_times = np.asarray(trues[0]).shape[0]
    cols_p, cols_t = [], []
    for p, t, s in zip(preds, trues, types):
        p = np.asarray(p, dtype=np.float64)
        p = np.broadcast_to(p[None, :], (n_times, p.shape[0])) if p.ndim == 1 else p
        if p.shape[0] == 1:
            p = np.broadcast_to(p, (n_times, p.shape[1]))
        m = np.ones(np.asarray(s).shape[0], bool) if species is None else np.asarray(s) == species
        cols_p.append(p[:, m])
        cols_t.append(np.asarray(t, dtype=np.float64)[:, m])
    P, T = np.concatenate(cols_p, axis=1), np.concatenate(cols_t, axis=1)
    if P.shape[1] < 2:
        return np.full(n_times, np.nan)
    return np.asarray(fn(P.T, T.T), dtype=np.float64)


def propensity_chi4(fields: Sequence[np.ndarray], types: Sequence[np.ndarray], species: int | None = 0) -> np.ndarray:
    """Configuration-to-configuration susceptibility of a per-particle field (GlassBench's chi4).

    chi4(t) = N_s * Var_c[ mean of the field over the species-s particles of configuration c ],
    the variance running over configurations.  ``fields[c]`` is (T, N): a measured propensity
    or a prediction, so predictions and MD can be compared (Jung, Biroli & Berthier, PRL 130,
    238202, 2023).  Needs at least two configurations (else NaN).

    Not the overlap susceptibility of the replica trajectories of one configuration,
    :func:`glassml.dynamics.observables.chi4` (N Var_r Q_r(t)), which measures the dynamics
    itself rather than a field predicted from structure.
    """
    means, counts = [], []
    for f, s in zip(fields, types):
        f = np.asarray(f, dtype=np.float64)
        f = f[None, :] if f.ndim == 1 else f
        m = np.ones(np.asarray(s).shape[0], bool) if species is None else np.asarray(s) == species
        means.append(f[:, m].mean(axis=1))
        counts.append(int(m.sum()))
    if len(means) < 2:
        return np.full(means[0].shape[0], np.nan)
    return float(np.mean(counts)) * np.var(np.stack(means), axis=0, ddof=0)


def score_predictions(
    preds: Sequence[np.ndarray], trues: Sequence[np.ndarray], types: Sequence[np.ndarray],
    *, times: Sequence[float] | None = None, ceiling: Sequence[float] | None = None,
    tau_index: int | None = None,
) -> dict[str, Any]:
    """Every GlassBench score for one predictor on one test set, as a JSON-able dict.

    Keys: ``times``, ``pearson``/``spearman``/``mse`` (each ``{species letter or "all": [per time]}``),
    ``chi4_pred``, ``chi4_true`` (type A), ``ceiling`` (per time or None), ``tau_index`` and the
    headline ``pearson_tau`` / ``ceiling_tau`` at that time.
    """
    _check(preds, trues, types)
    n_times = np.asarray(trues[0]).shape[0]
    present = sorted(set(np.concatenate([np.unique(np.asarray(s)) for s in types]).tolist()))
    out: dict[str, Any] = {"times": None if times is None else [float(t) for t in times], "n_configurations": len(trues)}
    for metric in METRICS:
        per: dict[str, list] = {}
        for sp in present:
            per[SPECIES_NAMES[sp] if sp < len(SPECIES_NAMES) else str(sp)] = _json(pooled_metric(preds, trues, types, sp, metric))
        per["all"] = _json(pooled_metric(preds, trues, types, None, metric))
        out[metric] = per
    pred_fields = [np.broadcast_to(np.asarray(p)[None] if np.asarray(p).ndim == 1 else np.asarray(p), np.asarray(t).shape)
                   for p, t in zip(preds, trues)]
    out["chi4_pred"] = _json(propensity_chi4(pred_fields, types, 0))
    out["chi4_true"] = _json(propensity_chi4(trues, types, 0))
    out["ceiling"] = None if ceiling is None else _json(np.asarray(ceiling, dtype=float)[:n_times])
    if tau_index is not None and 0 <= tau_index < n_times:
        out["tau_index"] = int(tau_index)
        out["pearson_tau"] = out["pearson"]["A"][tau_index] if "A" in out["pearson"] else None
        out["ceiling_tau"] = None if out["ceiling"] is None or tau_index >= len(out["ceiling"]) else out["ceiling"][tau_index]
    return out


def _json(a: np.ndarray) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float)]


def transferability(
    predict: Callable[[Any, Any], list[np.ndarray]], models: Mapping[float, Any], tests: Mapping[float, tuple],
    tau_index: Mapping[float, int],
) -> dict[str, Any]:
    """Train-T x test-T matrix of type-A pooled Pearson at each test temperature's tau_alpha.

    ``models[T_train]`` is a fitted model, ``tests[T_test] = (samples, trues, types)`` and
    ``predict(model, samples)`` returns the (T, N) predictions.
    """
    train_ts, test_ts = sorted(models), sorted(tests)
    mat = np.full((len(train_ts), len(test_ts)), np.nan)
    for i, ttr in enumerate(train_ts):
        for j, tte in enumerate(test_ts):
            samples, trues, types = tests[tte]
            preds = predict(models[ttr], samples)
            k = tau_index[tte]
            if any(np.asarray(p).shape[0] <= k for p in preds):
                continue  # model trained on a shorter time grid
            mat[i, j] = pooled_metric([np.asarray(p)[k] for p in preds], [np.asarray(t)[k : k + 1] for t in trues], types)[0]
    return {"train_T": train_ts, "test_T": test_ts, "pearson_tau": [_json(r) for r in mat]}


# --------------------------------------------------------------------------- GlassBench files
_FILE_RE = re.compile(r"N(\d+)T([0-9.]+)_(\d+)(?:_.*)?\.npz$")


def _system_and_T(path: Path) -> tuple[str, float | None]:
    system, temp = "unknown", None
    for part in path.parts:
        if part.endswith("_models"):
            system = part[: -len("_models")]
        m = re.fullmatch(r"T([0-9.]+)", part)
        if m:
            temp = float(m.group(1))
    fm = _FILE_RE.search(path.name)
    if temp is None and fm:
        temp = float(fm.group(2).rstrip("."))
    if system == "unknown" and fm:
        system = {"4096": "KA", "1290": "KA2D"}.get(fm.group(1), f"N{fm.group(1)}")
    return system, temp


def find_models_files(path: str | Path) -> list[Path]:
    """GlassBench test files under ``path`` (a file, a ``T*/test`` folder or a ``*_models`` root)."""
    path = Path(path)
    if not path.exists():
        raise GlassmlError("does not exist", path)
    if path.is_file():
        if path.suffix != ".npz":
            raise GlassmlError("not an .npz file", path)
        return [path]
    files = sorted(p for p in path.rglob("*.npz") if "train" not in p.relative_to(path).parts)
    if not files:
        raise GlassmlError("no GlassBench test files (*.npz outside train/) found here", path)
    return files


def score_models_path(path: str | Path, target: str = "md_prop", species_pool: str = "A") -> dict[str, Any]:
    """Score the predictions stored in GlassBench ``*_models`` test files.

    Files are grouped by (system, temperature); within a group every array of shape
    (n_times, N) that is not an input or target (``BOTAN``, ``CAGE``, ``GlassMLP``, ``SE3``, ...)
    is scored as a prediction, and every (N,) array (``DEN``, ``EPOT``, ...) as a descriptor
    baseline, against ``target``.  Files lacking ``target`` or any prediction are skipped and
    listed.
    """
    from glassml.store.npzio import load_arrays

    groups: dict[tuple[str, float | None], list[dict[str, np.ndarray]]] = {}
    skipped: list[str] = []
    for f in find_models_files(path):
        try:
            arrays = load_arrays(f)
        except GlassmlError:
            raise
        except Exception as exc:  # a damaged zip is user input, not a bug
            raise GlassmlError(f"cannot read ({exc})", f) from None
        if target not in arrays or "types" not in arrays:
            skipped.append(f"{f}: no '{target}' or 'types'")
            continue
        y = np.asarray(arrays[target], dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != arrays["types"].shape[0]:
            raise GlassmlError(f"'{target}' must have shape (n_times, N), got {y.shape}", f)
        cands = {}
        for k, v in arrays.items():
            v = np.asarray(v)
            if k in NOT_PREDICTIONS or not np.issubdtype(v.dtype, np.number):
                continue
            if v.shape in (y.shape, (y.shape[1],)):
                cands[k] = v
            elif v.shape == y.shape[::-1]:  # stored (N, n_times): score it, say so
                cands[k] = v.T
                skipped.append(f"{f}: '{k}' stored as (N, n_times); scored transposed")
            else:
                skipped.append(f"{f}: '{k}' has shape {v.shape}, neither (n_times, N) = {y.shape} nor (N,); not scored")
        if not cands:
            skipped.append(f"{f}: no prediction arrays")
            continue
        arrays = dict(cands, **{target: y, "types": arrays["types"], "__file__": np.array(str(f))})
        groups.setdefault(_system_and_T(f), []).append(arrays)
    if not groups:
        raise GlassmlError(f"no file holds both '{target}' and predictions to score", path)
    results = []
    for (system, temp), files in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        labels = sorted(set(np.concatenate([np.unique(a["types"]) for a in files]).tolist()))
        remap = {lab: i for i, lab in enumerate(labels)}  # smallest label = A
        types = [np.vectorize(remap.get)(a["types"]).astype(np.int64) for a in files]
        trues = [a[target] for a in files]
        names = sorted(set.intersection(*[set(a) - {target, "types", "__file__"} for a in files]))
        partial = sorted(set.union(*[set(a) - {target, "types", "__file__"} for a in files]) - set(names))
        ceiling = PUBLISHED_CEILING.get((system, temp))
        tau = GLASSBENCH_TAU_INDEX.get((system, temp))
        entry: dict[str, Any] = {"system": system, "temperature": temp, "n_files": len(files), "target": target,
                                 "species_map": {str(k): SPECIES_NAMES[v] for k, v in remap.items()},
                                 "ceiling": ceiling, "tau_index": tau, "models": {}, "descriptors": {},
                                 "not_in_every_file": partial}
        for name in names:
            preds = [a[name] for a in files]
            kind = "descriptors" if np.asarray(preds[0]).ndim == 1 else "models"
            entry[kind][name] = score_predictions(preds, trues, types, ceiling=ceiling, tau_index=tau)
        results.append(entry)
    return {"path": str(path), "groups": results, "skipped": skipped}
