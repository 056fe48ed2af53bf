"""Point-spread functions integrated over camera pixels.

A camera pixel counts the photons that land on its whole area, so the expected image of a
point emitter is the PSF integrated over each pixel, not the PSF sampled at pixel centres.
Two PSFs, both normalised to unit total intensity on an infinite sensor:

* :class:`GaussianPSF`: the usual approximation of a diffraction-limited spot; its pixel
  integral is exact and separable, a product of differences of error functions
  (Smith, Joseph, Rieger & Lidke, Nat. Methods 7, 373 (2010)).
* :class:`AiryPSF`: the in-focus image of a point through a circular aperture,
  I(r) = I0 [2 J1(v)/v]^2 with v = 2π NA r / λ (Airy 1835; Born & Wolf, *Principles of
  Optics*, 8.5.2); it has no closed pixel integral, so it is integrated numerically with
  Gauss–Legendre points on each pixel.

Coordinates are in pixels: pixel (row i, column j) covers [j, j+1) × [i, i+1) in (x, y),
so its centre is (j + 0.5, i + 0.5).  Positions are (x, y) = (column, row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import erf, j1

from glassml.errors import GlassmlError

_SQRT2 = np.sqrt(2.0)


def _window(center: float, half: int, size: int) -> tuple[int, int]:
    lo = max(int(np.floor(center)) - half, 0)
    hi = min(int(np.floor(center)) + half + 1, size)
    return lo, hi


@dataclass(frozen=True)
class GaussianPSF:
    """Isotropic Gaussian PSF of standard deviation ``sigma`` pixels, pixel-integrated exactly.

    The fraction of the light of an emitter at (x0, y0) that lands on pixel ``[a, b) × [c, d)`` is
    ``¼ [erf((b - x0)/√2σ) - erf((a - x0)/√2σ)] [erf((d - y0)/√2σ) - erf((c - y0)/√2σ)]``.
    """

    sigma: float = 1.0

    def __post_init__(self):
        if not self.sigma > 0:
            raise GlassmlError(f"PSF width sigma must be positive, got {self.sigma}")

    @property
    def radius(self) -> int:
        """Half-width in pixels of the window where the spot is drawn (4σ and at least 3)."""
        return max(3, int(np.ceil(4 * self.sigma)) + 1)

    @property
    def width(self) -> float:
        """Standard deviation of the equivalent Gaussian (pixels), for sizing rules."""
        return float(self.sigma)

    def scaled(self, factor: float) -> "GaussianPSF":
        """The same PSF widened by ``factor`` (defocus)."""
        return GaussianPSF(self.sigma * factor)

    def pixel_fractions_1d(self, edges: np.ndarray, x0: np.ndarray) -> np.ndarray:
        """(M, len(edges) - 1) fraction of the light of emitters at ``x0`` (M,) in each 1D bin."""
        c = erf((np.asarray(edges)[None, :] - np.asarray(x0, float)[:, None]) / (_SQRT2 * self.sigma))
        return 0.5 * np.diff(c, axis=1)

    def patch(self, x0: float, y0: float, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Fraction of the light on each pixel of the block ``rows`` × ``cols`` (integer indices)."""
        fx = self.pixel_fractions_1d(np.append(cols, cols[-1] + 1).astype(float), np.array([x0]))[0]
        fy = self.pixel_fractions_1d(np.append(rows, rows[-1] + 1).astype(float), np.array([y0]))[0]
        return fy[:, None] * fx[None, :]


@dataclass(frozen=True)
class AiryPSF:
    """Airy-disc PSF with first dark ring at ``radius_first_zero`` pixels (0.61 λ/NA), pixel-integrated
    numerically with ``order`` × ``order`` Gauss–Legendre points per pixel.

    I(r) = (k² / 4π) [2 J1(k r) / (k r)]², k = 3.8317 / r0, which integrates to one over the plane.
    """

    radius_first_zero: float = 2.5
    order: int = 6

    def __post_init__(self):
        if not self.radius_first_zero > 0:
            raise GlassmlError(f"Airy radius must be positive, got {self.radius_first_zero}")

    @property
    def k(self) -> float:
        return 3.8317059702075125 / self.radius_first_zero

    @property
    def radius(self) -> int:
        """Half-width of the drawing window: three dark rings out (a few per mille of the light lies beyond)."""
        return max(4, int(np.ceil(3.3 * self.radius_first_zero)) + 1)

    @property
    def width(self) -> float:
        """Standard deviation of the Gaussian that best fits the Airy core (0.42 λ/2NA = 0.344 r0)."""
        return 0.3443 * self.radius_first_zero

    def scaled(self, factor: float) -> "AiryPSF":
        return AiryPSF(self.radius_first_zero * factor, self.order)

    def intensity(self, r: np.ndarray) -> np.ndarray:
        """Point intensity I(r) per unit area (pixels⁻²), unit integral over the plane."""
        v = self.k * np.asarray(r, float)
        small = v < 1e-8
        safe = np.where(small, 1.0, v)
        amp = np.where(small, 1.0, 2 * j1(safe) / safe)
        return self.k ** 2 / (4 * np.pi) * amp ** 2

    def patch(self, x0: float, y0: float, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        nodes, weights = np.polynomial.legendre.leggauss(self.order)
        u = 0.5 * (nodes + 1.0)  # in [0, 1)
        w = 0.5 * weights
        xs = (cols[:, None] + u[None, :]).ravel() - x0  # (C*q,)
        ys = (rows[:, None] + u[None, :]).ravel() - y0
        r = np.hypot(ys[:, None], xs[None, :])
        val = self.intensity(r).reshape(len(rows), self.order, len(cols), self.order)
        return np.einsum("iajb,a,b->ij", val, w, w)


PSF = GaussianPSF | AiryPSF


def make_psf(kind: str, size: float) -> PSF:
    """A PSF by name: ``gaussian`` (``size`` = σ in pixels) or ``airy`` (``size`` = first-zero radius)."""
    if kind == "gaussian":
        return GaussianPSF(float(size))
    if kind == "airy":
        return AiryPSF(float(size))
    raise GlassmlError(f"unknown PSF {kind!r}; choose gaussian or airy")


def psf_to_dict(psf: PSF) -> dict:
    if isinstance(psf, GaussianPSF):
        return {"kind": "gaussian", "size": psf.sigma}
    return {"kind": "airy", "size": psf.radius_first_zero}


def expected_spots(psf: PSF, shape: tuple[int, int], xy: np.ndarray, photons: np.ndarray,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Add the pixel-integrated expected photon counts of emitters at ``xy`` (M, 2) (x, y in pixels)
    with ``photons`` (M,) each to an image of ``shape``; returns the image (float)."""
    image = np.zeros(shape) if out is None else out
    h, w = shape
    half = psf.radius
    xy = np.asarray(xy, float).reshape(-1, 2)
    photons = np.broadcast_to(np.asarray(photons, float), (len(xy),))
    for (x0, y0), n in zip(xy, photons):
        if not (np.isfinite(x0) and np.isfinite(y0)) or n == 0:
            continue
        r0, r1 = _window(y0, half, h)
        c0, c1 = _window(x0, half, w)
        if r1 <= r0 or c1 <= c0:
            continue
        image[r0:r1, c0:c1] += n * psf.patch(x0, y0, np.arange(r0, r1), np.arange(c0, c1))
    return image


def peak_fraction(psf: PSF) -> float:
    """Largest fraction of the light one pixel receives (emitter at a pixel centre)."""
    return float(psf.patch(0.5, 0.5, np.array([0]), np.array([0]))[0, 0])
