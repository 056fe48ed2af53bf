"""Microscopy: synthetic images, localisation, linking, tracks into datasets.

From a trajectory to what an experimentalist records, and back: :class:`Microscope` renders
any glassml trajectory as camera frames with pixel-integrated PSFs (:class:`GaussianPSF`,
:class:`AiryPSF`), shot and read noise at a stated SNR, optional motion blur and defocus;
:func:`cramer_rao_bound` gives the best localisation precision those frames allow;
:class:`TrackpyLocator` (trackpy, Crocker & Grier) and :class:`LodeSTAR` (self-supervised CNN,
Midtvedt et al. 2022) find the particles; :mod:`glassml.microscopy.tracks` links them,
subtracts drift and writes the tracks as a glassml dataset, on which :mod:`glassml.dynamics`
runs unchanged.  :mod:`glassml.microscopy.pipeline` is the resumable, file-based pipeline
behind ``glassml microscopy render|locate|link|track``.  torch, trackpy and tifffile are
imported only where they are used.
"""

from glassml.microscopy.crb import cramer_rao_bound, fisher_information, gaussian_bound_continuous, microscope_bound, mortensen_bound
from glassml.microscopy.detections import Match, match_detections, photometric_uncertainty
from glassml.microscopy.lodestar import LodeSTAR
from glassml.microscopy.optics import AiryPSF, GaussianPSF, expected_spots, make_psf, peak_fraction
from glassml.microscopy.render import Microscope, RenderedStack, isolated_frames, render_trajectory
from glassml.microscopy.study import snr_study
from glassml.microscopy.trackpy_locator import TrackpyLocator
from glassml.microscopy.tracks import complete_tracks, drift, link, subtract_drift, tracks_to_dataset

__all__ = [
    "AiryPSF", "GaussianPSF", "LodeSTAR", "Match", "Microscope", "RenderedStack", "TrackpyLocator",
    "complete_tracks", "cramer_rao_bound", "drift", "expected_spots", "fisher_information", "gaussian_bound_continuous",
    "isolated_frames", "link", "make_psf", "match_detections", "microscope_bound", "mortensen_bound", "peak_fraction",
    "photometric_uncertainty", "render_trajectory", "snr_study", "subtract_drift", "tracks_to_dataset",
]
