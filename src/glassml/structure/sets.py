"""Named descriptor sets and :func:`describe`, which stores them in a dataset (resumable).

A *set* is a list of compute objects whose features are concatenated.  Sets:

============  ======================================================  ==================
name          descriptors                                             default positions
============  ======================================================  ==================
boattini      radial bond order l=1..8, shells 1.0..1.5 + radial      thermal
              densities, recursively coarse-grained (Boattini 2021)
jung          coarse-grained density, energy, Voronoi perimeter or    inherent
              surface, energy variance over L (Jung et al. 2023)
softness      radial structure functions mu=0.1..5.0, L=0.1, and      thermal
              angular functions (Cubuk 2015, Schoenholz 2016)
displacement  |thermal - relaxed position| and its log, coarse-      inherent
              grained over L = 1, 2, 3 (vibrational displacement)
steinhardt    q_l, w_l and Lechner-Dellago averages                   thermal
sbo           smoothed bond order (Coslovich / partycls)              thermal
baselines     DEN, EPOT, PSI6 (2D), Tanaka's theta                    thermal
============  ======================================================  ==================
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from typing import Any, Callable

import numpy as np

from glassml.errors import GlassmlError
from glassml.structure.descriptors.base import Configuration, Descriptor
from glassml.structure.descriptors.bondorder import Boattini, SmoothedBondOrder, Steinhardt, first_minimum_cutoffs
from glassml.structure.descriptors.physics import Hexatic, LocalDensity, PhysicsInspired, PotentialEnergy, TanakaTheta
from glassml.structure.descriptors.displacement import RelaxationDisplacement
from glassml.structure.descriptors.softness import AngularStructure, RadialStructure

#: bumped when a definition changes, so that stored features are recomputed
SETS_VERSION = 1

POSITION_KEYS = {
    "thermal": "initial_positions",
    "inherent": "initial_positions_inherent",
    "cage": "initial_positions_cage",
}
#: suffix of the stored array when positions are named explicitly (glassml.learn's convention)
POSITION_SUFFIX = {"thermal": "", "inherent": "_inherent", "cage": "_cage"}


def _position_kind(positions: str) -> str:
    """'thermal'/'inherent'/'cage', also accepting the sample array names."""
    for kind, key in POSITION_KEYS.items():
        if positions in (kind, key):
            return kind
    raise GlassmlError(f"unknown positions {positions!r}; choose thermal, inherent or cage")


def array_name(set_name: str, positions: str | None = None) -> str:
    """The sample array a set is stored in: ``desc_<set>`` on the set's default positions
    (``positions=None``), ``desc_<set>`` / ``desc_<set>_inherent`` / ``desc_<set>_cage`` when
    positions are named (the same rule as :func:`glassml.learn.features.descriptor_key`)."""
    if positions is None:
        return f"desc_{set_name}"
    return f"desc_{set_name}{POSITION_SUFFIX[_position_kind(positions)]}"


def _baselines(dimension: int) -> list[type[Descriptor]]:
    out: list[type[Descriptor]] = [LocalDensity, PotentialEnergy]
    if dimension == 2:
        out.append(Hexatic)
    out.append(TanakaTheta)
    return out


#: set name -> (descriptor classes for a dimension, default positions, needs a model)
SETS: dict[str, tuple[Callable[[int], list[type[Descriptor]]], str, bool]] = {
    "boattini": (lambda d: [Boattini], "thermal", False),
    "jung": (lambda d: [PhysicsInspired], "inherent", True),
    "softness": (lambda d: [RadialStructure, AngularStructure], "thermal", False),
    "steinhardt": (lambda d: [Steinhardt], "thermal", False),
    "sbo": (lambda d: [SmoothedBondOrder], "thermal", False),
    "baselines": (_baselines, "thermal", True),
    "displacement": (lambda d: [RelaxationDisplacement], "inherent", False),
}

#: sets that compare the chosen (relaxed) positions with the thermal ones
NEEDS_THERMAL_REFERENCE = {"displacement"}


def list_sets() -> list[str]:
    return sorted(SETS)


def _check_set(name: str) -> None:
    if name not in SETS:
        raise GlassmlError(f"unknown descriptor set {name!r}; choose one of {', '.join(list_sets())}")


def make_descriptors(set_name: str, dimension: int, **params: Any) -> list[Descriptor]:
    """The compute objects of a named set; each parameter goes to the descriptors that accept it."""
    _check_set(set_name)
    classes = SETS[set_name][0](dimension)
    used: set[str] = set()
    out = []
    for cls in classes:
        accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
        mine = {k: v for k, v in params.items() if k in accepted}
        used |= set(mine)
        out.append(cls(**mine))
    unknown = sorted(set(params) - used)
    if unknown:
        names = sorted(set().union(*[set(inspect.signature(c.__init__).parameters) - {"self"} for c in classes]))
        raise GlassmlError(f"set {set_name!r} takes no parameter {', '.join(unknown)}; parameters: {', '.join(names)}")
    return out


def compute_set(set_name: str, conf: Configuration, **params: Any) -> tuple[np.ndarray, list[str]]:
    """Compute a named set on one configuration: (N, F) features and F names."""
    descs = make_descriptors(set_name, conf.dimension, **params)
    feats, names = [], []
    for d in descs:
        feats.append(d.compute(conf))
        names += d.names
    return np.concatenate(feats, axis=1), names


# ---------------------------------------------------------------- datasets


def _model_of(manifest: dict):
    from glassml.systems import get_model

    name = (manifest.get("model") or {}).get("name")
    if not name:
        return None
    try:
        return get_model(name)
    except GlassmlError:
        return None


def _input_digest(*arrays: np.ndarray | None) -> str:
    """sha256 of the input arrays (dtype, shape, bytes), skipping the ones that are None."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            continue
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _sample_configuration(sample, key: str, dimension: int, n_species: int, model,
                          reference: bool = False) -> tuple[Configuration, str]:
    if key not in sample:
        raise GlassmlError(f"sample has no '{key}'; compute it first (e.g. inherent states) or choose other positions", sample.path)
    pos = np.asarray(sample[key], dtype=np.float64)
    if pos.size == 0:
        raise GlassmlError(f"'{key}' is empty in this sample; compute it first or choose other positions", sample.path)
    box = np.asarray(sample["box"], dtype=np.float64)
    types = np.asarray(sample["types"])
    diameters = sample.get("diameters") if model is not None and model.polydisperse else None
    thermal = np.asarray(sample["initial_positions"], dtype=np.float64) if reference else None
    try:
        conf = Configuration(pos, box, types, n_species=n_species, model=model, diameters=diameters, reference=thermal)
    except GlassmlError as exc:
        raise GlassmlError(exc.problem, sample.path) from None
    if conf.dimension != dimension:
        raise GlassmlError(f"'{key}' is {conf.dimension}-D but the dataset is {dimension}-D", sample.path)
    return conf, _input_digest(conf.positions, conf.box, conf.types, diameters, conf.reference)


