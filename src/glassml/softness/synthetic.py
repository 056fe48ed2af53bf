"""A synthetic system whose rearrangement barrier is known, to check what the Arrhenius fit recovers.

Each particle i carries a hidden structural variable x_i ~ N(0, 1) that sets its barrier and
entropy exactly as the softness model of Schoenholz et al. (Nat. Phys. 12, 469, 2016) says,

    P_i(T) = min(1, exp(Σ0 - Σ1 x_i - (e0 - e1 x_i) / T)),

and rearranges in a window with probability P_i (a Bernoulli draw).  The softness that an
analysis sees is a noisy reading of it, S_i = (x_i + noise ξ_i) / sqrt(1 + noise²),
ξ_i ~ N(0, 1) (scaled to unit variance like a standardised SVM output).  With noise = 0 the
fit of :class:`~glassml.softness.relaxation.SoftnessArrhenius` must return e0, e1, Σ0, Σ1;
with noise > 0 the binned P_R(S) is an average of exp over the x of a bin, and the fitted
parameters describe the softness bins, not the hidden barrier: e1 and Σ1 shrink by about the
correlation corr(S, x) = 1 / sqrt(1 + noise²), and an extra 1/T² term appears that the
straight Arrhenius lines absorb.  This is the check that Swain, Ridout & Nemenman
(arXiv 2403.00751, 2024) call for: Arrhenius-looking P_R per softness bin alone does not show
that the fitted ΔE(S) is the barrier a particle of that softness crosses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError


@dataclass(frozen=True)
class KnownBarrier:
    """Parameters of the synthetic system (k_B = 1)."""

    e0: float = 6.0
    e1: float = 1.0
    sigma0: float = 4.0
    sigma1: float = 0.5
    noise: float = 0.0

    @property
    def crossing_temperature(self) -> float:
        """T_x = e1 / Σ1 of the hidden variable."""
        return self.e1 / self.sigma1


def synthetic_rearrangements(barrier: KnownBarrier, temperatures, n_particles: int, *, seed: int = 0
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Softness, rearranged flags and hidden variable of ``n_particles`` at each temperature.

    Returns
    -------
    softness, rearranged, hidden: (K, n_particles) arrays; a fresh set of particles at each
    of the K temperatures.
    """
    t = np.asarray(temperatures, dtype=np.float64).ravel()
    if np.any(t <= 0):
        raise GlassmlError(f"temperatures must be positive, got {t.tolist()}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((t.size, n_particles))
    log_p = (barrier.sigma0 - barrier.sigma1 * x) - (barrier.e0 - barrier.e1 * x) / t[:, None]
    rearranged = rng.random(x.shape) < np.exp(np.minimum(log_p, 0.0))
    s = (x + barrier.noise * rng.standard_normal(x.shape)) / np.sqrt(1.0 + barrier.noise**2)
    return s, rearranged, x
