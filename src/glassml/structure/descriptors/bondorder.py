"""Bond-orientational descriptors: Steinhardt/Lechner-Dellago, Boattini's radial bond order
(with recursive coarse-graining) and Coslovich's smoothed bond order.

Three dimensions use spherical harmonics ``Y_l^m`` (Condon-Shortley phase, orthonormal).
For the Boattini and smoothed bond orders in two dimensions the natural planar analogue is
used, ``q_l(i) = |sum_j w_ij exp(i l phi_ij)| / sum_j w_ij`` (phi_ij the bond angle); the
Steinhardt parameters in 2D follow freud's convention (3D harmonics of bonds in the plane).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.structure.descriptors.base import Configuration, Descriptor, coarse_grain, fmt, linear_grid
from glassml.structure.harmonics import invariant_ql, invariant_wl, weighted_planar, weighted_qlm


def _orders(orders: Sequence[int]) -> list[int]:
    out = sorted({int(l) for l in orders})
    if not out or out[0] < 0 or out[-1] > 16:
        raise GlassmlError(f"bond orders must lie in 0..16, got {list(orders)}")
    return out


def bond_order(conf: Configuration, nb, weights: np.ndarray, orders: list[int]) -> np.ndarray:
    """Rotational invariants ``Q_l`` of weighted bonds: (N, S, len(orders)).

    3D: ``Q_l = sqrt(4 pi/(2l+1) sum_m |q_lm|^2)``, ``q_lm = sum_j w Y_lm / sum_j w``.
    2D: ``Q_l = |sum_j w exp(i l phi)| / sum_j w``.  Particles with no weight get 0.
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    if conf.dimension == 3:
        q, _ = weighted_qlm(nb.offsets, conf.vectors3(nb), weights, max(orders))
        return invariant_ql(q, orders)
    phi = np.arctan2(nb.vectors[:, 1], nb.vectors[:, 0])
    c, _ = weighted_planar(nb.offsets, phi, weights, np.asarray(orders, dtype=np.float64))
    return np.abs(c)


class Steinhardt(Descriptor):
    """Steinhardt bond-order parameters q_l and w_l (Steinhardt, Nelson & Ronchetti, PRB 28,
    784 (1983)) and their Lechner-Dellago averages (J. Chem. Phys. 129, 114707 (2008)).

    Neighbors are all particles closer than ``cutoff``.  ``q_lm(i) = 1/N_b sum_j Y_lm(r_ij)``;
    ``q_l = sqrt(4 pi/(2l+1) sum_m |q_lm|^2)``; ``w_l`` is the Wigner-3j contraction of q_lm,
    normalised by ``(sum_m |q_lm|^2)^(3/2)``.  The averaged ``qbar_lm(i)`` is the mean of
    ``q_lm`` over i and its neighbors.  Features: ``q{l}``, ``w{l}``, ``qbar{l}``, ``wbar{l}``.
    Agrees with ``freud.order.Steinhardt`` (checked in the tests).
    """

    def __init__(self, orders: Sequence[int] = (2, 4, 6, 8), cutoff: float = 1.5, wl: bool = True, average: bool = True):
        super().__init__(orders=_orders(orders), cutoff=float(cutoff), wl=bool(wl), average=bool(average))

    def _compute(self, conf):
        p = self.params
        orders = p["orders"]
        nb = conf.neighbors(p["cutoff"])
        ones = np.ones((nb.n_pairs, 1))
        q, _ = weighted_qlm(nb.offsets, conf.vectors3(nb), ones, max(orders))
        q = q[:, 0]  # (N, L+1, L+1)
        cols, names = [invariant_ql(q, orders)], [f"q{l}" for l in orders]
        if p["wl"]:
            cols.append(invariant_wl(q, orders))
            names += [f"w{l}" for l in orders]
        if p["average"]:
            from scipy import sparse

            n = conf.n_particles
            mat = sparse.csr_matrix((np.ones(nb.n_pairs), (nb.i, nb.j)), shape=(n, n)) + sparse.identity(n, format="csr")
            counts = np.asarray(mat.sum(axis=1)).ravel()
            flat = q.reshape(n, -1)
            qbar = ((mat @ flat.real) + 1j * (mat @ flat.imag)) / counts[:, None]
            qbar = qbar.reshape(q.shape)
            cols.append(invariant_ql(qbar, orders))
            names += [f"qbar{l}" for l in orders]
            if p["wl"]:
                cols.append(invariant_wl(qbar, orders))
                names += [f"wbar{l}" for l in orders]
        return np.concatenate(cols, axis=1), names


