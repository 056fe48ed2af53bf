"""Dynamics: per-particle targets and the collective observables of dynamic heterogeneity.

Start from :func:`compute_targets` (targets of every sample of a dataset, resumable) or from
the functions on displacements (T, R, N, d) in :mod:`glassml.dynamics.targets` and
:mod:`glassml.dynamics.observables`.  Definitions and references: the README (Dynamics section).
"""

from glassml.dynamics.compute import DEFINITIONS, compute_targets
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
    "TargetParameters",
    "bond_breaking_propensity",
    "cage_relative_propensity",
    "compute_targets",
    "displacement_propensity",
    "displacements",
    "edge_propensity",
    "from_arrays",
    "overlap_mobility",
    "replica_ceiling",
    "sample_targets",
]
