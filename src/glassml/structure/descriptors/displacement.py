"""How far each particle sits from its relaxed position: the inherent-state displacement.

A thermal configuration ``X`` and its relaxed counterpart ``P`` (the inherent structure from an
energy minimisation, or the cage state) differ by the instantaneous vibrational displacement
``u_i = |X_i - P_i|`` (minimum image).  Its isoconfigurational average, the Debye-Waller
factor, predicts long-time propensity (Widmer-Cooper & Harrowell, PRL 96, 185701 (2006));
``u_i`` from one configuration is a noisy single-shot estimate of the same local softness,
and coarse-graining it over neighbors (the exp(-r/L) weights of Jung, Biroli & Berthier,
PRL 130, 238202 (2023)) averages much of that noise away.  Both inputs are static: the
inherent structure is a function of the initial configuration alone.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.structure.descriptors.base import Configuration, Descriptor, coarse_grain, fmt

#: floor under u inside the logarithm (positions are stored to ~1e-6; u is ~0.1 at liquid T)
LOG_FLOOR = 1e-3


class RelaxationDisplacement(Descriptor):
    """``u_i = |X_i - P_i|`` between the thermal positions ``X`` (``conf.reference``) and the
    relaxed positions ``P`` of ``conf`` (inherent or cage state), with ``log(u_i + 1e-3)`` and
    their neighbor averages ``sum_j w_ij f_j / sum_j w_ij``, ``w_ij = exp(-r_ij / L)`` over
    ``j = i`` and all j closer than ``3 L`` in ``P`` (capped below half the box), for every
    ``L`` in ``lengths``.  Names ``U_L{L}``, ``LOGU_L{L}`` (``L0`` = the particle itself).

    On GlassBench's KA2D T = 0.23 configuration the correlation with the long-time propensity
    grows with L (type A, t = 1.5e6: 0.11 at L = 0, 0.26 at L = 2, 0.39 at L = 3, against 0.28
    for the inherent-state potential energy), hence lengths up to 3 by default.
    """

    def __init__(self, lengths: Sequence[float] = (0, 1, 2, 3)):
        ls = sorted({float(x) for x in lengths})
        if not ls or ls[0] < 0:
            raise GlassmlError(f"coarse-graining lengths must be >= 0, got {list(lengths)}")
        super().__init__(lengths=ls)

    def _compute(self, conf: Configuration) -> tuple[np.ndarray, list[str]]:
        if conf.reference is None:
            raise GlassmlError("the displacement descriptor needs the thermal positions: Configuration(..., reference=X)")
        u = np.linalg.norm(conf.query.box.minimum_image(conf.reference - conf.positions), axis=1)
        base = np.c_[u, np.log(u + LOG_FLOOR)]
        feats, names = [], []
        for length in self.params["lengths"]:
            feats.append(base if length == 0 else coarse_grain(conf, base, length, cutoff=conf.capped_cutoff(3.0 * length)))
            names += [f"U_L{fmt(length)}", f"LOGU_L{fmt(length)}"]
        return np.concatenate(feats, axis=1), names
