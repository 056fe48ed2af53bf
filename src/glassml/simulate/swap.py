"""Swap Monte Carlo for the polydisperse soft-sphere model, and species swaps for the mixtures.

Ninarello, Berthier and Coslovich (PRX 7, 021039 (2017)) equilibrate their continuously
polydisperse, non-additive r^-12 model far below the mode-coupling temperature by adding
*swap* moves to ordinary Metropolis Monte Carlo: with probability ``p_swap`` (they use 0.2) an
attempt picks two particles and exchanges their diameters, accepted with the Metropolis rule.
This module implements that algorithm in numba (Verlet lists with a skin, rebuilt when a
particle has moved more than half the skin; :func:`glassml.simulate.montecarlo.build_list` says why
the kernel builds them itself).  :func:`swap_and_plain_runs` records the trajectories the
speed-up is measured from: with and without swaps, from the same swap-equilibrated
configuration at the same temperature; :func:`glassml.dynamics.relaxation.swap_speedup`
compares their relaxation times.  Time is counted in Monte Carlo sweeps (N attempted moves,
swaps included).

The same moves work for a discrete mixture when the swap exchanges the *species* of two
particles: the ternary 2D Kob–Andersen model of GlassBench adds a species C close to A (sigma
0.94 against 1.0) so that such swaps are accepted, which is how states far below the
mode-coupling temperature (T = 0.23) can be prepared.  :class:`SwapMonteCarlo` takes such a
model (``ka2d``; its ``types`` then change in place) as well as the polydisperse ones.

Below the mode-coupling temperature plain Monte Carlo needs runs orders of magnitude longer
than swap Monte Carlo, so the two runs have their own lengths and positions are recorded on a
logarithmic grid of sweeps (:func:`log_sweeps`).  Swap equilibration is checked, not assumed:
its potential-energy trace (:class:`EnergyTrace`) must be stationary, and
:func:`glassml.dynamics.relaxation.swap_speedup` compares its length with tau_swap.

:class:`SwapCampaign` makes these states a glassml dataset: swap equilibration, then an
isoconfigurational ensemble of plain Monte Carlo replicas on a time grid in sweeps; the
``swap-*`` presets (:data:`SWAP_PRESETS`) run it through ``glassml simulate --preset``.
"""

from __future__ import annotations

import time as _time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import as_positions
from glassml.simulate import montecarlo
from glassml.simulate.engine import lattice_positions
from glassml.simulate.presets import default_split, sample_names
from glassml.systems import get_model, polydisperse_diameters


#: Swap equilibration must last at least this many tau_swap (checked by
#: :func:`glassml.dynamics.relaxation.swap_speedup`).
EQUILIBRATION_TAUS = 10.0


def log_sweeps(max_sweeps: int, per_decade: int = 8, first: int = 1) -> np.ndarray:
    """Distinct sweep counts from ``first`` to ``max_sweeps`` (both included), about
    ``per_decade`` per decade on a logarithmic grid (int64): the times a long run records."""
    max_sweeps, first = int(max_sweeps), int(first)
    if first < 1 or max_sweeps < first:
        raise GlassmlError(f"a sweep grid needs 1 <= first <= max_sweeps, got {first}, {max_sweeps}")
    if per_decade < 1:
        raise GlassmlError(f"points per decade must be >= 1, got {per_decade}")
    k = max(2, int(np.ceil(per_decade * np.log10(max_sweeps / first))) + 1)
    grid = np.unique(np.rint(np.geomspace(first, max_sweeps, k)).astype(np.int64))
    return grid


