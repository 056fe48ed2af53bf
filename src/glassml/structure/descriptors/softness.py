"""Structure functions of the softness method (Cubuk et al., PRL 114, 108001 (2015);
Schoenholz et al., Nat. Phys. 12, 469 (2016)), after Behler & Parrinello (PRL 98, 146401 (2007)).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.structure.descriptors.base import Descriptor, fmt, linear_grid


class RadialStructure(Descriptor):
    """Radial structure functions per neighbor species,
    ``G_X(i; mu) = sum_{j != i, s_j = X} exp(-(r_ij - mu)^2 / (2 L^2))``, for
    ``mu = 0.1 .. 5.0`` in steps of 0.1 and ``L = 0.1`` by default (Cubuk 2015,
    Schoenholz 2016).  Pairs beyond ``mu_max + 3 L`` are neglected (weight < 0.011).
    Names ``G_s{X}_mu{mu}``.
    """

    def __init__(self, mus: Sequence[float] | None = None, width: float = 0.1, bounds=(0.1, 5.0), step: float = 0.1,
                 truncation: float = 3.0):
        mus = linear_grid(bounds[0], bounds[1], step) if mus is None else [float(m) for m in mus]
        super().__init__(mus=mus, width=float(width), truncation=float(truncation))

    @property
    def cutoff(self) -> float:
        return max(self.params["mus"]) + self.params["truncation"] * self.params["width"]

    def _compute(self, conf):
        from glassml.structure.kernels import species_gaussians

        p = self.params
        nb = conf.neighbors(self.cutoff)
        g = species_gaussians(nb.offsets, nb.j, nb.distances, conf.types, conf.n_species,
                              np.asarray(p["mus"], dtype=np.float64), p["width"])
        names = [f"G_s{s}_mu{fmt(m)}" for s in range(conf.n_species) for m in p["mus"]]
        return g.reshape(conf.n_particles, -1), names


class AngularStructure(Descriptor):
    """Angular structure functions per unordered pair of neighbor species (Cubuk 2015):
    ``Psi_XY(i; xi, lambda, zeta) = sum_{j<k} exp(-(r_ij^2 + r_ik^2 + r_jk^2) / xi^2)
    (1 + lambda cos theta_jik)^zeta`` over neighbors j (species X) and k (species Y) of i
    closer than ``cutoff``.  Names ``Psi_s{X}{Y}_xi{xi}_lam{lambda}_zeta{zeta}``.
    """

    def __init__(self, xis: Sequence[float] = (1.0, 1.5, 2.0), lambdas: Sequence[float] = (-1.0, 1.0),
                 zetas: Sequence[int] = (1, 2, 4), cutoff: float = 2.5):
        if any(int(z) != z or z < 0 for z in zetas):
            raise GlassmlError(f"angular zetas must be non-negative integers, got {list(zetas)}")
        super().__init__(xis=[float(x) for x in xis], lambdas=[float(x) for x in lambdas],
                         zetas=[int(x) for x in zetas], cutoff=float(cutoff))

    def _compute(self, conf):
        from glassml.structure.kernels import angular_symmetry

        p = self.params
        nb = conf.neighbors(p["cutoff"])
        k = conf.n_species
        out = angular_symmetry(nb.offsets, nb.j, np.ascontiguousarray(nb.vectors), nb.distances, conf.types, k,
                               np.asarray(p["xis"]), np.asarray(p["lambdas"]), np.asarray(p["zetas"], dtype=np.int64))
        pairs = [(a, b) for a in range(k) for b in range(a, k)]
        names = [f"Psi_s{a}{b}_xi{fmt(x)}_lam{fmt(l)}_zeta{fmt(z)}"
                 for a, b in pairs for x in p["xis"] for l in p["lambdas"] for z in p["zetas"]]
        return out.reshape(conf.n_particles, -1), names


def radial_bounds_for_box(box, *, width: float = 0.1, step: float = 0.1, truncation: float = 3.0) -> list[float]:
    """Bounds of :class:`RadialStructure`'s centres for a box: 0.1..5.0 (Schoenholz et al.,
    Nat. Phys. 12, 469 (2016)), cut so that the functions' reach (last centre + ``truncation``
    x ``width``) stays within half the smallest box length: small boxes get a shorter grid."""
    half = 0.5 * float(np.min(np.atleast_1d(box)))
    top = min(5.0, np.floor((half - truncation * width - 1e-9) / step) * step)
    if top < 0.1 + step:
        raise GlassmlError(f"box too small for softness radial functions (half box {half:.3g})")
    return [0.1, round(float(top), 6)]
