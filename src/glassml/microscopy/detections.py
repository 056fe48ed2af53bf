"""Detections of one frame, and how to score them against the truth.

A frame's detections are plain arrays in a dict (see :data:`COLUMNS`) so that they go into
``.npz`` files and pandas frames alike.  Positions are pixels with x = column, y = row and
pixel (i, j) covering [j, j+1) × [i, i+1): the centre of the top-left pixel is (0.5, 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

#: Per-detection arrays: position (pixels), signal (the localiser's brightness measure),
#: uncertainty (estimated per-axis standard error of the position, pixels).
COLUMNS = ("x", "y", "signal", "uncertainty")


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of ``values``: the cut that maximises the between-class variance."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2 or v.min() == v.max():
        return float(v.min()) if v.size else 0.0
    hist, edges = np.histogram(v, bins=bins)
    centres = 0.5 * (edges[1:] + edges[:-1])
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mu0 = m0 / np.maximum(w0, 1)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(edges[np.argmax(between[:-1]) + 1])


def mass_threshold(masses: np.ndarray, min_separation: float = 3.0) -> float:
    """The detection-threshold rule shared by the localisers.

    Split the masses (brightness of every candidate, noise maxima included) in two classes by
    Otsu's threshold.  If the classes are distinct (their means differ by more than
    ``min_separation`` pooled standard deviations: noise maxima and particles; Otsu's split of
    one Gaussian population gives 2.7), cut halfway between the two classes' medians, so that a
    large noise class does not pull the cut into its own tail.  If they are not (every maximum
    is a particle, as in a dense sample with little noise), cut at a quarter of the median mass.
    """
    m = np.asarray(masses, float)
    m = m[np.isfinite(m) & (m > 0)]
    if m.size < 2:
        return 0.0
    cut = otsu_threshold(m)
    lo, hi = m[m < cut], m[m >= cut]
    if lo.size >= 2 and hi.size >= 2:
        pooled = np.sqrt(0.5 * (lo.var() + hi.var()))
        if hi.mean() - lo.mean() > min_separation * pooled:
            return float(0.5 * (np.median(lo) + np.median(hi)))
    return float(0.25 * np.median(m))


def empty_detections() -> dict[str, np.ndarray]:
    return {c: np.zeros(0) for c in COLUMNS}


def make_detections(x, y, signal, uncertainty) -> dict[str, np.ndarray]:
    """Detections as a dict of float arrays, sorted by y then x (a stable, reproducible order)."""
    arrays = [np.asarray(a, float).reshape(-1) for a in (x, y, signal, uncertainty)]
    order = np.lexsort((arrays[0], arrays[1]))
    return {c: a[order] for c, a in zip(COLUMNS, arrays)}


@dataclass
class Match:
    """Detections matched to true positions within a distance (one to one).

    Attributes: ``true_index`` and ``detected_index`` of the matched pairs, ``error`` (M, 2)
    detected minus true (pixels), ``precision``, ``recall``, ``rmse`` (per axis, pixels).
    """

    true_index: np.ndarray
    detected_index: np.ndarray
    error: np.ndarray
    n_true: int
    n_detected: int

    @property
    def precision(self) -> float:
        return float(len(self.true_index) / self.n_detected) if self.n_detected else 1.0

    @property
    def recall(self) -> float:
        return float(len(self.true_index) / self.n_true) if self.n_true else 1.0

    @property
    def rmse(self) -> float:
        """Per-axis root-mean-square error sqrt(<(Δx² + Δy²)/2>) of matched detections."""
        return float(np.sqrt(np.mean(self.error ** 2))) if len(self.error) else float("nan")


def match_detections(true_xy: np.ndarray, detected_xy: np.ndarray, max_distance: float) -> Match:
    """One-to-one matching (minimum total distance, Hungarian algorithm on pairs closer than
    ``max_distance``) of detections to true positions."""
    t = np.asarray(true_xy, float).reshape(-1, 2)
    d = np.asarray(detected_xy, float).reshape(-1, 2)
    if len(t) == 0 or len(d) == 0:
        return Match(np.zeros(0, int), np.zeros(0, int), np.zeros((0, 2)), len(t), len(d))
    tree = cKDTree(d)
    pairs = tree.query_ball_point(t, max_distance)
    rows, cols, costs = [], [], []
    for i, js in enumerate(pairs):
        for j in js:
            rows.append(i)
            cols.append(j)
            costs.append(np.hypot(*(d[j] - t[i])))
    if not rows:
        return Match(np.zeros(0, int), np.zeros(0, int), np.zeros((0, 2)), len(t), len(d))
    ut, ri = np.unique(rows, return_inverse=True)
    ud, ci = np.unique(cols, return_inverse=True)
    big = 1e6
    cost = np.full((len(ut), len(ud)), big)
    cost[ri, ci] = costs
    r, c = linear_sum_assignment(cost)
    ok = cost[r, c] < big
    ti, di = ut[r[ok]], ud[c[ok]]
    return Match(ti, di, d[di] - t[ti], len(t), len(d))


def photometric_uncertainty(image: np.ndarray, x: np.ndarray, y: np.ndarray, width: float, gain: float = 1.0) -> np.ndarray:
    """Per-axis localisation uncertainty (pixels) of detections at (x, y) from their own photometry.

    Photons N: the image summed over a disc of radius 3·``width`` around the detection, less the
    local background (median of the ring from 3·width to 3·width + 3 pixels); noise per pixel: the
    ring's variance (robust, from its median absolute deviation), which holds background shot
    noise and read noise.  Both are turned into photons with ``gain`` (photons per ADU) and put
    into the Mortensen et al. (Nat. Methods 7, 377 (2010)) expression for a Gaussian spot of
    width ``width`` (:func:`glassml.microscopy.crb.mortensen_bound`): the error an efficient
    localiser reaches, so the estimate is honest for a localiser that reaches the bound.
    """
    from glassml.microscopy.crb import mortensen_bound

    img = np.asarray(image, float)
    h, w = img.shape
    r_in = 3.0 * width
    r_out = r_in + 3.0
    half = int(np.ceil(r_out)) + 1
    out = np.full(len(np.atleast_1d(x)), np.nan)
    for n, (cx, cy) in enumerate(zip(np.atleast_1d(x), np.atleast_1d(y))):
        i0, i1 = max(int(cy) - half, 0), min(int(cy) + half + 1, h)
        j0, j1 = max(int(cx) - half, 0), min(int(cx) + half + 1, w)
        if i1 <= i0 or j1 <= j0:
            continue
        ii, jj = np.mgrid[i0:i1, j0:j1]
        r = np.hypot(jj + 0.5 - cx, ii + 0.5 - cy)
        patch = img[i0:i1, j0:j1]
        ring = patch[(r >= r_in) & (r < r_out)]
        disc = patch[r < r_in]
        if ring.size < 5 or disc.size == 0:
            continue
        background = np.median(ring)
        noise_var = (1.4826 * np.median(np.abs(ring - background))) ** 2
        photons = (disc - background).sum() * gain
        if photons <= 0:
            continue
        out[n] = mortensen_bound(width, photons, noise_var * gain ** 2)
    return out
