"""Cramér–Rao bound of single-particle localisation from the pixel-integrated Fisher information.

The camera counts in pixel i are independent with mean μ_i(θ) = b + N f_i(x, y), where f_i is
the fraction of the light of an emitter at (x, y) on pixel i (the pixel-integrated PSF), N the
photon count and b the background per pixel; θ = (x, y, N, b).  For Poisson counts plus
Gaussian read noise of variance σ_r², the Fisher information is taken in the shifted-Poisson
approximation (exact for σ_r = 0; Huang et al., Nat. Methods 10, 653 (2013)):

    I_ab = Σ_i (∂μ_i/∂θ_a)(∂μ_i/∂θ_b) / (μ_i + σ_r²),

and any unbiased estimator of x has variance at least (I⁻¹)_xx (Ober, Ram & Ward, Biophys. J.
86, 1185 (2004)).  N and b are nuisance parameters estimated jointly, so the bound is taken
from the full 4×4 inverse.  Derivatives of f with respect to x, y are central differences of
the pixel integral, so any PSF of :mod:`glassml.microscopy.optics` works.

Closed forms used as checks: a continuous Gaussian spot of width s with Poisson noise and no
background has var(x) ≥ s²/N exactly; with pixels of size a and background b, Mortensen,
Churchman, Spudich & Flyvbjerg, Nat. Methods 7, 377 (2010) give the approximation
var(x) ≈ (s_a²/N)(1 + 4τ + sqrt(2τ/(1 + 4τ))), s_a² = s² + a²/12, τ = 2π s_a² b/(N a²).
"""

from __future__ import annotations

import numpy as np

from glassml.microscopy.optics import PSF, GaussianPSF


def _patch(psf: PSF, x: float, y: float, half: int) -> np.ndarray:
    idx = np.arange(-half, half + 1)
    return psf.patch(x, y, idx, idx)


def fisher_information(psf: PSF, photons: float, background: float, read_noise: float = 0.0,
                       position: tuple[float, float] = (0.5, 0.5), half: int | None = None,
                       step: float = 1e-3) -> np.ndarray:
    """4×4 Fisher information of (x, y, N, b) for one emitter at ``position`` (pixels, relative to
    the corner of the central pixel) seen through a (2·half+1)² pixel window."""
    half = psf.radius + 2 if half is None else int(half)
    x, y = position
    f = _patch(psf, x, y, half)
    dfx = (_patch(psf, x + step, y, half) - _patch(psf, x - step, y, half)) / (2 * step)
    dfy = (_patch(psf, x, y + step, half) - _patch(psf, x, y - step, half)) / (2 * step)
    mu = background + photons * f
    var = mu + read_noise ** 2
    grads = np.stack([photons * dfx, photons * dfy, f, np.ones_like(f)]).reshape(4, -1)
    if background == 0 and read_noise == 0:
        grads, var = grads[:3], var  # no background parameter to estimate without background light
    w = 1.0 / np.maximum(var.ravel(), 1e-300)
    info = (grads * w) @ grads.T
    if info.shape[0] == 3:
        full = np.zeros((4, 4))
        full[:3, :3] = info
        full[3, 3] = np.inf
        return full
    return info


def localisation_variance(psf: PSF, photons: float, background: float, read_noise: float = 0.0,
                          position: tuple[float, float] = (0.5, 0.5), half: int | None = None) -> np.ndarray:
    """(2,) Cramér–Rao lower bounds of var(x), var(y) (pixels²) at one sub-pixel position."""
    info = fisher_information(psf, photons, background, read_noise, position, half)
    keep = np.isfinite(np.diag(info))
    inv = np.linalg.inv(info[np.ix_(keep, keep)])
    return np.diag(inv)[:2].copy()


def cramer_rao_bound(psf: PSF, photons: float, background: float, read_noise: float = 0.0, *,
                     subpixel: int = 4, half: int | None = None) -> float:
    """Per-axis localisation bound (pixels): sqrt of var(x) and var(y) averaged over emitter
    positions on a ``subpixel`` × ``subpixel`` grid inside a pixel (the bound of an estimator
    applied to particles at random sub-pixel positions)."""
    u = (np.arange(subpixel) + 0.5) / subpixel
    var = [localisation_variance(psf, photons, background, read_noise, (a, b), half).mean() for a in u for b in u]
    return float(np.sqrt(np.mean(var)))


def microscope_bound(microscope) -> float:
    """Per-axis Cramér–Rao bound (pixels) of an in-focus particle seen by a
    :class:`~glassml.microscopy.render.Microscope`."""
    return cramer_rao_bound(microscope.psf, microscope.photons, microscope.background, microscope.read_noise)


def gaussian_bound_continuous(sigma: float, photons: float) -> float:
    """Exact bound of a continuous (unpixelated) Gaussian spot without background: sigma / sqrt(N)."""
    return float(sigma / np.sqrt(photons))


def mortensen_bound(sigma: float, photons: float, background: float, pixel: float = 1.0) -> float:
    """Mortensen et al. (2010) approximation of the localisation error of a pixelated Gaussian spot
    with Poisson noise and background (no EM gain)."""
    sa2 = sigma ** 2 + pixel ** 2 / 12
    tau = 2 * np.pi * sa2 * background / (photons * pixel ** 2)
    return float(np.sqrt(sa2 / photons * (1 + 4 * tau + np.sqrt(2 * tau / (1 + 4 * tau)))))


__all__ = ["fisher_information", "localisation_variance", "cramer_rao_bound", "microscope_bound",
           "gaussian_bound_continuous", "mortensen_bound", "GaussianPSF"]
