"""Numba Monte Carlo kernels shared by the cage-state and swap Monte Carlo samplers.

Pair energies follow :class:`glassml.systems.Model` exactly: ``eps * (base(x) + C0 + C1 x + C2 x^2 + C4 x^4)``
with x = r / sigma_ab, ``base`` = 4 (x^-12 - x^-6) (Lennard-Jones) or x^-12 (soft spheres), zero
beyond the cutoff; sigma_ab from the species table or, for polydisperse models, the non-additive
rule ``(s_i + s_j)/2 (1 - a |s_i - s_j|)`` on per-particle diameters
(:func:`glassml.systems.nonadditive_sigma`).

Swap Monte Carlo uses Verlet lists (radius cutoff + skin) rebuilt inside the kernel when a
particle has moved more than skin/2 since the last build; minimum images, so the box must
exceed 2 (r_c + skin).  Cage states use fixed lists with explicit periodic shifts from
:class:`glassml.geometry.NeighborQuery` (:mod:`glassml.simulate.cage`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.geometry.kernels import fold
from glassml.systems.models import POLY_NONADDITIVITY


def model_params(model):
    """Flat parameter tuple of a model for the kernels."""
    c0, c1, c2, c4 = model.truncation_terms
    return (
        np.ascontiguousarray(model.epsilon, dtype=np.float64),
        np.ascontiguousarray(model.sigma, dtype=np.float64),
        bool(model.polydisperse),
        POLY_NONADDITIVITY,
        float(model.cutoff_ratio) ** 2,
        float(c0),
        float(c1),
        float(c2),
        float(c4),
        model.base == "lj",
    )


@njit(cache=True, nogil=True, inline="always")
def _pair(i, j, r2, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj):
    if poly:
        si = diam[i]
        sj = diam[j]
        s = 0.5 * (si + sj) * (1.0 - nonadd * abs(si - sj))
        e = 1.0
    else:
        s = sig[types[i], types[j]]
        e = eps[types[i], types[j]]
    x2 = r2 / (s * s)
    if x2 >= rc2:
        return 0.0
    i2 = 1.0 / x2
    i6 = i2 * i2 * i2
    if lj:
        a = 4.0 * (i6 * i6 - i6)
    else:
        a = i6 * i6
    v = a + c0 + c2 * x2 + c4 * x2 * x2
    if c1 != 0.0:  # shifted-force truncation: a term linear in x
        v += c1 * np.sqrt(x2)
    return e * v


@njit(cache=True, nogil=True)
def build_list(x, box, rlist):
    """Full Verlet list (CSR: start (N+1,), neighbors sorted by index) of pairs closer than
    ``rlist`` (minimum image), by visiting every pair i < j.

    The same list as ``NeighborQuery(x, box).neighbors(rlist)`` (``offsets``, ``j``; checked in
    the tests), built here because the swap kernel rebuilds it without leaving numba and because,
    at the sizes swap Monte Carlo runs here (N <= 1000), the O(N^2) loop is faster:
    ``benchmarks/geometry.py`` measured NeighborQuery 2.0-2.1x slower for poly-swap-2d at
    N = 300 and 3-8x slower for poly-swap-3d at N = 500-1000, about even at N = 2000 (1.1-1.2x),
    and faster from N = 4000 on (ratio 0.16-0.22 in 2D, 0.3-0.95 in 3D), list radius
    r_c + skin = 2.81, same run, same positions.
    """
    n, d = x.shape
    r2max = rlist * rlist
    counts = np.zeros(n + 1, np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            r2 = 0.0
            for k in range(d):
                dx = fold(x[j, k] - x[i, k], box[k])
                r2 += dx * dx
            if r2 < r2max:
                counts[i + 1] += 1
                counts[j + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    nbr = np.empty(start[-1], np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            r2 = 0.0
            for k in range(d):
                dx = fold(x[j, k] - x[i, k], box[k])
                r2 += dx * dx
            if r2 < r2max:
                nbr[fill[i]] = j
                fill[i] += 1
                nbr[fill[j]] = i
                fill[j] += 1
    return start, nbr


@njit(cache=True, nogil=True)
def _energy_of(i, xi, x, box, start, nbr, skip, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj):
    d = x.shape[1]
    u = 0.0
    for m in range(start[i], start[i + 1]):
        j = nbr[m]
        if j == skip:
            continue
        r2 = 0.0
        for k in range(d):
            dx = fold(x[j, k] - xi[k], box[k])
            r2 += dx * dx
        u += _pair(i, j, r2, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
    return u


@njit(cache=True, nogil=True, inline="always")
def _exchange(i, j, types, diam, poly):
    """Swap the diameters (polydisperse) or the species of particles i and j."""
    if poly:
        di = diam[i]
        diam[i] = diam[j]
        diam[j] = di
    else:
        ti = types[i]
        types[i] = types[j]
        types[j] = ti


@njit(cache=True, nogil=True)
def mc_sweeps(x, types, diam, box, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj, rcut, skin,
              beta, delta, p_swap, n_sweeps, record_at, seed):
    """Metropolis sweeps (N attempts each) of displacement moves and, with probability ``p_swap``,
    swaps of two particles' diameters (polydisperse models) or species (the others: ``types``
    is changed in place).  Positions stay unwrapped.

    ``record_at`` (int64, strictly increasing, within 1..n_sweeps) lists the sweep counts after
    which positions are recorded, so a long run on a logarithmic grid stores few frames.
    Returns (positions at ``record_at``, sum of positions over all sweeps, accepted moves,
    accepted swaps)."""
    np.random.seed(seed)
    n, d = x.shape
    start, nbr = build_list(x, box, rcut + skin)
    xref = x.copy()
    n_rec = record_at.shape[0]
    traj = np.empty((n_rec, n, d))
    rec = 0
    xsum = np.zeros((n, d))
    acc_move = 0
    acc_swap = 0
    trial = np.empty(d)
    half_skin2 = 0.25 * skin * skin
    for sweep in range(n_sweeps):
        for _ in range(n):
            if p_swap > 0.0 and np.random.random() < p_swap:
                i = np.random.randint(n)
                j = np.random.randint(n)
                if i == j:
                    continue
                if (poly and diam[i] == diam[j]) or (not poly and types[i] == types[j]):
                    continue
                old = _energy_of(i, x[i], x, box, start, nbr, j, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
                old += _energy_of(j, x[j], x, box, start, nbr, i, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
                _exchange(i, j, types, diam, poly)
                new = _energy_of(i, x[i], x, box, start, nbr, j, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
                new += _energy_of(j, x[j], x, box, start, nbr, i, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
                du = new - old
                if du <= 0.0 or np.random.random() < np.exp(-beta * du):
                    acc_swap += 1
                else:
                    _exchange(i, j, types, diam, poly)
                continue
            i = np.random.randint(n)
            for k in range(d):
                trial[k] = x[i, k] + delta * (2.0 * np.random.random() - 1.0)
            old = _energy_of(i, x[i], x, box, start, nbr, -1, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
            new = _energy_of(i, trial, x, box, start, nbr, -1, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
            du = new - old
            if du <= 0.0 or np.random.random() < np.exp(-beta * du):
                for k in range(d):
                    x[i, k] = trial[k]
                acc_move += 1
                r2 = 0.0
                for k in range(d):
                    dx = x[i, k] - xref[i, k]
                    r2 += dx * dx
                if r2 > half_skin2:
                    start, nbr = build_list(x, box, rcut + skin)
                    xref[:, :] = x
        xsum += x
        while rec < n_rec and record_at[rec] == sweep + 1:
            traj[rec] = x
            rec += 1
    return traj, xsum, acc_move, acc_swap


@njit(cache=True, nogil=True)
def total_energy(x, types, diam, box, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj, rcut):
    start, nbr = build_list(x, box, rcut)
    u = 0.0
    for i in range(x.shape[0]):
        u += _energy_of(i, x[i], x, box, start, nbr, -1, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
    return 0.5 * u


@njit(cache=True, nogil=True)
def _energy_shift(i, xi, x, start, nbr, shift, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj):
    d = x.shape[1]
    u = 0.0
    for m in range(start[i], start[i + 1]):
        j = nbr[m]
        r2 = 0.0
        for k in range(d):
            dx = x[j, k] + shift[m, k] - xi[k]
            r2 += dx * dx
        u += _pair(i, j, r2, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
    return u


@njit(cache=True, nogil=True)
def cage_sweeps(x, x0, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj,
                start, nbr, shift, gstart, gnbr, gshift, rmax, beta, delta, n_sweeps, seed):
    """Metropolis sweeps with every particle confined to the Voronoi cell of its position in ``x0``.

    Pairs come as fixed lists with explicit periodic shift vectors (built once around ``x0`` with
    radius cutoff + 2 rmax), so any box size works and no list is ever rebuilt.  Returns the sum
    of positions over sweeps and the number of accepted moves."""
    np.random.seed(seed)
    n, d = x.shape
    xsum = np.zeros((n, d))
    trial = np.empty(d)
    acc = 0
    for _ in range(n_sweeps):
        for _ in range(n):
            i = np.random.randint(n)
            own = 0.0
            for k in range(d):
                trial[k] = x[i, k] + delta * (2.0 * np.random.random() - 1.0)
                dx = trial[k] - x0[i, k]
                own += dx * dx
            if own > rmax * rmax:
                continue
            outside = False
            for m in range(gstart[i], gstart[i + 1]):
                j = gnbr[m]
                r2 = 0.0
                for k in range(d):
                    dx = x0[j, k] + gshift[m, k] - trial[k]
                    r2 += dx * dx
                if r2 < own:
                    outside = True
                    break
            if outside:
                continue
            du = _energy_shift(i, trial, x, start, nbr, shift, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
            du -= _energy_shift(i, x[i], x, start, nbr, shift, types, diam, eps, sig, poly, nonadd, rc2, c0, c1, c2, c4, lj)
            if du <= 0.0 or np.random.random() < np.exp(-beta * du):
                for k in range(d):
                    x[i, k] = trial[k]
                acc += 1
        xsum += x
    return xsum, acc