class RadialBondOrder(Descriptor):
    """Radial bond-order parameters of Boattini, Smallenburg & Filion, PRL 127, 088007 (2021).

    For each shell ``d_n`` of a radial grid, bonds are weighted by a Gaussian
    ``G_n(r) = exp(-(r - d_n)^2 / (2 delta^2))`` (truncated at ``r_max = d_max + skin delta``)
    and ``q_lmn(i) = sum_j G_n(r_ij) Y_lm(r_ij) / sum_j G_n(r_ij)``; the features are
    ``Q_{l,n} = sqrt(4 pi/(2l+1) sum_m |q_lmn|^2)``.  This is partycls'
    ``RadialBondOrientationalDescriptor`` (defaults l = 1..8, d = 1.0..1.5 step 0.1,
    delta = 0.1, skin = 2.5) and agrees with it to 1e-6 (tests).  Feature names
    ``rbo_l{l}_r{d}``, ordered by l then d.
    """

    def __init__(self, orders: Sequence[int] = range(1, 9), distances: Sequence[float] | None = None,
                 delta: float = 0.1, skin: float = 2.5, bounds=(1.0, 1.5), dr: float = 0.1):
        distances = linear_grid(bounds[0], bounds[1], dr) if distances is None else [float(d) for d in distances]
        super().__init__(orders=_orders(orders), distances=distances, delta=float(delta), skin=float(skin))

    @property
    def cutoff(self) -> float:
        return max(self.params["distances"]) + self.params["skin"] * self.params["delta"]

    def _compute(self, conf):
        p = self.params
        nb = conf.neighbors(self.cutoff)
        d = np.asarray(p["distances"])
        w = np.exp(-((nb.distances[:, None] - d[None, :]) ** 2) / (2.0 * p["delta"] ** 2))
        ql = bond_order(conf, nb, w, p["orders"])  # (N, S, L)
        feats = ql.transpose(0, 2, 1).reshape(conf.n_particles, -1)
        names = [f"rbo_l{l}_r{fmt(x)}" for l in p["orders"] for x in p["distances"]]
        return feats, names


class RadialDensity(Descriptor):
    """Radial densities per neighbor species,
    ``G_i(d, delta, s) = sum_{j != i, s_j = s} exp(-(r_ij - d)^2 / (2 delta^2))``
    (Boattini et al. 2021; the radial structure functions of Behler & Parrinello 2007 and
    Cubuk et al. 2015 with width delta).  Truncated at ``d_max + skin delta``.
    Names ``rho_s{s}_r{d}``, ordered by species then d.
    """

    def __init__(self, distances: Sequence[float] | None = None, delta: float = 0.1, skin: float = 3.0,
                 bounds=(1.0, 1.5), dr: float = 0.1, prefix: str = "rho"):
        distances = linear_grid(bounds[0], bounds[1], dr) if distances is None else [float(d) for d in distances]
        super().__init__(distances=distances, delta=float(delta), skin=float(skin), prefix=str(prefix))

    @property
    def cutoff(self) -> float:
        return max(self.params["distances"]) + self.params["skin"] * self.params["delta"]

    def _compute(self, conf):
        from glassml.structure.kernels import species_gaussians

        p = self.params
        nb = conf.neighbors(self.cutoff)
        d = np.asarray(p["distances"], dtype=np.float64)
        g = species_gaussians(nb.offsets, nb.j, nb.distances, conf.types, conf.n_species, d, float(p["delta"]))
        names = [f"{p['prefix']}_s{s}_r{fmt(x)}" for s in range(conf.n_species) for x in p["distances"]]
        return g.reshape(conf.n_particles, -1), names


