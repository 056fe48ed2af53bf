"""numba kernels shared by the descriptors: Gaussian shells per species, angular symmetry
functions, exponentially weighted neighbor sums and Tanaka's triangle angles."""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _ipow(x, k):
    """x ** k for a non-negative integer k by repeated squaring."""
    result = 1.0
    while k > 0:
        if k & 1:
            result *= x
        x *= x
        k >>= 1
    return result


@nb.njit(cache=True, parallel=True)
def species_gaussians(offsets, j, distances, types, n_species, centers, delta):
    """g[i, s, c] = sum over neighbors j of species s of exp(-(r_ij - centers[c])^2 / (2 delta^2))."""
    n = offsets.shape[0] - 1
    nc = centers.shape[0]
    out = np.zeros((n, n_species, nc))
    inv = 1.0 / (2.0 * delta * delta)
    # terms below exp(-40) ~ 4e-18 are skipped (they cannot change a float64 sum of O(1) terms)
    far = math.sqrt(40.0) * math.sqrt(2.0) * delta
    for i in nb.prange(n):
        for k in range(offsets[i], offsets[i + 1]):
            s = types[j[k]]
            r = distances[k]
            for c in range(nc):
                x = r - centers[c]
                if abs(x) < far:
                    out[i, s, c] += math.exp(-x * x * inv)
    return out


@nb.njit(cache=True, parallel=True)
def angular_symmetry(offsets, j, vectors, distances, types, n_species, xis, lambdas, zetas):
    """Cubuk/Behler angular functions summed over unordered neighbor pairs (j, k) of i:
    out[i, p, a, b, c] = sum exp(-(r_ij^2 + r_ik^2 + r_jk^2) / xi_a^2) (1 + lambda_b cos theta_jik)^zeta_c
    where p indexes the unordered species pair (s_j, s_k) as s_lo * K - s_lo (s_lo - 1) / 2 + (s_hi - s_lo).
    """
    n = offsets.shape[0] - 1
    n_pairs = n_species * (n_species + 1) // 2
    na, nbb, nc = xis.shape[0], lambdas.shape[0], zetas.shape[0]
    out = np.zeros((n, n_pairs, na, nbb, nc))
    d = vectors.shape[1]
    for i in nb.prange(n):
        powers = np.empty((nbb, nc))
        lo = offsets[i]
        hi = offsets[i + 1]
        for a in range(lo, hi):
            ra = distances[a]
            sa = types[j[a]]
            for b in range(a + 1, hi):
                rb = distances[b]
                sb = types[j[b]]
                dot = 0.0
                rjk2 = 0.0
                for x in range(d):
                    dot += vectors[a, x] * vectors[b, x]
                    t = vectors[a, x] - vectors[b, x]
                    rjk2 += t * t
                cos = dot / (ra * rb)
                s1 = sa if sa < sb else sb
                s2 = sb if sa < sb else sa
                p = s1 * n_species - (s1 * (s1 - 1)) // 2 + (s2 - s1)
                r2 = ra * ra + rb * rb + rjk2
                for v in range(nbb):
                    base = 1.0 + lambdas[v] * cos
                    for w in range(nc):
                        powers[v, w] = _ipow(base, zetas[w])
                for u in range(na):
                    g = math.exp(-r2 / (xis[u] * xis[u]))
                    for v in range(nbb):
                        for w in range(nc):
                            out[i, p, u, v, w] += g * powers[v, w]
    return out


@nb.njit(cache=True, inline="always")
def _add_pair(acc, a, b, ta, tb, r, g_all, values, inv, base_inv, powers):
    """Add pair (a, b) at distance r to one thread's accumulator of :func:`exp_weighted_sums`."""
    u = math.exp(-r * base_inv) if base_inv > 0.0 else 0.0
    for l in range(inv.shape[0]):
        w = _ipow(u, powers[l]) if base_inv > 0.0 else math.exp(-r * inv[l])
        acc[a, l, tb, 0] += w
        acc[a, l, g_all, 0] += w
        acc[b, l, ta, 0] += w
        acc[b, l, g_all, 0] += w
        for v in range(values.shape[1]):
            wa = w * values[b, v]
            wb = w * values[a, v]
            acc[a, l, tb, 1 + v] += wa
            acc[a, l, g_all, 1 + v] += wa
            acc[b, l, ta, 1 + v] += wb
            acc[b, l, g_all, 1 + v] += wb


@nb.njit(cache=True, parallel=True)
def exp_weighted_sums(i, j, d, types, n_species, lengths, values, nt, base_inv, powers):
    """Per-thread accumulation over a half pair list of exponentially weighted sums.

    out[a, l, g, 0] = sum_b w_ab, out[a, l, g, 1 + v] = sum_b w_ab values[b, v], with
    w_ab = exp(-r_ab / lengths[l]) and g = species of b, or g = n_species for all species.
    Each pair contributes to both of its particles; ``nt`` private accumulators (one per
    thread) keep the result deterministic.  (Self terms are added by the caller.)
    When ``base_inv > 0`` every weight is an integer power of one exponential,
    ``w_l = exp(-r base_inv) ** powers[l]`` (one exp per pair instead of one per length).
    """
    n = types.shape[0]
    p = i.shape[0]
    nl = lengths.shape[0]
    nv = values.shape[1]
    g_all = n_species
    acc = np.zeros((nt, n, nl, n_species + 1, nv + 1))
    chunk = (p + nt - 1) // nt
    inv = 1.0 / lengths
    for t in nb.prange(nt):
        lo = t * chunk
        hi = min(p, lo + chunk)
        for k in range(lo, hi):
            a = i[k]
            b = j[k]
            ta = types[a]
            tb = types[b]
            _add_pair(acc[t], a, b, ta, tb, d[k], g_all, values, inv, base_inv, powers)
    out = np.zeros((n, nl, n_species + 1, nv + 1))
    for t in range(nt):
        out += acc[t]
    return out


