"""Observables of active particles: the exact free-ABP mean-square displacement and MIPS detection.

* :func:`abp_msd`: the mean-square displacement of a free (chiral) active Brownian particle in
  2D, ``4 D_t t + 2 v0^2 Re[t / z - (1 - exp(-z t)) / z^2]`` with ``z = D_r - i omega``
  (ten Hagen, van Teeffelen and Löwen, J. Phys.: Condens. Matter 23, 194119 (2011); for
  ``omega = 0`` it is ballistic ``v0^2 t^2`` at short times and diffusive with
  ``D_eff = D_t + v0^2 / (2 D_r)`` at long times).
* :func:`inertial_abp_msd`: the same for the underdamped (inertial) chiral ABP with
  translational and rotational inertia, from the orientation correlation
  ``cos(omega t) exp(-D_r [t - tau_r (1 - exp(-t / tau_r))])`` of Scholz, Jahanshahi, Ldov and
  Löwen, Nat. Commun. 9, 5156 (2018), filtered through the velocity relaxation ``tau``.
* :func:`local_area_fractions` and :func:`mips_order`: motility-induced phase separation shows
  as a bimodal distribution of the coarse-grained area fraction (Redner, Hagan and Baskaran,
  PRL 110, 055701 (2013)); the order parameter is the fraction of particles in cells denser
  than ``dense`` minus what a homogeneous state of the same density gives.
"""

from __future__ import annotations

import math

import numpy as np

from glassml.errors import GlassmlError


def abp_msd(t, swim_speed: float, translational_diffusion: float, rotational_diffusion: float, omega: float = 0.0) -> np.ndarray:
    """Exact MSD of a free (chiral) ABP in 2D at lag times ``t``."""
    t = np.asarray(t, dtype=float)
    z = complex(rotational_diffusion, -omega)
    active = 2 * swim_speed**2 * np.real(t / z - (1 - np.exp(-z * t)) / z**2)
    return 4 * translational_diffusion * t + active


def _filtered_msd(t: np.ndarray, z: complex, tau: float) -> np.ndarray:
    """``2 Re int_0^t (t - s) C(s) ds`` for the correlation ``C`` of ``y``, ``tau dy/dt = -y + x``,
    driven by ``x`` with correlation ``exp(-z |s|)``:
    ``C(s) = (exp(-z s) - z tau exp(-s / tau)) / (1 - z^2 tau^2)``."""

    def ramp(p: complex) -> np.ndarray:  # int_0^t (t - s) exp(-p s) ds
        return t / p - (1 - np.exp(-p * t)) / p**2

    if tau == 0.0:
        return 2 * np.real(ramp(z))
    if abs(1 - (z * tau) ** 2) < 1e-9:  # removable singularity: step off it
        z = z * (1 + 1e-6)
    return 2 * np.real((ramp(z) - z * tau * ramp(1.0 / tau)) / (1 - (z * tau) ** 2))


def inertial_abp_msd(t, swim_speed: float, translational_diffusion: float, rotational_diffusion: float, omega: float = 0.0,
                     momentum_time: float = 0.0, rotation_time: float = 0.0, n_terms: int = 60) -> np.ndarray:
    """Exact steady-state MSD in 2D of a free underdamped (chiral) active particle at lags ``t``.

    ``m dv/dt = -v / mu + F_a n + noise`` with ``tau = m mu`` (``momentum_time``), and an
    orientation whose angular velocity relaxes in ``tau_r`` (``rotation_time``) around
    ``omega``, so that ``<n(s) . n(0)> = cos(omega s) exp(-D_r [s - tau_r (1 - e^(-s/tau_r))])``
    (Scholz et al., Nat. Commun. 9, 5156 (2018)).  The passive part is the Ornstein–Uhlenbeck
    MSD ``4 D_t [t - tau (1 - e^(-t/tau))]``; the active part expands the orientation
    correlation in exponentials, ``exp(D_r tau_r (1 - e^(-s/tau_r))) = e^(D_r tau_r) sum_k
    (-D_r tau_r e^(-s/tau_r))^k / k!``, each filtered exactly through the velocity relaxation.
    With ``tau = tau_r = 0`` it is :func:`abp_msd`.
    """
    t = np.asarray(t, dtype=float)
    tau, tau_r, dr = float(momentum_time), float(rotation_time), float(rotational_diffusion)
    passive = 4 * translational_diffusion * (t - tau * (1 - np.exp(-t / tau))) if tau > 0 else 4 * translational_diffusion * t
    if tau_r > 0:
        x = dr * tau_r
        if x > 20.0:  # the alternating series loses its digits to cancellation
            raise GlassmlError(f"inertial_abp_msd needs D_r tau_r <= 20, got {x:g}")
        ks = np.arange(int(n_terms))
        logc = x + ks * np.log(x) - np.array([math.lgamma(k + 1.0) for k in ks]) if x > 0 else np.zeros(1)
        weights = np.exp(logc) * (-1.0) ** ks[: len(logc)]
        rates = [complex(dr + k / tau_r, -omega) for k in ks[: len(logc)]]
    else:
        weights, rates = np.ones(1), [complex(dr, -omega)]
    active = sum(w * _filtered_msd(t, z, tau) for w, z in zip(weights, rates))
    return passive + swim_speed**2 * active


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
