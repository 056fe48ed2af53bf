"""The classical localiser: trackpy's ``locate`` (Crocker & Grier centroid refinement) with its
parameters chosen by a stated rule.

Method: J. C. Crocker and D. G. Grier, J. Colloid Interface Sci. 179, 298 (1996), as
implemented by trackpy (D. B. Allan et al., soft-matter/trackpy, Zenodo); the static error
estimate ``ep`` is that of T. Savin and P. S. Doyle, Biophys. J. 88, 623 (2005).

Rules (fitted on the first frames by :meth:`TrackpyLocator.fit`, each overridable):

* ``diameter``: the smallest odd integer ≥ 4 w + 1, w the PSF's Gaussian width in pixels
  (the mask covers ±2w, 95 % of a Gaussian spot's light per axis);
* ``separation``: 3 w rounded (two spots closer than their full width at half maximum,
  2.35 w, blend; trackpy's default ``diameter`` + 1 would merge neighbours of a dense sample);
* ``minmass``: Otsu's threshold (N. Otsu, IEEE Trans. SMC 9, 62 (1979)) of the integrated
  brightness ("mass") of every local maximum trackpy finds with no mass cut
  and no brightness percentile in the calibration frames: it splits noise maxima from particles where the two populations
  separate, and is the documented rule for an unknown sample.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.microscopy.detections import empty_detections, make_detections, mass_threshold


def diameter_rule(width: float) -> int:
    """trackpy ``diameter`` for a spot of Gaussian width ``width`` pixels: smallest odd integer ≥ 4w + 1."""
    d = int(np.ceil(4 * width + 1))
    return d if d % 2 else d + 1


class TrackpyLocator:
    """trackpy ``locate`` with the rules of the module docstring.

    Fitted attributes: ``diameter_``, ``separation_``, ``minmass_``.

    Parameters
    ----------
    width: Gaussian width of the spots (pixels), used by the diameter rule.
    diameter, minmass, separation: trackpy's parameters (None: by rule at :meth:`fit`).
    n_calibration: frames :meth:`fit` uses for the minmass rule.
    engine: trackpy's engine (``auto``: numba when installed, compiled on first use; ``python``).
    """

    name = "trackpy"

    def __init__(self, width: float = 1.5, diameter: int | None = None, minmass: float | None = None,
                 separation: float | None = None, n_calibration: int = 3, engine: str = "auto"):
        self.width = width
        self.diameter = diameter
        self.minmass = minmass
        self.separation = separation
        self.n_calibration = n_calibration
        self.engine = engine

    def _locate(self, image: np.ndarray, minmass: float, percentile: float = 64):
        require("trackpy", "microscopy", purpose="trackpy localisation")
        import trackpy

        trackpy.quiet()
        return trackpy.locate(np.asarray(image, float), self.diameter_, minmass=minmass, percentile=percentile,
                              separation=self.separation_, characterize=True, engine=self.engine)

    def fit(self, frames) -> "TrackpyLocator":
        """Choose diameter, separation and minmass from the first ``n_calibration`` frames."""
        self.diameter_ = int(self.diameter) if self.diameter is not None else diameter_rule(self.width)
        if self.diameter_ < 3 or self.diameter_ % 2 == 0:
            raise GlassmlError(f"trackpy diameter must be an odd integer >= 3, got {self.diameter_}")
        self.separation_ = float(self.separation) if self.separation is not None else float(np.floor(3 * self.width + 0.5))
        if self.minmass is not None:
            self.minmass_ = float(self.minmass)
            return self
        masses = []
        for image in islice(frames, self.n_calibration):
            masses.append(self._locate(image, 0.0, percentile=0)["mass"].to_numpy())
        m = np.concatenate(masses) if masses else np.zeros(0)
        m = m[m > 0]
        self.minmass_ = mass_threshold(m)
        return self

    def locate(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Detections of one frame: trackpy's x, y (shifted to pixel-corner coordinates), mass as
        the signal, and ``ep`` (Savin & Doyle) as the uncertainty."""
        if not hasattr(self, "minmass_"):
            raise GlassmlError("call fit() before locate()")
        df = self._locate(image, self.minmass_)
        if len(df) == 0:
            return empty_detections()
        ep = df["ep"].to_numpy() if "ep" in df else np.full(len(df), np.nan)
        # trackpy puts pixel centres at integers; glassml at half-integers
        return make_detections(df["x"].to_numpy() + 0.5, df["y"].to_numpy() + 0.5, df["mass"].to_numpy(), ep)

    def params(self) -> dict:
        return {"name": self.name, "diameter": self.diameter_, "separation": self.separation_, "minmass": self.minmass_,
                "width": self.width}
