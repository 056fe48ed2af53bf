"""Mechanics of amorphous solids: athermal quasistatic shear, plastic events located by D²min,
the Hessian, low-frequency vibrational modes, a soft-spot field, quasi-localised (pseudo-harmonic
and cubic) modes, the local yield stress by the frozen-matrix method, glasses of several
stabilities (quench rates, MD or swap Monte Carlo parents), and the comparison
of structural indicators (ROC AUC, rank) on where the first plastic events happen."""

from glassml.mechanics.aqs import AthermalQuasistaticShear, PlasticEvent, d2min, inherent_state_of, shear_sample
from glassml.mechanics.compare import (cross_fitted_softness, event_auc, event_particles, rank_percentile,
                                       summarise_scores)
from glassml.mechanics.dataset import (INDICATORS, compare_dataset, modes_dataset, sample_indicators, shear_dataset,
                                       yield_stress_dataset)
from glassml.mechanics.glasses import parent_glass, quenched_glass, swap_glass
from glassml.mechanics.modes import (CubicMode, PseudoHarmonicMode, VibrationalModes, hessian, participation_ratio,
                                     third_order_contraction)
from glassml.mechanics.yield_stress import (LocalYieldStress, grid_centres, nearest_probe_field, region_stress,
                                            resolved_shear_stress, shear_gradient)

__all__ = ["AthermalQuasistaticShear", "PlasticEvent", "d2min", "inherent_state_of", "shear_sample",
           "cross_fitted_softness", "event_auc", "event_particles", "rank_percentile", "summarise_scores",
           "INDICATORS", "compare_dataset", "modes_dataset", "sample_indicators", "shear_dataset",
           "yield_stress_dataset", "quenched_glass", "parent_glass", "swap_glass", "PseudoHarmonicMode", "CubicMode",
           "VibrationalModes", "hessian", "participation_ratio", "third_order_contraction", "LocalYieldStress", "grid_centres", "nearest_probe_field",
           "region_stress", "resolved_shear_stress", "shear_gradient"]
