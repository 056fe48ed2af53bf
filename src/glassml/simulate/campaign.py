"""Campaigns: many independent initial configurations and their isoconfigurational ensembles,
written as a glassml dataset — resumable after any crash, distributable on Dask, and safe to
run from several processes at once.

Each sample is a pure function of (preset, campaign seed, sample index): its seeds come from
``numpy.random.SeedSequence(seed, spawn_key=(index,))``, LAMMPS runs on one thread, so the same
command gives the same bytes however it is split across workers or interrupted.  Workers return
arrays; only the driving process writes (atomic rename, SHA-256 recorded in the manifest), so a
``kill -9`` leaves at most a temporary file or a written-but-unregistered sample, both of which a
rerun discards and redoes.

Several processes may run the same campaign on one directory (two shells, two cluster jobs):
each sample is *claimed* before it is simulated (:mod:`glassml.store.claims`: a lock the
operating system drops when its holder dies), so no sample is simulated twice while its holder
lives, and one whose holder was killed is taken over.  Manifest updates happen under a lock on
the dataset directory and merge what is on disk, so no process loses another's samples.

What :func:`run_campaign` needs of a campaign is :class:`CampaignSpec`; :class:`Preset` is the
MD one, and other packages contribute theirs (see :func:`glassml.simulate.presets.preset_families`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Iterator, Protocol, runtime_checkable

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.jsonutil import finite_json
from glassml.progress import ProgressBar
from glassml.simulate.presets import Ladder, Preset, get_preset
from glassml.store import Dataset
from glassml.store.claims import Claim
from glassml.store.npzio import TMP_PREFIX, sha256_file

CAMPAIGN_KEY = "campaign"
#: Prefix of the per-sample claim files in ``samples/``.
CLAIM_PREFIX = ".claim-"
#: A lock every live campaign process holds shared; stale temporary files are only removed by a
#: process that can take it exclusively (no other process is writing).
LIVE_LOCK = ".campaign-live"


@runtime_checkable
class CampaignSpec(Protocol):
    """What :func:`run_campaign` needs of a campaign (:class:`Preset` is one).

    ``name`` and ``description`` name it; ``as_dict()`` is its JSON fingerprint (with the seed,
    everything that defines the result); ``sample_names()`` and ``split_counts()`` give the
    samples and their train/val/test split; ``dataset_fields()`` the keyword arguments of
    :meth:`glassml.store.Dataset.create` (model, dimension, temperature, times, ...);
    ``requirements()`` the ``(module, extra)`` pairs it imports; ``simulate_sample(index, seed)``
    returns one sample's arrays and a JSON-ready info dict (``_atom_steps`` and ``_wall``, when
    present, feed the throughput report).  It must be a pure function of (spec, index, seed) and
    picklable, so that Dask can run it anywhere.
    """

    name: str
    description: str

    def validate(self) -> "CampaignSpec": ...
    def as_dict(self) -> dict[str, Any]: ...
    def sample_names(self) -> list[str]: ...
    def split_counts(self) -> tuple[int, int, int]: ...
    def dataset_fields(self) -> dict[str, Any]: ...
    def requirements(self) -> list[tuple[str, str]]: ...
    def simulate_sample(self, index: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]: ...


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


def _task(spec: CampaignSpec, index: int, seed: int):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return spec.simulate_sample(index, seed)


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


def _open_or_create(out: Path, p: CampaignSpec, seed: int, force: bool) -> Dataset:
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
    return Dataset.create(out, force=force, **p.dataset_fields(), **{CAMPAIGN_KEY: fingerprint})


def _sample_done(ds: Dataset, name: str) -> bool:
    entry = ds.manifest["samples"].get(name)
    path = ds.sample_path(name)
    return entry is not None and path.exists() and sha256_file(path) == entry.get("sha256")


def pending_samples(ds: Dataset, p: CampaignSpec, *, clean: bool = True) -> list[int]:
    """Indices still to simulate; with ``clean``, removes stale temporary files and forgets
    unverifiable samples (only safe while no other process writes this dataset)."""
    sdir = ds.sample_dir
    sdir.mkdir(parents=True, exist_ok=True)
    if clean:
        for folder in (ds.path, sdir):  # manifest or sample writes cut short
            for f in folder.iterdir():
                if f.name.startswith(TMP_PREFIX) and f.is_file():
                    f.unlink(missing_ok=True)
    todo = []
    registered = ds.manifest["samples"]
    for k, name in enumerate(p.sample_names()):
        if _sample_done(ds, name):
            continue
        if clean and name in registered:
            registered.pop(name)
        todo.append(k)
    return todo


class _Campaign:
    """The driving process's side of one campaign directory: claims and manifest merges."""

    def __init__(self, out: Path, p: CampaignSpec, seed: int, force: bool):
        if not out.exists():
            out.mkdir(parents=True, exist_ok=True)  # exist_ok: another process may make it first
        if not out.is_dir():
            raise GlassmlError("exists and is not a directory", out)
        self.out, self.p, self.seed = out, p, seed
        self.names = p.sample_names()
        self.held: dict[int, Claim] = {}
        with Claim(out):  # one process at a time creates, cleans and reads the manifest
            self.ds = _open_or_create(out, p, seed, force)
            self.live = Claim(self.ds.sample_dir / LIVE_LOCK, shared=False)
            alone = self.live.acquire(block=False)  # no other process of this campaign is running
            self.todo = pending_samples(self.ds, p, clean=alone)
            if alone:
                self.ds.save_manifest()
                self.live.release()
            self.live = Claim(self.ds.sample_dir / LIVE_LOCK, shared=True)
            self.live.acquire(block=True)

    def _refresh(self) -> None:
        self.ds.manifest = Dataset.open(self.out).manifest

    def _claim(self, k: int, *, block: bool) -> bool:
        claim = Claim(self.ds.sample_dir / f"{CLAIM_PREFIX}{self.names[k]}")
        if not claim.acquire(block=block):
            return False
        with Claim(self.out):
            self._refresh()
            done = _sample_done(self.ds, self.names[k])
        if done:  # another process finished it
            claim.release()
            return False
        self.held[k] = claim
        return True

    def claimed(self, skipped) -> Iterator[int]:
        """Claim pending samples one by one; samples held by another process come last, once
        their holder has finished (then they are skipped) or died (then they are taken over)."""
        waiting = []
        for k in self.todo:
            if self._claim(k, block=False):
                yield k
            elif k not in self.held:
                waiting.append(k)
        for k in waiting:
            if self._claim(k, block=True):
                yield k
            else:
                skipped(k)

    def register(self, k: int, arrays: dict, info: dict) -> None:
        name = self.names[k]
        path = self.ds.sample_path(name)
        from glassml.store.npzio import write_npz
        from glassml.store.validate import validate_sample

        validate_sample(arrays, path, dimension=self.ds.manifest["dimension"])
        sha = write_npz(path, arrays)  # atomic; the claim makes this process its only writer
        with Claim(self.out):
            self._refresh()
            self.ds.register_sample(name, sha, seed=info.pop("seed", None), save=False, **info)
            self.ds.save_manifest()
        self.held.pop(k).release()

    def finish(self) -> Dataset:
        tr, va, te = self.p.split_counts()
        n = self.names
        with Claim(self.out):
            self._refresh()
            self.ds.set_split(n[:tr], n[tr:tr + va], n[tr + va:])
        return self.ds

    def close(self) -> None:
        for claim in self.held.values():
            claim.release()
        self.held.clear()
        self.live.release()


