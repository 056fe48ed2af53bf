"""``compute_targets``: the per-particle targets of every sample of a dataset, resumable.

For each sample it stores ``md_prop``, ``cr_prop``, ``bb_prop``, ``ov_prop`` (T, N),
``edge_index`` (2, E), ``edge_prop`` (T, E), ``neighbor_count`` (N, the number of initial
neighbors) and ``target_split_stats`` (the sufficient statistics of the replica ceiling), and
records in ``manifest["targets"][name]`` the definition, parameters, reference, time grid and
the replica ceiling per time (split-half, type-A particles, pooled over samples).  A sample
whose targets were computed with the same parameters is skipped, so an interrupted run
resumes where it stopped.

Datasets of format version 1 stored ``neighbor_count`` as ``neighbour_count``
(:data:`RENAMED_ARRAYS`).  Their targets count as up to date under the old name; the array is
renamed in place (no recomputation), a recomputed sample drops the old name, and the manifest
moves to format version 2 once every sample carries the new names.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from glassml.dynamics.neighbors import pair_sigma
from glassml.dynamics.targets import CEILING_TARGETS, TargetParameters, replica_ceiling, sample_targets
from glassml.dynamics.trajectory import from_arrays
from glassml.errors import GlassmlError
from glassml.progress import ProgressBar

TARGET_VERSION = 1
STATS_KEY = "target_split_stats"
TARGET_ARRAYS = ("md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_index", "edge_prop", "neighbor_count", STATS_KEY)
#: Target arrays that datasets of format version 1 stored under another name: {old name: name}.
RENAMED_ARRAYS = {"neighbour_count": "neighbor_count"}
#: The dataset format version that introduced the names of :data:`RENAMED_ARRAYS`.
RENAMED_IN_VERSION = 2

DEFINITIONS = {
    "md_prop": {
        "name": "displacement propensity",
        "definition": "<|r_i(t) - r_i(0)|>_iso, mean over isoconfigurational replicas",
        "shape": "(T, N)",
        "reference": "Widmer-Cooper, Harrowell & Fynewever PRL 93, 135701 (2004); GlassBench roadmap arXiv 2311.14752",
    },
    "cr_prop": {
        "name": "cage-relative displacement propensity",
        "definition": "<|Δr_i - mean_{j in N_i(0)} Δr_j|>_iso; N_i(0): r_ij(0) < shell*sigma_ij; no neighbors -> |Δr_i|",
        "shape": "(T, N)",
        "reference": "Illing et al. PNAS 114, 1856 (2017); Vivek et al. PNAS 114, 1850 (2017); Jung, Biroli & Berthier PRL 130, 238202 (2023)",
    },
    "bb_prop": {
        "name": "bond-breaking propensity",
        "definition": "<1 - n_i(t)/n_i(0)>_iso: fraction of initial neighbors (r_ij(0) < shell*sigma_ij) with r_ij(t) > broken*sigma_ij; "
        "sign: fraction LOST (C_B = 1 - bb_prop); no neighbors -> 0",
        "shape": "(T, N)",
        "reference": "Yamamoto & Onuki PRE 58, 3515 (1998); Guiselin, Scalliet & Berthier Nat. Phys. 18, 468 (2022); Jung, Biroli & Berthier PRL 130, 238202 (2023)",
    },
    "ov_prop": {
        "name": "overlap mobility",
        "definition": "<Θ(|Δr_i| - a)>_iso = 1 - per-particle self overlap q_i(t)",
        "shape": "(T, N)",
        "reference": "Lacevic, Starr, Schrøder & Glotzer JCP 119, 7372 (2003)",
    },
    "edge_prop": {
        "name": "BOTAN edge target (pair-distance change)",
        "definition": "<|r_ij(t)| - |r_ij(0)|>_iso for pairs in edge_index: both species edge_species, r_ij(0) < edge_cutoff, i < j",
        "shape": "(T, E) with edge_index (2, E)",
        "reference": "Shiba, Hanai, Suzumura & Shimokawabe JCP 158, 084503 (2023)",
    },
}


def _params_hash(params: TargetParameters, sigma: np.ndarray) -> str:
    blob = json.dumps({"v": TARGET_VERSION, "p": params.as_dict(), "sigma": np.round(sigma, 12).tolist()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _old_names(sample) -> list[str]:
    """The format-version-1 names of target arrays that ``sample`` still holds."""
    return [old for old in RENAMED_ARRAYS if old in sample]


def _up_to_date(dataset, name: str, key: str) -> bool:
    entry = dataset.manifest["samples"].get(name, {})
    if entry.get("targets_hash") != key:
        return False
    sample = dataset[name]
    held = set(sample.keys()) | {RENAMED_ARRAYS[old] for old in _old_names(sample)}
    return all(k in held for k in TARGET_ARRAYS)


def _store(dataset, name: str, arrays: dict) -> None:
    """Add ``arrays`` to sample ``name`` (rewritten atomically), dropping format-version-1 names."""
    sample = dataset[name]
    merged = {k: v for k, v in sample.arrays().items() if k not in RENAMED_ARRAYS}
    merged.update(arrays)
    dataset.write_sample(name, merged, seed=dataset.manifest["samples"][name].get("seed"), save=False)


def compute_targets(dataset, *, show_progress: bool = True, force: bool = False, params: TargetParameters | None = None) -> dict:
    """Compute and store the targets of every sample of ``dataset``; return the manifest record.

    Args:
        dataset: an open :class:`glassml.store.Dataset` whose samples hold replica
            ``positions`` (T, R, N, d).
        show_progress: show a progress bar on stderr.
        force: recompute samples that are already up to date.
        params: :class:`TargetParameters` (defaults: shell 1.485, broken 1.7, a = 0.3,
            AA edges below 1.35).

    Raises:
        GlassmlError: a sample without replicas, with mismatched particle numbers or time
            grids, or a dataset without samples.
    """
    params = params or TargetParameters()
    names = dataset.sample_names()
    if not names:
        raise GlassmlError("the dataset has no samples", dataset.path)
    manifest = dataset.manifest
    times = manifest.get("times")
    n_species = 1 + max(int(np.max(dataset[n]["types"])) for n in names)
    sigma, sigma_source = pair_sigma(dataset.model, n_species)
    key = _params_hash(params, sigma)
    todo = [n for n in names if force or not _up_to_date(dataset, n, key)]
    for name in sorted(set(names) - set(todo)):  # up to date under format-version-1 names: rename only
        sample = dataset[name]
        if _old_names(sample):
            _store(dataset, name, {RENAMED_ARRAYS[old]: sample[old] for old in _old_names(sample)})
            dataset.save_manifest()
    for name in todo:  # cheap check (zip listing only) before any work or progress output
        sample = dataset[name]
        if "positions" not in sample:
            raise GlassmlError("no replica trajectories ('positions' is missing): run the isoconfigurational simulation first", sample.path)

    with ProgressBar(show_progress, total=len(names), label="targets", done=len(names) - len(todo)) as bar:
        for name in todo:
            sample = dataset[name]
            iso = from_arrays(sample, times=times, path=sample.path)
            if "diameters" not in sample and int(iso.types.max()) >= sigma.shape[0]:
                raise GlassmlError(f"species {int(iso.types.max())} has no pair diameter (model has {sigma.shape[0]})", sample.path)
            arrays = sample_targets(iso, sigma, params, diameters=sample.get("diameters"))
            _store(dataset, name, arrays)
            dataset.manifest["samples"][name]["targets_hash"] = key
            dataset.manifest["samples"][name]["targets_replicas"] = iso.n_replicas
            dataset.save_manifest()
            bar.advance()

    # Pool the ceiling statistics over all samples (cheap: one small array per sample).
    total = None
    n_reps = set()
    n_times = set()
    for name in names:
        sample = dataset[name]
        st = sample[STATS_KEY]
        reps = dataset.manifest["samples"][name].get("targets_replicas")
        if reps is None:
            reps = from_arrays(sample, times=times, path=sample.path).n_replicas
        n_reps.add(int(reps))
        n_times.add(st.shape[2])
        if len(n_times) > 1:
            raise GlassmlError(f"sample {name!r} has {st.shape[2]} time points, others {sorted(n_times)[0]}", sample.path)
        if total is None or total.shape != st.shape:
            total = st.copy() if total is None else _mismatch(name, sample.path)
        else:
            total += st
    r_min = min(n_reps)
    times_used = times if times is not None else np.asarray(dataset[names[0]].get("times", np.arange(total.shape[2]))).tolist()

    record = manifest.setdefault("targets", {})
    for k, tname in enumerate(CEILING_TARGETS):
        r_half, ceiling = replica_ceiling(total[k], r_min)
        record[tname] = {
            **DEFINITIONS[tname],
            "parameters": {**params.as_dict(), "sigma": sigma.tolist(), "sigma_source": sigma_source},
            "params_hash": key,
            "times": [float(t) for t in times_used],
            "n_replicas": r_min,
            "n_samples": len(names),
            "ceiling_particles": "type A (species 0), pooled over samples" if tname != "edge_prop" else "all edges, pooled over samples",
            "split_half": [None if not np.isfinite(v) else float(v) for v in r_half],
            "ceiling": [None if not np.isfinite(v) else float(v) for v in ceiling],
            "ceiling_method": "split-half Pearson (mean over n_splits splits), Spearman-Brown to R replicas, sqrt",
        }
    if manifest.get("format_version", 1) < RENAMED_IN_VERSION:  # every sample now holds the new names
        manifest["format_version"] = RENAMED_IN_VERSION
    dataset.save_manifest()
    return record


def _mismatch(name, path):
    raise GlassmlError(f"sample {name!r} has a different number of replicas or times from the others; targets cannot be pooled", path)


def iter_isoconfigurational(dataset, *, need_times: int = 1):
    """Yield each sample of ``dataset`` as an :class:`~glassml.dynamics.trajectory.Isoconfigurational`."""
    names = dataset.sample_names()
    if not names:
        raise GlassmlError("the dataset has no samples", dataset.path)
    for name in names:
        sample = dataset[name]
        yield from_arrays(sample, times=dataset.manifest.get("times"), path=sample.path, need_times=need_times)


def dataset_observables(dataset, **options) -> dict:
    """Collective observables, tau_alpha per species and the diffusion constant of a dataset.

    ``options`` go to :class:`~glassml.dynamics.observables.Observables`.  Needs at least two
    time points.  Returns a JSON-ready dict.
    """
    from glassml.dynamics.observables import Observables, jackknife_error
    from glassml.dynamics.relaxation import diffusion_constant

    obs = Observables(**options).compute(iter_isoconfigurational(dataset, need_times=2))
    out = obs.as_dict()
    per_sample = out.pop("msd_species_samples")
    d = int(dataset.manifest.get("dimension") or len(obs.kvectors[0]))
    out["dimension"] = d
    out["temperature"] = dataset.manifest.get("temperature")
    out["diffusion_constant"] = diffusion_constant(obs.times, obs.msd, d)
    out["diffusion_constant_species"] = {str(s): diffusion_constant(obs.times, m, d) for s, m in obs.msd_species.items()}
    out["diffusion_constant_error"] = {s: jackknife_error(np.array(m), lambda x: diffusion_constant(obs.times, x, d))
                                       for s, m in per_sample.items()}
    out["dataset"] = str(dataset.path)
    out.pop("kvectors", None)
    return out


def temperature_fits_from_results(results: list[dict], species: int = 0) -> dict:
    """tau_alpha(T) fits and Stokes-Einstein across :func:`dataset_observables` results.

    Uses each result's temperature, the tau_alpha and diffusion constant of ``species``
    (default 0, the A particles); see :func:`glassml.dynamics.relaxation.temperature_fits`.
    """
    from glassml.dynamics.relaxation import temperature_fits

    s = str(species)

    def value(r, key):
        v = (r.get(key) or {}).get(s)
        return np.nan if v is None else v

    T = [r["temperature"] if r["temperature"] is not None else np.nan for r in results]
    tau = [value(r, "tau_alpha") for r in results]
    D = [value(r, "diffusion_constant_species") for r in results]
    tau_err = [value(r, "tau_alpha_error") for r in results]
    D_err = [value(r, "diffusion_constant_error") for r in results]
    out = temperature_fits(T, tau, D, tau_error=None if np.isnan(tau_err).any() else tau_err, D_error=D_err)
    out["chi4_peak"] = {"T": out["T"], "time": [r["chi4_peak"]["time"] for r in results],
                        "height": [r["chi4_peak"]["height"] for r in results]}
    return out


def observables_report(datasets, *, out=None, plots: bool = True, **options) -> dict:
    """The collective observables of each dataset, their figures, and fits across temperatures.

    Args:
        datasets: glassml datasets (open :class:`glassml.store.Dataset` objects or paths),
            typically one per temperature.
        out: folder for the figures and ``observables.json`` (default ``DATASET/dynamics``;
            with several datasets, one subfolder per dataset name, and the temperature figures
            of :func:`~glassml.dynamics.plots.plot_temperature_fits` in ``out`` itself, by
            default in ``dynamics/`` beside the first dataset).
        plots: write ``observables.json`` and the PNG figures of :mod:`glassml.dynamics.plots`.
        options: ``k``, ``a``, ``species``, ... of :class:`~glassml.dynamics.observables.Observables`.

    Returns:
        ``{"datasets": [result, ...]}`` with ``"temperature_fits"`` (:func:`temperature_fits_from_results`)
        when there are several (its ``not_equilibrated_T`` lists the temperatures of datasets with
        a sample that failed its equilibration test, ``k`` the wave numbers of Fs used and
        ``k_differs`` whether the first peak of S(k), found per dataset, differed: then
        tau_alpha(T) mixes wave numbers and a common ``k`` should be given); each result of :func:`dataset_observables`
        carries ``"not_equilibrated"`` (those samples' names) and ``"plots"`` (its folder) when
        figures were written.
    """
    from pathlib import Path

    from glassml.dynamics.plots import plot_observables
    from glassml.store import Dataset
    from glassml.store.npzio import atomic_write_bytes

    opened = [d if isinstance(d, Dataset) else Dataset.open(d) for d in datasets]
    results = []
    for ds in opened:
        res = dataset_observables(ds, **options)
        res["not_equilibrated"] = ds.summary(verify=False).get("not_equilibrated", [])
        results.append(res)
        if plots:
            folder = Path(out) if out is not None else Path(ds.path) / "dynamics"
            if len(opened) > 1 and out is not None:
                folder = folder / Path(ds.path).name
            folder.mkdir(parents=True, exist_ok=True)
            plot_observables(res, folder)
            atomic_write_bytes(folder / "observables.json", (json.dumps(res, indent=1, default=str) + "\n").encode())
            res["plots"] = str(folder)
    summary: dict = {"datasets": results}
    if len(results) > 1:
        summary["temperature_fits"] = temperature_fits_from_results(results)
        # rungs with a sample that failed its equilibration test are fitted but named, never hidden
        summary["temperature_fits"]["not_equilibrated_T"] = [r["temperature"] for r in results if r["not_equilibrated"]]
        # tau_alpha(T) is only comparable at one wave number: say so when each dataset found its own
        ks = sorted({round(float(r["k"]), 6) for r in results})
        summary["temperature_fits"]["k"] = ks
        summary["temperature_fits"]["k_differs"] = options.get("k") is None and len(ks) > 1
        if plots:
            from glassml.dynamics.plots import plot_temperature_fits

            folder = Path(out) if out is not None else Path(opened[0].path).parent / "dynamics"
            plot_temperature_fits(summary["temperature_fits"], folder)
            summary["temperature_plots"] = str(folder)
    return summary
