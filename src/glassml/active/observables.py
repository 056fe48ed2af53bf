"""Observables of active particles: the exact free-ABP mean-square displacement and MIPS detection.

* :func:`abp_msd`: the mean-square displacement of a free (chiral) active Brownian particle in
  2D, ``4 D_t t + 2 v0^2 Re[t / z - (1 - exp(-z t)) / z^2]`` with ``z = D_r - i omega``
  (ten Hagen, van Teeffelen and Löwen, J. Phys.: Condens. Matter 23, 194119 (2011); for
  ``omega = 0`` it is ballistic ``v0^2 t^2`` at short times and diffusive with
  ``D_eff = D_t + v0^2 / (2 D_r)`` at long times).
* :func:`local_area_fractions` and :func:`mips_order`: motility-induced phase separation shows
  as a bimodal distribution of the coarse-grained area fraction (Redner, Hagan and Baskaran,
  PRL 110, 055701 (2013)); the order parameter is the fraction of particles in cells denser
  than ``dense`` minus what a homogeneous state of the same density gives.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError


def abp_msd(t, swim_speed: float, translational_diffusion: float, rotational_diffusion: float, omega: float = 0.0) -> np.ndarray:
    """Exact MSD of a free (chiral) ABP in 2D at lag times ``t``."""
    t = np.asarray(t, dtype=float)
    z = complex(rotational_diffusion, -omega)
    active = 2 * swim_speed**2 * np.real(t / z - (1 - np.exp(-z * t)) / z**2)
    return 4 * translational_diffusion * t + active


def effective_diffusion(swim_speed: float, translational_diffusion: float, rotational_diffusion: float) -> float:
    """Long-time diffusion coefficient ``D_t + v0^2 / (2 D_r)`` of a free achiral ABP in 2D."""
    return translational_diffusion + swim_speed**2 / (2 * rotational_diffusion)


def msd(positions: np.ndarray, lags) -> np.ndarray:
    """Mean-square displacement of (T, N, d) unwrapped positions at integer frame ``lags``, averaged
    over time origins and particles."""
    x = np.asarray(positions, dtype=float)
    out = []
    for lag in np.asarray(lags, dtype=int):
        if lag <= 0 or lag >= len(x):
            raise GlassmlError(f"lag {lag} outside 1..{len(x) - 1}")
        out.append(float(np.mean(np.sum((x[lag:] - x[:-lag]) ** 2, axis=-1))))
    return np.array(out)


def local_area_fractions(positions: np.ndarray, box, cell: float = 5.0, diameter: float = 1.0) -> np.ndarray:
    """Area fraction in square cells of side about ``cell`` of one frame ``(N, 2)``; (n_cells,)."""
    box = np.asarray(box, dtype=float).reshape(2)
    bins = np.maximum((box // cell).astype(int), 1)
    x = np.mod(np.asarray(positions, dtype=float), box)
    idx = np.minimum((x / (box / bins)).astype(int), bins - 1)
    counts = np.bincount(idx[:, 0] * bins[1] + idx[:, 1], minlength=int(np.prod(bins)))
    area = np.prod(box / bins)
    return counts * np.pi * (diameter / 2) ** 2 / area


def mips_order(positions: np.ndarray, box, cell: float = 5.0, dense: float = 0.8, diameter: float = 1.0) -> float:
    """Fraction of cells denser than ``dense`` (area fraction), averaged over frames ``(T, N, 2)``.

    Near zero in a homogeneous fluid below ``dense``; a finite fraction (the dense phase's
    share) under motility-induced phase separation.
    """
    frames = np.asarray(positions, dtype=float)
    frames = frames[None] if frames.ndim == 2 else frames
    return float(np.mean([np.mean(local_area_fractions(x, box, cell, diameter) > dense) for x in frames]))
