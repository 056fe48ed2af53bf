"""Dynamics: per-particle targets and the collective observables of dynamic heterogeneity.

Start from :func:`compute_targets` (targets of every sample of a dataset, resumable),
:func:`dataset_observables` / :func:`observables_report` (MSD, Fs, Q, alpha2, chi4, S4, G4,
xi4, tau_alpha, D of datasets, with figures and tau_alpha(T) fits), or from the functions on
displacements (T, R, N, d) in :mod:`glassml.dynamics.targets` and
:mod:`glassml.dynamics.observables`.  Fits of tau_alpha(T) live in
:mod:`glassml.dynamics.relaxation`, figures in :mod:`glassml.dynamics.plots`; p_hop and
rearrangement events of single trajectories in :mod:`glassml.dynamics.rearrangements`.  Definitions and
references: see the dynamics guide in the documentation.
"""

from glassml.dynamics.compute import (
    DEFINITIONS,
    compute_targets,
    dataset_observables,
    observables_report,
    temperature_fits_from_results,
)
from glassml.dynamics.observables import Observables, chi4, susceptibilities, tau_alpha
from glassml.dynamics.rearrangements import Rearrangements, events_from_phop, phop, phop_frames, rearrangement_events
from glassml.dynamics.relaxation import fit_arrhenius, fit_mode_coupling, fit_parabolic, fit_vft, fragility, temperature_fits
from glassml.dynamics.targets import (
    TargetParameters,
    bond_breaking_propensity,
    cage_relative_propensity,
    displacement_propensity,
    edge_propensity,
    overlap_mobility,
    replica_ceiling,
    sample_targets,
)
from glassml.dynamics.trajectory import Isoconfigurational, displacements, from_arrays

__all__ = [
    "DEFINITIONS",
    "Isoconfigurational",
    "Observables",
    "Rearrangements",
    "TargetParameters",
    "bond_breaking_propensity",
    "cage_relative_propensity",
    "chi4",
    "compute_targets",
    "dataset_observables",
    "displacement_propensity",
    "displacements",
    "edge_propensity",
    "events_from_phop",
    "fit_arrhenius",
    "fit_mode_coupling",
    "fit_parabolic",
    "fit_vft",
    "fragility",
    "from_arrays",
    "observables_report",
    "overlap_mobility",
    "phop",
    "phop_frames",
    "rearrangement_events",
    "replica_ceiling",
    "sample_targets",
    "susceptibilities",
    "tau_alpha",
    "temperature_fits",
    "temperature_fits_from_results",
]
