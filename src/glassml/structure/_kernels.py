"""numba kernels shared by the descriptors (private)."""

from __future__ import annotations

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


@nb.njit(cache=True, parallel=True)
def species_gaussians(offsets, j, distances, types, n_species, centers, delta):
    """g[i, s, c] = sum over neighbours j of species s of exp(-(r_ij - centers[c])^2 / (2 delta^2))."""
    n = offsets.shape[0] - 1
    nc = centers.shape[0]
    out = np.zeros((n, n_species, nc))
    inv = 1.0 / (2.0 * delta * delta)
    for i in nb.prange(n):
        for k in range(offsets[i], offsets[i + 1]):
            s = types[j[k]]
            r = distances[k]
            for c in range(nc):
                x = r - centers[c]
                out[i, s, c] += np.exp(-x * x * inv)
    return out
