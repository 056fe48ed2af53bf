"""Fits of tau_alpha(T), fragility, diffusion constant and Stokes-Einstein on exact synthetic data;
the swap Monte Carlo speed-up from its trajectories."""

import numpy as np
import pytest

from glassml.dynamics.relaxation import (
    diffusion_constant,
    fit_arrhenius,
    fit_mode_coupling,
    fit_parabolic,
    fit_vft,
    fragility,
    measure_swap_speedup,
    stokes_einstein,
    swap_speedup,
    temperature_fits,
    trajectory_relaxation_time,
)
from glassml.errors import GlassmlError
from glassml.simulate.swap import SwapRuns

T = np.array([0.44, 0.47, 0.5, 0.56, 0.64, 0.8])


def test_arrhenius_recovers_parameters():
    fit = fit_arrhenius(T, 0.1 * np.exp(3.0 / T))
    assert fit.params["tau0"] == pytest.approx(0.1, rel=1e-9) and fit.params["E"] == pytest.approx(3.0, rel=1e-9)


def test_vft_recovers_parameters_and_fragility():
    tau = 0.2 * np.exp(2.5 * 0.3 / (T - 0.3))
    fit = fit_vft(T, tau)
    assert fit.params["T0"] == pytest.approx(0.3, rel=1e-5)
    assert fit.params["D"] == pytest.approx(2.5, rel=1e-5)
    # analytic: Tg from tau_g, m = D T0 Tg / ((Tg - T0)^2 ln 10)
    Tg = 0.3 + 2.5 * 0.3 / np.log(1e12 / 0.2)
    fr = fragility(fit, 1e12)
    assert fr["Tg"] == pytest.approx(Tg, rel=1e-5)
    assert fr["m"] == pytest.approx(2.5 * 0.3 * Tg / ((Tg - 0.3) ** 2 * np.log(10)), rel=1e-4)


def test_parabolic_recovers_parameters():
    tau = 0.05 * np.exp(4.0**2 * (1 / T - 1 / 0.9) ** 2)
    fit = fit_parabolic(T, tau)
    assert fit.params["J"] == pytest.approx(4.0, rel=1e-5) and fit.params["To"] == pytest.approx(0.9, rel=1e-5)


def test_mode_coupling_recovers_tc_and_exponents_of_tau_and_d():
    tau = 0.3 * (T - 0.435) ** -2.5
    fit = fit_mode_coupling(T, tau)
    assert fit.params["Tc"] == pytest.approx(0.435, rel=1e-5) and fit.params["gamma"] == pytest.approx(2.5, rel=1e-5)
    D = 0.05 * (T - 0.43) ** 2.0  # D vanishes as a power law: the same fit on 1/D
    out = temperature_fits(T, tau, D)
    assert out["fits"]["mode_coupling"]["Tc"] == pytest.approx(0.435, rel=1e-4)
    assert out["fits_D"]["mode_coupling"]["Tc"] == pytest.approx(0.43, rel=1e-4)
    assert out["fits_D"]["mode_coupling"]["gamma"] == pytest.approx(2.0, rel=1e-4)
    with pytest.raises(GlassmlError, match="does not grow"):
        fit_mode_coupling(T, 1 / tau)


def test_too_few_temperatures_is_a_user_error():
    with pytest.raises(GlassmlError, match="at least 3"):
        fit_vft([0.5, 0.6], [10.0, 5.0])


def test_diffusion_constant_and_stokes_einstein():
    t = np.logspace(-2, 3, 20)
    msd = 6 * 0.01 * t + 0.1  # 3D, D = 0.01, plus a cage plateau offset
    assert diffusion_constant(t, msd, 3, min_msd=1.0) == pytest.approx(0.01, rel=1e-9)
    assert diffusion_constant(t, np.full_like(t, 0.1), 3) is None
    tau = np.array([10.0, 100.0, 1000.0])
    se = stokes_einstein([0.8, 0.6, 0.5], 1.0 / tau**0.8, tau)
    assert se["xi"] == pytest.approx(0.8)