class SwapMonteCarlo:
    """A configuration evolved by (swap) Monte Carlo.

    Parameters
    ----------
    model: ``poly-swap-2d`` / ``poly-swap-3d`` (diameter swaps), or a mixture of several species
        such as ``ka2d`` (species swaps), or their :class:`~glassml.systems.Model`.
    n: number of particles (ignored when ``positions`` is given).
    temperature: Monte Carlo temperature.
    p_swap: probability that an attempt is a swap, of diameters or of species (0: plain Monte Carlo
        dynamics).
    step: maximum displacement of a translational move.
    skin: Verlet-list skin; the box must exceed 2 (r_c + skin).
    types: species of a mixture's particles (default: the model's composition, shuffled).
    """

    def __init__(self, model, n: int = 500, temperature: float = 0.2, *, seed: int = 0, p_swap: float = 0.2,
                 step: float = 0.12, positions=None, diameters=None, density: float | None = None, skin: float = 0.8,
                 types=None):
        self.model = get_model(model) if isinstance(model, str) else model
        if not self.model.polydisperse and self.model.n_species < 2:
            raise GlassmlError(f"swap Monte Carlo needs a polydisperse model or several species, got {self.model.name}")
        if not (np.isfinite(temperature) and temperature > 0):
            raise GlassmlError(f"temperature must be positive, got {temperature}")
        if not 0.0 <= p_swap < 1.0:
            raise GlassmlError(f"p_swap must be in [0, 1), got {p_swap}")
        self.rng = np.random.default_rng(seed)
        d = self.model.dimension
        if positions is None:
            self.box = self.model.box_for(int(n), density)
            self.x = lattice_positions(int(n), self.box, self.rng)
        else:
            self.x = np.array(as_positions(positions))
            n = len(self.x)
            if self.x.shape[1] != d:
                raise GlassmlError(f"model {self.model.name} is {d}-D; positions have shape {self.x.shape}")
            self.box = self.model.box_for(n, density)
        if self.model.polydisperse:
            self.diameters = (polydisperse_diameters(n, seed=int(self.rng.integers(2**31))) if diameters is None
                              else np.array(diameters, dtype=np.float64))
            if self.diameters.shape != (n,):
                raise GlassmlError(f"need one diameter per particle ({n}), got shape {self.diameters.shape}")
            self.types = np.zeros(n, dtype=np.int64)
        else:  # species swaps; the diameters array is not read
            self.diameters = np.ones(n)
            self.types = (self.rng.permutation(self.model.types_for(n)) if types is None
                          else np.array(types, dtype=np.int64))
            if self.types.shape != (n,) or self.types.min() < 0 or self.types.max() >= self.model.n_species:
                raise GlassmlError(f"need one species in 0..{self.model.n_species - 1} per particle ({n})")
        self.temperature = float(temperature)
        self.p_swap = float(p_swap)
        self.step = float(step)
        self.skin = float(skin)
        self.rcut = self.model.max_cutoff(self.diameters if self.model.polydisperse else None)
        if np.any(self.box < 2 * (self.rcut + skin)):
            raise GlassmlError(f"box {self.box[0]:.3g} too small for N={n}: needs > {2 * (self.rcut + skin):.3g}")
        self._params = montecarlo.model_params(self.model)
        self.sweeps_done = 0
        self.accepted_moves = 0
        self.accepted_swaps = 0

    def run(self, sweeps: int, *, record_every: int = 0, record_at=None, p_swap: float | None = None,
            temperature: float | None = None) -> np.ndarray:
        """Run ``sweeps`` sweeps; return the unwrapped positions (T, N, d) recorded every
        ``record_every`` sweeps, or after the sweep counts ``record_at`` (increasing, counted
        from the start of this call, at most ``sweeps``)."""
        p = self.p_swap if p_swap is None else float(p_swap)
        beta = 1.0 / (self.temperature if temperature is None else float(temperature))
        sweeps = int(sweeps)
        if record_at is not None:
            at = np.asarray(record_at, dtype=np.int64)
            if at.ndim != 1 or (at.size and (at[0] < 1 or at[-1] > sweeps or np.any(np.diff(at) <= 0))):
                raise GlassmlError(f"record_at must increase strictly within 1..{sweeps}")
        elif record_every > 0:
            at = np.arange(record_every, sweeps + 1, record_every, dtype=np.int64)
        else:
            at = np.empty(0, dtype=np.int64)
        traj, _, am, asw = montecarlo.mc_sweeps(
            self.x, self.types, self.diameters, self.box, *self._params, self.rcut, self.skin,
            beta, self.step, p, sweeps, at, int(self.rng.integers(1, 2**31 - 1)))
        self.sweeps_done += sweeps
        self.accepted_moves += int(am)
        self.accepted_swaps += int(asw)
        return traj

    @property
    def swap_acceptance(self) -> float:
        """Accepted fraction of the swap attempts so far (``p_swap`` of all attempts; 0 before any)."""
        return self.accepted_swaps / max(1.0, self.p_swap * len(self.x) * self.sweeps_done)

    def potential_energy_per_particle(self) -> float:
        return float(montecarlo.total_energy(self.x, self.types, self.diameters, self.box, *self._params, self.rcut)
                     / len(self.x))

    def equilibrate(self, sweeps: int, *, blocks: int = 20) -> "EnergyTrace":
        """Run ``sweeps`` sweeps (with this sampler's ``p_swap``) in ``blocks`` blocks and return
        the potential energy per particle at the end of each block."""
        sweeps, blocks = int(sweeps), max(4, int(blocks))
        edges = np.unique(np.rint(np.linspace(0, sweeps, blocks + 1)).astype(np.int64))
        energy = []
        half = edges[len(edges) // 2]
        x_half = self.x.copy()
        for a, b in zip(edges[:-1], edges[1:]):
            self.run(int(b - a))
            energy.append(self.potential_energy_per_particle())
            if b == half:
                x_half = self.x.copy()
        dx = self.x - x_half
        fs = float(np.mean(np.cos(2 * np.pi * (dx - dx.mean(axis=0)))))  # centre-of-mass drift removed
        return EnergyTrace(edges[1:].astype(float), np.asarray(energy), fs)


@dataclass
class EnergyTrace:
    """Potential energy per particle along a run, at the end of equal blocks of sweeps.

    The run counts as stationary when the mean energies of its last two quarters agree within
    three standard errors (block values taken as independent) or 1e-4 per particle.
    ``fs_second_half`` is Fs(q = 2 pi) between the middle and the end of the run (mean of
    cos(q dx) over particles and axes); below 1/e the second half alone outlasted tau_alpha,
    so the run is longer than two relaxation times.  ``converged`` needs both.
    """

    sweeps: np.ndarray
    energy: np.ndarray
    fs_second_half: float = float("nan")

    @property
    def decorrelated(self) -> bool:
        return bool(self.fs_second_half < 1 / np.e)

    @property
    def converged(self) -> bool:
        return self.stationary and self.decorrelated

    def drift(self) -> tuple[float, float]:
        """(mean of the last quarter - mean of the third quarter, its standard error)."""
        e = np.asarray(self.energy, float)
        q = max(1, len(e) // 4)
        a, b = e[-2 * q:-q], e[-q:]
        err = np.sqrt((a.var(ddof=1) / len(a) if len(a) > 1 else 0.0) + (b.var(ddof=1) / len(b) if len(b) > 1 else 0.0))
        return float(b.mean() - a.mean()), float(err)

    @property
    def stationary(self) -> bool:
        if len(self.energy) < 4:
            return False
        drift, err = self.drift()
        return bool(abs(drift) <= max(3.0 * err, 1e-4))

    def as_dict(self) -> dict[str, Any]:
        drift, err = self.drift() if len(self.energy) >= 4 else (float("nan"), float("nan"))
        return {"sweeps": [float(t) for t in self.sweeps], "energy_per_particle": [float(e) for e in self.energy],
                "drift": drift, "drift_error": err, "stationary": self.stationary,
                "fs_second_half": float(self.fs_second_half), "decorrelated": self.decorrelated,
                "converged": self.converged}


def swap_equilibrated(model="poly-swap-3d", n: int = 500, temperature: float = 0.1, *, seed: int = 0,
                      equilibration_sweeps: int = 2000, melt_temperature: float = 0.4, melt_sweeps: int = 200,
                      step: float = 0.12, skin: float = 0.8, p_swap: float = 0.2) -> tuple[SwapMonteCarlo, EnergyTrace]:
    """A configuration melted at ``melt_temperature`` then equilibrated at ``temperature`` by
    swap Monte Carlo, with its energy trace (:class:`EnergyTrace`)."""
    mc = SwapMonteCarlo(model, n, temperature, seed=seed, p_swap=p_swap, step=step, skin=skin)
    if melt_sweeps > 0:
        mc.run(int(melt_sweeps), temperature=melt_temperature)
    trace = mc.equilibrate(int(equilibration_sweeps))
    return mc, trace


@dataclass
class SwapRuns:
    """Trajectories from one swap-equilibrated configuration, with and without swaps.

    Attributes
    ----------
    temperature: Monte Carlo temperature of both runs.
    times: (T,) sweeps at which the swap run's positions were recorded.
    initial_positions: (N, d) the common start.
    swap: (T, N, d) unwrapped positions with swaps (``p_swap`` 0.2).
    plain: (T', N, d) unwrapped positions without swaps.
    max_sweeps: length of the swap run in sweeps.
    swap_acceptance: accepted fraction of the swap attempts of the recorded swap run.
    energy_per_particle: potential energy per particle at the end of the swap run.
    n: number of particles.
    model: model name.
    plain_times: (T',) sweeps of the plain run's records (None: ``times``).
    plain_sweeps: length of the plain run (None: ``max_sweeps``).
    equilibration: the swap equilibration's :class:`EnergyTrace` (None: not recorded).
    """

    temperature: float
    times: np.ndarray
    initial_positions: np.ndarray
    swap: np.ndarray
    plain: np.ndarray
    max_sweeps: int
    swap_acceptance: float
    energy_per_particle: float
    n: int
    model: str
    plain_times: np.ndarray | None = None
    plain_sweeps: int | None = None
    equilibration: EnergyTrace | None = None


def swap_and_plain_runs(model="poly-swap-3d", n: int = 500, temperature: float = 0.15, *, seed: int = 0,
                        equilibration_sweeps: int = 2000, max_sweeps: int | None = None, swap_sweeps: int | None = None,
                        plain_sweeps: int | None = None, record_every: int = 0, per_decade: int = 8,
                        step: float = 0.12, skin: float = 0.8) -> SwapRuns:
    """Equilibrate by swap Monte Carlo (p_swap 0.2, after a short melt), then from the same
    configuration and diameters record ``swap_sweeps`` sweeps with swaps and ``plain_sweeps``
    of plain Monte Carlo (its own seed).

    ``max_sweeps`` sets both lengths (default 20000).  Positions are recorded on a logarithmic
    grid of ``per_decade`` points per decade (:func:`log_sweeps`), or every ``record_every``
    sweeps when that is given.
    """
    swap_sweeps = int(swap_sweeps or max_sweeps or 20000)
    plain_sweeps = int(plain_sweeps or max_sweeps or swap_sweeps)

    def grid(m):
        return (np.arange(record_every, m + 1, record_every, dtype=np.int64) if record_every > 0
                else log_sweeps(m, per_decade))

    mc, trace = swap_equilibrated(model, n, temperature, seed=seed, equilibration_sweeps=equilibration_sweeps,
                                  step=step, skin=skin)
    x0, d0 = mc.x.copy(), mc.diameters.copy()
    swaps_before, sweeps_before = mc.accepted_swaps, mc.sweeps_done
    ts = grid(swap_sweeps)
    traj_swap = mc.run(swap_sweeps, record_at=ts)
    acc = (mc.accepted_swaps - swaps_before) / (0.2 * mc.x.shape[0] * (mc.sweeps_done - sweeps_before))
    plain = SwapMonteCarlo(mc.model, temperature=temperature, seed=seed + 1, p_swap=0.0, positions=x0, diameters=d0,
                           step=step, skin=skin)
    tp = grid(plain_sweeps)
    traj_plain = plain.run(plain_sweeps, record_at=tp)
    return SwapRuns(float(temperature), ts.astype(float), x0, traj_swap, traj_plain, swap_sweeps, float(acc),
                    mc.potential_energy_per_particle(), int(mc.x.shape[0]), mc.model.name,
                    tp.astype(float), plain_sweeps, trace)


# ---------------------------------------------------------------------------- campaigns
@dataclass(frozen=True)
class SwapCampaign:
    """Swap-equilibrated states and their plain Monte Carlo isoconfigurational ensembles: a
    campaign spec (:class:`glassml.simulate.campaign.CampaignSpec`).

    Each sample melts a configuration at ``melt_temperature``, equilibrates it at
    ``temperature`` by swap Monte Carlo for ``equilibration_sweeps`` (energy trace in the
    sample's info), then runs ``n_replicas`` plain Monte Carlo replicas (distinct seeds, the
    diameters fixed) from it, recording positions after each of ``times`` sweeps.  Monte Carlo
    does not conserve momentum, so each recorded frame is shifted to keep the centre of mass
    where it was in the start (its random walk, acc δ²/3 / N per axis and sweep, would
    otherwise add a collective displacement to every particle's).  The sample
    holds ``types`` (all 0), ``box``, ``initial_positions`` (wrapped), ``diameters``, ``times``
    (sweeps), ``positions`` (T, R, N, d; unwrapped) and ``seeds``.

    Parameters
    ----------
    name: the preset name.
    model: ``poly-swap-3d`` or ``poly-swap-2d``.
    n_particles, temperature: the state.
    n_samples: independent states; 60/20/20 % train/val/test.
    n_replicas: plain Monte Carlo replicas per state.
    times: sweeps after which the replicas' positions are recorded.
    equilibration_sweeps: swap Monte Carlo sweeps before the replicas start.
    """

    name: str
    model: str
    n_particles: int
    temperature: float
    n_samples: int
    n_replicas: int
    times: tuple[int, ...]
    equilibration_sweeps: int
    melt_temperature: float = 0.4
    melt_sweeps: int = 200
    p_swap: float = 0.2
    step: float = 0.12
    skin: float = 0.8
    description: str = ""

    @property
    def model_obj(self):
        return get_model(self.model)

    def validate(self) -> "SwapCampaign":
        """Raise a one-line :class:`GlassmlError` on an impossible setting; return self."""
        m = self.model_obj
        if not m.polydisperse:
            raise GlassmlError(f"preset {self.name}: swap campaigns need a polydisperse model, got {m.name}")
        if int(self.n_particles) != self.n_particles or self.n_particles < 2:
            raise GlassmlError(f"preset {self.name}: n_particles must be an integer >= 2, got {self.n_particles}")
        rcut = m.max_cutoff(polydisperse_diameters(int(self.n_particles)))
        box = m.box_for(int(self.n_particles))
        if np.any(box < 2 * (rcut + self.skin)):
            raise GlassmlError(f"preset {self.name}: box {box[0]:.3g} at N={self.n_particles} is smaller than "
                               f"2 (r_c + skin) = {2 * (rcut + self.skin):.3g}; use more particles")
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise GlassmlError(f"preset {self.name}: temperature must be positive, got {self.temperature}")
        if self.n_samples < 1 or self.n_replicas < 1:
            raise GlassmlError(f"preset {self.name}: need at least one sample and one replica")
        t = np.asarray(self.times)
        if t.size == 0 or np.any(t != np.round(t)) or t[0] < 1 or np.any(np.diff(t) <= 0):
            raise GlassmlError(f"preset {self.name}: times must be whole sweeps >= 1, strictly increasing")
        if self.equilibration_sweeps < 1:
            raise GlassmlError(f"preset {self.name}: equilibration_sweeps must be >= 1")
        if not 0.0 < self.p_swap < 1.0:
            raise GlassmlError(f"preset {self.name}: p_swap must be in (0, 1), got {self.p_swap}")
        return self

    def as_dict(self) -> dict[str, Any]:
        """JSON fingerprint: with the seed, everything that defines the result."""
        d = asdict(self)
        d["kind"] = "swap-mc"
        d["times"] = [int(t) for t in self.times]
        return d

    def sample_names(self) -> list[str]:
        return sample_names(self.n_samples)

    def split_counts(self) -> tuple[int, int, int]:
        return default_split(self.n_samples)

    def dataset_fields(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`glassml.store.Dataset.create` (times in sweeps)."""
        m = self.model_obj
        return {"model": m.as_dict(), "dimension": m.dimension, "temperature": float(self.temperature),
                "times": [float(t) for t in self.times], "n_replicas": int(self.n_replicas),
                "density": float(m.density), "n_particles": int(self.n_particles), "time_unit": "MC sweeps",
                "sampler": "swap Monte Carlo equilibration, plain Monte Carlo replicas"}

    def requirements(self) -> list[tuple[str, str]]:
        return []

    def sample_seeds(self, index: int, seed: int) -> dict[str, Any]:
        """Seeds of sample ``index``: one for the swap equilibration, distinct ones per replica."""
        state = np.random.SeedSequence(int(seed), spawn_key=(int(index),)).generate_state(1 + self.n_replicas, dtype=np.uint32)
        reps = [int(s) for s in state[1:]]
        for k in range(len(reps)):  # distinct, deterministically
            while reps[k] in reps[:k]:
                reps[k] = (reps[k] * 7 + 13) % 2**32
        return {"equilibrate": int(state[0]), "replicas": reps}

    def simulate_sample(self, index: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """One state and its replicas (arrays as in the class docstring) and a JSON-ready info."""
        wall = _time.perf_counter()
        seeds = self.sample_seeds(index, seed)
        mc, trace = swap_equilibrated(self.model, int(self.n_particles), float(self.temperature),
                                      seed=seeds["equilibrate"], equilibration_sweeps=int(self.equilibration_sweeps),
                                      melt_temperature=self.melt_temperature, melt_sweeps=int(self.melt_sweeps),
                                      step=self.step, skin=self.skin, p_swap=self.p_swap)
        x0 = np.mod(mc.x, mc.box)
        d0 = mc.diameters.copy()
        at = np.asarray(self.times, dtype=np.int64)
        pos = np.empty((len(at), self.n_replicas, len(x0), x0.shape[1]))
        for r, s in enumerate(seeds["replicas"]):
            rep = SwapMonteCarlo(mc.model, temperature=self.temperature, seed=s, p_swap=0.0, positions=x0.copy(),
                                 diameters=d0, step=self.step, skin=self.skin)
            traj = rep.run(int(at[-1]), record_at=at)
            pos[:, r] = traj - (traj - x0[None]).mean(axis=1, keepdims=True)  # centre-of-mass frame of x0
        arrays = {"types": mc.types.copy(), "box": mc.box.copy(), "initial_positions": x0, "diameters": d0,
                  "times": at.astype(float), "positions": pos, "seeds": np.asarray(seeds["replicas"], dtype=np.int64)}
        n = len(x0)
        info = {"index": int(index), "seed": seeds["equilibrate"], "replica_seeds": seeds["replicas"],
                "equilibration": trace.as_dict(),
                "swap_acceptance": mc.swap_acceptance,
                "_atom_steps": int(n * (mc.sweeps_done + self.n_replicas * int(at[-1]))),
                "_wall": _time.perf_counter() - wall}
        return arrays, info


def _swap_presets() -> dict[str, SwapCampaign]:
    """The presets.  Equilibration is about ten times tau_swap as ``benchmarks/swap.py``
    measured it (N = 150 in 3D: 5.6e3, 8.4e3, 2.2e4 sweeps at T = 0.100, 0.095, 0.090; N = 100
    in 2D: 6.3e3 at T = 0.10, the others inter- or extrapolated); replicas run to 3e4 sweeps.
    Cost per sample on one core (rates measured with the machine loaded: 3D N = 500 5.3 ms per
    swap sweep and 4.0 ms per plain sweep, 2D N = 500 about 1.2 and 1.0 ms): ``swap-3d-T0.100``
    13 min, ``-T0.095`` 17 min, ``-T0.090`` 30 min (10 samples: 2-5 h); ``swap-2d-*`` 3-5 min
    (10 samples: 30-50 min)."""
    grid = tuple(int(t) for t in log_sweeps(30000, 4, 10))
    out = [
        SwapCampaign("swap-2d-tiny", "poly-swap-2d", 64, 0.2, 2, 2, (5, 10, 20, 40), 100, melt_sweeps=20,
                     description="poly-swap-2d, N = 64, T = 0.2: tests and demos (seconds)"),
    ]
    for t, eq in ((0.10, 60000), (0.095, 100000), (0.09, 250000)):
        out.append(SwapCampaign(f"swap-3d-T{t:.3f}", "poly-swap-3d", 500, t, 10, 4, grid, eq,
                                description=f"poly-swap-3d, N = 500, T = {t:g} (below T_MCT = 0.104): swap "
                                            f"equilibration {eq:,} sweeps, 4 plain-MC replicas to 30,000 sweeps"))
    for t, eq in ((0.11, 50000), (0.10, 70000), (0.09, 150000)):
        out.append(SwapCampaign(f"swap-2d-T{t:.3f}", "poly-swap-2d", 500, t, 10, 4, grid, eq,
                                description=f"poly-swap-2d, N = 500, T = {t:g} (below T_MCT = 0.12): swap "
                                            f"equilibration {eq:,} sweeps, 4 plain-MC replicas to 30,000 sweeps"))
    return {c.name: c for c in out}


#: The ``swap-*`` presets of ``glassml simulate --preset``.
SWAP_PRESETS: dict[str, SwapCampaign] = _swap_presets()