def run_campaign(preset: str | CampaignSpec, out: str | os.PathLike, *, seed: int = 0, workers: int = 1,
                 scheduler: str | None = None, force: bool = False, show_progress: bool = True) -> Dataset:
    """Simulate a campaign into the dataset directory ``out`` and return the :class:`Dataset`.

    Rerunning the same call resumes: samples whose file matches the checksum in the manifest are
    kept, everything else is redone, and the result is byte-identical to an uninterrupted run.
    A dataset from another campaign (other preset or seed) is never overwritten without ``force``.
    Another process running the same campaign on ``out`` shares the work: each sample is
    simulated by one of them (a killed process's claimed sample is taken over).

    ``workers > 1`` starts a local Dask cluster with that many single-threaded workers (threads of
    this process: LAMMPS and the Monte Carlo kernels release the GIL);
    ``scheduler`` (an address such as ``tcp://host:8786``) joins an existing Dask cluster instead.
    Needs the campaign's extras (``simulate``: LAMMPS), and ``distributed`` (Dask) for
    ``workers``/``scheduler``; a missing one is a :class:`GlassmlError` that names it, raised
    before anything is written.  ``ds.last_run`` holds this call's counts: samples simulated,
    MD atom-steps, wall time and ``atom_steps_per_second``.
    """
    p = get_preset(preset) if isinstance(preset, str) else preset.validate()
    if isinstance(p, Ladder):
        raise GlassmlError(f"{p.name} is a temperature ladder: run it with run_ladder (one dataset per rung)")
    if int(seed) != seed or seed < 0:
        raise GlassmlError(f"seed must be a non-negative integer, got {seed}")
    if int(workers) != workers or workers < 1:
        raise GlassmlError(f"workers must be a positive integer, got {workers}")
    for module, extra in p.requirements():
        require(module, extra, purpose="simulating a campaign")
    if scheduler is not None or workers != 1:
        require("dask", "distributed", purpose="--workers/--scheduler")
        require("distributed", "distributed", purpose="--workers/--scheduler")
    campaign = _Campaign(Path(out), p, int(seed), force)
    stats = {"atom_steps": 0, "wall": 0.0, "simulated": 0}
    t0 = time.perf_counter()
    names = campaign.names
    try:
        if campaign.todo:
            with ProgressBar(show_progress, total=len(names), label=f"simulate {p.name}",
                             done=len(names) - len(campaign.todo)) as bar:
                work = campaign.claimed(skipped=lambda k: bar.advance())
                for index, (arrays, info) in _execute(p, work, int(seed), workers, scheduler):
                    stats["atom_steps"] += info.pop("_atom_steps", 0)
                    stats["wall"] += info.pop("_wall", 0.0)
                    stats["simulated"] += 1
                    campaign.register(index, arrays, info)
                    bar.advance()
        ds = campaign.finish()
    finally:
        campaign.close()
    elapsed = time.perf_counter() - t0
    rate = stats["atom_steps"] / elapsed if elapsed > 0 else 0.0
    ds.last_run = {**stats, "elapsed": elapsed, "atom_steps_per_second": rate}  # type: ignore[attr-defined]
    return ds


