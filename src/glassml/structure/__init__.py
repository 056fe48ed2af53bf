"""Local structure: per-particle descriptors.

Pairs come from :class:`glassml.geometry.NeighborQuery`, shared by the descriptors computed on
one :class:`Configuration`.

* descriptors (compute objects, ``compute(conf) -> (N, F)`` with ``names``):
  :class:`Steinhardt`, :class:`RadialBondOrder`, :class:`RadialDensity`, :class:`Boattini`,
  :class:`SmoothedBondOrder`, :class:`RadialStructure`, :class:`AngularStructure`,
  :class:`PhysicsInspired`, :class:`PotentialEnergy`, :class:`LocalDensity`,
  :class:`Hexatic`, :class:`TanakaTheta`, :class:`RelaxationDisplacement`, on a
  :class:`Configuration`.
* the registry of descriptor sets: :class:`DescriptorSet`, :func:`register_set`,
  :func:`get_set`, :func:`list_sets`, :data:`SETS`; :func:`compute_set` on one configuration.
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
from glassml.structure.descriptors.displacement import RelaxationDisplacement
from glassml.structure.descriptors.softness import AngularStructure, RadialStructure
from glassml.structure.sets import (
    SETS,
    DescriptorSet,
    compute_set,
    describe,
    get_set,
    list_sets,
    register_set,
)

__all__ = [
    "AngularStructure",
    "Boattini",
    "Configuration",
    "Descriptor",
    "DescriptorSet",
    "Hexatic",
    "LocalDensity",
    "PhysicsInspired",
    "PotentialEnergy",
    "RadialBondOrder",
    "RadialDensity",
    "RadialStructure",
    "RelaxationDisplacement",
    "SETS",
    "SmoothedBondOrder",
    "Steinhardt",
    "TanakaTheta",
    "VoronoiCells",
    "coarse_grain",
    "compute_set",
    "describe",
    "first_minimum_cutoffs",
    "get_set",
    "list_sets",
    "register_set",
]
