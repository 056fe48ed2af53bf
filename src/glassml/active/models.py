"""Active Brownian particles: the pair laws and the equations of motion, one source of truth.

The overdamped active Brownian particle (ABP) in two dimensions moves as

    dr_i/dt = mu [F_a n_i + sum_j f(r_ij) rhat_ij] + sqrt(2 D_t) xi_i,
    dtheta_i/dt = omega + sqrt(2 D_r) eta_i,

with ``n_i = (cos theta_i, sin theta_i)``, ``rhat_ij = (r_i - r_j) / r_ij`` and ``f > 0``
repulsive (Fily and Marchetti, PRL 108, 235702 (2012); Redner, Hagan and Baskaran, PRL 110,
055701 (2013)); ``omega != 0`` makes it chiral (van Teeffelen and Löwen, PRE 78, 020101
(2008)).  The underdamped variant adds inertia, ``m dv/dt = -gamma v + F_a n + sum f +
noise`` (Langevin, mobility ``mu = 1/gamma``), and rotational inertia, ``I dOmega/dt =
-gamma_r Omega + noise`` with ``dtheta/dt = Omega + omega`` (Scholz, Jahanshahi, Ldov and
Löwen, Nat. Commun. 9, 5156 (2018)).

The pair laws here give both the numpy force (for the interpretation of a learnt force) and
the LAMMPS commands that realise them, so the simulation and the analysis share one
definition.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np

from glassml.errors import GlassmlError

#: The WCA cutoff in units of sigma.
WCA_CUTOFF = 2.0 ** (1.0 / 6.0)


def _f(v: float) -> str:
    return repr(float(v))


@dataclass(frozen=True)
class WCA:
    """Weeks–Chandler–Andersen repulsion: Lennard-Jones cut at its minimum ``2^(1/6) sigma`` and shifted.

    ``f(r) = 24 epsilon / r [2 (sigma/r)^12 - (sigma/r)^6]`` for ``r < 2^(1/6) sigma``
    (Weeks, Chandler and Andersen, J. Chem. Phys. 54, 5237 (1971)).
    """

    epsilon: float = 1.0
    sigma: float = 1.0
    kind: ClassVar[str] = "wca"

    @property
    def cutoff(self) -> float:
        return WCA_CUTOFF * self.sigma

    def force(self, r) -> np.ndarray:
        """Radial force magnitude ``-dV/dr`` (positive: repulsive) at distances ``r``."""
        r = np.asarray(r, dtype=float)
        s6 = (self.sigma / r) ** 6
        return np.where(r < self.cutoff, 24.0 * self.epsilon / r * (2.0 * s6 * s6 - s6), 0.0)

    def lammps_commands(self) -> list[str]:
        return [f"pair_style lj/cut {_f(self.cutoff)}", f"pair_coeff 1 1 {_f(self.epsilon)} {_f(self.sigma)}",
                "pair_modify shift yes"]


@dataclass(frozen=True)
class Harmonic:
    """Soft harmonic repulsion ``V(r) = k (r_c - r)^2`` for ``r < r_c``, so ``f(r) = 2 k (r_c - r)``.

    The soft-disk model of active matter (Fily, Henkes and Marchetti, Soft Matter 10, 2132
    (2014)); LAMMPS ``pair_style harmonic/cut``.
    """

    k: float = 50.0
    sigma: float = 1.0
    kind: ClassVar[str] = "harmonic"

    @property
    def cutoff(self) -> float:
        return float(self.sigma)

    def force(self, r) -> np.ndarray:
        r = np.asarray(r, dtype=float)
        return np.where(r < self.cutoff, 2.0 * self.k * (self.cutoff - r), 0.0)

    def lammps_commands(self) -> list[str]:
        return ["pair_style harmonic/cut", f"pair_coeff 1 1 {_f(self.k)} {_f(self.cutoff)}"]


@dataclass(frozen=True)
class Yukawa:
    """Screened electrostatics ``V(r) = A exp(-kappa r) / r``, so ``f(r) = A exp(-kappa r)(1 + kappa r) / r^2``.

    Truncated (and shifted, which leaves the force unchanged) at ``cutoff``; the form
    Ruiz-García et al. (PRE 109, 064611 (2024)) fitted to the learnt force between Janus
    colloids.  LAMMPS ``pair_style yukawa``.
    """

    amplitude: float = 50.0
    kappa: float = 2.0
    rc: float = 2.5
    kind: ClassVar[str] = "yukawa"

    @property
    def cutoff(self) -> float:
        return float(self.rc)

    def force(self, r) -> np.ndarray:
        r = np.asarray(r, dtype=float)
        f = self.amplitude * np.exp(-self.kappa * r) * (1.0 + self.kappa * r) / r**2
        return np.where(r < self.cutoff, f, 0.0)

    def lammps_commands(self) -> list[str]:
        return [f"pair_style yukawa {_f(self.kappa)} {_f(self.cutoff)}", f"pair_coeff 1 1 {_f(self.amplitude)}",
                "pair_modify shift yes"]


PAIR_LAWS: dict[str, type] = {"wca": WCA, "harmonic": Harmonic, "yukawa": Yukawa}


def pair_law(kind: str, **params: float):
    """The pair law ``kind`` (``wca``, ``harmonic``, ``yukawa``) with ``params``."""
    if kind not in PAIR_LAWS:
        raise GlassmlError(f"unknown pair law {kind!r}; choose one of {', '.join(PAIR_LAWS)}")
    try:
        return PAIR_LAWS[kind](**params)
    except TypeError as exc:
        raise GlassmlError(f"pair law {kind}: {exc}") from None


def pair_law_record(law) -> dict[str, Any]:
    """A JSON record ``{"kind": ..., <parameters>}`` of a pair law."""
    return {"kind": law.kind, **{k: float(v) for k, v in asdict(law).items()}}


def pair_law_from_record(record: dict[str, Any]):
    """Inverse of :func:`pair_law_record`."""
    rec = dict(record)
    return pair_law(rec.pop("kind"), **rec)


DYNAMICS = ("overdamped", "underdamped")


@dataclass(frozen=True)
class ABPModel:
    """Parameters of active Brownian particles in 2D (reduced units, particle diameter ``sigma = 1``).

    Parameters
    ----------
    pair: a pair law (:class:`WCA`, :class:`Harmonic`, :class:`Yukawa`).
    active_force: ``F_a``, the self-propulsion force (swim speed ``v0 = mu F_a``).
    omega: ``omega``, the constant angular velocity of chiral ABPs (0: achiral).
    translational_diffusion: ``D_t``.
    rotational_diffusion: ``D_r``.  In the underdamped variant LAMMPS's ``fix langevin ...
        omega yes`` fixes it at ``3 D_t / sigma^2`` (its rotational friction is that of a
        sphere of diameter ``sigma`` with the translational damping time); another value is
        refused.  See :attr:`rotation_time`.
    mobility: ``mu = 1 / gamma_t`` (overdamped), or ``damp / mass`` (underdamped).
    dynamics: ``"overdamped"`` (LAMMPS ``fix brownian/sphere``) or ``"underdamped"``
        (``fix langevin`` with ``fix nve/sphere``).
    mass: particle mass (underdamped only).
    """

    pair: Any = field(default_factory=WCA)
    active_force: float = 24.0
    omega: float = 0.0
    translational_diffusion: float = 1.0
    rotational_diffusion: float = 3.0
    mobility: float = 1.0
    dynamics: str = "overdamped"
    mass: float = 1.0
    diameter: float = 1.0

    def __post_init__(self):
        if self.dynamics not in DYNAMICS:
            raise GlassmlError(f"unknown dynamics {self.dynamics!r}; use overdamped or underdamped")
        for name in ("translational_diffusion", "rotational_diffusion", "mobility", "mass", "diameter"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise GlassmlError(f"{name} must be positive, got {v}")
        for name in ("active_force", "omega"):
            if not np.isfinite(getattr(self, name)):
                raise GlassmlError(f"{name} must be finite")
        if self.dynamics == "underdamped":
            implied = 3.0 * self.translational_diffusion / self.diameter**2
            if not math.isclose(self.rotational_diffusion, implied, rel_tol=1e-9):
                raise GlassmlError(f"underdamped particles rotate with D_r = 3 D_t / sigma^2 = {implied:g} (LAMMPS's "
                                   f"Langevin rotational friction); got rotational_diffusion={self.rotational_diffusion:g}")

    @property
    def temperature(self) -> float:
        """``k_B T = D_t / mu`` (Einstein relation)."""
        return self.translational_diffusion / self.mobility

    @property
    def swim_speed(self) -> float:
        """``v0 = mu F_a``."""
        return self.mobility * self.active_force

    @property
    def peclet(self) -> float:
        """``Pe = 3 v0 / (sigma D_r)`` (the convention of Redner et al. 2013)."""
        return 3.0 * self.swim_speed / (self.diameter * self.rotational_diffusion)

    def rotational_friction(self) -> float:
        """``gamma_r = k_B T / D_r``."""
        return self.temperature / self.rotational_diffusion

    @property
    def momentum_time(self) -> float:
        """Velocity relaxation time ``tau = m mu`` (underdamped; 0 when overdamped)."""
        return self.mass * self.mobility if self.dynamics == "underdamped" else 0.0

    @property
    def rotation_time(self) -> float:
        """Angular-velocity relaxation time ``tau_r = I / gamma_r`` (underdamped; 0 when overdamped).

        LAMMPS's ``fix nve/sphere ... disc`` gives a disc the moment of inertia ``m sigma^2 / 8``
        and ``fix langevin ... omega yes`` the rotational friction ``gamma_r = sigma^2 / (3 mu)``,
        so ``tau_r = 3 m mu / 8`` and ``D_r = k_B T / gamma_r = 3 D_t / sigma^2``.
        """
        return 3.0 * self.mass * self.mobility / 8.0 if self.dynamics == "underdamped" else 0.0

    def record(self) -> dict[str, Any]:
        """The manifest record of this model (``name`` = ``abp``)."""
        rec = {k: v for k, v in asdict(self).items() if k != "pair"}
        rec = {k: (float(v) if isinstance(v, (int, float)) else v) for k, v in rec.items()}
        return {"name": "abp", "pair": pair_law_record(self.pair), **rec}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "ABPModel":
        rec = {k: v for k, v in record.items() if k not in ("name",)}
        pair = pair_law_from_record(rec.pop("pair"))
        known = set(cls.__dataclass_fields__)
        return cls(pair=pair, **{k: v for k, v in rec.items() if k in known})

    def box_for(self, n: int, packing_fraction: float) -> np.ndarray:
        """Square box holding ``n`` disks of diameter ``sigma`` at area fraction ``phi``."""
        if not (0 < packing_fraction < 0.907):
            raise GlassmlError(f"packing fraction must be in (0, 0.907), got {packing_fraction}")
        side = math.sqrt(n * math.pi * (self.diameter / 2) ** 2 / packing_fraction)
        return np.array([side, side])


def packing_fraction(n: int, box, diameter: float = 1.0) -> float:
    """Area fraction ``N pi (sigma/2)^2 / A`` of ``n`` disks in a 2D box."""
    return float(n * math.pi * (diameter / 2) ** 2 / np.prod(np.asarray(box, dtype=float)))
