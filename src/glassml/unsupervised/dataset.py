"""Unsupervised structure on a whole dataset: :func:`cluster` fits :class:`StructuralClusters`
on a stored descriptor set, stores latent coordinates, labels and the order parameter in every
sample (resumable), and draws the figures.

Per sample it writes (``<key>`` is the descriptor array without ``desc_``, e.g. ``boattini``
or ``boattini_cage``):

* ``latent_<key>_<method>``: (N, c) latent coordinates;
* ``cluster_<key>_<method>``: (N,) labels, 0..K-1 within each species;
* ``order_<key>_<method>``: (N,) membership probability of the slow cluster, when the
  dataset has the propensity target.

The pipeline is fitted on the training and validation samples (all samples when the dataset
has no split), and the slow cluster is chosen on those same samples; the test samples are
only transformed.  The manifest records the setting under ``unsupervised[<key>_<method>]``
with a fingerprint per sample, so an interrupted run resumes where it stopped and a change of
setting recomputes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassml.errors import GlassmlError
from glassml.progress import ProgressBar, say
from glassml.store import Dataset, descriptor_array
from glassml.unsupervised.order import (
    METHODS,
    StructuralClusters,
    UnsupervisedOrderParameter,
    propensity_correlations,
)

#: the folder of the figures, relative to the dataset: ``report/unsupervised/<key>_<method>/``
REPORT_DIR = Path("report") / "unsupervised"
FIGURES = ("latent.png", "bic.png", "correlation.png")


def output_arrays(key: str, method: str) -> dict[str, str]:
    """The sample arrays :func:`cluster` writes for descriptor key ``key`` and ``method``."""
    return {"latent": f"latent_{key}_{method}", "labels": f"cluster_{key}_{method}", "order": f"order_{key}_{method}"}


def _stack(samples, array: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ss = [], []
    for s in samples:
        x = np.asarray(s[array], dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        if x.shape[0] != s.n_particles:
            raise GlassmlError(f"'{array}' has {x.shape[0]} rows but the sample has {s.n_particles} particles", s.path)
        xs.append(x)
        ss.append(np.asarray(s["types"], dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ss)


def _input_digest(sample, keys: list[str]) -> str:
    """sha256 of the arrays ``keys`` of a sample (dtype, shape, bytes): what a result depends on."""
    h = hashlib.sha256()
    for k in keys:
        a = np.ascontiguousarray(sample[k])
        h.update(f"{k}{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def cluster(dataset, set_name: str, method: str = "pca", *, components: int | None = None, positions: str | None = None,
            target: str = "md_prop", seed: int = 0, max_clusters: int = 6, ae_epochs: int = 100, out: str | os.PathLike | None = None,
            plots: bool = True, force: bool = False, show_progress: bool = True) -> dict[str, Any]:
    """Cluster a stored descriptor set of every sample; store latents, labels and the order parameter.

    Returns a summary: arrays written, samples computed and skipped, the number of clusters
    and BIC per species, the slow cluster, the correlations per split and the figure paths.

    Parameters
    ----------
    dataset:
        A :class:`glassml.store.Dataset` or its path.
    set_name, positions:
        The descriptor array :func:`glassml.store.descriptor_array` ``(set_name, positions)``
        (computed beforehand with :func:`glassml.structure.describe`).
    method, components:
        See :class:`~glassml.unsupervised.order.StructuralClusters`.
    target:
        The propensity that chooses the slow cluster and that the correlations are measured
        against (skipped when the samples lack it).
    seed:
        Seed of every stochastic step.
    max_clusters:
        Largest number of Gaussian components BIC chooses from.
    out:
        Folder of the figures (default ``DATASET/report/unsupervised/<key>_<method>``).
    plots:
        Draw the figures.
    force:
        Recompute samples whose stored results are current.
    """
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(os.fspath(dataset))
    if method not in METHODS:
        raise GlassmlError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    array = descriptor_array(set_name, positions)
    key = array[len("desc_"):]
    names = ds.sample_names()
    if not names:
        raise GlassmlError("the dataset has no samples", ds.path)
    missing = [n for n in names if array not in ds[n]]
    if missing:
        raise GlassmlError(f"descriptor set {set_name!r} is not stored in {len(missing)} of {len(names)} samples "
                           f"(no '{array}' in {missing[0]}); compute it first: glassml describe {ds.path} --set {set_name}",
                           ds.path)
    for n in names:  # every sample's input, before any work: one clear error naming the file
        x = ds[n][array]
        if not np.all(np.isfinite(x)):
            raise GlassmlError(f"'{array}' holds NaN or infinite values; recompute the descriptors "
                               f"(glassml describe --set {set_name} --force)", ds[n].path)
    split = ds.split
    fit_names = split["train"] + split["val"] or names
    fit_part = "train+val" if split["train"] + split["val"] else "all"
    fit_samples = [ds[n] for n in fit_names]
    X, sp = _stack(fit_samples, array)
    has_target = all(target in ds[n] for n in names)
    inputs = [array, "types"] + ([target] if has_target else [])
    arrays = output_arrays(key, method)

    setting = {"array": array, "method": method, "components": components, "seed": int(seed), "max_clusters": int(max_clusters),
               "ae_epochs": int(ae_epochs), "target": target if has_target else None, "fit": fit_names,
               "inputs": {n: _input_digest(s, inputs) for n, s in zip(fit_names, fit_samples)}}
    setting_digest = _digest(setting)
    record_name = f"{key}_{method}"
    record = ds.manifest.setdefault("unsupervised", {}).get(record_name, {})
    if record.get("setting") != setting_digest:
        record = {}
    done: dict[str, str] = dict(record.get("samples", {}))

    params = dict(method=method, components=components, max_clusters=int(max_clusters), seed=int(seed), ae_epochs=int(ae_epochs))
    if has_target:
        Y = np.concatenate([np.atleast_2d(np.asarray(s[target], dtype=np.float64)) for s in fit_samples], axis=1)
        model = UnsupervisedOrderParameter(**params).fit(X, Y, sp)
        clusters = model.clusters_
    else:
        model, clusters = None, StructuralClusters(**params).fit(X, sp)

    say(show_progress, f"[bold]cluster[/bold] {array} with {method}, fitted on {len(fit_names)} samples ({fit_part})")
    summary: dict[str, Any] = {"array": array, "method": method, "arrays": arrays if has_target else
                               {k: v for k, v in arrays.items() if k != "order"},
                               "fit_on": fit_part, "n_clusters": {str(k): v for k, v in clusters.n_clusters_.items()},
                               "bic": {str(s): {str(k): v for k, v in c.items()} for s, c in clusters.bic_.items()},
                               "computed": [], "skipped": []}
    if model is not None:
        summary["slow_cluster"] = {str(k): v for k, v in model.slow_cluster_.items()}
    with ProgressBar(show_progress, total=len(names), label=f"cluster {key} {method}") as bar:
        for name in names:
            sample = ds[name]
            fp = _digest([setting_digest, _input_digest(sample, inputs)])
            if not force and done.get(name) == fp and all(
                    a in sample for k, a in arrays.items() if k != "order" or has_target):
                summary["skipped"].append(name)
                bar.advance()
                continue
            x = np.asarray(sample[array], dtype=np.float64)
            x = x[:, None] if x.ndim == 1 else x
            types = np.asarray(sample["types"], dtype=np.int64)
            new = {arrays["latent"]: clusters.transform(x, types), arrays["labels"]: clusters.predict(x, types)}
            if model is not None:
                new[arrays["order"]] = model.transform(x, types)
            ds.update_sample(name, new, save=False)
            done[name] = fp
            ds.manifest["unsupervised"][record_name] = {"setting": setting_digest, "array": array, "method": method,
                                                        "params": params, "fit_on": fit_part, "arrays": summary["arrays"],
                                                        "samples": done}
            ds.save_manifest()
            summary["computed"].append(name)
            bar.advance()

    if model is not None:
        summary["correlations"] = {}
        for part, part_names in (("fit", fit_names), ("test", split["test"])):
            if not part_names:
                continue
            order = np.concatenate([np.asarray(ds[n][arrays["order"]]) for n in part_names])
            y = np.concatenate([np.atleast_2d(np.asarray(ds[n][target], dtype=np.float64)) for n in part_names], axis=1)
            types = np.concatenate([np.asarray(ds[n]["types"]) for n in part_names])
            summary["correlations"][part] = {str(k): v for k, v in propensity_correlations(order, y, types).items()}
    if plots:
        summary["figures"] = _figures(ds, names, arrays, clusters, summary, target if has_target else None, out, record_name)
    return summary


def _figures(ds: Dataset, names: list[str], arrays: dict[str, str], clusters: StructuralClusters, summary: dict,
             target: str | None, out, record_name: str) -> dict[str, str]:
    from glassml.unsupervised.plots import plot_bic, plot_correlations, plot_latent

    folder = Path(out) if out is not None else ds.path / REPORT_DIR / record_name
    figures: dict[str, str] = {}
    latent = np.concatenate([np.asarray(ds[n][arrays["latent"]]) for n in names])
    types = np.concatenate([np.asarray(ds[n]["types"]) for n in names])
    colour = None
    if target is not None:
        colour = np.concatenate([np.atleast_2d(np.asarray(ds[n][target], dtype=np.float64))[-1] for n in names])
    a = types == 0  # the latent space of type A particles (each species has its own)
    figures["latent"] = str(plot_latent(latent[a], None if colour is None else colour[a], folder / "latent.png"))
    if clusters.bic_:
        figures["bic"] = str(plot_bic(clusters.bic_, folder / "bic.png"))
    corr = summary.get("correlations", {})
    part = corr.get("test") or corr.get("fit")
    if part:
        figures["correlation"] = str(plot_correlations(ds.manifest.get("times"), {int(k): v for k, v in part.items()},
                                                       folder / "correlation.png"))
    return figures
