"""A softness-based dynamical model: independent particles whose softness changes when they rearrange.

The construction is the softness "trap model" of Ridout, Tah & Liu ("Building a 'trap model' of
glassy dynamics from a local structural predictor of rearrangements", arXiv 2308.07913, 2023),
from the group of the softness dynamical models of Tah, Ridout & Liu (arXiv 2205.07187, 2022) and
Ridout & Liu (arXiv 2406.05868, 2024): each particle's softness, and with it its barrier,
evolves independently of the others, as in the trap model of glasses, and the Arrhenius surface of Schoenholz et al. (Nat. Phys. 12, 469, 2016) sets how
often it rearranges.  The rules as implemented, in steps of the rearrangement window t_R:

1. particle i rearranges with probability P_R(S_i, T) = min(1, exp(Σ0 − Σ1 S_i − (e0 − e1 S_i)/T));
2. a particle that rearranged takes a new softness drawn from the softness distribution of
   rearranging particles at T, q(S) ∝ P(S, T) P_R(S, T), where P(S, T) is the equilibrium
   softness distribution (a sample of measured softness values at T).  Flux out of S,
   P(S) P_R(S), then equals flux into S, so P(S, T) is stationary and the dynamics obeys
   detailed balance, as the liquid's does;
3. between rearrangements S does not change (no facilitation: rearrangements of neighbours do
   not change a particle's softness; that is Ridout & Liu's spatial model, arXiv 2406.05868,
   which is not implemented here).

The relaxation function is C(t) = ⟨φ^{n_i(t)}⟩ over particles, n_i(t) the number of
rearrangements of particle i in [0, t] and φ the self-intermediate scattering of one
rearrangement (⟨cos q·Δr⟩ over the jumps; φ = 0 gives the persistence, the fraction of
particles that have not rearranged).  τ is the time at which C falls to 1/e.  A rearrangement
is not a whole relaxation of F_s(q, t), so τα(MD) = c τ with one constant c fitted on the
temperatures whose P_R entered the Arrhenius fit (:func:`calibrate`); the model then predicts
τα at a temperature from its softness distribution alone.

For φ = 0 the persistence has the closed form ⟨(1 − P_R(S))^k⟩_{P(S)} after k windows
(:meth:`SoftnessTrapModel.persistence`), which the Monte Carlo of :meth:`SoftnessTrapModel.relax`
reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError


@dataclass(frozen=True)
class Relaxation:
    """The model's relaxation at one temperature.

    times: (K,) times (units of the window t_R times ``window``); correlation: (K,) C(t);
    tau: time at which C falls to 1/e (NaN if it does not within the run);
    mean_probability: ⟨P_R⟩ over P(S, T), the initial rearrangement rate per window;
    softness_drift: mean softness of the particles at the end minus at the start (zero in
    equilibrium, up to sampling noise).
    """

    times: np.ndarray
    correlation: np.ndarray
    tau: float
    mean_probability: float
    softness_drift: float


def _crossing(times: np.ndarray, c: np.ndarray, level: float = 1 / np.e) -> float:
    below = np.flatnonzero(c < level)
    if below.size == 0:
        return float("nan")
    k = below[0]
    if k == 0:
        return float(times[0])
    t0, t1, c0, c1 = times[k - 1], times[k], c[k - 1], c[k]
    return float(t0 + (c0 - level) * (t1 - t0) / (c0 - c1))


class SoftnessTrapModel:
    """Independent-particle softness dynamics (Ridout, Tah & Liu 2023) on a fitted Arrhenius surface.

    Parameters
    ----------
    e0, e1, sigma0, sigma1:
        the surface ln P_R = Σ0 − Σ1 S − (e0 − e1 S)/T (per window), e.g. from a fitted
        :class:`~glassml.softness.relaxation.SoftnessArrhenius` (:meth:`from_arrhenius`).
    window:
        the rearrangement window t_R in the time units wanted (LJ time).
    jump_scattering:
        φ, the self-intermediate scattering of one rearrangement (0: persistence).
    """

    def __init__(self, e0: float, e1: float, sigma0: float, sigma1: float, window: float = 1.0,
                 jump_scattering: float = 0.0):
        self.e0, self.e1, self.sigma0, self.sigma1 = float(e0), float(e1), float(sigma0), float(sigma1)
        self.window = float(window)
        self.jump_scattering = float(jump_scattering)
        if not self.window > 0:
            raise GlassmlError(f"the rearrangement window must be positive, got {window}")
        if not 0.0 <= self.jump_scattering < 1.0:
            raise GlassmlError(f"jump_scattering φ must lie in [0, 1), got {jump_scattering}")

    @classmethod
    def from_arrhenius(cls, fit, window: float = 1.0, jump_scattering: float = 0.0) -> "SoftnessTrapModel":
        """The model on the surface of a fitted :class:`~glassml.softness.relaxation.SoftnessArrhenius`."""
        return cls(fit.e0_, fit.e1_, fit.sigma0_, fit.sigma1_, window=window, jump_scattering=jump_scattering)

    def probability(self, softness, temperature: float) -> np.ndarray:
        """P_R(S, T) per window, capped at 1."""
        s = np.asarray(softness, dtype=np.float64)
        log_p = (self.sigma0 - self.sigma1 * s) - (self.e0 - self.e1 * s) / float(temperature)
        return np.exp(np.minimum(log_p, 0.0))

    @staticmethod
    def _softness(softness) -> np.ndarray:
        s = np.asarray(softness, dtype=np.float64).ravel()
        if s.size == 0 or not np.all(np.isfinite(s)):
            raise GlassmlError("the softness distribution P(S, T) must be a non-empty sample of finite values")
        return s

    def persistence(self, softness, temperature: float, n_windows: int) -> np.ndarray:
        """Exact fraction of particles not yet rearranged after k = 0..n_windows windows (φ = 0)."""
        p = self.probability(self._softness(softness), temperature)
        k = np.arange(int(n_windows) + 1)
        return np.mean((1.0 - p)[None, :] ** k[:, None], axis=1)

    def relax(self, softness, temperature: float, *, n_particles: int | None = None, max_windows: int = 100_000,
              seed: int = 0) -> Relaxation:
        """Run the model from equilibrium until C(t) < 1/e (or ``max_windows``).

        ``softness`` is a sample of P(S, T) (softness of particles at T); the run starts from
        ``n_particles`` draws of it (default: the sample itself) and redraws rearranging particles
        from the same sample weighted by P_R (the distribution q(S) of rule 2).
        """
        pool = self._softness(softness)
        t = float(temperature)
        if not t > 0:
            raise GlassmlError(f"temperature must be positive, got {temperature}")
        rng = np.random.default_rng(seed)
        n = pool.size if n_particles is None else int(n_particles)
        s = pool.copy() if n_particles is None else rng.choice(pool, n, replace=True)
        p_pool = self.probability(pool, t)
        if not np.any(p_pool > 0):
            raise GlassmlError(f"P_R is zero for every softness at T = {t:g}: the model never relaxes")
        cdf = np.cumsum(p_pool)
        cdf /= cdf[-1]
        log_phi = np.log(self.jump_scattering) if self.jump_scattering > 0 else -np.inf
        count = np.zeros(n)
        s_start = float(s.mean())
        times, corr = [0.0], [1.0]
        # record on a geometric grid of windows: cheap for runs of many decades
        next_record, step = 1, 0
        while step < max_windows:
            step += 1
            jump = rng.random(n) < self.probability(s, t)
            if jump.any():
                count[jump] += 1
                s[jump] = pool[np.minimum(np.searchsorted(cdf, rng.random(int(jump.sum())), side="right"), pool.size - 1)]
            if step >= next_record:
                c = float(np.mean(np.exp(count * log_phi))) if np.isfinite(log_phi) else float(np.mean(count == 0))
                times.append(step * self.window)
                corr.append(c)
                next_record = max(step + 1, int(np.ceil(step * 1.05)))
                if c < 1 / np.e * 0.9:
                    break
        times_a, corr_a = np.asarray(times), np.asarray(corr)
        return Relaxation(times=times_a, correlation=corr_a, tau=_crossing(times_a, corr_a),
                          mean_probability=float(np.mean(p_pool)), softness_drift=float(s.mean() - s_start))


def calibrate(tau_model, tau_md) -> tuple[float, float]:
    """c in τα(MD) = c τ(model) by least squares in ln τ; returns (c, rms of ln residuals)."""
    a, b = np.asarray(tau_model, dtype=float), np.asarray(tau_md, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
    if not ok.any():
        raise GlassmlError("no temperature with both a model τ and an MD τα to calibrate on")
    r = np.log(b[ok]) - np.log(a[ok])
    return float(np.exp(r.mean())), float(np.sqrt(np.mean((r - r.mean()) ** 2)))