def _softness_bounds(sample, params: dict[str, Any]) -> list[float]:
    """Default radial-function centres 0.1..5.0 (Schoenholz et al. 2016), cut so that the
    functions' reach (last centre + truncation x width) stays within half the smallest box
    length: small boxes (the quick preset) get a shorter grid, recorded in the parameters."""
    width = float(params.get("width", 0.1))
    step = float(params.get("step", 0.1))
    reach = float(params.get("truncation", 3.0)) * width
    half = 0.5 * float(np.min(np.atleast_1d(sample["box"])))
    top = min(5.0, np.floor((half - reach - 1e-9) / step) * step)
    if top < 0.1 + step:
        raise GlassmlError(f"box too small for softness radial functions (half box {half:.3g})", sample.path)
    return [0.1, round(float(top), 6)]


def describe(
    dataset,
    set_name: str,
    *,
    positions: str | None = None,
    show_progress: bool = True,
    force: bool = False,
    **params: Any,
) -> dict[str, Any]:
    """Compute a descriptor set for every sample of a dataset and store it as ``desc_<set>``.

    Parameters
    ----------
    dataset:
        A :class:`glassml.store.Dataset` or its path.
    set_name:
        One of :func:`list_sets`.
    positions:
        ``"thermal"``, ``"inherent"`` or ``"cage"`` (or the array names
        ``initial_positions...``); default: the set's own (module doc).  The features go to
        :func:`array_name` ``(set_name, positions)``: ``desc_<set>`` by default,
        ``desc_<set>_cage`` etc. when positions are named.
    show_progress:
        A progress bar on stderr.
    force:
        Recompute every sample even if its stored features are current.
    params:
        Descriptor parameters (e.g. ``lengths=[0, 1, 2]`` for ``jung``).

    Resumable: each sample records a fingerprint of (set, parameters, positions kind,
    definitions version) and of its input arrays; a sample whose fingerprint is unchanged is
    skipped, so an interrupted run continues where it stopped and a change of parameters
    recomputes everything.  The manifest gets ``descriptors[<set><suffix>] = {"names",
    "params", "positions", "array", ...}``.  Returns a summary ``{"computed": [...], "skipped": [...]}``.
    """
    from glassml.store import Dataset

    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(os.fspath(dataset))
    _check_set(set_name)
    kind = SETS[set_name][1] if positions is None else _position_kind(positions)
    key = POSITION_KEYS[kind]
    reference = set_name in NEEDS_THERMAL_REFERENCE
    if reference and kind == "thermal":
        raise GlassmlError(f"set {set_name!r} compares thermal with relaxed positions; choose positions inherent or cage")
    array = array_name(set_name, positions)
    record_name = array[len("desc_"):]
    manifest = ds.manifest
    dimension = int(manifest["dimension"])
    model = _model_of(manifest)
    if SETS[set_name][2] and model is None:
        raise GlassmlError(
            f"set {set_name!r} needs the model's potential, but the dataset's model "
            f"{(manifest.get('model') or {}).get('name')!r} is not one of glassml.systems' models",
            ds.path,
        )
    names_all = ds.sample_names()
    if not names_all:
        raise GlassmlError("the dataset has no samples", ds.path)
    n_species = model.n_species if model is not None else 1 + max(int(np.max(ds[n]["types"])) for n in names_all)
    make_descriptors(set_name, dimension, **params)  # validate the parameters before any work

    # parameters that depend on data are resolved once, from the first sample, and recorded
    resolved = dict(params)
    if set_name == "sbo" and resolved.get("cutoffs") is None:
        conf0, _ = _sample_configuration(ds[names_all[0]], key, dimension, n_species, model)
        resolved["cutoffs"] = first_minimum_cutoffs(conf0).tolist()
    if set_name == "softness" and resolved.get("mus") is None and resolved.get("bounds") is None:
        resolved["bounds"] = _softness_bounds(ds[names_all[0]], resolved)
    resolved = json.loads(json.dumps(resolved, default=_jsonable))
    setting = {"set": set_name, "params": resolved, "positions": kind, "version": SETS_VERSION, "n_species": n_species}
    setting_digest = hashlib.sha256(json.dumps(setting, sort_keys=True).encode()).hexdigest()

    record = manifest.setdefault("descriptors", {}).get(record_name, {})
    if record.get("setting") != setting_digest:
        record = {}
    done: dict[str, str] = dict(record.get("samples", {}))
    summary: dict[str, Any] = {"set": set_name, "positions": kind, "computed": [], "skipped": []}

    progress = None
    if show_progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=Console(stderr=True))
        progress.start()
        task = progress.add_task(f"describe {set_name}", total=len(names_all))
    names: list[str] | None = record.get("names")
    try:
        for name in names_all:
            sample = ds[name]
            conf, digest = _sample_configuration(sample, key, dimension, n_species, model, reference)
            if not force and done.get(name) == digest and array in sample:
                summary["skipped"].append(name)
            else:
                X, names = compute_set(set_name, conf, **resolved)
                ds.update_sample(name, {array: X.astype(np.float64)}, save=False)
                done[name] = digest
                manifest["descriptors"][record_name] = {
                    "set": set_name,
                    "array": array,
                    "names": names,
                    "params": resolved,
                    "positions": kind,
                    "position_key": key,
                    "n_features": len(names),
                    "version": SETS_VERSION,
                    "setting": setting_digest,
                    "samples": done,
                }
                ds.save_manifest()
                summary["computed"].append(name)
            if progress is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
    summary["array"] = array
    summary["n_features"] = len(manifest["descriptors"][record_name]["names"])
    return summary


def _jsonable(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, range):
        return list(obj)
    raise TypeError(f"parameter value {obj!r} is not JSON-serialisable")