def run_ladder(ladder: str | Ladder, out: str | os.PathLike, *, seed: int = 0, workers: int = 1,
               scheduler: str | None = None, force: bool = False, show_progress: bool = True) -> list[Dataset]:
    """Run every rung of a temperature ladder into ``out/T<temperature>`` and return the datasets.

    Rungs run from the hottest down, each a :func:`run_campaign` (resumable, Dask-distributed,
    shareable between processes); rung ``k`` uses campaign seed ``seed + k``.  Each dataset's
    ``glassml info`` names the samples that failed the equilibration check.
    """
    lad = get_preset(ladder) if isinstance(ladder, str) else ladder.validate()
    if not isinstance(lad, Ladder):
        raise GlassmlError(f"{lad.name} is not a temperature ladder; use run_campaign")
    out = Path(out)
    rungs = sorted(lad.rungs, key=lambda r: -r.temperature)
    return [run_campaign(r, out / Ladder.rung_name(r), seed=int(seed) + k, workers=workers, scheduler=scheduler,
                         force=force, show_progress=show_progress) for k, r in enumerate(rungs)]


def _execute(p: CampaignSpec, work: Iterator[int], seed: int, workers: int, scheduler: str | None):
    """Yield (index, (arrays, info)) as samples finish, serially or on Dask; ``work`` yields
    claimed indices and is advanced only when a worker is free."""
    if scheduler is None and workers == 1:
        for k in work:
            yield k, p.simulate_sample(k, seed)
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
        slots = workers if scheduler is None else max(workers, sum(client.nthreads().values()))

        def submit(k):
            return client.submit(_task, p, k, seed, pure=False, key=f"glassml-sample-{p.name}-{seed}-{k}")

        futures = {}
        for k in work:
            futures[submit(k)] = k
            if len(futures) >= slots:
                break
        pending = as_completed(list(futures))
        for fut in pending:
            k = futures.pop(fut)
            result = fut.result()
            nxt = next(work, None)
            if nxt is not None:
                f = submit(nxt)
                futures[f] = nxt
                pending.add(f)
            yield k, result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