def test_temperature_fits_fits_every_law_and_reports_failures():
    tau = 0.2 * np.exp(2.0 * 0.3 / (T - 0.3))
    D = 0.05 / tau**0.8
    out = temperature_fits(T, tau, D)
    assert set(out["fits"]) == {"arrhenius", "vft", "parabolic", "mode_coupling"}
    assert out["fits"]["vft"]["T0"] == pytest.approx(0.3, rel=1e-3)
    assert out["fits"]["vft"]["fragility"]["m"] > 0
    assert out["stokes_einstein"]["xi"] == pytest.approx(0.8)
    two = temperature_fits(T[:2], tau[:2])  # too few temperatures for VFT: the reason, not an exception
    assert "at least 3" in two["fits"]["vft"]["error"] and two["stokes_einstein"]["xi"] is None


def _trajectory(fs_values, n=40, q=2 * np.pi, seed=0):
    """(T, n, 2) positions whose Fs(q) along the two axes is ``fs_values``: every particle moves
    by a along x and not along y, so Fs = (cos(q a) + 1) / 2."""
    x0 = np.random.default_rng(seed).uniform(0, 5, (n, 2))
    a = np.arccos(2 * np.asarray(fs_values) - 1) / q
    x = np.repeat(x0[None], len(a), axis=0)
    x[:, :, 0] += a[:, None]
    return x, x0


def test_trajectory_relaxation_time_interpolates_and_reports_bounds():
    t = np.array([1.0, 10.0, 100.0])
    x, x0 = _trajectory([0.9, 0.5, 0.1])
    assert trajectory_relaxation_time(t, x, x0) == pytest.approx(10 ** (1 + (0.5 - np.exp(-1)) / 0.4), rel=1e-9)
    x, x0 = _trajectory([0.9, 0.8, 0.7])
    assert trajectory_relaxation_time(t, x, x0) == np.inf  # not relaxed within the run
    x, x0 = _trajectory([0.3, 0.2, 0.1])
    assert trajectory_relaxation_time(t, x, x0) == 1.0  # relaxed before the first record: an upper bound
    with pytest.raises(GlassmlError, match="shape"):
        trajectory_relaxation_time(t, x[:, 0], x0)


def test_trajectory_relaxation_time_is_fs_along_the_axes_pooled_flat():
    """Fs pools cos(q dr_alpha) over particles and axes in one mean, and tau interpolates ln t."""
    rng = np.random.default_rng(5)
    for d in (2, 3):
        x0 = rng.uniform(0, 8, (500, d))
        x = x0[None] + np.cumsum(rng.normal(0, 0.08, (60, 500, d)), axis=0)
        t = 10.0 * np.arange(1, 61)
        fs = np.mean(np.cos(2 * np.pi * (x - x0[None])), axis=(1, 2))
        k = int(np.flatnonzero(fs < np.exp(-1))[0])
        lt = np.log(t[k - 1]) + (np.exp(-1) - fs[k - 1]) * (np.log(t[k]) - np.log(t[k - 1])) / (fs[k] - fs[k - 1])
        assert trajectory_relaxation_time(t, x, x0) == float(np.exp(lt))


def test_swap_speedup_ratio_and_lower_bound():
    t = np.array([10.0, 100.0, 1000.0])
    fast, x0 = _trajectory([0.9, 0.2, 0.1])
    slow, _ = _trajectory([0.95, 0.5, 0.2])
    never, _ = _trajectory([0.99, 0.98, 0.97])
    runs = SwapRuns(0.2, t, x0, fast, slow, 1000, 0.15, -1.0, 40, "poly-swap-2d")
    r = swap_speedup(runs, remove_drift=False)
    assert r.speedup == pytest.approx(trajectory_relaxation_time(t, slow, x0) / trajectory_relaxation_time(t, fast, x0))
    assert r.speedup > 1 and (r.temperature, r.swap_acceptance, r.n, r.model) == (0.2, 0.15, 40, "poly-swap-2d")
    bound = swap_speedup(SwapRuns(0.2, t, x0, fast, never, 1000, 0.15, -1.0, 40, "poly-swap-2d"), remove_drift=False)
    assert bound.tau_plain == np.inf and bound.speedup == pytest.approx(1000 / bound.tau_swap)
    assert bound.fs_plain_end == pytest.approx(0.97) and r.fs_plain_end == pytest.approx(0.2)  # how far the plain run got
    assert np.isnan(swap_speedup(SwapRuns(0.2, t, x0, never, never, 1000, 0.15, -1.0, 40, "poly-swap-2d"), remove_drift=False).speedup)