@nb.njit(cache=True, inline="always")
def _ideal_angle(a, b, c):
    """Angle opposite to side c in a triangle of sides a, b, c (law of cosines, clipped)."""
    x = (a * a + b * b - c * c) / (2.0 * a * b)
    if x > 1.0:
        x = 1.0
    elif x < -1.0:
        x = -1.0
    return math.acos(x)


@nb.njit(cache=True, inline="always")
def _angle(u, v):
    dot = 0.0
    nu = 0.0
    nv = 0.0
    for a in range(u.shape[0]):
        dot += u[a] * v[a]
        nu += u[a] * u[a]
        nv += v[a] * v[a]
    x = dot / math.sqrt(nu * nv)
    if x > 1.0:
        x = 1.0
    elif x < -1.0:
        x = -1.0
    return math.acos(x)


@nb.njit(cache=True, parallel=True)
def tanaka_theta(offsets, j, vectors, types, sigma, planar):
    """Mean |theta1 - theta2| over the triangles (i, j, k) around each particle i."""
    n = offsets.shape[0] - 1
    out = np.zeros(n)
    for i in nb.prange(n):
        lo = offsets[i]
        hi = offsets[i + 1]
        m = hi - lo
        if m < 2:
            continue
        ti = types[i]
        total = 0.0
        count = 0
        if planar:
            ang = np.empty(m)
            for a in range(m):
                ang[a] = math.atan2(vectors[lo + a, 1], vectors[lo + a, 0])
            order = np.argsort(ang)
            for q in range(m):
                a = lo + order[q]
                b = lo + order[(q + 1) % m]
                if m == 2 and q == 1:
                    break
                t1 = _angle(vectors[a], vectors[b])
                tj = types[j[a]]
                tk = types[j[b]]
                t2 = _ideal_angle(sigma[ti, tj], sigma[ti, tk], sigma[tj, tk])
                total += abs(t1 - t2)
                count += 1
        else:
            for a in range(lo, hi):
                ja = j[a]
                for b in range(a + 1, hi):
                    jb = j[b]
                    # are ja and jb Voronoi neighbors of each other?
                    found = False
                    for c in range(offsets[ja], offsets[ja + 1]):
                        if j[c] == jb:
                            found = True
                            break
                    if not found:
                        continue
                    t1 = _angle(vectors[a], vectors[b])
                    tj = types[ja]
                    tk = types[jb]
                    t2 = _ideal_angle(sigma[ti, tj], sigma[ti, tk], sigma[tj, tk])
                    total += abs(t1 - t2)
                    count += 1
        if count > 0:
            out[i] = total / count
    return out


@nb.njit(cache=True, parallel=True)
def exp_weighted_sums_allpairs(positions, box, periodic, cutoff, types, n_species, lengths, values, nt, base_inv, powers):
    """As :func:`exp_weighted_sums`, but visiting every pair i < j directly (no pair list):
    faster when the cutoff is a large fraction of the box, where cell lists cannot prune.

    It does its own pair search instead of going through
    :class:`glassml.geometry.NeighborQuery`, and is kept because it is faster:
    ``benchmarks/geometry.py`` times the other route (``NeighborQuery.half_pairs`` then
    :func:`exp_weighted_sums`, same results) against this loop, and measured
    NeighborQuery route / own loop = 2.0-2.9 on KA3D N = 300, 1.5-2.5 on KA2D N = 1290
    (GlassBench) and 1.6-2.5 on KA3D N = 4096 (machine loaded).  Run that benchmark again
    before changing the choice.
    """
    n = positions.shape[0]
    d = positions.shape[1]
    nl = lengths.shape[0]
    nv = values.shape[1]
    g_all = n_species
    acc = np.zeros((nt, n, nl, n_species + 1, nv + 1))
    inv = 1.0 / lengths
    c2 = cutoff * cutoff
    # rows are dealt out cyclically so that every thread gets a similar share of the triangle
    for t in nb.prange(nt):
        for a in range(t, n, nt):
            ta = types[a]
            for b in range(a + 1, n):
                r2 = 0.0
                for x in range(d):
                    dx = positions[b, x] - positions[a, x]
                    if periodic[x]:
                        dx -= box[x] * math.floor(dx / box[x] + 0.5)
                    r2 += dx * dx
                if r2 >= c2:
                    continue
                _add_pair(acc[t], a, b, ta, types[b], math.sqrt(r2), g_all, values, inv, base_inv, powers)
    out = np.zeros((n, nl, n_species + 1, nv + 1))
    for t in range(nt):
        out += acc[t]
    return out
