"""trackpy and LodeSTAR localisers on isolated particles with known positions."""

import numpy as np
import pytest

from glassml.microscopy import GaussianPSF, LodeSTAR, Microscope, TrackpyLocator, isolated_frames, match_detections, microscope_bound
from glassml.microscopy.detections import mass_threshold, otsu_threshold

pytest.importorskip("trackpy")


@pytest.fixture(scope="module")
def frames20():
    m = Microscope(psf=GaussianPSF(1.5), background=10.0, read_noise=2.0).with_snr(20.0)
    frames, truth = isolated_frames(m, (96, 96), 3, 14.0, seed=5, jitter=0.15)
    return m, frames, truth


def _score(loc, frames, truth):
    err, p, r, unc = [], [], [], []
    for image, xy in zip(frames, truth):
        d = loc.locate(image)
        m = match_detections(xy, np.c_[d["x"], d["y"]], 4.0)
        err.append(m.error)
        p.append(m.precision)
        r.append(m.recall)
        unc.append(d["uncertainty"])
    e = np.concatenate(err)
    return np.sqrt(np.mean(e ** 2)), min(p), min(r), np.nanmean(np.concatenate(unc))


def test_otsu_and_mass_rule():
    rng = np.random.default_rng(0)
    noise = rng.lognormal(1.0, 0.3, 500)
    signal = rng.lognormal(5.0, 0.2, 50)
    cut = mass_threshold(np.r_[noise, signal])
    assert noise.max() < cut < signal.min()
    assert 1.5 < otsu_threshold(np.log(np.r_[noise, signal])) < 4.5
    only = rng.lognormal(5.0, 0.1, 100)  # one population: a quarter of its median
    assert mass_threshold(only) == pytest.approx(0.25 * np.median(only))


def test_trackpy_locator_near_bound(frames20):
    m, frames, truth = frames20
    loc = TrackpyLocator(width=1.5, engine="python").fit(frames)
    assert loc.diameter_ == 7 and loc.separation_ == 5.0
    rmse, p, r, unc = _score(loc, frames, truth)
    assert p == 1.0 and r == 1.0
    assert rmse < 1.6 * microscope_bound(m)


def test_lodestar_learns_without_labels(frames20):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    m, frames, truth = frames20
    loc = LodeSTAR(width=1.5, steps=60, channels=8, batch=4, n_transforms=6, augment=2, seed=0).fit(frames)
    assert loc.loss_[-1] < loc.loss_[0]
    rmse, p, r, unc = _score(loc, frames, truth)
    assert p >= 0.98 and r >= 0.98
    crb = microscope_bound(m)
    assert rmse < 2.0 * crb
    assert 0.5 < unc / rmse < 1.5  # the photometric uncertainty is an honest error bar here
    # a translated frame gives translated detections, within the bound (an odd shift moves the
    # particles against the network's half-resolution grid, so this is learnt, not built in)
    shifted = np.roll(frames[0], (3, 5), axis=(0, 1))
    a, b = loc.locate(frames[0]), loc.locate(shifted)
    mm = match_detections(np.c_[a["x"] + 5, a["y"] + 3], np.c_[b["x"], b["y"]], 1.0)
    assert len(mm.error) >= 0.9 * len(a["x"]) and np.sqrt(np.mean(mm.error ** 2)) < crb


def test_locators_need_fit():
    from glassml.errors import GlassmlError

    with pytest.raises(GlassmlError):
        TrackpyLocator().locate(np.ones((8, 8)))
    with pytest.raises(GlassmlError):
        LodeSTAR().locate(np.ones((8, 8)))