class SmoothedBondOrder(Descriptor):
    """Smoothed bond-order parameters (Coslovich's definition, as implemented in partycls'
    ``SmoothedBondOrientationalDescriptor``; Paret & Coslovich, JCP 2021; partycls, JOSS 2021).

    Bonds are weighted by ``f(r_ij) = exp(-(r_ij / r_ab)^gamma)`` for ``r_ij < xi r_ab``, where
    ``r_ab`` is the nearest-neighbor cutoff of the species pair (the first minimum of the
    partial g(r)); ``q_lm(i) = sum_j f Y_lm / sum_j f`` and ``Q_l`` as usual.  Defaults
    l = 1..8, gamma = 8, xi = 1.3 (partycls' defaults).  ``cutoffs`` is a (K, K) matrix;
    ``None`` means: first minima of this configuration's partial g(r)
    (:func:`first_minimum_cutoffs`).  Names ``sbo_l{l}``.
    """

    def __init__(self, orders: Sequence[int] = range(1, 9), cutoffs=None, exponent: int = 8, enlargement: float = 1.3):
        cut = None if cutoffs is None else np.asarray(cutoffs, dtype=float).tolist()
        super().__init__(orders=_orders(orders), cutoffs=cut, exponent=int(exponent), enlargement=float(enlargement))

    def resolved_cutoffs(self, conf) -> np.ndarray:
        k = conf.n_species
        if self.params["cutoffs"] is None:
            return first_minimum_cutoffs(conf)
        c = np.asarray(self.params["cutoffs"], dtype=float)
        if c.ndim == 0:
            c = np.full((k, k), float(c))
        if c.shape != (k, k) or np.any(c <= 0):
            raise GlassmlError(f"sbo cutoffs must be a positive ({k}, {k}) matrix, got shape {c.shape}")
        return c

    def _compute(self, conf):
        p = self.params
        rc = self.resolved_cutoffs(conf)
        nb = conf.neighbors(p["enlargement"] * rc.max())
        rab = rc[conf.types[nb.i], conf.types[nb.j]]
        x = nb.distances / rab
        w = np.where(nb.distances < p["enlargement"] * rab, np.exp(-(x ** p["exponent"])), 0.0)
        ql = bond_order(conf, nb, w[:, None], p["orders"])[:, 0, :]
        return ql, [f"sbo_l{l}" for l in p["orders"]]


def first_minimum_cutoffs(conf: Configuration, *, rmax: float = 2.5, dr: float = 0.02, window: float = 0.1,
                          min_count: int = 5) -> np.ndarray:
    """Nearest-neighbor cutoffs (K, K): where the first coordination shell of each partial
    radial distribution function g_ab(r) ends.

    The first shell is the peak of particles in contact.  It is found as the first rise of
    g_ab after its onset, not as its highest peak: for pairs that rarely touch, such as B-B in
    Kob-Andersen mixtures (Kob & Andersen, PRE 51, 4626 (1995)), the contact peak is low (g
    well below 1) or only a shoulder, and the highest peak is the second shell (on
    GlassBench's KA2D T = 0.23 configuration g_BB peaks at 1.5 and 1.8, but no B-B pair
    farther than 1.4 is a Voronoi neighbor).  The cutoff is then

    * the first minimum of g_ab after the contact peak, or, where the contact peak is only
      a shoulder, the flattest point of that shoulder before the second-shell rise;
    * for pairs whose contacts form only a sparse tail that runs into the second shell (no
      peak, no shoulder), the start of that rise (where the slope reaches half its maximum).

    ``g_ab`` is histogrammed in bins of ``dr`` up to ``rmax`` (capped at half the box) and
    smoothed over 5 bins; its slope is the difference across ``window`` (0.1: wiggles
    narrower than that are noise); the onset is the first bin with at least ``min_count``
    pair counts within ``window``.  Pairs with no such onset get 1.5.  Paret & Coslovich
    define the smoothed bond order on these first minima (partycls, JOSS 6, 3723 (2021)).
    """
    k = conf.n_species
    rmax = min(rmax, conf.query.check_cutoff(rmax))
    nb = conf.neighbors(rmax)
    ti, tj = conf.types[nb.i], conf.types[nb.j]
    bins = np.arange(0.0, rmax + dr / 2, dr)
    centers = 0.5 * (bins[1:] + bins[:-1])
    w = max(2, int(round(window / dr)))
    out = np.full((k, k), 1.5)
    for a in range(k):
        for b in range(a, k):
            counts, _ = np.histogram(nb.distances[(ti == a) & (tj == b)], bins=bins)
            end = _first_shell_end(counts, centers ** (conf.dimension - 1), w, min_count)
            if end is not None:
                out[a, b] = out[b, a] = round(float(centers[end]), 4)
    return out


