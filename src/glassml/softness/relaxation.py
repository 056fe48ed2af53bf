"""The softness model of relaxation: P_R(S, T), its Arrhenius fits, T_x and the onset.

Schoenholz, Cubuk, Sussman, Kaxiras & Liu, "A structural approach to relaxation in glassy
liquids", Nat. Phys. 12, 469 (2016): the probability P_R that a particle of softness S
rearranges (per unit time window) is Arrhenius in T at fixed S,

    ln P_R(S, T) = ΔΣ(S) - ΔE(S) / T,    ΔE(S) = e0 - e1 S,    ΔΣ(S) = Σ0 - Σ1 S,

(k_B = 1).  The Arrhenius lines of different S cross at 1/T_x with T_x = e1 / Σ1: at T_x,
P_R does not depend on S.  The same form fits grain-boundary atoms (Sharp, Thomas, Cubuk,
Schoenholz, Srolovitz & Liu, PNAS 115, 10943, 2018), whose published P_R(S) data
reproduce the fitted barriers of this module (tests/validation).

What a good Arrhenius fit does and does not show: Swain, Ridout & Nemenman
(arXiv 2403.00751, 2024) point out that Arrhenius-looking P_R per softness bin does not by
itself prove a barrier that softness controls; :mod:`glassml.softness.synthetic` builds a
system whose barrier is known so that what the fit recovers can be checked.

Three pieces:

* :func:`rearrangement_probability`: P_R per softness bin from per-particle softness and
  rearranged flags, with binomial uncertainties;
* :class:`SoftnessArrhenius`: per-bin fits (ΔE(S), ΔΣ(S) with uncertainties) and the global
  four-parameter fit (e0, e1, Σ0, Σ1 with their covariance, T_x with its uncertainty);
* :func:`onset_temperature`: the temperature where the slope d ln P_R / dS measured at each
  temperature separately changes sign (P_R stops depending on S).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError


@dataclass(frozen=True)
class RearrangementProbability:
    """P_R per softness bin at one temperature.

    Attributes
    ----------
    edges: (B + 1,) softness bin edges; centres: (B,) bin centres.
    counts: (B,) particles in each bin; rearranged: (B,) of them rearranging.
    probability: (B,) rearranged / counts (NaN for an empty bin).
    error: (B,) binomial standard error sqrt(P (1 - P) / n).
    """

    edges: np.ndarray
    centres: np.ndarray
    counts: np.ndarray
    rearranged: np.ndarray
    probability: np.ndarray
    error: np.ndarray


def rearrangement_probability(softness, rearranged, bins) -> RearrangementProbability:
    """P_R(S): the fraction of the particles of each softness bin that rearrange.

    Parameters
    ----------
    softness:
        per-particle softness, any shape (particles of all frames pooled).
    rearranged:
        bool, same shape: whether each particle rearranges in the window that follows.
    bins:
        bin edges (increasing) or a number of equal bins over the softness range.
    """
    s = np.asarray(softness, dtype=np.float64).ravel()
    r = np.asarray(rearranged).ravel()
    if s.shape != r.shape:
        raise GlassmlError(f"softness and rearranged flags differ in size: {s.size} and {r.size}")
    if not np.all(np.isfinite(s)):
        raise GlassmlError("softness contains NaN or infinite values")
    r = r.astype(bool)
    if not r.any():
        raise GlassmlError(f"no rearrangements found among {s.size} particles: lower the p_hop threshold or use a longer trajectory")
    edges = np.histogram_bin_edges(s, bins=bins)
    n, _ = np.histogram(s, bins=edges)
    k, _ = np.histogram(s[r], bins=edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.maximum(n, 1), np.nan)
        err = np.where(n > 0, np.sqrt(p * (1 - p) / np.maximum(n, 1)), np.nan)
    return RearrangementProbability(edges=edges, centres=0.5 * (edges[1:] + edges[:-1]), counts=n,
                                    rearranged=k, probability=p, error=err)


def _line_fit(x: np.ndarray, y: np.ndarray, var: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Least squares y = c0 + c1 x; returns (coef, cov).

    With ``var`` (the variances of y) the fit is weighted by 1/var and the covariance is
    absolute; without, the fit is unweighted and the covariance scales with the residual
    variance (NaN with only two points).
    """
    return _linear_fit(np.column_stack([np.ones_like(x), x]), y, var)


