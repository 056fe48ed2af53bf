"""P_R(S), the Arrhenius fits, T_x and the onset: exact surfaces, binomial noise, a known barrier."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.softness import (
    KnownBarrier,
    SoftnessArrhenius,
    onset_temperature,
    rearrangement_probability,
    synthetic_rearrangements,
)

E0, E1, S0, S1 = 6.0, 1.0, 4.0, 0.5          # T_x = E1 / S1 = 2
SOFT = np.linspace(-2.0, 2.0, 9)


def exact_surface(temperatures):
    t = np.asarray(temperatures)[:, None]
    return np.exp((S0 - S1 * SOFT) - (E0 - E1 * SOFT) / t)


def test_rearrangement_probability_by_hand():
    s = np.array([-1.0, -0.9, 0.1, 0.2, 0.3, 0.9, 1.5])
    r = np.array([0, 0, 1, 0, 0, 1, 1], dtype=bool)
    pr = rearrangement_probability(s, r, [-1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(pr.counts, [2, 4, 1])
    np.testing.assert_array_equal(pr.rearranged, [0, 2, 1])
    np.testing.assert_allclose(pr.probability, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(pr.error, [0.0, np.sqrt(0.25 / 4), 0.0])
    np.testing.assert_allclose(pr.centres, [-0.5, 0.5, 1.5])
    empty = rearrangement_probability(s, r, [-1.0, 0.0, 1.0, 2.0, 3.0])
    assert np.isnan(empty.probability[-1]) and empty.counts[-1] == 0


def test_exact_surface_is_recovered_exactly():
    temps = [0.5, 0.6, 0.7, 0.8]
    fit = SoftnessArrhenius(weighted=False).fit(temps, SOFT, exact_surface(temps))
    np.testing.assert_allclose(fit.barrier_, E0 - E1 * SOFT, rtol=1e-10)
    np.testing.assert_allclose(fit.entropy_, S0 - S1 * SOFT, rtol=1e-10, atol=1e-10)
    assert (fit.e0_, fit.e1_, fit.sigma0_, fit.sigma1_) == pytest.approx((E0, E1, S0, S1), rel=1e-10)
    assert fit.crossing_temperature_ == pytest.approx(E1 / S1, rel=1e-10)
    np.testing.assert_allclose(fit.log_probability(SOFT, 0.65), np.log(exact_surface([0.65])[0]), rtol=1e-10)


def test_onset_is_where_the_arrhenius_lines_cross():
    # In the model d ln P_R / dS = -Σ1 + e1 / T, zero at T_x = 2: bracketed -> interpolated exactly.
    onset = onset_temperature([1.5, 1.8, 2.5, 3.0], SOFT, exact_surface([1.5, 1.8, 2.5, 3.0]))
    assert not onset.extrapolated
    assert onset.temperature == pytest.approx(2.0, rel=1e-10)
    np.testing.assert_allclose(onset.slopes, -S1 + E1 / np.array([1.5, 1.8, 2.5, 3.0]), rtol=1e-10)
    # All temperatures below T_x: the zero comes from the line of the slopes against 1/T.
    below = onset_temperature([0.5, 0.6, 0.7, 0.8], SOFT, exact_surface([0.5, 0.6, 0.7, 0.8]))
    assert below.extrapolated and below.temperature == pytest.approx(2.0, rel=1e-9)


def test_binomial_uncertainties_are_calibrated():
    """Across independent binomial draws the fitted parameters scatter as their errors say."""
    temps = np.array([0.5, 0.6, 0.7, 0.8])
    p = exact_surface(temps)
    n = np.full(p.shape, 20000)
    rng = np.random.default_rng(7)
    pulls = []
    for _ in range(40):
        k = rng.binomial(n, p)
        f = SoftnessArrhenius().fit(temps, SOFT, k / n, n)
        pulls.append([(f.e1_ - E1) / f.e1_err_, (f.sigma1_ - S1) / f.sigma1_err_, (f.e0_ - E0) / f.e0_err_])
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls.mean(axis=0)) < 0.5), pulls.mean(axis=0)
    assert np.all((pulls.std(axis=0) > 0.7) & (pulls.std(axis=0) < 1.35)), pulls.std(axis=0)


def fit_synthetic(noise: float, seed: int = 1):
    temps = [0.5, 0.6, 0.7, 0.8]
    s, r, _ = synthetic_rearrangements(KnownBarrier(E0, E1, S0, S1, noise=noise), temps, 300_000, seed=seed)
    edges = np.linspace(-2.5, 2.5, 21)
    prs = [rearrangement_probability(s[k], r[k], edges) for k in range(len(temps))]
    p = np.array([pr.probability for pr in prs])
    n = np.array([pr.counts for pr in prs])
    return SoftnessArrhenius().fit(temps, prs[0].centres, p, n)


def test_known_barrier_is_recovered_when_softness_is_the_barrier_variable():
    f = fit_synthetic(noise=0.0)
    for value, err, truth in ((f.e0_, f.e0_err_, E0), (f.e1_, f.e1_err_, E1), (f.sigma0_, f.sigma0_err_, S0),
                              (f.sigma1_, f.sigma1_err_, S1)):
        assert abs(value - truth) < 3 * err, (value, err, truth)
    assert abs(f.crossing_temperature_ - 2.0) < 3 * f.crossing_temperature_err_


def test_noisy_softness_gives_arrhenius_lines_with_the_wrong_barrier():
    """corr(S, x) = 1/sqrt(2): the fit still works but reports e1 and Σ1 shrunk by about that factor."""
    f = fit_synthetic(noise=1.0)
    c = 1 / np.sqrt(2)
    assert abs(f.e1_ - E1) > 4 * f.e1_err_
    assert abs(f.e1_ - c * E1) < 3 * f.e1_err_
    assert abs(f.sigma1_ - c * S1) < 3 * f.sigma1_err_
    assert f.e0_ < E0 - 3 * f.e0_err_


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(GlassmlError, match="two or more temperatures, got 1 \\(T = 0.5\\)") as exc:
        SoftnessArrhenius().fit([0.5], SOFT, exact_surface([0.5]))
    assert "\n" not in str(exc.value)
    with pytest.raises(GlassmlError, match="no rearrangements found"):
        SoftnessArrhenius().fit([0.5, 0.6], SOFT, np.zeros((2, SOFT.size)))
    with pytest.raises(GlassmlError, match="no rearrangements found among 5 particles"):
        rearrangement_probability(np.arange(5.0), np.zeros(5, dtype=bool), 2)
    with pytest.raises(GlassmlError, match="shape"):
        SoftnessArrhenius().fit([0.5, 0.6], SOFT, np.ones((3, SOFT.size)) * 0.1)
    with pytest.raises(GlassmlError, match="distinct"):
        onset_temperature([0.5, 0.5], SOFT, exact_surface([0.5, 0.5]))
