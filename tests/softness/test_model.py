"""The softness trap model: exact persistence, stationary softness, exact jump correlator, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.softness import SoftnessArrhenius, SoftnessTrapModel, calibrate

E0, E1, S0, S1 = 6.0, 1.0, 4.0, 0.5


def model(**kw):
    return SoftnessTrapModel(E0, E1, S0, S1, **kw)


def test_probability_is_the_arrhenius_surface_capped_at_one():
    m = model()
    s = np.array([-2.0, 0.0, 2.0, 40.0])
    expected = np.minimum(1.0, np.exp((S0 - S1 * s) - (E0 - E1 * s) / 0.7))
    np.testing.assert_allclose(m.probability(s, 0.7), expected, rtol=1e-12)
    fit = SoftnessArrhenius(weighted=False)
    temps = [0.5, 0.6, 0.7]
    soft = np.linspace(-2, 2, 5)
    fit.fit(temps, soft, np.exp((S0 - S1 * soft) - (E0 - E1 * soft) / np.array(temps)[:, None]))
    np.testing.assert_allclose(SoftnessTrapModel.from_arrhenius(fit).probability(soft, 0.65),
                               m.probability(soft, 0.65), rtol=1e-9)


def test_monte_carlo_persistence_equals_the_closed_form():
    """φ = 0: the fraction never rearranged after k windows is <(1 - P_R(S))^k> over P(S)."""
    rng = np.random.default_rng(0)
    s = rng.normal(0.0, 1.0, 20_000)
    m = model(window=0.5)
    run = m.relax(s, 0.7, seed=1)
    k = np.round(run.times / 0.5).astype(int)
    exact = m.persistence(s, 0.7, k.max())[k]
    sigma = np.sqrt(exact * (1 - exact) / s.size) + 1e-12
    assert np.all(np.abs(run.correlation - exact) < 5 * sigma + 1e-9), np.max(np.abs(run.correlation - exact) / sigma)
    assert run.correlation[-1] < 1 / np.e < run.correlation[0]
    # τ from the closed form, interpolated the same way
    kk = np.arange(k.max() + 1)
    ce = m.persistence(s, 0.7, k.max())
    j = np.flatnonzero(ce < 1 / np.e)[0]
    tau_exact = 0.5 * (kk[j - 1] + (ce[j - 1] - 1 / np.e) / (ce[j - 1] - ce[j]))
    assert run.tau == pytest.approx(tau_exact, rel=0.03)
    assert run.mean_probability == pytest.approx(np.mean(m.probability(s, 0.7)))


def test_softness_distribution_is_stationary():
    """Redrawing from q(S) ∝ P(S) P_R(S) keeps P(S): after many rearrangements the mean S has not moved."""
    rng = np.random.default_rng(2)
    s = rng.normal(0.0, 1.0, 10_000)
    m = model(jump_scattering=0.99)          # a slow correlator: the run spans many rearrangements
    run = m.relax(s, 0.8, seed=3, max_windows=400)
    frac = np.mean(1 - m.persistence(s, 0.8, 400)[-1])
    assert frac > 0.5                         # most particles rearranged at least once
    assert abs(run.softness_drift) < 0.03, run.softness_drift
    # the naive rule (redraw from P(S) itself) drifts towards hard particles: the test can fail
    soft_out = np.mean(s * m.probability(s, 0.8)) / np.mean(m.probability(s, 0.8))
    assert soft_out > 0.3


def test_jump_correlator_with_constant_probability_is_geometric():
    """P_R = p for every S: C after k windows = (1 - p + p φ)^k."""
    m = SoftnessTrapModel(e0=0.0, e1=0.0, sigma0=np.log(0.05), sigma1=0.0, window=1.0, jump_scattering=0.4)
    run = m.relax(np.zeros(20_000), 1.0, seed=4)
    k = run.times.astype(int)
    exact = (1 - 0.05 + 0.05 * 0.4) ** k
    assert np.max(np.abs(run.correlation - exact)) < 0.015
    assert run.tau == pytest.approx(1 / -np.log(1 - 0.05 * 0.6), rel=0.03)


def test_calibrate_and_errors():
    c, scatter = calibrate([1.0, 2.0, 4.0], [3.0, 6.0, 12.0])
    assert c == pytest.approx(3.0) and scatter == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(GlassmlError, match="no temperature"):
        calibrate([np.nan], [1.0])
    with pytest.raises(GlassmlError, match="jump_scattering"):
        model(jump_scattering=1.0)
    with pytest.raises(GlassmlError, match="non-empty"):
        model().relax([], 0.5)
    with pytest.raises(GlassmlError, match="never relaxes"):
        SoftnessTrapModel(1e6, 0.0, 0.0, 0.0).relax([0.0], 0.5)
