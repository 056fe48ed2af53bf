"""Symbolic fit of a learnt pair force to candidate closed forms (scipy least squares).

The candidates are the pair laws of :mod:`glassml.active.models`: WCA (``epsilon``,
``sigma``), screened electrostatics / Yukawa (``A``, ``kappa``: the screening length is
``1 / kappa``) and harmonic repulsion (``k``, ``r_c``).  Each is fitted to the learnt ``f(r)``
over the sampled range; the form with the lowest Akaike information criterion (all have two
parameters, so: the lowest residual) is picked, as Ruiz-García et al. (PRE 109, 064611
(2024)) did to identify a screened electrostatic interaction between Janus colloids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from glassml.active.models import Harmonic, WCA, Yukawa
from glassml.errors import GlassmlError


def _wca(r, epsilon, sigma):
    return WCA(epsilon, sigma).force(r)


def _yukawa(r, amplitude, kappa):
    return Yukawa(amplitude, kappa, rc=np.inf).force(r)


def _harmonic(r, k, rc):
    return Harmonic(k, rc).force(r)


def _range_wca(r):
    return r.min() / 1.5, r.max() * 1.2


def _range_yukawa(r):
    return 1e-3, 30.0 / max(float(np.mean(r)), 1e-6)


def _range_harmonic(r):
    return r.min(), 2.0 * r.max()


#: name -> (force f(r, amplitude, shape), parameter names, search range of the shape parameter).
#: The amplitude enters linearly: for each shape parameter it is solved in closed form
#: (variable projection), and the shape parameter is searched on a grid, then refined.
FORMS: dict[str, tuple[Callable, tuple[str, str], Callable]] = {
    "wca": (_wca, ("epsilon", "sigma"), _range_wca),
    "yukawa": (_yukawa, ("amplitude", "kappa"), _range_yukawa),
    "harmonic": (_harmonic, ("k", "rc"), _range_harmonic),
}


@dataclass
class FormFit:
    """One candidate's fit: parameters, relative L2 residual and AIC."""

    form: str
    parameters: dict[str, float]
    relative_residual: float
    aic: float

    def force(self, r) -> np.ndarray:
        fn = FORMS[self.form][0]
        return fn(np.asarray(r, dtype=float), *self.parameters.values())


def _profile(fn, r, f, b):
    """Best amplitude and residual norm for shape parameter ``b``."""
    s = fn(r, 1.0, b)
    ss = float(s @ s)
    if ss <= 0 or not np.isfinite(ss):
        return 0.0, float(np.linalg.norm(f))
    a = max(float(s @ f) / ss, 0.0)
    return a, float(np.linalg.norm(a * s - f))


def fit_pair_form(r, f, forms=("wca", "yukawa", "harmonic")) -> tuple[FormFit, list[FormFit]]:
    """Fit each candidate form to samples ``f(r)``; return (the best by AIC, all fits sorted)."""
    from scipy.optimize import minimize_scalar

    r = np.asarray(r, dtype=float)
    f = np.asarray(f, dtype=float)
    if r.shape != f.shape or r.ndim != 1 or r.size < 4:
        raise GlassmlError(f"a symbolic fit needs matching 1-D r and f with at least 4 points, got {r.shape}, {f.shape}")
    if np.any(r <= 0) or not np.all(np.isfinite(f)):
        raise GlassmlError("a symbolic fit needs positive distances and finite forces")
    norm = float(np.linalg.norm(f)) or 1.0
    fits = []
    for name in forms:
        if name not in FORMS:
            raise GlassmlError(f"unknown form {name!r}; choose from {', '.join(FORMS)}")
        fn, names, search = FORMS[name]
        lo, hi = search(r)
        grid = np.geomspace(lo, hi, 200)
        res = [_profile(fn, r, f, b)[1] for b in grid]
        k = int(np.argmin(res))
        lo_b, hi_b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        opt = minimize_scalar(lambda b: _profile(fn, r, f, b)[1], bounds=(lo_b, hi_b), method="bounded",
                              options={"xatol": 1e-10 * hi_b})
        b = float(opt.x) if opt.fun <= res[k] else float(grid[k])
        amp, resid = _profile(fn, r, f, b)
        rss = max(resid**2, 1e-300 * norm**2)
        aic = r.size * np.log(rss / r.size) + 2 * len(names)
        fits.append(FormFit(name, {names[0]: amp, names[1]: b}, resid / norm, float(aic)))
    fits.sort(key=lambda x: x.aic)
    return fits[0], fits
