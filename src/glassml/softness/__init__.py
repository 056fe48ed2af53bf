"""Softness and rearrangements: P_R(S, T), its Arrhenius fits and the onset of softness dependence.

:func:`rearrangement_probability` bins per-particle softness and rearranged flags into
P_R(S); :class:`SoftnessArrhenius` fits ln P_R = ΔΣ(S) - ΔE(S)/T per softness bin and as
the surface ΔE = e0 - e1 S, ΔΣ = Σ0 - Σ1 S (Schoenholz et al., Nat. Phys. 12, 469, 2016),
with uncertainties and the crossing temperature T_x = e1/Σ1; :func:`onset_temperature`
finds where P_R stops depending on S.  :class:`SoftnessTrapModel` (in
:mod:`glassml.softness.model`) evolves each particle's softness through its rearrangements
(the softness trap model of Ridout, Tah & Liu) and predicts τα at a temperature left out of
the fit; :class:`SoftnessAnalysis` (in :mod:`glassml.softness.pipeline`) runs everything on
stored trajectories and writes the report.  :mod:`glassml.softness.synthetic` builds a system
whose barrier is known.  :class:`SoftnessField` (in :mod:`glassml.softness.field`) trains
the linear SVM on rearranging against non-rearranging particles.  p_hop and rearrangement events live in
:mod:`glassml.dynamics.rearrangements`.  See the softness guide for what exists and what not.
"""

from glassml.softness.field import SoftnessField, balanced_sample, chance_level, describe_examples, training_labels
from glassml.softness.model import Relaxation, SoftnessTrapModel, calibrate
from glassml.softness.pipeline import SoftnessAnalysis
from glassml.softness.relaxation import (
    Onset,
    RearrangementProbability,
    SoftnessArrhenius,
    onset_temperature,
    rearrangement_probability,
)
from glassml.softness.synthetic import KnownBarrier, synthetic_rearrangements

__all__ = [
    "KnownBarrier",
    "Onset",
    "RearrangementProbability",
    "Relaxation",
    "SoftnessAnalysis",
    "SoftnessArrhenius",
    "SoftnessField",
    "SoftnessTrapModel",
    "balanced_sample",
    "calibrate",
    "chance_level",
    "describe_examples",
    "onset_temperature",
    "rearrangement_probability",
    "synthetic_rearrangements",
    "training_labels",
]
