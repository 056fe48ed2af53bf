"""PSFs integrate correctly over pixels; the numerical Cramér–Rao bound meets its closed forms."""

import numpy as np
import pytest
from scipy.special import j0, j1

from glassml.microscopy import AiryPSF, GaussianPSF, cramer_rao_bound, expected_spots, gaussian_bound_continuous, mortensen_bound
from glassml.microscopy.crb import fisher_information, localisation_variance


def test_gaussian_pixel_integral_is_exact():
    psf = GaussianPSF(1.3)
    img = expected_spots(psf, (40, 40), np.array([[20.3, 18.7]]), np.array([1.0]))
    assert img.sum() == pytest.approx(1.0, abs=1e-5)
    # centroid of the pixel-integrated spot is the emitter position (pixel centres at j + 0.5)
    ii, jj = np.mgrid[0:40, 0:40]
    assert (img * (jj + 0.5)).sum() / img.sum() == pytest.approx(20.3, abs=1e-6)
    assert (img * (ii + 0.5)).sum() / img.sum() == pytest.approx(18.7, abs=1e-6)
    # one pixel by hand: [20, 21) x [18, 19) with erf differences
    from scipy.special import erf

    s = np.sqrt(2) * 1.3
    fx = 0.5 * (erf((21 - 20.3) / s) - erf((20 - 20.3) / s))
    fy = 0.5 * (erf((19 - 18.7) / s) - erf((18 - 18.7) / s))
    assert img[18, 20] == pytest.approx(fx * fy, rel=1e-12)


def test_airy_encircled_energy_matches_rayleigh():
    """Light within the first dark ring is 1 - J0(v)^2 - J1(v)^2 at v = 3.8317 (Rayleigh): 83.8 %."""
    r0 = 12.0
    psf = AiryPSF(r0, order=4)
    half = 20
    idx = np.arange(-half, half)
    patch = psf.patch(0.0, 0.0, idx, idx)
    ii, jj = np.meshgrid(idx + 0.5, idx + 0.5, indexing="ij")
    inside = np.hypot(ii, jj) < r0
    v = 3.8317059702075125
    assert patch[inside].sum() == pytest.approx(1 - j0(v) ** 2 - j1(v) ** 2, abs=4e-3)


def test_crb_meets_continuous_gaussian_closed_form():
    """Small pixels, no background, Poisson: var(x) = s^2 / N exactly (pixelation adds a^2/12)."""
    for s in (8.0, 12.0):
        numeric = cramer_rao_bound(GaussianPSF(s), 1000.0, 0.0, subpixel=2)
        exact = gaussian_bound_continuous(s, 1000.0)
        assert numeric == pytest.approx(exact * np.sqrt(1 + 1 / (12 * s * s)), rel=1e-3)
        assert numeric == pytest.approx(exact, rel=2e-3)


def test_crb_with_background_meets_mortensen():
    for b in (1.0, 10.0, 50.0):
        numeric = cramer_rao_bound(GaussianPSF(1.5), 1000.0, b)
        assert numeric == pytest.approx(mortensen_bound(1.5, 1000.0, b), rel=0.04)


def test_crb_scaling_and_read_noise():
    a = cramer_rao_bound(GaussianPSF(1.5), 400.0, 0.0)
    b = cramer_rao_bound(GaussianPSF(1.5), 1600.0, 0.0)
    assert a / b == pytest.approx(2.0, rel=1e-6)
    assert cramer_rao_bound(GaussianPSF(1.5), 400.0, 5.0, 3.0) > cramer_rao_bound(GaussianPSF(1.5), 400.0, 5.0)
    info = fisher_information(AiryPSF(2.5), 500.0, 10.0)
    assert np.allclose(info, info.T) and np.all(np.linalg.eigvalsh(info) > 0)
    vx, vy = localisation_variance(GaussianPSF(1.5), 500.0, 10.0, position=(0.5, 0.5))
    assert vx == pytest.approx(vy, rel=1e-9)  # a centred spot is symmetric
