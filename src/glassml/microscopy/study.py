"""Localisation error and detection against SNR, beside the Cramér–Rao bound.

For each SNR the microscope's photon count is set (:meth:`Microscope.with_snr`), frames of
isolated particles at random sub-pixel positions are rendered, each localiser is fitted on
those frames (LodeSTAR trains on them without labels) and scored against the truth: per-axis
RMSE of the matched detections, RMSE over the bound, precision, recall, and the mean of the
localiser's own uncertainty estimate.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from glassml.microscopy.crb import microscope_bound
from glassml.microscopy.detections import match_detections
from glassml.microscopy.render import Microscope, isolated_frames
from glassml.progress import ProgressBar


def score_locator(locator, frames: np.ndarray, truth: list[np.ndarray], match_distance: float, border: float = 0.0) -> dict:
    """Fit ``locator`` on ``frames`` and score its detections against ``truth`` (pixels)."""
    locator.fit(frames)
    errors, n_true, n_det, n_match, unc = [], 0, 0, 0, []
    for image, xy in zip(frames, truth):
        d = locator.locate(image)
        m = match_detections(xy, np.c_[d["x"], d["y"]], match_distance)
        errors.append(m.error)
        n_true += m.n_true
        n_det += m.n_detected
        n_match += len(m.true_index)
        unc.append(d["uncertainty"][m.detected_index])
    err = np.concatenate(errors)
    u = np.concatenate(unc)
    return {
        "rmse": float(np.sqrt(np.mean(err ** 2))) if len(err) else float("nan"),
        "bias": err.mean(0).tolist() if len(err) else [float("nan")] * 2,
        "precision": n_match / n_det if n_det else 1.0,
        "recall": n_match / n_true if n_true else 1.0,
        "uncertainty": float(np.nanmean(u)) if np.isfinite(u).any() else float("nan"),
        "n_matched": int(n_match),
    }


def snr_study(microscope: Microscope, snrs, locators: dict[str, Callable[[], object]], *, n_frames: int = 4,
              shape: tuple[int, int] = (128, 128), spacing: float | None = None, seed: int = 0,
              show_progress: bool = False) -> dict:
    """RMSE, RMSE / CRB, precision and recall of each localiser at each SNR.

    ``locators`` maps a name to a factory returning a fresh, unfitted localiser.  Particles sit
    on a jittered grid of ``spacing`` pixels (default 10 PSF widths, so spots do not overlap).
    Returns ``{"rows": [{"snr", "photons", "crb", name: {...scores...}, ...}], ...}``.
    """
    width = microscope.psf.width
    spacing = float(spacing) if spacing is not None else max(10.0 * width, 8.0)
    rows = []
    with ProgressBar(show_progress, total=len(snrs) * len(locators), label="SNR study") as bar:
        for n, snr in enumerate(snrs):
            m = microscope.with_snr(float(snr))
            frames, truth = isolated_frames(m, shape, n_frames, spacing, seed=seed + 1000 * n, jitter=0.15)
            crb = microscope_bound(m)
            row = {"snr": float(snr), "photons": m.photons, "crb": crb}
            for name, make in locators.items():
                s = score_locator(make(), frames, truth, match_distance=0.3 * spacing)
                s["rmse_over_crb"] = s["rmse"] / crb
                row[name] = s
                bar.advance()
            rows.append(row)
    return {"rows": rows, "psf": microscope.to_dict()["psf"], "background": microscope.background,
            "read_noise": microscope.read_noise, "n_frames": n_frames, "shape": list(shape), "spacing": spacing,
            "methods": list(locators), "seed": seed}
