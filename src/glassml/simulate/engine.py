"""LAMMPS engine: one system held in one LAMMPS instance, driven through the Python API.

Positions go in with ``create_atoms``/``scatter_atoms`` (wrapped into the box by
:meth:`glassml.geometry.Box.wrap`) and come out with ``gather_atoms`` (image flags unpacked, so
unwrapped positions are :meth:`glassml.geometry.Box.with_images`, ``x + image * L``); no dump
files are written or parsed.  The potential comes from :mod:`glassml.systems`
(``Model.lammps_commands``), so the engine, the numpy energies and the descriptors share one
definition.

Speed: pair styles are accelerated with ``suffix opt`` (one thread) or ``suffix omp`` (several
threads, ``package omp N``).  Bit-for-bit reproducibility needs one thread per instance: OpenMP
force reductions sum in a thread-dependent order.  Campaigns therefore parallelise over samples
(one single-threaded instance per worker) and use ``opt``; a single large system can use MPI
(``mpirun -np K python ...``, each rank builds the same instance) or ``omp`` threads.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box
from glassml.systems.lammps import load_lammps

#: LAMMPS random seeds must be positive 32-bit integers.
MAX_LAMMPS_SEED = 900_000_000


def _f(v) -> str:
    """A float as LAMMPS reads it."""
    return repr(float(v))


def lammps_seed(rng: np.random.Generator) -> int:
    """A positive seed LAMMPS accepts, drawn from ``rng``."""
    return int(rng.integers(1, MAX_LAMMPS_SEED))


@dataclass
class Thermo:
    """Instantaneous thermodynamic state (per-particle energies)."""

    potential_energy: float
    kinetic_energy: float
    temperature: float
    pressure: float


def lattice_positions(n: int, box: np.ndarray, rng: np.random.Generator, jitter: float = 0.05) -> np.ndarray:
    """``n`` points on a simple cubic/square lattice filling ``box``, slightly jittered."""
    d = len(box)
    g = int(np.ceil(n ** (1.0 / d) - 1e-9))
    grid = np.stack(np.meshgrid(*[np.arange(g)] * d, indexing="ij"), -1).reshape(-1, d)
    pick = np.sort(rng.choice(len(grid), size=n, replace=False)) if len(grid) > n else np.arange(n)
    x = (grid[pick] + 0.5) * (box / g) + rng.normal(0.0, jitter, (n, d))
    return Box(box).wrap(x)


class LammpsSession:
    """A LAMMPS instance with glassml's error handling, shared by glassml's engines.

    ``commands`` raises a one-line :class:`~glassml.errors.GlassmlError` naming the command
    LAMMPS refused; ``close`` frees the instance and its temporary folder (never
    ``finalize``: later instances in this process would abort); it is a context manager.
    Subclasses set ``lmp`` (and ``_tmp``, a :class:`tempfile.TemporaryDirectory`, if any).
    """

    lmp = None
    _tmp = None

    def commands(self, *cmds: str) -> None:
        try:
            for c in cmds:
                self.lmp.command(c)
        except Exception as exc:  # LAMMPS raises its own exception type
            raise GlassmlError(f"LAMMPS refused {c!r}: {exc}") from None

    def close(self) -> None:
        """Free the LAMMPS instance and the temporary folder."""
        if getattr(self, "lmp", None) is not None:
            self.lmp.close()
            self.lmp = None
        if getattr(self, "_tmp", None) is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LammpsEngine(LammpsSession):
    """One configuration of a :class:`~glassml.systems.Model` in a LAMMPS instance.

    Parameters
    ----------
    model: the model (not polydisperse).
    positions: (N, d) positions (any image; wrapped into [0, L) on entry).
    types: (N,) species 0..K-1.
    box: (d,) box lengths (kept as ``box``; ``cell`` is the same box as a :class:`~glassml.geometry.Box`).
    suffix: ``"opt"``, ``"omp"`` or ``None`` (plain styles).
    threads: OpenMP threads (only with ``suffix="omp"``).
    timestep: MD time step (default: the model's).
    sort: let LAMMPS sort atoms spatially in memory (faster for large N).  Off by default: with
        sorting, a reused engine does not repeat a trajectory bit for bit; a fresh engine that
        runs one job (an inherent state) does.
    """

    def __init__(self, model, positions, types, box, *, suffix: str | None = "opt", threads: int = 1,
                 timestep: float | None = None, neighbor_skin: float = 0.3, comm=None, sort: bool = False):
        if model.polydisperse:
            raise GlassmlError(f"model {model.name} has no LAMMPS pair style; use glassml.simulate.swap")
        self.model = model
        self.dimension = d = model.dimension
        x = np.asarray(positions, dtype=float)
        self.types = np.asarray(types, dtype=np.int64)
        self.n = n = len(x)
        self.box = np.asarray(box, dtype=float).reshape(-1) if np.ndim(box) else np.full(d, float(box))
        if x.shape != (n, d) or self.types.shape != (n,) or self.box.shape != (d,):
            raise GlassmlError(f"engine needs positions (N, {d}), types (N,), box ({d},); got {x.shape}, "
                               f"{self.types.shape}, {self.box.shape}")
        if self.types.min() < 0 or self.types.max() >= model.n_species:
            raise GlassmlError(f"model {model.name} has species 0..{model.n_species - 1}")
        if np.any(self.box < 2 * model.max_cutoff()):
            raise GlassmlError(f"box {self.box.tolist()} is shorter than twice the cutoff {model.max_cutoff():g}; "
                               "use more particles")
        self.timestep = float(timestep if timestep is not None else model.timestep)
        self.suffix = suffix
        self.threads = int(threads)
        self.cell = Box(self.box)
        lammps = load_lammps()
        args = ["-log", "none", "-screen", "none", "-nocite"]
        if suffix == "omp":
            args += ["-pk", "omp", str(self.threads), "-sf", "omp"]
        elif suffix == "opt":
            args += ["-sf", "opt"]
        elif suffix is not None:
            raise GlassmlError(f"unknown LAMMPS suffix {suffix!r}; use opt, omp or none")
        self._tmp = tempfile.TemporaryDirectory(prefix="glassml-lmp-")
        self.lmp = lammps.lammps(cmdargs=args, comm=comm) if comm is not None else lammps.lammps(cmdargs=args)
        zlo, zhi = (0.0, self.box[2]) if d == 3 else (-0.5, 0.5)
        self.commands(
            "units lj",
            f"dimension {d}",
            "atom_style atomic",
            # spatial sorting keeps neighbours close in memory (1.6x faster FIRE at N = 4096,
            # benchmarks/states.py), but the memory order then depends on the engine's history,
            # so a reused engine would not repeat a trajectory bit for bit: off unless asked for
            "atom_modify map array" + ("" if sort else " sort 0 0.0"),
            f"boundary p p {'p' if d == 3 else 'p'}",
            f"region box block 0 {_f(self.box[0])} 0 {_f(self.box[1])} {_f(zlo)} {_f(zhi)}",
            f"create_box {model.n_species} box",
        )
        xw = self.cell.wrap(x)
        x3 = xw if d == 3 else np.column_stack([xw, np.zeros(n)])
        self.lmp.create_atoms(n, list(range(1, n + 1)), [int(t) + 1 for t in self.types], x3.ravel().tolist())
        self.commands(*model.lammps_commands(self._tmp.name))
        self.commands(
            f"neighbor {_f(neighbor_skin)} bin",
            "neigh_modify every 1 delay 0 check yes",
            f"timestep {_f(self.timestep)}",
            "thermo_style custom step temp pe ke press",
            "thermo_modify norm yes",
            "thermo 0",
        )
        if d == 2:
            self.commands("fix twod all enforce2d")
        self._integrator: str | None = None
        self._primed = False
        self.steps_run = 0

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ state in and out
    def _gather(self, name: str, kind: int, count: int) -> np.ndarray:
        data = self.lmp.gather_atoms(name, kind, count)
        return np.ctypeslib.as_array(data).reshape(self.n, count).copy()

    def positions(self) -> np.ndarray:
        """(N, d) wrapped positions in [0, L) (LAMMPS itself lets atoms stray out of the box between
        neighbour-list rebuilds)."""
        return self.cell.wrap(self._gather("x", 1, 3)[:, : self.dimension])

    def unwrapped_positions(self) -> np.ndarray:
        """(N, d) unwrapped positions ``x + image * L`` (continuous since the last :meth:`set_positions`)."""
        x = self._gather("x", 1, 3)
        img = self._gather("image", 0, 3)
        d = self.dimension
        return self.cell.with_images(x[:, :d], img[:, :d])

    def set_positions(self, positions: np.ndarray) -> None:
        """Place atoms at ``positions`` (wrapped into the box) and reset image flags to zero."""
        x = self.cell.wrap(positions)
        x3 = x if self.dimension == 3 else np.column_stack([x, np.zeros(self.n)])
        self.lmp.scatter_atoms("x", 1, 3, np.ctypeslib.as_ctypes(np.ascontiguousarray(x3.ravel())))
        self.commands("set group all image 0 0 0")
        self._primed = False

    def velocities(self) -> np.ndarray:
        return self._gather("v", 1, 3)[:, : self.dimension]

    def draw_velocities(self, temperature: float, seed: int) -> None:
        """Maxwell–Boltzmann velocities at ``temperature`` (zero total momentum, rescaled to exactly T).

        ``loop geom`` makes the draw independent of the number of MPI ranks.
        """
        if not (np.isfinite(temperature) and temperature > 0):
            raise GlassmlError(f"temperature must be positive, got {temperature}")
        self.commands(f"velocity all create {_f(temperature)} {int(seed)} dist gaussian mom yes rot no loop geom")
        self._primed = False

    def thermo(self) -> Thermo:
        """Per-particle potential and kinetic energy, kinetic temperature and virial pressure."""
        if not self._primed:
            self.commands("run 0 post no")
            self._primed = True
        g = self.lmp.get_thermo
        return Thermo(float(g("pe")), float(g("ke")), float(g("temp")), float(g("press")))

    # ------------------------------------------------------------------ dynamics
    def _set_integrator(self, ensemble: str, temperature: float | None, tdamp: float | None) -> None:
        key = f"{ensemble}:{temperature}:{tdamp}"
        if key == self._integrator:
            return
        if self._integrator is not None:
            self.commands("unfix integrate")
        if ensemble == "nve":
            self.commands("fix integrate all nve")
        elif ensemble == "nvt":
            if temperature is None or not (np.isfinite(temperature) and temperature > 0):
                raise GlassmlError(f"NVT needs a positive temperature, got {temperature}")
            tdamp = 100 * self.timestep if tdamp is None else tdamp
            self.commands(f"fix integrate all nvt temp {_f(temperature)} {_f(temperature)} {_f(tdamp)}")
        else:
            raise GlassmlError(f"unknown ensemble {ensemble!r}; use nve or nvt")
        self._integrator = key
        self._primed = False

    def run(self, steps: int, *, ensemble: str = "nve", temperature: float | None = None,
            tdamp: float | None = None) -> None:
        """Advance ``steps`` MD steps (velocity Verlet; Nosé–Hoover chain for NVT)."""
        steps = int(steps)
        if steps < 0:
            raise GlassmlError(f"cannot run a negative number of steps ({steps})")
        self._set_integrator(ensemble, temperature, tdamp)
        if steps == 0:
            return
        self.commands(f"run {steps} pre {'no' if self._primed else 'yes'} post no")
        self._primed = True
        self.steps_run += steps

    def record(self, grid_steps, *, ensemble: str = "nve", temperature: float | None = None) -> np.ndarray:
        """Run to each step count of ``grid_steps`` (increasing, from 0) and return (T, N, d) unwrapped positions."""
        grid = np.asarray(grid_steps, dtype=np.int64)
        if grid.ndim != 1 or np.any(np.diff(grid) <= 0) or (grid.size and grid[0] < 0):
            raise GlassmlError("recording steps must be non-negative and strictly increasing")
        out = np.empty((len(grid), self.n, self.dimension))
        done = 0
        for k, s in enumerate(grid):
            self.run(int(s) - done, ensemble=ensemble, temperature=temperature)
            done = int(s)
            out[k] = self.unwrapped_positions()
        return out

    def minimize(self, force_tolerance: float = 1e-6, max_iterations: int = 200_000, style: str = "fire") -> dict:
        """Minimise the energy (FIRE by default) until the 2-norm of the global force vector is below
        ``force_tolerance`` (which bounds every particle's |F_i|).  Returns convergence info."""
        self.commands(f"min_style {style}", f"minimize 0.0 {_f(force_tolerance)} {int(max_iterations)} {int(10 * max_iterations)}")
        self._primed = False
        f = self._gather("f", 1, 3)[:, : self.dimension]
        fmax = float(np.max(np.linalg.norm(f, axis=1)))
        return {"max_force": fmax, "force_norm": float(np.linalg.norm(f)), "converged": bool(np.linalg.norm(f) < force_tolerance),
                "potential_energy": self.thermo().potential_energy, "force_tolerance": force_tolerance, "style": style}

    def forces(self) -> np.ndarray:
        self.thermo()
        return self._gather("f", 1, 3)[:, : self.dimension]

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_model(cls, model, n: int, *, density: float | None = None, seed: int = 0, **kwargs) -> "LammpsEngine":
        """A fresh system: ``n`` particles of ``model`` on a jittered lattice at ``density``, species shuffled."""
        if int(n) != n or n < 2:
            raise GlassmlError(f"need at least 2 particles, got {n}")
        n = int(n)
        box = model.box_for(n, density)
        rng = np.random.default_rng(seed)
        x = lattice_positions(n, box, rng)
        types = rng.permutation(model.types_for(n))
        return cls(model, x, types, box, **kwargs)