@pytest.mark.slow
def test_swaps_speed_up_relaxation():
    r = measure_swap_speedup("poly-swap-3d", n=500, temperature=0.15, equilibration_sweeps=1000, max_sweeps=5000)
    assert r.speedup > 2.0, r
    assert 0.05 < r.swap_acceptance < 0.5


def test_fit_errors_cover_the_true_parameters_on_noisy_synthetic_data():
    """5 % noise on tau_alpha with its error given: over 40 noisy ladders, each law's parameters
    lie within two standard errors of the truth about 95 % of the time (coverage, not luck)."""
    rng = np.random.default_rng(3)
    laws = {
        "vft": (fit_vft, lambda t: 0.2 * np.exp(2.5 * 0.3 / (t - 0.3)), {"T0": 0.3, "D": 2.5}),
        "parabolic": (fit_parabolic, lambda t: 0.05 * np.exp(4.0**2 * (1 / t - 1 / 0.9) ** 2), {"J": 4.0, "To": 0.9}),
        "arrhenius": (fit_arrhenius, lambda t: 0.1 * np.exp(3.0 / t), {"E": 3.0}),
        "mode_coupling": (fit_mode_coupling, lambda t: 0.3 * (t - 0.4) ** -2.5, {"Tc": 0.4, "gamma": 2.5}),
    }
    for name, (fit, law, truth) in laws.items():
        hits = total = 0
        for _ in range(40):
            tau = law(T) * np.exp(rng.normal(0, 0.05, T.size))
            f = fit(T, tau, 0.05 * tau)
            for key, value in truth.items():
                assert np.isfinite(f.errors[key]) and f.errors[key] > 0
                hits += abs(f.params[key] - value) <= 2 * f.errors[key]
                total += 1
        assert 0.8 <= hits / total <= 1.0, (name, hits / total)


def test_temperature_fits_report_errors_and_onset():
    tau = 0.05 * np.exp(4.0**2 * (1 / T - 1 / 0.9) ** 2)
    out = temperature_fits(T, tau, tau_error=0.02 * tau)
    assert out["onset"]["To"] == pytest.approx(0.9, rel=1e-3) and out["onset"]["error"] > 0 and out["onset"]["resolved"]
    flat = temperature_fits(T, 0.1 * np.exp(3.0 / T), tau_error=0.02 * 0.1 * np.exp(3.0 / T))  # Arrhenius: no onset
    assert not flat["onset"] or not flat["onset"]["resolved"]
    assert out["fits"]["vft"]["errors"]["T0"] > 0 and out["tau_alpha_A_error"][0] == pytest.approx(0.02 * tau[0])


def test_jackknife_error_of_a_mean_is_the_standard_error_and_chi4_peak_is_found():
    from glassml.dynamics.observables import jackknife_error, susceptibility_peak

    x = np.random.default_rng(0).normal(size=(12, 3))
    se = x[:, 1].std(ddof=1) / np.sqrt(12)
    assert jackknife_error(x, lambda m: m[1]) == pytest.approx(se, rel=1e-12)
    assert jackknife_error(x[:1], lambda m: m[1]) is None
    t = np.logspace(-1, 3, 17)
    chi = 7.0 - 0.5 * (np.log(t) - np.log(20.0)) ** 2  # a parabola in ln t, peak 7 at t = 20
    peak = susceptibility_peak(t, chi)
    assert peak["height"] == pytest.approx(7.0) and peak["time"] == pytest.approx(20.0) and not peak["at_edge"]
