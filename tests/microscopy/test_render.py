"""The synthetic microscope: photometry, noise statistics, SNR, blur, defocus, determinism."""

import numpy as np
import pytest

from glassml.microscopy import GaussianPSF, Microscope, isolated_frames, render_trajectory
from glassml.microscopy.optics import peak_fraction


def test_snr_and_photometry():
    m = Microscope(psf=GaussianPSF(1.5), background=10.0, read_noise=2.0).with_snr(10.0)
    assert m.snr == pytest.approx(10.0)
    assert m.photons * peak_fraction(m.psf) / np.sqrt(10.0 + 4.0) == pytest.approx(10.0)
    img = m.expected_image(np.array([[20.2, 20.7]]), (40, 40))
    assert img.sum() - 10.0 * 1600 == pytest.approx(m.photons, rel=1e-4)


def test_camera_noise_statistics():
    m = Microscope(background=50.0, read_noise=3.0, offset=100.0)
    frame = m.camera(np.full((200, 200), 50.0), np.random.default_rng(0)).astype(float)
    assert frame.mean() == pytest.approx(150.0, abs=0.1)
    assert frame.var() == pytest.approx(50.0 + 9.0 + 1 / 12, rel=0.03)  # Poisson + read noise + rounding


def test_saturation_clips_at_full_scale():
    m = Microscope(bit_depth=8, offset=0.0, read_noise=0.0)
    frame = m.camera(np.full((4, 4), 1000.0), np.random.default_rng(0))
    assert frame.max() == 255


def test_motion_blur_truth_is_mean_position_and_defocus_dims():
    m = Microscope(psf=GaussianPSF(1.0), background=0.0, read_noise=1e-9, blur_steps=16, exposure=1.0, pixel_size=1.0)
    img = m.expected_image(np.array([[10.0, 10.0]]), (30, 30), path_end=np.array([[16.0, 10.0]]))
    ii, jj = np.mgrid[0:30, 0:30]
    assert (img * (jj + 0.5)).sum() / img.sum() == pytest.approx(13.0, abs=1e-3)
    d = Microscope(psf=GaussianPSF(1.0), background=1.0, depth_of_field=1.0)
    focus = d.expected_image(np.array([[10.0, 10.0]]), (30, 30), heights=np.array([0.0])).max()
    away = d.expected_image(np.array([[10.0, 10.0]]), (30, 30), heights=np.array([1.0])).max()
    assert away - 1.0 < 0.5 * (focus - 1.0) / 1.5  # half the light, spread over a wider spot


def test_render_trajectory_is_deterministic_and_follows_positions():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(0, 4, (6, 2))
    pos = x0 + np.cumsum(rng.normal(0, 0.05, (3, 1, 6, 2)), axis=0)
    m = Microscope(pixel_size=0.1)
    a = render_trajectory(m, x0, pos, 4.0, seed=3)
    b = render_trajectory(m, x0, pos, 4.0, seed=3)
    assert a.frames.shape == (4, 40, 40) and np.array_equal(a.frames, b.frames)
    assert np.allclose(a.true_xy[1], pos[0, 0] / 0.1)
    frames, truth = isolated_frames(m, (64, 64), 2, 16.0, seed=0)
    assert frames.shape == (2, 64, 64) and len(truth[0]) == 9
