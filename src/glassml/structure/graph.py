"""Graphs for the graph learners (Bapst et al. 2020; BOTAN, Shiba et al. 2023; SE(3) GNN).

Convention (the one PyTorch Geometric uses for message passing, ``flow="source_to_target"``):

* ``edge_index[0]`` is the **sender** (source) ``j`` and ``edge_index[1]`` the **receiver**
  (target) ``i``; a message travels from ``edge_index[0]`` to ``edge_index[1]``.
* ``edge_vectors[e] = r_receiver - r_sender`` under the minimum-image convention, i.e. the
  vector pointing from the sender to the receiver.  For a receiver ``i`` the vectors of its
  incoming edges are ``r_i - r_j``.
* Every pair closer than the cutoff appears in both directions.  Edges are sorted by sender,
  then receiver (the order of ``torch_geometric.utils.coalesce``), so the output is a pure,
  reproducible function of the input.  Self edges (zero vector), when asked for, take their
  place in that order.
"""

from __future__ import annotations

import numpy as np

from glassml.geometry import NeighborQuery


def build_graph(
    positions,
    box,
    cutoff: float,
    *,
    self_edges: bool = False,
    periodic=True,
) -> tuple[np.ndarray, np.ndarray]:
    """Edges between all particles closer than ``cutoff``.

    Parameters
    ----------
    positions:
        (N, d) coordinates, d = 2 or 3 (2D positions in a 2D box are fine).
    box:
        Orthorhombic box, a scalar or (d,) edge lengths.
    cutoff:
        Pairs with distance < cutoff are connected; at most half the periodic box.
    self_edges:
        Add an edge (i, i) with a zero vector for every particle (Bapst et al. keep them).
    periodic:
        A bool or d bools.

    Returns
    -------
    edge_index:
        int64 (2, E): row 0 senders, row 1 receivers, sorted by (sender, receiver).
    edge_vectors:
        float64 (E, d): ``r_receiver - r_sender`` (minimum image).
    """
    query = NeighborQuery(positions, box, periodic=periodic)
    nb = query.neighbors(cutoff)
    # the full list is sorted by (i, j) with vectors r_j - r_i; take i as sender, j as receiver
    senders, receivers = nb.i, nb.j
    vectors = nb.vectors
    if self_edges:
        n = query.n_particles
        own = np.arange(n, dtype=np.int64)
        senders = np.concatenate([senders, own])
        receivers = np.concatenate([receivers, own])
        vectors = np.concatenate([vectors, np.zeros((n, query.dimension))])
        order = np.lexsort((receivers, senders))
        senders, receivers, vectors = senders[order], receivers[order], vectors[order]
    edge_index = np.stack([senders, receivers]).astype(np.int64, copy=False)
    return np.ascontiguousarray(edge_index), np.ascontiguousarray(vectors)
