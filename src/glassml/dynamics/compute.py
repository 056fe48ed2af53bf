"""``compute_targets``: the per-particle targets of every sample of a dataset, resumable.

For each sample it stores ``md_prop``, ``cr_prop``, ``bb_prop``, ``ov_prop`` (T, N),
``edge_index`` (2, E), ``edge_prop`` (T, E), ``neighbour_count`` (N,) and
``target_split_stats`` (the sufficient statistics of the replica ceiling), and records in
``manifest["targets"][name]`` the definition, parameters, reference, time grid and the
replica ceiling per time (split-half, type-A particles, pooled over samples).  A sample
whose targets were computed with the same parameters is skipped, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext

import numpy as np

from glassml.dynamics.neighbours import pair_sigma
from glassml.dynamics.targets import CEILING_TARGETS, TargetParameters, replica_ceiling, sample_targets
from glassml.dynamics.trajectory import from_arrays
from glassml.errors import GlassmlError

TARGET_VERSION = 1
STATS_KEY = "target_split_stats"
TARGET_ARRAYS = ("md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_index", "edge_prop", "neighbour_count", STATS_KEY)

DEFINITIONS = {
    "md_prop": {
        "name": "displacement propensity",
        "definition": "<|r_i(t) - r_i(0)|>_iso, mean over isoconfigurational replicas",
        "shape": "(T, N)",
        "reference": "Widmer-Cooper, Harrowell & Fynewever PRL 93, 135701 (2004); GlassBench roadmap arXiv 2311.14752",
    },
    "cr_prop": {
        "name": "cage-relative displacement propensity",
        "definition": "<|Δr_i - mean_{j in N_i(0)} Δr_j|>_iso; N_i(0): r_ij(0) < shell*sigma_ij; no neighbours -> |Δr_i|",
        "shape": "(T, N)",
        "reference": "Illing et al. PNAS 114, 1856 (2017); Vivek et al. PNAS 114, 1850 (2017); Jung, Biroli & Berthier PRL 130, 238202 (2023)",
    },
    "bb_prop": {
        "name": "bond-breaking propensity",
        "definition": "<1 - n_i(t)/n_i(0)>_iso: fraction of initial neighbours (r_ij(0) < shell*sigma_ij) with r_ij(t) > broken*sigma_ij; "
        "sign: fraction LOST (C_B = 1 - bb_prop); no neighbours -> 0",
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
        "reference": "Shiba, Hanai, Suzuki & Shimada JCP 158, 084503 (2023)",
    },
}


def _params_hash(params: TargetParameters, sigma: np.ndarray) -> str:
    blob = json.dumps({"v": TARGET_VERSION, "p": params.as_dict(), "sigma": np.round(sigma, 12).tolist()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _up_to_date(dataset, name: str, key: str) -> bool:
    entry = dataset.manifest["samples"].get(name, {})
    if entry.get("targets_hash") != key:
        return False
    sample = dataset[name]
    return all(k in sample for k in TARGET_ARRAYS)


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
    sigma, sigma_source = pair_sigma(manifest.get("model"), n_species)
    key = _params_hash(params, sigma)
    todo = [n for n in names if force or not _up_to_date(dataset, n, key)]
    for name in todo:  # cheap check (zip listing only) before any work or progress output
        sample = dataset[name]
        if "positions" not in sample:
            raise GlassmlError("no replica trajectories ('positions' is missing): run the isoconfigurational simulation first", sample.path)

    if show_progress:
        from glassml.cli.app import progress

        bar = progress()
    else:
        bar = nullcontext()
    with bar as pbar:
        task = pbar.add_task("targets", total=len(names), completed=len(names) - len(todo)) if show_progress else None
        for name in todo:
            sample = dataset[name]
            iso = from_arrays(sample, times=times, path=sample.path)
            if "diameters" not in sample and int(iso.types.max()) >= sigma.shape[0]:
                raise GlassmlError(f"species {int(iso.types.max())} has no pair diameter (model has {sigma.shape[0]})", sample.path)
            arrays = sample_targets(iso, sigma, params, diameters=sample.get("diameters"))
            dataset.update_sample(name, arrays, save=False)
            dataset.manifest["samples"][name]["targets_hash"] = key
            dataset.manifest["samples"][name]["targets_replicas"] = iso.n_replicas
            dataset.save_manifest()
            if show_progress:
                pbar.advance(task)

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
    from glassml.dynamics.observables import Observables
    from glassml.dynamics.relaxation import diffusion_constant

    obs = Observables(**options).compute(iter_isoconfigurational(dataset, need_times=2))
    out = obs.as_dict()
    d = int(dataset.manifest.get("dimension") or len(obs.kvectors[0]))
    out["dimension"] = d
    out["temperature"] = dataset.manifest.get("temperature")
    out["diffusion_constant"] = diffusion_constant(obs.times, obs.msd, d)
    out["diffusion_constant_species"] = {str(s): diffusion_constant(obs.times, m, d) for s, m in obs.msd_species.items()}
    out["dataset"] = str(dataset.path)
    out.pop("kvectors", None)
    return out
