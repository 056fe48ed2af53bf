"""Local structure: neighbour queries, descriptors and graphs (issue 5).

* :class:`NeighborQuery` / :class:`Neighbors`: the one neighbour-query abstraction (vesin).
* :func:`build_graph`: edges and relative vectors for graph learners.
"""

from glassml.structure.graph import build_graph
from glassml.structure.neighbors import NeighborQuery, Neighbors, neighbors

__all__ = ["NeighborQuery", "Neighbors", "build_graph", "neighbors"]
