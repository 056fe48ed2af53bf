"""Diagnostics of Potts samplers: autocorrelation, acceptance decay, KL divergence, overlaps,
and the exact checks (paramagnetic energy, exhaustive enumeration with a chi-square test)."""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.sampling.potts import PottsGraph, boltzmann, enumerate_states, paramagnetic_free_entropy, state_index


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation function of a 1-D series (FFT, biased estimator)."""
    x = np.asarray(x, dtype=float) - np.mean(x)
    n = len(x)
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    return acf / acf[0] if acf[0] > 0 else np.ones(n)


def integrated_autocorrelation_time(x: np.ndarray, window: float = 5.0) -> float:
    """Integrated autocorrelation time ``tau = 1/2 + sum_t rho(t)`` with Sokal's automatic window
    (the smallest W with W >= window * tau(W)); A. Sokal, *Monte Carlo methods in statistical
    mechanics*, Cargèse lectures (1996).  In units of the series' step; the error of the mean
    is ``sqrt(2 tau var / n)``.  NaN for a series that never changes.

    Accepts ``(n,)`` or ``(n, R)`` (averaging the autocorrelation of the R chains).
    """
    x = np.asarray(x, dtype=float)
    if np.all(np.ptp(x, axis=0) == 0):
        return float("nan")  # a frozen series has no autocorrelation time
    rho = autocorrelation(x) if x.ndim == 1 else np.mean([autocorrelation(c) for c in x.T], axis=0)
    taus = 0.5 + np.cumsum(rho[1:])
    for w in range(1, len(taus)):
        if w >= window * taus[w - 1]:
            return float(max(taus[w - 1], 0.5))
    return float(max(taus[-1], 0.5))


def mean_with_error(x: np.ndarray) -> tuple[float, float]:
    """Mean of a time series (``(n,)`` or ``(n, R)`` chains) and its error bar from tau."""
    x = np.asarray(x, dtype=float)
    tau = integrated_autocorrelation_time(x)
    tau = 0.5 if np.isnan(tau) else tau
    n = x.size
    return float(x.mean()), float(np.sqrt(2 * tau * x.var() / n)) if n > 1 else float("nan")


def fit_exponential_decay(sizes: np.ndarray, acceptance: np.ndarray) -> dict:
    """Fit ``acceptance = A exp(-rate N)`` by least squares on ``log acceptance``; zero
    acceptances are left out (they bound the rate from below)."""
    n = np.asarray(sizes, dtype=float)
    a = np.asarray(acceptance, dtype=float)
    ok = a > 0
    if ok.sum() < 2:
        raise GlassmlError("an exponential fit needs at least two sizes with non-zero acceptance")
    slope, intercept = np.polyfit(n[ok], np.log(a[ok]), 1)
    resid = np.log(a[ok]) - (slope * n[ok] + intercept)
    cov = np.polyfit(n[ok], np.log(a[ok]), 1, cov=True)[1] if ok.sum() > 2 else np.full((2, 2), np.nan)
    return {"rate": float(-slope), "rate_error": float(np.sqrt(cov[0, 0])), "prefactor": float(np.exp(intercept)),
            "sizes_used": n[ok].astype(int).tolist(), "rms_log_residual": float(np.sqrt(np.mean(resid**2)))}


def kl_per_spin(graph: PottsGraph, temperature: float, target_samples: np.ndarray, logpa: np.ndarray,
                log_z: float | None = None) -> float:
    """Estimated ``D_KL(P_t || P_a) / N = (<-H/T - log P_a>_t - log Z) / N``.

    ``target_samples`` are equilibrium configurations of the target, ``logpa`` the network's
    log-probabilities of them; ``log Z`` defaults to N times the paramagnetic (Bethe) free
    entropy, exact above T_K on random regular and Erdős–Rényi graphs for large N.  Below T_d,
    samples from a single state (a planted one) measure the divergence to that state minus the
    complexity Sigma, so the estimate can dip below zero by about Sigma plus finite-size terms;
    :func:`jeffreys_per_spin` needs no ``log Z``.
    """
    n = graph.n_nodes
    if log_z is None:
        log_z = n * paramagnetic_free_entropy(temperature, graph.q, graph.c)
    h = graph.energy(target_samples).astype(float)
    return float((np.mean(-h / temperature - np.asarray(logpa)) - log_z) / n)


def jeffreys_per_spin(graph: PottsGraph, temperature: float, target_samples: np.ndarray, logpa_target: np.ndarray,
                      network_samples: np.ndarray, logpa_network: np.ndarray) -> float:
    """Symmetric divergence ``(D_KL(P_t||P_a) + D_KL(P_a||P_t)) / N``, which needs no ``log Z``:
    ``(<log w>_t - <log w>_a) / N`` with ``log w = -H/T - log P_a`` (the log-ratio that enters the
    Metropolis–Hastings test of a global move).  Non-negative in expectation."""
    lw_t = -graph.energy(target_samples) / temperature - np.asarray(logpa_target)
    lw_a = -graph.energy(network_samples) / temperature - np.asarray(logpa_network)
    return float((np.mean(lw_t) - np.mean(lw_a)) / graph.n_nodes)


def planted_overlap(spins: np.ndarray, planted: np.ndarray, q: int) -> np.ndarray:
    """Overlap with the planted colouring, maximised over colour permutations:
    ``(q/(q-1)) (max_pi fraction(sigma_i = pi(sigma*_i)) - 1/q)``; 1 for the planted colouring
    (up to relabelling), about 0 for an unrelated one."""
    from scipy.optimize import linear_sum_assignment

    s = np.atleast_2d(np.asarray(spins))
    out = np.empty(len(s))
    for k, row in enumerate(s):
        table = np.zeros((q, q))
        np.add.at(table, (row.astype(int), planted.astype(int)), 1)
        r, c = linear_sum_assignment(-table)
        out[k] = (q / (q - 1)) * (table[r, c].sum() / len(row) - 1.0 / q)
    return out


def exact_distribution(graph: PottsGraph, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """All states with their exact Boltzmann probabilities (N <= 12)."""
    states, energies = enumerate_states(graph)
    return states, boltzmann(energies, temperature)


def chi_square_test(graph: PottsGraph, temperature: float, samples: np.ndarray, min_expected: float = 5.0) -> dict:
    """Pearson chi-square of sampled configurations against the exact Boltzmann law.

    States whose expected count is below ``min_expected`` are pooled into one bin.  Samples
    should be (nearly) independent: thin a chain by its autocorrelation time.
    """
    from scipy.stats import chi2

    states, p = exact_distribution(graph, temperature)
    idx = state_index(samples, graph.q)
    counts = np.bincount(idx, minlength=len(p)).astype(float)
    expected = p * len(idx)
    big = expected >= min_expected
    obs = np.append(counts[big], counts[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    keep = exp > 0
    obs, exp = obs[keep], exp[keep]
    stat = float(np.sum((obs - exp) ** 2 / exp))
    dof = int(len(obs) - 1)
    return {"chi2": stat, "dof": dof, "p_value": float(chi2.sf(stat, dof)), "n_samples": int(len(idx))}


def exact_mean_energy(graph: PottsGraph, temperature: float) -> float:
    """Exact mean energy per node from enumeration (N <= 12)."""
    states, energies = enumerate_states(graph)
    return float(np.sum(boltzmann(energies, temperature) * energies) / graph.n_nodes)

