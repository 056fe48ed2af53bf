"""Spherical harmonics, Wigner 3j symbols and bond-order sums (numba kernels of the bond-order descriptors).

Conventions: ``Y_l^m(theta, phi) = Pbar_l^m(cos theta) exp(i m phi)`` with orthonormal
associated Legendre functions that include the Condon-Shortley phase (the convention of
``scipy.special.sph_harm_y`` and of freud).  Only ``m >= 0`` is stored; negative orders follow
from ``Y_l^{-m} = (-1)^m conj(Y_l^m)``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _recursion_tables(lmax):
    """Coefficients a_lm, b_lm of the orthonormal associated-Legendre recursion."""
    a = np.zeros((lmax + 1, lmax + 1))
    b = np.zeros((lmax + 1, lmax + 1))
    for m in range(lmax + 1):
        for l in range(m + 2, lmax + 1):
            a[l, m] = math.sqrt((4.0 * l * l - 1.0) / (l * l - m * m))
            b[l, m] = math.sqrt(((l - 1.0) * (l - 1.0) - m * m) / (4.0 * (l - 1.0) * (l - 1.0) - 1.0))
    return a, b


@nb.njit(cache=True, inline="always")
def _ylm_into(x, y, z, lmax, out, ta, tb):
    """Write Y_l^m (0 <= m <= l <= lmax) of the direction (x, y, z) into out[l, m] (complex)."""
    r = math.sqrt(x * x + y * y + z * z)
    rho = math.sqrt(x * x + y * y)
    ct = z / r
    st = rho / r
    if rho > 0.0:
        cp = x / rho
        sp = y / rho
    else:
        cp = 1.0
        sp = 0.0
    # diagonal Pbar_m^m and the e^{i m phi} factors
    pmm = math.sqrt(1.0 / (4.0 * math.pi))
    em_re = 1.0
    em_im = 0.0
    for m in range(lmax + 1):
        if m > 0:
            pmm = -math.sqrt((2.0 * m + 1.0) / (2.0 * m)) * st * pmm
            t = em_re * cp - em_im * sp
            em_im = em_re * sp + em_im * cp
            em_re = t
        out[m, m] = complex(pmm * em_re, pmm * em_im)
        if m + 1 <= lmax:
            p1 = math.sqrt(2.0 * m + 3.0) * ct * pmm
            out[m + 1, m] = complex(p1 * em_re, p1 * em_im)
            p2 = pmm
            for l in range(m + 2, lmax + 1):
                p = ta[l, m] * (ct * p1 - tb[l, m] * p2)
                out[l, m] = complex(p * em_re, p * em_im)
                p2 = p1
                p1 = p


@nb.njit(cache=True)
def spherical_harmonics(vectors, lmax):
    """Y_l^m for each row of ``vectors`` (P, 3): complex (P, lmax+1, lmax+1), m >= 0."""
    p = vectors.shape[0]
    ta, tb = _recursion_tables(lmax)
    out = np.zeros((p, lmax + 1, lmax + 1), dtype=np.complex128)
    for k in range(p):
        _ylm_into(vectors[k, 0], vectors[k, 1], vectors[k, 2], lmax, out[k], ta, tb)
    return out


@nb.njit(cache=True, parallel=True)
def weighted_qlm(offsets, vectors, weights, lmax):
    """Normalised bond-order coefficients of every particle and radial channel.

    ``q[i, s, l, m] = sum_j w_s(r_ij) Y_l^m(r_ij) / sum_j w_s(r_ij)`` over the neighbors j of
    i (rows ``offsets[i]:offsets[i+1]`` of ``vectors`` (P, 3) and ``weights`` (P, S)).
    Returns ``q`` (N, S, lmax+1, lmax+1) complex (m >= 0) and ``Z`` (N, S); where Z = 0 the
    coefficients are 0.
    """
    n = offsets.shape[0] - 1
    s_count = weights.shape[1]
    ta, tb = _recursion_tables(lmax)
    q = np.zeros((n, s_count, lmax + 1, lmax + 1), dtype=np.complex128)
    zsum = np.zeros((n, s_count))
    for i in nb.prange(n):
        y = np.zeros((lmax + 1, lmax + 1), dtype=np.complex128)
        acc = np.zeros((s_count, lmax + 1, lmax + 1), dtype=np.complex128)
        zi = np.zeros(s_count)
        for k in range(offsets[i], offsets[i + 1]):
            _ylm_into(vectors[k, 0], vectors[k, 1], vectors[k, 2], lmax, y, ta, tb)
            for s in range(s_count):
                w = weights[k, s]
                if w == 0.0:
                    continue
                zi[s] += w
                for l in range(lmax + 1):
                    for m in range(l + 1):
                        acc[s, l, m] += w * y[l, m]
        for s in range(s_count):
            zsum[i, s] = zi[s]
            if zi[s] > 0.0:
                for l in range(lmax + 1):
                    for m in range(l + 1):
                        q[i, s, l, m] = acc[s, l, m] / zi[s]
    return q, zsum


@nb.njit(cache=True, parallel=True)
def weighted_planar(offsets, angles, weights, orders):
    """2D analogue: ``c[i, s, a] = sum_j w_s exp(i l_a phi_ij) / sum_j w_s`` (complex)."""
    n = offsets.shape[0] - 1
    s_count = weights.shape[1]
    n_l = orders.shape[0]
    c = np.zeros((n, s_count, n_l), dtype=np.complex128)
    zsum = np.zeros((n, s_count))
    for i in nb.prange(n):
        for k in range(offsets[i], offsets[i + 1]):
            phi = angles[k]
            for s in range(s_count):
                w = weights[k, s]
                if w == 0.0:
                    continue
                zsum[i, s] += w
                for a in range(n_l):
                    c[i, s, a] += w * complex(math.cos(orders[a] * phi), math.sin(orders[a] * phi))
        for s in range(s_count):
            if zsum[i, s] > 0.0:
                c[i, s] /= zsum[i, s]
    return c, zsum


def invariant_ql(q: np.ndarray, orders) -> np.ndarray:
    """``Q_l = sqrt(4 pi / (2l+1) sum_{m=-l}^{l} |q_lm|^2)`` from m >= 0 coefficients.

    ``q`` has shape (..., lmax+1, lmax+1); returns (..., len(orders)).
    """
    out = []
    for l in orders:
        a2 = np.abs(q[..., l, : l + 1]) ** 2
        total = a2[..., 0] + 2.0 * a2[..., 1:].sum(axis=-1)
        out.append(np.sqrt(4.0 * np.pi / (2 * l + 1) * total))
    return np.stack(out, axis=-1)


# ---------------------------------------------------------------- Wigner 3j and w_l


def wigner3j(j1: int, j2: int, j3: int, m1: int, m2: int, m3: int) -> float:
    """Wigner 3j symbol by the Racah formula (exact rational arithmetic, then a square root)."""
    if m1 + m2 + m3 != 0 or abs(m1) > j1 or abs(m2) > j2 or abs(m3) > j3:
        return 0.0
    if j3 < abs(j1 - j2) or j3 > j1 + j2:
        return 0.0
    f = math.factorial
    tri = Fraction(f(j1 + j2 - j3) * f(j1 - j2 + j3) * f(-j1 + j2 + j3), f(j1 + j2 + j3 + 1))
    pre = tri * f(j1 + m1) * f(j1 - m1) * f(j2 + m2) * f(j2 - m2) * f(j3 + m3) * f(j3 - m3)
    total = Fraction(0)
    kmin = max(0, j2 - j3 - m1, j1 - j3 + m2)
    kmax = min(j1 + j2 - j3, j1 - m1, j2 + m2)
    for k in range(kmin, kmax + 1):
        den = f(k) * f(j1 + j2 - j3 - k) * f(j1 - m1 - k) * f(j2 + m2 - k) * f(j3 - j2 + m1 + k) * f(j3 - j1 - m2 + k)
        total += Fraction((-1) ** k, den)
    sign = (-1) ** (j1 - j2 - m3)
    value = float(total) * math.sqrt(float(pre))
    return sign * value


@lru_cache(maxsize=None)
def wigner3j_table(l: int) -> np.ndarray:
    """Rows (m1, m2, m3, (l l l; m1 m2 m3)) with m1 + m2 + m3 = 0 and a non-zero symbol."""
    rows = []
    for m1 in range(-l, l + 1):
        for m2 in range(-l, l + 1):
            m3 = -m1 - m2
            if abs(m3) > l:
                continue
            w = wigner3j(l, l, l, m1, m2, m3)
            if w != 0.0:
                rows.append((m1, m2, m3, w))
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def full_qlm(q: np.ndarray, l: int) -> np.ndarray:
    """All orders m = -l..l of q_lm from the m >= 0 half: (..., 2l+1), index m + l."""
    pos = q[..., l, : l + 1]
    m = np.arange(1, l + 1)
    neg = ((-1.0) ** m) * np.conj(pos[..., 1:])
    return np.concatenate([neg[..., ::-1], pos], axis=-1)


def invariant_wl(q: np.ndarray, orders) -> np.ndarray:
    """``w_l = sum (l l l; m1 m2 m3) q_lm1 q_lm2 q_lm3`` (real part) divided by
    ``(sum_m |q_lm|^2)^(3/2)`` (Steinhardt, Nelson & Ronchetti, PRB 28, 784 (1983)); 0 where
    all q_lm vanish.  Returns (..., len(orders))."""
    out = []
    for l in orders:
        qf = full_qlm(q, l)
        tab = wigner3j_table(l)
        i1 = tab[:, 0].astype(int) + l
        i2 = tab[:, 1].astype(int) + l
        i3 = tab[:, 2].astype(int) + l
        w = np.einsum("...k,k->...", qf[..., i1] * qf[..., i2] * qf[..., i3], tab[:, 3]).real
        norm = (np.abs(qf) ** 2).sum(axis=-1) ** 1.5
        out.append(np.divide(w, norm, out=np.zeros_like(w), where=norm > 0))
    return np.stack(out, axis=-1)
