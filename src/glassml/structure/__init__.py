"""Local structure: neighbour queries, descriptors and graphs (issue 5).

* :class:`NeighborQuery` / :class:`Neighbors`: the one neighbour-query abstraction (vesin).
* :func:`build_graph`: edges and relative vectors for graph learners.
* descriptors (compute objects, ``compute(conf) -> (N, F)`` with ``names``):
  :class:`Steinhardt`, :class:`RadialBondOrder`, :class:`RadialDensity`, :class:`Boattini`,
  :class:`SmoothedBondOrder`, :class:`RadialStructure`, :class:`AngularStructure`,
  :class:`PhysicsInspired`, :class:`PotentialEnergy`, :class:`LocalDensity`,
  :class:`Hexatic`, :class:`TanakaTheta`, on a :class:`Configuration`.
* :func:`describe`: a named set for every sample of a dataset (``desc_<set>``), resumable.
"""

from glassml.structure.descriptors.base import Configuration, Descriptor, coarse_grain
from glassml.structure.descriptors.bondorder import (
    Boattini,
    RadialBondOrder,
    RadialDensity,
    SmoothedBondOrder,
    Steinhardt,
    first_minimum_cutoffs,
)
from glassml.structure.descriptors.physics import (
    Hexatic,
    LocalDensity,
    PhysicsInspired,
    PotentialEnergy,
    TanakaTheta,
    VoronoiCells,
)
from glassml.structure.descriptors.softness import AngularStructure, RadialStructure
from glassml.structure.graph import build_graph
from glassml.geometry import NeighborQuery, Neighbors, neighbors
from glassml.structure.sets import SETS, compute_set, describe, list_sets, make_descriptors

__all__ = [
    "AngularStructure",
    "Boattini",
    "Configuration",
    "Descriptor",
    "Hexatic",
    "LocalDensity",
    "NeighborQuery",
    "Neighbors",
    "PhysicsInspired",
    "PotentialEnergy",
    "RadialBondOrder",
    "RadialDensity",
    "RadialStructure",
    "SETS",
    "SmoothedBondOrder",
    "Steinhardt",
    "TanakaTheta",
    "VoronoiCells",
    "build_graph",
    "coarse_grain",
    "compute_set",
    "describe",
    "first_minimum_cutoffs",
    "list_sets",
    "make_descriptors",
    "neighbors",
]
