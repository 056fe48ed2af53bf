"""Athermal quasistatic (AQS) simple shear of a glass, with plastic events located by D²min.

The box is made triclinic and its ``xy`` tilt grows by ``strain_step * L_y`` per step (the
particles are remapped affinely, ``remap x``); after each step the energy is minimised with the
same FIRE settings as :func:`glassml.simulate.inherent_state` (Bitzek et al., PRL 97, 170201
(2006)).  The shear stress is ``sigma_xy = -P_xy`` (LAMMPS's virial pressure tensor).

A plastic event is a step after which the shear stress drops by more than a threshold or the
energy per particle drops by more than a threshold (Maloney & Lemaître, PRE 74, 016118 (2006)).
It is located by the non-affine squared displacement D²min of Falk & Langer, PRE 57, 7192
(1998), computed between the minimised configurations just before and just after the drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box, NeighborQuery


def _f(v) -> str:
    return repr(float(v))


def lammps_minimize(force_tolerance: float, max_iterations: int) -> str:
    """The LAMMPS ``minimize`` command of the mechanics protocols: stop on the 2-norm of the
    global force vector, no energy criterion."""
    return f"minimize 0.0 {_f(force_tolerance)} {int(max_iterations)} {int(10 * max_iterations)}"


def d2min(before: np.ndarray, after: np.ndarray, box_before, box_after, cutoff: float = 2.5) -> np.ndarray:
    """Falk–Langer non-affine squared displacement of each particle (Falk & Langer, PRE 57, 7192 (1998)).

    ``D²min_i = min_J sum_j |r_ij(after) - J r_ij(before)|²`` over the neighbours ``j`` of ``i``
    closer than ``cutoff`` in ``before``; the best local affine map is ``J = X Y^-1`` with
    ``X = sum r_ij(after) r_ij(before)^T`` and ``Y = sum r_ij(before) r_ij(before)^T``.

    Parameters
    ----------
    before, after: (N, d) unwrapped positions (continuous: the same image of each particle).
    box_before, box_after: the two cells (:class:`~glassml.geometry.Box`, lengths or matrix); a
        pair keeps its periodic image, carried by the cell from ``before`` to ``after``.
    cutoff: neighbour radius (at most half the box).

    Returns
    -------
    (N,) D²min, not normalised by the number of neighbours (0 for a particle with fewer than d
    neighbours).
    """
    x0 = np.asarray(before, dtype=float)
    x1 = np.asarray(after, dtype=float)
    if x0.shape != x1.shape or x0.ndim != 2:
        raise GlassmlError(f"D2min needs two (N, d) configurations of the same shape, got {x0.shape} and {x1.shape}")
    n, d = x0.shape
    b0 = Box.from_any(box_before, d)
    b1 = Box.from_any(box_after, d)
    nb = NeighborQuery(x0, b0).neighbors(cutoff)
    i, j = nb.i, nb.j
    v0 = nb.vectors
    v1 = x1[j] - x1[i] + nb.shifts @ b1.matrix
    x_mat = np.zeros((n, d, d))
    y_mat = np.zeros((n, d, d))
    np.add.at(x_mat, i, v1[:, :, None] * v0[:, None, :])
    np.add.at(y_mat, i, v0[:, :, None] * v0[:, None, :])
    ok = np.linalg.matrix_rank(y_mat) == d
    jac = np.zeros((n, d, d))
    jac[ok] = x_mat[ok] @ np.linalg.inv(y_mat[ok])
    res = v1 - np.einsum("pab,pb->pa", jac[i], v0)
    out = np.bincount(i, weights=np.einsum("pa,pa->p", res, res), minlength=n)
    out[~ok] = 0.0
    return out


@dataclass
class PlasticEvent:
    """One plastic event of an AQS run.

    Attributes
    ----------
    step: the drop happens between strain steps ``step`` and ``step + 1``.
    strain: shear strain before the drop.
    stress_drop: ``sigma_xy(step) - sigma_xy(step + 1)`` (positive for a drop).
    energy_drop: energy per particle released by the event, ``e(step) - e(step + 1)`` plus the
        elastic work ``sigma_xy dgamma V / N`` done on the step (trapezoid rule); positive for a drop.
    particle: index of the particle with the largest D²min (the event's centre).
    d2min: (N,) D²min between the two minimised configurations.
    """

    step: int
    strain: float
    stress_drop: float
    energy_drop: float
    particle: int
    d2min: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {"step": self.step, "strain": self.strain, "stress_drop": self.stress_drop,
                "energy_drop": self.energy_drop, "particle": self.particle,
                "max_d2min": float(self.d2min[self.particle])}


class _LammpsShear:
    """AQS steps on :class:`~glassml.simulate.engine.LammpsEngine`: ``change_box ... remap`` and
    LAMMPS' FIRE (stops when the 2-norm of the global force vector is below the tolerance)."""

    def __init__(self, eng, force_tolerance: float, max_iterations: int):
        self.eng, self.d = eng, eng.model.dimension
        self.lengths = eng.box.copy()
        self.minimize = lammps_minimize(force_tolerance, max_iterations)
        self.tilt = 0.0
        eng.commands("change_box all triclinic", "thermo_style custom step pe pxy", "thermo_modify norm yes")

    def tilt_to(self, tilt: float) -> None:
        self.eng.commands(f"change_box all xy final {_f(tilt)} remap units box")
        self.tilt = tilt

    def relax(self) -> tuple[float, float, np.ndarray]:
        eng, d = self.eng, self.d
        eng.commands("min_style fire", self.minimize)
        # the minimiser's last thermo output holds pe and pxy of the minimised state
        x = eng._gather("x", 1, 3)[:, :d]
        img = eng._gather("image", 0, 3)[:, :d]
        return (-float(eng.lmp.get_thermo("pxy")), float(eng.lmp.get_thermo("pe")),
                _cell(self.lengths, self.tilt).with_images(x, img))


class _NumpyShear:
    """AQS steps on glassml's own potential (any model, the polydisperse ones included): the
    unwrapped positions follow the affine map ``x += dgamma y`` and
    :func:`glassml.systems.fire_minimize` relaxes them to the same global force criterion as
    LAMMPS; the stress is :func:`glassml.systems.virial_pressure_tensor`."""

    def __init__(self, model, positions, types, box, diameters, force_tolerance: float, max_iterations: int):
        self.model, self.types, self.diameters = model, np.asarray(types), diameters
        self.x = np.array(positions, dtype=float)
        self.lengths = np.asarray(box, dtype=float).copy()
        self.tolerance, self.max_iterations = force_tolerance, max_iterations
        self.tilt, self.n_minimised = 0.0, 0

    def tilt_to(self, tilt: float) -> None:
        self.x[:, 0] += (tilt - self.tilt) / self.lengths[1] * self.x[:, 1]
        self.tilt = tilt

    def relax(self) -> tuple[float, float, np.ndarray]:
        from glassml.systems import fire_minimize, virial_pressure_tensor

        cell = _cell(self.lengths, self.tilt)
        res = fire_minimize(self.model, self.x, self.types, cell, diameters=self.diameters,
                            force_tolerance=self.tolerance, max_steps=self.max_iterations, force_norm="global")
        if not res.converged:
            raise GlassmlError(f"FIRE did not converge after minimisation {self.n_minimised} of the AQS run "
                               f"(|F| = {res.max_force:.3g} after {res.n_steps} iterations); raise max_iterations")
        self.n_minimised += 1
        self.x = res.positions
        p = virial_pressure_tensor(self.model, self.x, self.types, cell, self.diameters)
        return -float(p[0, 1]), res.energy_per_particle, self.x.copy()


ENGINES = ("auto", "lammps", "numpy")


def check_engine(engine: str) -> None:
    """A one-line error for an engine name that is not one of :data:`ENGINES`."""
    if engine not in ENGINES:
        raise GlassmlError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


def model_diameters(model, diameters) -> np.ndarray | None:
    """``diameters`` as floats for a polydisperse model (a one-line error when missing), ``None``
    for the others."""
    if not model.polydisperse:
        return None
    if diameters is None:
        raise GlassmlError(f"model {model.name} is polydisperse: pass the particle diameters")
    return np.asarray(diameters, float)


def engine_for(model, engine: str = "auto") -> str:
    """The engine that runs ``model``: ``engine`` itself, or for ``"auto"`` ``"numpy"`` (glassml's
    own potential and FIRE) for a polydisperse model and ``"lammps"`` otherwise; a one-line error
    for an unknown engine or LAMMPS asked to run a polydisperse model."""
    check_engine(engine)
    if engine == "auto":
        return "numpy" if model.polydisperse else "lammps"
    if engine == "lammps" and model.polydisperse:
        raise GlassmlError(f"model {model.name} is polydisperse: LAMMPS has no pair style for it; use the numpy engine")
    return engine


def _cell(lengths: np.ndarray, tilt: float) -> Box:
    return Box(lengths, [tilt] if len(lengths) == 2 else [tilt, 0.0, 0.0])


class AthermalQuasistaticShear:
    """Simple shear of an inherent state in small strain steps, each followed by a minimisation.

    Parameters
    ----------
    strain_step: shear strain added per step (positive).
    max_strain: shear to this strain (``round(max_strain / strain_step)`` steps).
    force_tolerance: FIRE stops when the 2-norm of the global force vector is below this.
    max_iterations: FIRE iteration limit per step.
    stress_drop_threshold: a step is plastic when the shear stress drops by more than this.
    energy_drop_threshold: ... or when the energy per particle released beyond the elastic work
        exceeds this.
    d2min_cutoff: neighbour radius of D²min.
    max_events: stop after this many events (``None``: shear to ``max_strain``).
    suffix: LAMMPS accelerator suffix of :class:`~glassml.simulate.LammpsEngine`.
    engine: ``"lammps"`` (LAMMPS through its Python API), ``"numpy"`` (glassml's own potential
        and FIRE; slower, but it takes the polydisperse models, for which LAMMPS has no pair
        style) or ``"auto"`` (numpy for a polydisperse model, LAMMPS otherwise).

    Attributes (after :meth:`compute`)
    ----------------------------------
    strain_: (S + 1,) strains, from 0.
    stress_: (S + 1,) shear stress ``sigma_xy = -P_xy``.
    energy_: (S + 1,) potential energy per particle.
    events_: list of :class:`PlasticEvent`.
    positions_: (N, d) unwrapped positions at the last strain; ``box_`` its :class:`Box`.
    engine_: the engine that ran.
    """

    def __init__(self, strain_step: float = 1e-4, max_strain: float = 0.05, *, force_tolerance: float = 1e-6,
                 max_iterations: int = 100_000, stress_drop_threshold: float = 1e-3,
                 energy_drop_threshold: float = 1e-4, d2min_cutoff: float = 2.5, max_events: int | None = None,
                 suffix: str | None = "opt", engine: str = "auto"):
        self.strain_step = strain_step
        self.max_strain = max_strain
        self.force_tolerance = force_tolerance
        self.max_iterations = max_iterations
        self.stress_drop_threshold = stress_drop_threshold
        self.energy_drop_threshold = energy_drop_threshold
        self.d2min_cutoff = d2min_cutoff
        self.max_events = max_events
        self.suffix = suffix
        self.engine = engine

    def check_parameters(self) -> int:
        """Validate the parameters; return the number of strain steps."""
        if not (np.isfinite(self.strain_step) and self.strain_step > 0):
            raise GlassmlError(f"strain step must be positive, got {self.strain_step}")
        if not (np.isfinite(self.max_strain) and self.max_strain > 0):
            raise GlassmlError(f"maximum strain must be positive, got {self.max_strain}")
        check_engine(self.engine)
        return max(1, int(round(self.max_strain / self.strain_step)))

    def compute(self, model, positions, types, box, *, diameters=None,
                show_progress: bool = False) -> "AthermalQuasistaticShear":
        """Shear the inherent state ``positions`` of ``model`` in the orthorhombic ``box``
        (``diameters``: the per-particle diameters of a polydisperse model)."""
        n_steps = self.check_parameters()
        engine = engine_for(model, self.engine)
        if engine == "numpy":
            stepper = _NumpyShear(model, positions, types, box, model_diameters(model, diameters),
                                  self.force_tolerance, self.max_iterations)
            self._shear(stepper, n_steps, len(positions), show_progress)
        else:
            from glassml.simulate.engine import LammpsEngine

            with LammpsEngine(model, positions, types, box, suffix=self.suffix) as eng:
                self._shear(_LammpsShear(eng, self.force_tolerance, self.max_iterations), n_steps, eng.n, show_progress)
        self.engine_ = engine
        return self

    def _shear(self, stepper, n_steps: int, n: int, show_progress: bool) -> None:
        from glassml.progress import ProgressBar

        lengths = stepper.lengths
        volume = float(np.prod(lengths))
        s, e, x = stepper.relax()
        strain, stress, energy, events = [0.0], [s], [e], []
        dtilt = self.strain_step * lengths[1]
        with ProgressBar(show_progress, total=n_steps, label="AQS shear") as bar:
            for k in range(n_steps):
                box_before = _cell(lengths, stepper.tilt)
                stepper.tilt_to((k + 1) * dtilt)
                s1, e1, x1 = stepper.relax()
                strain.append((k + 1) * self.strain_step)
                stress.append(s1)
                energy.append(e1)
                ds = s - s1
                # energy released beyond the elastic work sigma dgamma V / N (trapezoid rule)
                de = e - e1 + 0.5 * (s + s1) * self.strain_step * volume / n
                if ds > self.stress_drop_threshold or de > self.energy_drop_threshold:
                    dm = d2min(x, x1, box_before, _cell(lengths, stepper.tilt), self.d2min_cutoff)
                    events.append(PlasticEvent(k, strain[k], float(ds), float(de), int(np.argmax(dm)), dm))
                s, e, x = s1, e1, x1
                bar.advance()
                if self.max_events is not None and len(events) >= self.max_events:
                    break
        self.box_ = _cell(lengths, stepper.tilt)
        self.strain_ = np.asarray(strain)
        self.stress_ = np.asarray(stress)
        self.energy_ = np.asarray(energy)
        self.events_ = events
        self.positions_ = x

    @property
    def shear_modulus_(self) -> float:
        """The median slope ``d sigma / d gamma`` of the first ten elastic steps (steps without a
        plastic event), so that an event on the very first step does not spoil it."""
        plastic = {ev.step for ev in self.events_}
        slopes = [(self.stress_[k + 1] - self.stress_[k]) / (self.strain_[k + 1] - self.strain_[k])
                  for k in range(len(self.strain_) - 1) if k not in plastic][:10]
        return float(np.median(slopes)) if slopes else float("nan")

    def summary(self) -> dict:
        """JSON-ready results: the curve and the events (without the D²min fields)."""
        return {"strain": self.strain_.tolist(), "stress": self.stress_.tolist(), "energy": self.energy_.tolist(),
                "events": [ev.as_dict() for ev in self.events_], "shear_modulus": self.shear_modulus_,
                "strain_step": self.strain_step}


def inherent_state_of(sample) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions, types, box) of a sample's inherent state; a one-line error when it has none."""
    name = getattr(sample, "path", getattr(sample, "name", "sample"))
    keys = sample.keys()
    if "initial_positions_inherent" not in keys:
        raise GlassmlError(f"{name}: no inherent state (initial_positions_inherent); "
                           "compute it with glassml simulate --inherent")
    return (np.asarray(sample["initial_positions_inherent"], float), np.asarray(sample["types"]),
            np.asarray(sample["box"], float))


def shear_sample(sample, model, **params) -> AthermalQuasistaticShear:
    """AQS shear of a :class:`~glassml.store.Sample` (or dict of arrays) from its inherent state."""
    x, t, b = inherent_state_of(sample)
    show = params.pop("show_progress", False)
    dia = np.asarray(sample["diameters"], float) if "diameters" in sample.keys() else None
    return AthermalQuasistaticShear(**params).compute(model, x, t, b, diameters=dia, show_progress=show)
