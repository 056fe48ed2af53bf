"""The registry of descriptor sets, and :func:`describe`, which stores a set in a dataset.

A *set* is a list of compute objects whose features are concatenated, registered with what it
needs (:class:`DescriptorSet`): the positions it is computed on by default, whether it compares
relaxed with thermal positions, whether it needs the model's potential, and which parameters
are resolved once from the data.  :func:`describe` reads those needs from the registry, and the
command line lists its names; adding a set is one :func:`register_set` call.  The built-in
sets are registered below, each with a line on what it holds.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from glassml.errors import GlassmlError
from glassml.progress import ProgressBar
from glassml.store import POSITIONS, descriptor_array, position_kind
from glassml.structure.descriptors.base import Configuration, Descriptor
from glassml.structure.descriptors.bondorder import Boattini, SmoothedBondOrder, Steinhardt, first_minimum_cutoffs
from glassml.structure.descriptors.displacement import RelaxationDisplacement
from glassml.structure.descriptors.physics import Hexatic, LocalDensity, PhysicsInspired, PotentialEnergy, TanakaTheta
from glassml.structure.descriptors.softness import AngularStructure, RadialStructure, radial_bounds_for_box

#: ``data_params(conf, params)``: parameters resolved from a configuration (see DescriptorSet)
DataParams = Callable[[Configuration, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class DescriptorSet:
    """A named descriptor set and what it needs.

    Attributes
    ----------
    name:
        The set's name; its features are stored as ``desc_<name>`` (:func:`glassml.store.descriptor_array`).
    descriptors:
        Compute-object classes, in feature order; those not defined in a configuration's
        dimension (:attr:`Descriptor.dimensions`) are left out there.
    positions:
        The positions it is computed on by default: ``thermal``, ``inherent`` or ``cage``.
    needs_reference:
        It compares the chosen (relaxed) positions with the thermal ones, so thermal positions
        are refused and the thermal configuration is passed as ``Configuration.reference``.
    needs_model:
        It needs the model's potential (energies, pair sizes).
    data_params:
        ``data_params(conf, params)`` returns parameters that depend on the data (e.g. cutoffs
        from g(r)), for those the user left out.  :func:`describe` resolves them once, on the
        first sample, and records them, so that every sample uses the same definition.
    version:
        Bumped when the definition changes, so that stored features are recomputed.
    """

    name: str
    descriptors: tuple[type[Descriptor], ...]
    positions: str = "thermal"
    needs_reference: bool = False
    needs_model: bool = False
    data_params: DataParams | None = None
    version: int = 1

    def classes(self, dimension: int) -> list[type[Descriptor]]:
        """The descriptor classes of this set defined in ``dimension``."""
        out = [c for c in self.descriptors if dimension in c.dimensions]
        if not out:
            raise GlassmlError(f"descriptor set {self.name!r} has no descriptor defined in {dimension} dimensions")
        return out

    def make(self, dimension: int, **params: Any) -> list[Descriptor]:
        """The compute objects for ``dimension``; each parameter goes to the descriptors that accept it."""
        classes = self.classes(dimension)
        accepted = {c: set(inspect.signature(c.__init__).parameters) - {"self"} for c in classes}
        unknown = sorted(set(params) - set().union(*accepted.values()))
        if unknown:
            names = ", ".join(sorted(set().union(*accepted.values())))
            raise GlassmlError(f"set {self.name!r} takes no parameter {', '.join(unknown)}; parameters: {names}")
        return [c(**{k: v for k, v in params.items() if k in accepted[c]}) for c in classes]

    def resolve(self, conf: Configuration, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` completed with the data-dependent ones computed on ``conf``, as plain JSON values."""
        self.make(conf.dimension, **params)  # refuse unknown parameters before any work
        out = dict(params)
        if self.data_params is not None:
            out.update(self.data_params(conf, out))
        return json.loads(json.dumps(out, default=_jsonable))


#: the registry: set name -> :class:`DescriptorSet`
SETS: dict[str, DescriptorSet] = {}


