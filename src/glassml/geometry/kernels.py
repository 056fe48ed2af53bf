"""numba kernels of the neighbor query: symmetrised CSR lists, minimum-image pair vectors, `fold`."""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _insertion_sort(a, lo, hi):
    for x in range(lo + 1, hi):
        v = a[x]
        y = x - 1
        while y >= lo and a[y] > v:
            a[y + 1] = a[y]
            y -= 1
        a[y + 1] = v


@nb.njit(cache=True)
def csr_symmetrise(i, j, n):
    """Full list (both directions) of a half list, sorted by i then j, by counting sort."""
    p = i.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    for k in range(p):
        counts[i[k] + 1] += 1
        counts[j[k] + 1] += 1
    for a in range(n):
        counts[a + 1] += counts[a]
    fill = counts[:n].copy()
    out_i = np.empty(2 * p, dtype=np.int64)
    out_j = np.empty(2 * p, dtype=np.int64)
    for k in range(p):
        a = i[k]
        b = j[k]
        out_j[fill[a]] = b
        fill[a] += 1
        out_j[fill[b]] = a
        fill[b] += 1
    for a in range(n):
        lo = counts[a]
        hi = counts[a + 1]
        if hi - lo > 32:
            out_j[lo:hi] = np.sort(out_j[lo:hi])
        else:
            _insertion_sort(out_j, lo, hi)
        for x in range(lo, hi):
            out_i[x] = a
    return out_i, out_j


@nb.njit(cache=True, inline="always")
def fold(dx, length):
    """Minimum image of one coordinate difference along a periodic axis of an orthorhombic box:
    ``dx - L round(dx / L)`` (:meth:`glassml.geometry.Box.minimum_image` inside numba kernels)."""
    return dx - length * np.round(dx / length)


#: below this many pairs the vectors are computed on one thread (no thread start-up cost)
PARALLEL_PAIRS = 50_000


@nb.njit(cache=True, inline="always")
def _pair_vector(k, positions, i, j, box, periodic, vec, dist):
    s = 0.0
    for a in range(positions.shape[1]):
        x = positions[j[k], a] - positions[i[k], a]
        if periodic[a]:
            x = fold(x, box[a])
        vec[k, a] = x
        s += x * x
    dist[k] = math.sqrt(s)


@nb.njit(cache=True)
def _pair_vectors_serial(positions, i, j, box, periodic, vec, dist):
    for k in range(i.shape[0]):
        _pair_vector(k, positions, i, j, box, periodic, vec, dist)


@nb.njit(cache=True, parallel=True)
def _pair_vectors_parallel(positions, i, j, box, periodic, vec, dist):
    for k in nb.prange(i.shape[0]):
        _pair_vector(k, positions, i, j, box, periodic, vec, dist)


def pair_vectors(positions, i, j, box, periodic):
    """Minimum-image vectors r_j - r_i and their lengths for pairs (i, j) of an orthorhombic box."""
    vec = np.empty((i.shape[0], positions.shape[1]))
    dist = np.empty(i.shape[0])
    kernel = _pair_vectors_parallel if i.shape[0] >= PARALLEL_PAIRS else _pair_vectors_serial
    kernel(positions, i, j, box, periodic, vec, dist)
    return vec, dist