def _linear_fit(A: np.ndarray, y: np.ndarray, var: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    m, k = A.shape
    if var is None:
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        dof = m - k
        s2 = float(np.sum((y - A @ coef) ** 2) / dof) if dof > 0 else np.nan
        cov = s2 * np.linalg.inv(A.T @ A)
    else:
        w = 1.0 / var
        aw = A * w[:, None]
        cov = np.linalg.inv(A.T @ aw)
        coef = cov @ (aw.T @ y)
    return coef, cov


def _log_probability(probability, counts):
    """ln P and (with counts) the delta-method variance (1 - P) / (n P); zeros become NaN."""
    p = np.asarray(probability, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(p > 0, np.log(p), np.nan)
        if counts is None:
            return y, None
        n = np.asarray(counts, dtype=np.float64)
        if n.shape != p.shape:
            raise GlassmlError(f"counts have shape {n.shape}, P_R has shape {p.shape}")
        var = np.where((p > 0) & (p < 1) & (n > 0), (1 - p) / (n * p), np.nan)
    return y, var


def _check_ladder(temperatures, softness, probability) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(temperatures, dtype=np.float64).ravel()
    s = np.asarray(softness, dtype=np.float64).ravel()
    p = np.asarray(probability, dtype=np.float64)
    if t.size < 2:
        raise GlassmlError(f"the Arrhenius fit needs P_R at two or more temperatures, got {t.size} (T = {', '.join(f'{v:g}' for v in t)})")
    if np.unique(t).size != t.size:
        raise GlassmlError(f"temperatures must be distinct, got {t.tolist()}")
    if np.any(t <= 0):
        raise GlassmlError(f"temperatures must be positive, got {t.tolist()}")
    if p.shape != (t.size, s.size):
        raise GlassmlError(f"P_R must have shape (temperatures, softness bins) = ({t.size}, {s.size}), got {p.shape}")
    if not np.any(p > 0):
        raise GlassmlError("no rearrangements found: P_R is zero in every softness bin at every temperature")
    return t, s, p


class SoftnessArrhenius:
    """Arrhenius fits of P_R(S, T): per softness bin and as a four-parameter surface.

    Parameters
    ----------
    weighted:
        With ``counts`` given to :meth:`fit`, weight each ln P_R by its binomial inverse
        variance n P / (1 - P) (True, the default) or fit unweighted (False; the
        uncertainties then come from the scatter of the residuals).
    min_temperatures:
        A softness bin enters the per-bin fits only with P_R > 0 at this many temperatures.

    Fitted attributes
    -----------------
    softness_: (B,) bin softness.  barrier_, entropy_: (B,) ΔE(S) and ΔΣ(S) of the per-bin
    fits ln P_R = ΔΣ - ΔE / T (NaN where a bin has too few temperatures); barrier_err_,
    entropy_err_: their standard errors.  e0_, e1_, sigma0_, sigma1_: the global fit
    ln P_R = Σ0 - Σ1 S - (e0 - e1 S) / T over all (S, T) points; params_cov_: their (4, 4)
    covariance in that order.  crossing_temperature_ (T_x = e1 / Σ1) and
    crossing_temperature_err_ (delta method with the covariance).
    """

    def __init__(self, weighted: bool = True, min_temperatures: int = 2):
        self.weighted = weighted
        self.min_temperatures = min_temperatures

    def fit(self, temperatures, softness, probability, counts=None) -> "SoftnessArrhenius":
        """Fit P_R (K temperatures, B softness bins); ``counts`` (K, B) particles per bin."""
        t, s, p = _check_ladder(temperatures, softness, probability)
        y, var = _log_probability(p, counts if self.weighted else None)
        inv_t = 1.0 / t
        n_bins = s.size
        barrier, entropy = np.full(n_bins, np.nan), np.full(n_bins, np.nan)
        barrier_err, entropy_err = np.full(n_bins, np.nan), np.full(n_bins, np.nan)
        for b in range(n_bins):
            ok = np.isfinite(y[:, b]) & (np.isfinite(var[:, b]) if var is not None else True)
            if ok.sum() < max(2, self.min_temperatures):
                continue
            coef, cov = _line_fit(inv_t[ok], y[ok, b], None if var is None else var[ok, b])
            entropy[b], barrier[b] = coef[0], -coef[1]
            entropy_err[b], barrier_err[b] = np.sqrt(np.diag(cov))
        if not np.any(np.isfinite(barrier)):
            raise GlassmlError(f"no softness bin has P_R > 0 at {max(2, self.min_temperatures)} or more temperatures")
        # Global fit: columns (1, S, 1/T, S/T) -> (Σ0, -Σ1, -e0, e1)
        tt, ss = np.meshgrid(inv_t, s, indexing="ij")
        ok = np.isfinite(y) & (np.isfinite(var) if var is not None else True)
        A = np.column_stack([np.ones(ok.sum()), ss[ok], tt[ok], ss[ok] * tt[ok]])
        if ok.sum() < 4 or np.linalg.matrix_rank(A) < 4:
            raise GlassmlError("the global fit needs P_R > 0 at two or more softness bins and two or more temperatures")
        coef, cov = _linear_fit(A, y[ok], None if var is None else var[ok])
        jac = np.diag([1.0, -1.0, -1.0, 1.0])  # (Σ0, Σ1, e0, e1) from the coefficients
        sigma0, sigma1, e0, e1 = jac @ coef
        cov = jac @ cov @ jac.T
        order = [2, 3, 0, 1]  # -> (e0, e1, Σ0, Σ1)
        self.softness_ = s
        self.temperatures_ = t
        self.barrier_, self.entropy_ = barrier, entropy
        self.barrier_err_, self.entropy_err_ = barrier_err, entropy_err
        self.e0_, self.e1_, self.sigma0_, self.sigma1_ = float(e0), float(e1), float(sigma0), float(sigma1)
        self.params_cov_ = cov[np.ix_(order, order)]
        self.e0_err_, self.e1_err_, self.sigma0_err_, self.sigma1_err_ = np.sqrt(np.diag(self.params_cov_))
        tx = e1 / sigma1 if sigma1 != 0 else np.nan
        grad = np.array([0.0, 1.0 / sigma1, 0.0, -e1 / sigma1**2]) if sigma1 != 0 else np.full(4, np.nan)
        self.crossing_temperature_ = float(tx)
        self.crossing_temperature_err_ = float(np.sqrt(grad @ self.params_cov_ @ grad))
        return self

    def log_probability(self, softness, temperature) -> np.ndarray:
        """ln P_R of the global fit at softness S and temperature T (broadcast)."""
        s, t = np.asarray(softness, dtype=float), np.asarray(temperature, dtype=float)
        return (self.sigma0_ - self.sigma1_ * s) - (self.e0_ - self.e1_ * s) / t

    def summary(self) -> dict:
        """The fitted numbers as a JSON-ready dict."""
        fin = lambda a: [None if not np.isfinite(v) else float(v) for v in a]  # noqa: E731
        return {
            "e0": self.e0_, "e0_err": float(self.e0_err_), "e1": self.e1_, "e1_err": float(self.e1_err_),
            "sigma0": self.sigma0_, "sigma0_err": float(self.sigma0_err_),
            "sigma1": self.sigma1_, "sigma1_err": float(self.sigma1_err_),
            "crossing_temperature": self.crossing_temperature_, "crossing_temperature_err": self.crossing_temperature_err_,
            "temperatures": fin(self.temperatures_), "softness": fin(self.softness_),
            "barrier": fin(self.barrier_), "barrier_err": fin(self.barrier_err_),
            "entropy": fin(self.entropy_), "entropy_err": fin(self.entropy_err_),
        }


@dataclass(frozen=True)
class Onset:
    """Where P_R stops depending on S.

    temperature: the onset temperature (NaN when the slopes do not point to one);
    slopes, slope_errors: d ln P_R / dS at each temperature (weighted line fit over S);
    extrapolated: True when no two measured temperatures bracket the sign change, and the
    temperature comes from the line through slope against 1/T.
    """

    temperature: float
    temperatures: np.ndarray
    slopes: np.ndarray
    slope_errors: np.ndarray
    extrapolated: bool


def onset_temperature(temperatures, softness, probability, counts=None) -> Onset:
    """The temperature at which d ln P_R / dS, measured at each temperature, vanishes.

    Each temperature gets its own line ln P_R = a_T + b_T S (weighted by binomial inverse
    variances when ``counts`` are given).  The onset is where b_T changes sign, linearly
    interpolated in 1/T between the two temperatures that bracket it; when none do, the
    zero of the weighted line b = c0 + c1 / T (the form the softness model predicts,
    b = -Σ1 + e1 / T) is reported and flagged as extrapolated.
    """
    t, s, p = _check_ladder(temperatures, softness, probability)
    y, var = _log_probability(p, counts)
    slopes, errs = np.full(t.size, np.nan), np.full(t.size, np.nan)
    for k in range(t.size):
        ok = np.isfinite(y[k]) & (np.isfinite(var[k]) if var is not None else True)
        if ok.sum() < 2:
            continue
        coef, cov = _line_fit(s[ok], y[k, ok], None if var is None else var[k, ok])
        slopes[k], errs[k] = coef[1], np.sqrt(cov[1, 1])
    good = np.isfinite(slopes)
    if good.sum() < 2:
        raise GlassmlError("the onset needs P_R > 0 in two or more softness bins at two or more temperatures")
    order = np.argsort(t[good])
    tg, bg = t[good][order], slopes[good][order]
    flips = np.flatnonzero(np.sign(bg[:-1]) * np.sign(bg[1:]) < 0)
    if flips.size:
        j = flips[-1]
        x0, x1 = 1 / tg[j], 1 / tg[j + 1]
        x = x0 + (x1 - x0) * bg[j] / (bg[j] - bg[j + 1])
        return Onset(float(1 / x), t, slopes, errs, False)
    e = errs[good]
    coef, _ = _line_fit(1 / t[good], slopes[good], e**2 if np.all(np.isfinite(e) & (e > 0)) else None)
    temp = -coef[1] / coef[0] if coef[0] != 0 else np.nan
    return Onset(float(temp) if temp > 0 else float("nan"), t, slopes, errs, True)