def register_set(spec: DescriptorSet) -> DescriptorSet:
    """Add a descriptor set to the registry (its name must be new); returns it."""
    if spec.name in SETS:
        raise ValueError(f"descriptor set {spec.name!r} is already registered")
    if spec.positions not in POSITIONS:
        raise ValueError(f"descriptor set {spec.name!r}: positions must be one of {', '.join(POSITIONS)}")
    if spec.needs_reference and spec.positions == "thermal":
        raise ValueError(f"descriptor set {spec.name!r} compares relaxed with thermal positions: its default cannot be thermal")
    SETS[spec.name] = spec
    return spec


def list_sets() -> list[str]:
    """Names of the registered descriptor sets, sorted."""
    return sorted(SETS)


def get_set(name: str) -> DescriptorSet:
    """The registered set called ``name``."""
    if name not in SETS:
        raise GlassmlError(f"unknown descriptor set {name!r}; choose one of {', '.join(list_sets())}")
    return SETS[name]


def compute_set(set_name: str, conf: Configuration, **params: Any) -> tuple[np.ndarray, list[str]]:
    """Compute a named set on one configuration: (N, F) features and F names.  Parameters left
    out that depend on the data are resolved on ``conf`` (:meth:`DescriptorSet.resolve`)."""
    spec = get_set(set_name)
    feats, names = [], []
    for d in spec.make(conf.dimension, **spec.resolve(conf, params)):
        feats.append(d.compute(conf))
        names += d.names
    return np.concatenate(feats, axis=1), names


# ---------------------------------------------------------------- the built-in sets


