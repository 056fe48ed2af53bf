"""Neighbor lists, graphs and descriptor sets on a small synthetic system.

Builds glassml's synthetic 2D test system (:func:`glassml.data.propensity_dataset`: particles
of two species at random in a periodic square box) in a folder, then, on its first
configuration: a neighbor query, a graph for graph networks, three descriptors and two named
descriptor sets.

    python examples/neighbors_and_descriptors.py [FOLDER]

FOLDER receives the synthetic dataset (default: a temporary folder).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from glassml.data import propensity_dataset
from glassml.geometry import NeighborQuery
from glassml.structure import Boattini, Configuration, RadialStructure, Steinhardt, compute_set


#: For tests/test_examples.py: the real data this example reads (None: it makes its own), and a
#: regular expression its output must match.
NEEDS = None
EXPECT = r"set 'boattini': 120 features"


def run(folder: Path) -> None:
    ds = propensity_dataset(folder / "synthetic", n_samples=3, n=160, seed=1)
    sample = ds[ds.sample_names()[0]]
    x, box, types = sample["initial_positions"], sample["box"], sample["types"]
    print(f"configuration: N = {len(x)}, box = {box.tolist()}, species counts {np.bincount(types).tolist()}")

    query = NeighborQuery(x, box)
    nb = query.neighbors(1.5)                           # full list, sorted by (i, j)
    print(f"neighbors within 1.5: {nb.n_pairs} ordered pairs, "
          f"mean {nb.counts.mean():.2f} per particle, particle 0 -> {nb.j[nb.offsets[0]:nb.offsets[1]].tolist()}")
    i, j, d = query.half_pairs(1.5)
    print(f"half list: {i.size} pairs, shortest distance {d.min():.3f}")

    # the edges of a graph network: sender i -> receiver j, carrying r_j - r_i (the graph
    # learners build theirs the same way, in glassml.learn.gnn.graphs.neighbor_graph)
    graph = query.neighbors(2.0)
    edge_index, edge_vectors = np.stack([graph.i, graph.j]), graph.vectors
    print(f"graph within 2.0: edge_index {edge_index.shape}, edge_vectors {edge_vectors.shape}")

    conf = Configuration(x, box, types)                 # shares one neighbor query
    for descriptor in (Steinhardt(), Boattini(), RadialStructure()):
        features = descriptor.compute(conf)
        print(f"{type(descriptor).__name__:<16} {features.shape[0]} x {features.shape[1]:<4} "
              f"e.g. {descriptor.names[0]} .. {descriptor.names[-1]}")
    for name in ("steinhardt", "boattini"):
        features, names = compute_set(name, conf)
        print(f"set {name!r}: {features.shape[1]} features")


def main() -> None:
    if len(sys.argv) > 1:
        run(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp))


if __name__ == "__main__":
    main()
