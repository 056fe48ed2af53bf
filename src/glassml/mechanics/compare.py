"""Scoring a per-particle indicator on where plastic events happen (ROC AUC).

The particles of an event are the ``fraction`` with the largest D²min (Falk & Langer, PRE 57,
7192 (1998)); an indicator that predicts plasticity ranks them first.  The score is the area under
the ROC curve: 0.5 for a random indicator, 1 for a perfect one (as in Richard et al., Phys. Rev.
Materials 4, 113609 (2020), who rank indicators by where the first AQS events occur).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError


def event_particles(d2min: np.ndarray, fraction: float = 0.05) -> np.ndarray:
    """(N,) bool: the ``fraction`` of particles (at least one) with the largest D²min."""
    d = np.asarray(d2min, float)
    if not 0 < fraction < 1:
        raise GlassmlError(f"fraction must be in (0, 1), got {fraction}")
    k = max(1, int(round(fraction * d.size)))
    out = np.zeros(d.size, dtype=bool)
    out[np.argsort(d)[-k:]] = True
    return out


def event_auc(indicator: np.ndarray, d2min: np.ndarray, fraction: float = 0.05) -> float:
    """ROC AUC of ``indicator`` (larger = more likely to rearrange) for the particles of an event."""
    from sklearn.metrics import roc_auc_score

    x = np.asarray(indicator, float)
    if x.shape != np.shape(d2min):
        raise GlassmlError(f"indicator {x.shape} and D2min {np.shape(d2min)} differ in shape")
    return float(roc_auc_score(event_particles(d2min, fraction), x))