def _sbo_cutoffs(conf: Configuration, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("cutoffs") is not None:
        return {}
    return {"cutoffs": first_minimum_cutoffs(conf).tolist()}


def _softness_bounds(conf: Configuration, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("mus") is not None or params.get("bounds") is not None:
        return {}
    keys = ("width", "step", "truncation")
    return {"bounds": radial_bounds_for_box(conf.box, **{k: float(params[k]) for k in keys if k in params})}


# radial bond order l = 1..8 on shells 1.0..1.5 and radial densities, recursively
# coarse-grained (Boattini, Smallenburg & Filion, PRL 127, 088007 (2021))
register_set(DescriptorSet("boattini", (Boattini,)))
# coarse-grained density, energy, Voronoi perimeter or surface and energy variance over lengths L,
# on inherent states (Jung, Biroli & Berthier, PRL 130, 238202 (2023))
register_set(DescriptorSet("jung", (PhysicsInspired,), positions="inherent", needs_model=True))
# radial functions mu = 0.1..5.0 (cut to the box), L = 0.1, and angular functions
# (Cubuk et al., PRL 114, 108001 (2015); Schoenholz et al., Nat. Phys. 12, 469 (2016))
register_set(DescriptorSet("softness", (RadialStructure, AngularStructure), data_params=_softness_bounds))
# q_l, w_l and their Lechner-Dellago averages (Steinhardt et al., PRB 28, 784 (1983))
register_set(DescriptorSet("steinhardt", (Steinhardt,)))
# smoothed bond order on the first minima of g_ab(r) of the first sample (Coslovich; partycls)
register_set(DescriptorSet("sbo", (SmoothedBondOrder,), data_params=_sbo_cutoffs))
# GlassBench's baselines: DEN, EPOT, PSI6 (2D only) and Tanaka's theta
register_set(DescriptorSet("baselines", (LocalDensity, PotentialEnergy, Hexatic, TanakaTheta), needs_model=True))
# |thermal - relaxed position| and its log, coarse-grained over L = 1, 2, 3
register_set(DescriptorSet("displacement", (RelaxationDisplacement,), positions="inherent", needs_reference=True))


# ---------------------------------------------------------------- datasets


def _dataset_model(ds):
    """The dataset's model from :mod:`glassml.systems`, or None when it names none of them."""
    from glassml.systems import get_model

    name = ds.model.get("name")
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
    thermal = np.asarray(sample[POSITIONS["thermal"]], dtype=np.float64) if reference else None
    try:
        conf = Configuration(pos, box, types, n_species=n_species, model=model, diameters=diameters, reference=thermal)
    except GlassmlError as exc:
        raise GlassmlError(exc.problem, sample.path) from None
    if conf.dimension != dimension:
        raise GlassmlError(f"'{key}' is {conf.dimension}-D but the dataset is {dimension}-D", sample.path)
    return conf, _input_digest(conf.positions, conf.box, conf.types, diameters, conf.reference)


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
        ``initial_positions...``); default: the set's own (:attr:`DescriptorSet.positions`).
        The features go to :func:`glassml.store.descriptor_array` ``(set_name, positions)``:
        ``desc_<set>`` by default, ``desc_<set>_cage`` etc. when positions are named.
    show_progress:
        A progress bar on stderr.
    force:
        Recompute every sample even if its stored features are current.
    params:
        Descriptor parameters (e.g. ``lengths=[0, 1, 2]`` for ``jung``).

    Resumable: each sample records a fingerprint of (set, parameters, positions kind,
    definitions version) and of its input arrays; a sample whose fingerprint is unchanged is
    skipped, so an interrupted run continues where it stopped and a change of parameters
    recomputes everything.  Parameters that depend on the data are resolved on the first
    sample and recorded.  The manifest gets ``descriptors[<set><suffix>] = {"names",
    "params", "positions", "array", ...}``.  Returns a summary ``{"computed": [...], "skipped": [...]}``.
    """
    from glassml.store import Dataset

    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(os.fspath(dataset))
    spec = get_set(set_name)
    kind = spec.positions if positions is None else position_kind(positions)
    key = POSITIONS[kind]
    if spec.needs_reference and kind == "thermal":
        raise GlassmlError(f"set {set_name!r} compares thermal with relaxed positions; choose positions inherent or cage")
    array = descriptor_array(set_name, positions)
    record_name = array[len("desc_"):]
    manifest = ds.manifest
    dimension = int(manifest["dimension"])
    model = _dataset_model(ds)
    if spec.needs_model and model is None:
        raise GlassmlError(
            f"set {set_name!r} needs the model's potential, but the dataset's model "
            f"{ds.model.get('name')!r} is not one of glassml.systems' models",
            ds.path,
        )
    names_all = ds.sample_names()
    if not names_all:
        raise GlassmlError("the dataset has no samples", ds.path)
    n_species = model.n_species if model is not None else 1 + max(int(np.max(ds[n]["types"])) for n in names_all)
    spec.make(dimension, **params)  # validate the parameters before any work

    # parameters that depend on data are resolved once, from the first sample, and recorded
    first, _ = _sample_configuration(ds[names_all[0]], key, dimension, n_species, model, spec.needs_reference)
    try:
        resolved = spec.resolve(first, params)
    except GlassmlError as exc:
        raise GlassmlError(exc.problem, ds[names_all[0]].path) from None
    setting = {"set": set_name, "params": resolved, "positions": kind, "version": spec.version, "n_species": n_species}
    setting_digest = hashlib.sha256(json.dumps(setting, sort_keys=True).encode()).hexdigest()

    record = manifest.setdefault("descriptors", {}).get(record_name, {})
    if record.get("setting") != setting_digest:
        record = {}
    done: dict[str, str] = dict(record.get("samples", {}))
    summary: dict[str, Any] = {"set": set_name, "positions": kind, "computed": [], "skipped": []}

    with ProgressBar(show_progress, total=len(names_all), label=f"describe {set_name}") as bar:
        for name in names_all:
            sample = ds[name]
            conf, digest = _sample_configuration(sample, key, dimension, n_species, model, spec.needs_reference)
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
                    "version": spec.version,
                    "setting": setting_digest,
                    "samples": done,
                }
                ds.save_manifest()
                summary["computed"].append(name)
            bar.advance()
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
