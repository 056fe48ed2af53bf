"""Mechanics of amorphous solids: athermal quasistatic shear, plastic events located by D²min,
the Hessian, low-frequency vibrational modes, a soft-spot field, quasi-localised modes, and the ROC AUC of an indicator
on where events happen."""

from glassml.mechanics.aqs import AthermalQuasistaticShear, PlasticEvent, d2min, inherent_state_of, shear_sample
from glassml.mechanics.compare import event_auc, event_particles
from glassml.mechanics.dataset import modes_dataset, shear_dataset
from glassml.mechanics.modes import PseudoHarmonicMode, VibrationalModes, hessian, pair_curvature, participation_ratio

__all__ = ["AthermalQuasistaticShear", "PlasticEvent", "d2min", "inherent_state_of", "shear_sample",
           "event_auc", "event_particles", "modes_dataset", "shear_dataset", "PseudoHarmonicMode", "VibrationalModes", "hessian", "pair_curvature", "participation_ratio"]
