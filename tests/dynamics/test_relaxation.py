"""Fits of tau_alpha(T), fragility, diffusion constant and Stokes-Einstein on exact synthetic data."""

import numpy as np
import pytest

from glassml.dynamics.relaxation import (
    diffusion_constant,
    fit_arrhenius,
    fit_parabolic,
    fit_vft,
    fragility,
    stokes_einstein,
    temperature_fits,
)
from glassml.errors import GlassmlError

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
    assert set(out["fits"]) == {"arrhenius", "vft", "parabolic"}
    assert out["fits"]["vft"]["T0"] == pytest.approx(0.3, rel=1e-3)
    assert out["fits"]["vft"]["fragility"]["m"] > 0
    assert out["stokes_einstein"]["xi"] == pytest.approx(0.8)
    two = temperature_fits(T[:2], tau[:2])  # too few temperatures for VFT: the reason, not an exception
    assert "at least 3" in two["fits"]["vft"]["error"] and two["stokes_einstein"]["xi"] is None
