"""Geometry, the ground layer: boxes, periodic images and the one neighbor query.

* :class:`Box`: orthorhombic or triclinic (LAMMPS tilt convention), periodic per axis;
  :func:`minimum_image`, :func:`wrap`, :func:`unwrap`.
* :class:`NeighborQuery` / :class:`Neighbors`: pairs within a cutoff with distances, vectors
  and periodic shifts (vesin underneath, imported on first use).

Every pair search in glassml goes through :class:`NeighborQuery`.  Importing this package
imports neither torch nor vesin.
"""

from glassml.geometry.box import Box, as_lengths, as_periodic, as_positions, minimum_image, unwrap, wrap
from glassml.geometry.neighbors import OVERLAP_DISTANCE, NeighborQuery, Neighbors, neighbors

__all__ = [
    "Box",
    "NeighborQuery",
    "Neighbors",
    "OVERLAP_DISTANCE",
    "as_lengths",
    "as_periodic",
    "as_positions",
    "minimum_image",
    "neighbors",
    "unwrap",
    "wrap",
]
