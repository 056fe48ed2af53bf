"""Glass-forming models as data: species, pair parameters, cutoffs, composition, density.

One definition per model, shared by every engine (LAMMPS, the numba swap Monte Carlo), by the
minimiser and by energy-based descriptors.  All quantities are in reduced Lennard-Jones units.

Models
------
``ka3d``
    Kob–Andersen binary Lennard-Jones mixture (W. Kob and H. C. Andersen, PRE 51, 4626 (1995);
    PRL 73, 1376 (1994)): 80:20 A:B, eps_AA/AB/BB = 1/1.5/0.5, sigma = 1/0.8/0.88, masses 1,
    rho = 1.2, cut at 2.5 sigma_ab and shifted so that V(r_c) = 0 (the classic truncated-and-
    shifted convention, LAMMPS ``pair_modify shift yes``).  GlassBench's KA data set (Jung et al.,
    "Roadmap on machine learning glassy dynamics", arXiv:2311.14752) uses N = 4096 at rho = 1.2.
``ka3d-sf``
    The same mixture with the *shifted-force* truncation at 2.5 sigma_ab,
    ``V(r) - V(r_c) - (r - r_c) V'(r_c)`` (energy and force both vanish at the cutoff; LAMMPS
    ``pair_style lj/smooth/linear``).  GlassBench's analysis code (StructDynGlass) treats the
    GlassBench/BOTAN KA configurations with this variant, so their inherent states and energies
    are computed with it.
``ka2d``
    GlassBench's two-dimensional ternary Lennard-Jones mixture (roadmap above; Jung, Biroli and
    Berthier, PRL 130, 238202 (2023); Scalliet, Guiselin and Berthier, PRX 12, 041028 (2022)):
    species A, B, C in proportion 600:330:360, parameters in :data:`KA2D_EPSILON`,
    :data:`KA2D_SIGMA`, cut at 2.5 sigma_ab with a quartic smoothing polynomial
    ``C0 + C2 x**2 + C4 x**4`` (x = r / sigma_ab) so that V, V' and V'' vanish at the cutoff.
    The parameters were fitted to (and are checked in the tests against) the inherent
    structure of a real GlassBench configuration, on which the net force must vanish.
``poly-swap-2d``, ``poly-swap-3d``
    The continuously polydisperse, non-additive soft-sphere model of Ninarello, Berthier and
    Coslovich, PRX 7, 021039 (2017): diameters drawn from P(sigma) ∝ sigma^-3 with
    sigma_min / sigma_max = 0.45 and mean diameter 1, ``v(r) = (sigma_ij / r)**12 + c0 + c2 x**2
    + c4 x**4`` for x = r / sigma_ij < 1.25 (v, v', v'' vanish at the cutoff), non-additive
    ``sigma_ij = (sigma_i + sigma_j) / 2 * (1 - 0.2 |sigma_i - sigma_j|)``, density 1, one
    species (the per-particle ``diameters`` array carries the polydispersity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassml.errors import GlassmlError

KA3D_EPSILON = np.array([[1.0, 1.5], [1.5, 0.5]])
KA3D_SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])

#: KA2D ternary pair energies, species order A, B, C (GlassBench labels 1, 2, 3).
KA2D_EPSILON = np.array([[1.0, 1.5, 0.75], [1.5, 0.5, 1.5], [0.75, 1.5, 0.75]])
#: KA2D ternary pair diameters, species order A, B, C.
KA2D_SIGMA = np.array([[1.0, 0.8, 0.9], [0.8, 0.88, 0.8], [0.9, 0.8, 0.94]])

POLY_RATIO = 0.45  # sigma_min / sigma_max (Ninarello et al. 2017)
POLY_NONADDITIVITY = 0.2
POLY_CUTOFF = 1.25


def nonadditive_sigma(sigma_i, sigma_j) -> np.ndarray:
    """sigma_ij of the polydisperse models from the two diameters (Ninarello et al. 2017):
    ``(sigma_i + sigma_j) / 2 * (1 - 0.2 |sigma_i - sigma_j|)``."""
    si, sj = np.asarray(sigma_i, float), np.asarray(sigma_j, float)
    return 0.5 * (si + sj) * (1.0 - POLY_NONADDITIVITY * np.abs(si - sj))


def smoothing_coefficients(kind: str, xc: float) -> tuple[float, float, float]:
    """Coefficients (C0, C2, C4) of ``C0 + C2 x^2 + C4 x^4`` that make V, V', V'' vanish at ``xc``.

    ``kind`` is ``"lj"`` for ``4 (x^-12 - x^-6)`` or ``"r12"`` for ``x^-12`` (energies per eps).
    """
    a, da, dda = _base(kind, np.array([xc]))
    # V = a + C0 + C2 x^2 + C4 x^4; V' = a' + 2 C2 x + 4 C4 x^3; V'' = a'' + 2 C2 + 12 C4 x^2
    m = np.array([[1.0, xc**2, xc**4], [0.0, 2 * xc, 4 * xc**3], [0.0, 2.0, 12 * xc**2]])
    c0, c2, c4 = np.linalg.solve(m, -np.array([a[0], da[0], dda[0]]))
    return float(c0), float(c2), float(c4)


def _base(kind: str, x: np.ndarray):
    """The bare potential per eps and its first two derivatives in x."""
    inv = 1.0 / x
    i6 = inv**6
    i12 = i6 * i6
    if kind == "lj":
        return 4 * (i12 - i6), 4 * (-12 * i12 + 6 * i6) * inv, 4 * (156 * i12 - 42 * i6) * inv * inv
    if kind == "r12":
        return i12, -12 * i12 * inv, 156 * i12 * inv * inv
    raise ValueError(kind)


@dataclass(frozen=True)
class Model:
    """A pair-potential glass former.

    Attributes
    ----------
    name: registry name (``"ka3d"``, ``"ka3d-sf"``, ``"ka2d"``, ``"poly-swap-2d"``, ``"poly-swap-3d"``).
    dimension: 2 or 3.
    species: species names, index = glassml species integer.
    composition: number fraction of each species (sums to 1).
    density: number density N / V.
    masses: (K,) particle masses.
    epsilon, sigma: (K, K) pair energy and length scales (for the polydisperse model, the
        length is per pair from the ``diameters``; ``sigma`` is then [[1]]).
    cutoff_ratio: cutoff in units of sigma_ab.
    truncation: ``"shift"`` (V - V(r_c)), ``"shifted-force"`` (V - V(r_c) - (r - r_c) V'(r_c))
        or ``"smooth"`` (quartic polynomial, V, V', V'' = 0).
    base: ``"lj"`` (12-6 Lennard-Jones) or ``"r12"`` (inverse-power 12 soft spheres).
    polydisperse: per-particle diameters (sample array ``diameters``) set sigma_ij.
    temperatures: characteristic temperatures (for documentation and presets).
    reference: citation.
    """

    name: str
    dimension: int
    species: tuple[str, ...]
    composition: tuple[float, ...]
    density: float
    masses: tuple[float, ...]
    epsilon: np.ndarray
    sigma: np.ndarray
    cutoff_ratio: float
    truncation: str
    base: str = "lj"
    polydisperse: bool = False
    timestep: float = 0.005
    temperatures: dict[str, float] = field(default_factory=dict)
    reference: str = ""

    # ------------------------------------------------------------------ basic facts
    @property
    def n_species(self) -> int:
        return len(self.species)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (stored in a dataset manifest)."""
        return {
            "name": self.name,
            "dimension": self.dimension,
            "species": list(self.species),
            "composition": list(self.composition),
            "density": self.density,
            "masses": list(self.masses),
            "epsilon": self.epsilon.tolist(),
            "sigma": self.sigma.tolist(),
            "cutoff_ratio": self.cutoff_ratio,
            "truncation": self.truncation,
            "base": self.base,
            "polydisperse": self.polydisperse,
            "reference": self.reference,
        }

    def counts(self, n: int) -> np.ndarray:
        """Number of particles of each species for ``n`` particles (largest remainder rounding)."""
        frac = np.asarray(self.composition) * n
        counts = np.floor(frac).astype(int)
        rest = n - counts.sum()
        order = np.argsort(-(frac - counts), kind="stable")
        counts[order[:rest]] += 1
        return counts

    def types_for(self, n: int) -> np.ndarray:
        """A (n,) species array with the model's composition, sorted by species."""
        return np.repeat(np.arange(self.n_species), self.counts(n)).astype(np.int64)

    def box_for(self, n: int, density: float | None = None) -> np.ndarray:
        """Cubic/square box lengths for ``n`` particles at ``density`` (default: the model's)."""
        rho = self.density if density is None else float(density)
        if not np.isfinite(rho) or rho <= 0:
            raise GlassmlError(f"density must be positive and finite, got {density}")
        return np.full(self.dimension, (n / rho) ** (1.0 / self.dimension))

    # ------------------------------------------------------------------ pair parameters
    def _check_types(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t)
        if t.size and (t.min() < 0 or t.max() >= self.n_species):
            raise GlassmlError(f"model {self.name} has species 0..{self.n_species - 1}, got {t.min()}..{t.max()}")
        return t

    def pair_sigma(self, ti, tj, sigma_i=None, sigma_j=None) -> np.ndarray:
        """sigma_ab of pairs (species arrays), or the non-additive rule from diameters."""
        if self.polydisperse:
            if sigma_i is None or sigma_j is None:
                raise GlassmlError(f"model {self.name} is polydisperse: pass the particle diameters")
            return nonadditive_sigma(sigma_i, sigma_j)
        return self.sigma[self._check_types(ti), self._check_types(tj)]

    def pair_epsilon(self, ti, tj) -> np.ndarray:
        if self.polydisperse:
            return np.ones(np.broadcast(np.asarray(ti), np.asarray(tj)).shape)
        return self.epsilon[self._check_types(ti), self._check_types(tj)]

    def cutoff(self, ti, tj, sigma_i=None, sigma_j=None) -> np.ndarray:
        """Cutoff distance of pairs (species arrays, or diameters for the polydisperse model)."""
        return self.cutoff_ratio * self.pair_sigma(ti, tj, sigma_i, sigma_j)

    def max_cutoff(self, diameters: np.ndarray | None = None) -> float:
        """The largest cutoff of any pair (the neighbor-list radius)."""
        if self.polydisperse:
            if diameters is None:
                smax = POLY_SIGMA_MAX
            else:
                smax = float(np.max(diameters))
            return float(self.cutoff_ratio * smax)  # sigma_ij <= max(sigma_i, sigma_j)
        return float(self.cutoff_ratio * self.sigma.max())

    @property
    def truncation_terms(self) -> tuple[float, float, float, float]:
        """(C0, C1, C2, C4) per eps: the pair energy is ``eps (base(x) + C0 + C1 x + C2 x^2 + C4 x^4)``
        below the cutoff, x = r / sigma_ab.

        ``shift``: C0 = -base(x_c).  ``smooth``: :func:`smoothing_coefficients`.
        ``shifted-force``: C1 = -base'(x_c), C0 = -base(x_c) + x_c base'(x_c), i.e.
        ``V(r) - V(r_c) - (r - r_c) V'(r_c)``.
        """
        xc = np.array([self.cutoff_ratio])
        a, da, _ = _base(self.base, xc)
        if self.truncation == "smooth":
            c0, c2, c4 = smoothing_coefficients(self.base, self.cutoff_ratio)
            return (c0, 0.0, c2, c4)
        if self.truncation == "shift":
            return (-float(a[0]), 0.0, 0.0, 0.0)
        if self.truncation == "shifted-force":
            return (float(-a[0] + xc[0] * da[0]), float(-da[0]), 0.0, 0.0)
        raise GlassmlError(f"model {self.name}: unknown truncation {self.truncation!r}")

    @property
    def smoothing(self) -> tuple[float, float, float]:
        """(C0, C2, C4) per eps for ``truncation == "smooth"``; the shift (C0, 0, 0) for ``"shift"``.

        A shifted-force model also has a linear term: use :attr:`truncation_terms`.
        """
        c0, c1, c2, c4 = self.truncation_terms
        if c1 != 0.0:
            raise GlassmlError(f"model {self.name} ({self.truncation}) has a linear term; use truncation_terms")
        return (c0, c2, c4)

    # ------------------------------------------------------------------ the potential
    def pair_energy(self, r, ti, tj, sigma_i=None, sigma_j=None) -> np.ndarray:
        """Pair energy V(r) of pairs at distances ``r`` with species ``ti``, ``tj`` (vectorised).

        For the polydisperse model pass the two particles' diameters ``sigma_i``, ``sigma_j``.
        Zero at and beyond the cutoff.
        """
        x, s, e = self._reduced(r, ti, tj, sigma_i, sigma_j)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            a, _, _ = _base(self.base, x)
            c0, c1, c2, c4 = self.truncation_terms
            x2 = x * x
            v = e * (a + c0 + c1 * x + c2 * x2 + c4 * x2 * x2)
        return np.where(x < self.cutoff_ratio, v, 0.0)

    def _reduced(self, r, ti, tj, sigma_i, sigma_j) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x = r / sigma_ab, sigma_ab and eps_ab of pairs: what the pair functions share."""
        s = self.pair_sigma(ti, tj, sigma_i, sigma_j)
        return np.asarray(r, float) / s, s, self.pair_epsilon(ti, tj)

    def pair_force_magnitude(self, r, ti, tj, sigma_i=None, sigma_j=None) -> np.ndarray:
        """-dV/dr of pairs (positive = repulsive), zero beyond the cutoff (vectorised)."""
        x, s, e = self._reduced(r, ti, tj, sigma_i, sigma_j)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            _, da, _ = _base(self.base, x)
            _, c1, c2, c4 = self.truncation_terms
            f = -e / s * (da + c1 + 2 * c2 * x + 4 * c4 * x**3)
        return np.where(x < self.cutoff_ratio, f, 0.0)

    def pair_curvature(self, r, ti, tj, sigma_i=None, sigma_j=None) -> np.ndarray:
        """d²V/dr² of pairs (the Hessian's radial term), zero beyond the cutoff (vectorised)."""
        x, s, e = self._reduced(r, ti, tj, sigma_i, sigma_j)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            _, _, dda = _base(self.base, x)
            _, _, c2, c4 = self.truncation_terms
            v2 = e / (s * s) * (dda + 2 * c2 + 12 * c4 * x * x)
        return np.where(x < self.cutoff_ratio, v2, 0.0)

    # ------------------------------------------------------------------ whole configurations
    def potential_energy_per_particle(self, positions, types, box, diameters=None) -> np.ndarray:
        """Per-particle potential energy e_i = 1/2 sum_j V(r_ij) (sums to the total energy)."""
        from glassml.systems.compute import energies_and_forces

        return energies_and_forces(self, positions, types, box, diameters)[0]

    def forces(self, positions, types, box, diameters=None) -> np.ndarray:
        """(N, d) forces -grad U."""
        from glassml.systems.compute import energies_and_forces

        return energies_and_forces(self, positions, types, box, diameters)[1]

    def potential_energy(self, positions, types, box, diameters=None) -> float:
        """Total potential energy."""
        return float(self.potential_energy_per_particle(positions, types, box, diameters).sum())

    def lammps_commands(self, table_dir) -> list[str]:
        """LAMMPS commands (pair style, coefficients, masses) that realise this potential."""
        from glassml.systems.lammps import pair_commands

        return pair_commands(self, table_dir)

    def __hash__(self) -> int:  # arrays are not hashable; names are unique
        return hash(self.name)


POLY_SIGMA_MAX = (1.0 + POLY_RATIO) / (2.0 * POLY_RATIO)  # mean diameter 1 (harmonic mean rule)
POLY_SIGMA_MIN = POLY_RATIO * POLY_SIGMA_MAX


def polydisperse_diameters(n: int, seed: int | None = None) -> np.ndarray:
    """Diameters with P(sigma) ∝ sigma^-3 on [sigma_min, sigma_max], sigma_min/sigma_max = 0.45.

    The mean of this distribution is the harmonic mean 2 s_min s_max / (s_min + s_max), set to 1,
    so sigma_max = 1.611 and sigma_min = 0.725 (Ninarello et al. 2017 quote 0.73 and 1.62).
    The n diameters are the distribution's quantiles at (k + 1/2)/n, so every sample has the
    same set of diameters; ``seed`` shuffles which particle gets which (None: sorted).
    """
    if n < 1:
        raise GlassmlError(f"need at least one particle, got {n}")
    u = (np.arange(n) + 0.5) / n
    a, b = POLY_SIGMA_MIN**-2, POLY_SIGMA_MAX**-2
    d = (a - u * (a - b)) ** -0.5
    if seed is not None:
        d = np.random.default_rng(seed).permutation(d)
    return d


_MODELS: dict[str, Model] = {
    "ka3d": Model(
        name="ka3d",
        dimension=3,
        species=("A", "B"),
        composition=(0.8, 0.2),
        density=1.2,
        masses=(1.0, 1.0),
        epsilon=KA3D_EPSILON,
        sigma=KA3D_SIGMA,
        cutoff_ratio=2.5,
        truncation="shift",
        temperatures={"T_MCT": 0.435, "T_onset": 1.0},
        reference="Kob & Andersen, PRE 51, 4626 (1995)",
    ),
    "ka3d-sf": Model(
        name="ka3d-sf",
        dimension=3,
        species=("A", "B"),
        composition=(0.8, 0.2),
        density=1.2,
        masses=(1.0, 1.0),
        epsilon=KA3D_EPSILON,
        sigma=KA3D_SIGMA,
        cutoff_ratio=2.5,
        truncation="shifted-force",
        temperatures={"T_MCT": 0.435, "T_onset": 1.0},
        reference="Kob & Andersen, PRE 51, 4626 (1995); shifted-force truncation as in GlassBench "
                  "(Jung et al., arXiv:2311.14752)",
    ),
    "ka2d": Model(
        name="ka2d",
        dimension=2,
        species=("A", "B", "C"),
        composition=(600 / 1290, 330 / 1290, 360 / 1290),
        density=1290 / 32.8962**2,
        masses=(1.0, 1.0, 1.0),
        epsilon=KA2D_EPSILON,
        sigma=KA2D_SIGMA,
        cutoff_ratio=2.5,
        truncation="smooth",
        reference="GlassBench KA2D (Jung et al., arXiv:2311.14752; PRL 130, 238202 (2023))",
    ),
    "poly-swap-2d": Model(
        name="poly-swap-2d",
        dimension=2,
        species=("P",),
        composition=(1.0,),
        density=1.0,
        masses=(1.0,),
        epsilon=np.ones((1, 1)),
        sigma=np.ones((1, 1)),
        cutoff_ratio=POLY_CUTOFF,
        truncation="smooth",
        base="r12",
        polydisperse=True,
        timestep=0.01,
        reference="Ninarello, Berthier & Coslovich, PRX 7, 021039 (2017); 2D: Berthier et al., PNAS 116, 9767 (2019)",
    ),
    "poly-swap-3d": Model(
        name="poly-swap-3d",
        dimension=3,
        species=("P",),
        composition=(1.0,),
        density=1.0,
        masses=(1.0,),
        epsilon=np.ones((1, 1)),
        sigma=np.ones((1, 1)),
        cutoff_ratio=POLY_CUTOFF,
        truncation="smooth",
        base="r12",
        polydisperse=True,
        timestep=0.01,
        temperatures={"T_MCT": 0.104},
        reference="Ninarello, Berthier & Coslovich, PRX 7, 021039 (2017)",
    ),
}


#: Other names under which datasets and manifests refer to the models (after lower-casing and
#: ``_`` -> ``-``): GlassBench calls the 3D Kob-Andersen mixture "KA".
MODEL_ALIASES = {"ka": "ka3d", "kob-andersen": "ka3d", "ka2d-ternary": "ka2d", "ka3d-shifted-force": "ka3d-sf"}


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`."""
    return sorted(_MODELS)


def get_model(name) -> Model:
    """The model called ``name`` (``ka3d``, ``ka3d-sf``, ``ka2d``, ``poly-swap-2d``, ``poly-swap-3d``, or an
    alias in :data:`MODEL_ALIASES`; case and ``_``/``-`` do not matter).

    Also accepts a :class:`Model` (returned as is) or a dataset's model record
    (:attr:`glassml.store.Dataset.model`, a mapping with a ``name``), so
    ``get_model(Dataset.open(p).model)`` works.
    """
    if isinstance(name, Model):
        return name
    if isinstance(name, dict):
        if "name" not in name:
            raise GlassmlError("model description has no 'name'")
        name = name["name"]
    key = str(name).lower().replace("_", "-")
    key = MODEL_ALIASES.get(key, key)
    if key not in _MODELS:
        raise GlassmlError(f"unknown model {name!r}; choose one of {', '.join(list_models())}")
    return _MODELS[key]