def _first_shell_end(counts: np.ndarray, shell: np.ndarray, w: int, min_count: int) -> int | None:
    """Bin index where the first shell of one pair histogram ends (see first_minimum_cutoffs)."""
    n = counts.size
    g = np.convolve(counts / shell, np.ones(5) / 5, mode="same")
    half = w // 2
    slope = np.zeros(n)
    slope[half:n - half] = g[2 * half:] - g[:n - 2 * half]
    support = np.convolve(counts, np.ones(2 * w + 1), mode="same")
    onset = next((i for i in range(n) if support[i] >= min_count), None)
    if onset is None:
        return None
    # the steepest point of the first rise
    rise = next((i for i in range(onset, n - w) if slope[i] > 0 and slope[i] >= slope[max(0, i - w):i + w + 1].max()), None)
    if rise is None:
        return None
    if rise - onset > 3 * w:
        # no contact peak: a sparse tail runs into the second shell; the shell ends where it rises
        return next(i for i in range(onset, rise + 1) if slope[i] >= 0.5 * slope[rise])
    # the steepest descent after the peak, or the flattest point of a shoulder
    turn = next((i for i in range(rise + 1, n - w) if slope[i] <= slope[max(rise, i - w):i + w + 1].min()), n - 1)
    if slope[turn] >= 0:
        return turn
    return next((i for i in range(turn + 1, n) if slope[i] >= 0), n - 1)


class Boattini(Descriptor):
    """Boattini, Smallenburg & Filion's descriptor (PRL 127, 088007 (2021)): radial bond order
    (:class:`RadialBondOrder`) and radial densities per species (:class:`RadialDensity`) on
    the same shells, then ``levels`` rounds of neighbor averaging,
    ``x^(n)_i = sum_j exp(-r_ij/r_c) x^(n-1)_j / sum_j exp(-r_ij/r_c)`` over ``j = i`` and
    ``r_ij < r_c``.  Features of level n carry the suffix ``_cg{n}``.
    (The averaging length r_c = 2.0 is our default; the paper's value is unverified here.)
    """

    def __init__(self, orders: Sequence[int] = range(1, 9), bounds=(1.0, 1.5), dr: float = 0.1, delta: float = 0.1,
                 skin: float = 2.5, density: bool = True, levels: int = 1, coarse_length: float = 2.0):
        super().__init__(orders=_orders(orders), distances=linear_grid(bounds[0], bounds[1], dr), delta=float(delta),
                         skin=float(skin), density=bool(density), levels=int(levels), coarse_length=float(coarse_length))

    def _compute(self, conf):
        p = self.params
        rbo = RadialBondOrder(p["orders"], p["distances"], delta=p["delta"], skin=p["skin"])
        parts, names = [rbo.compute(conf)], list(rbo.names)
        if p["density"]:
            rho = RadialDensity(p["distances"], delta=p["delta"], skin=p["skin"])
            parts.append(rho.compute(conf))
            names += rho.names
        x = np.concatenate(parts, axis=1)
        levels, allnames = [x], [f"{n}_cg0" for n in names]
        for n in range(1, p["levels"] + 1):
            x = coarse_grain(conf, x, p["coarse_length"])
            levels.append(x)
            allnames += [f"{nm}_cg{n}" for nm in names]
        return np.concatenate(levels, axis=1), allnames
