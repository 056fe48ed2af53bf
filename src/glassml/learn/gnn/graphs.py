"""Particle graphs for the graph learners: one graph per configuration, batched by concatenation.

A configuration becomes a graph whose nodes are particles and whose directed edges join every
pair closer than a cutoff, carrying the minimum-image relative vector ``x_j - x_i`` (Bapst et al.,
Nat. Phys. 16, 448 (2020): cutoff 2.0, self edges kept).  Several configurations form one
mini-batch by concatenating their nodes and shifting their edge indices (the disjoint union of
the graphs), which is what PyTorch Geometric's ``Batch`` does; keeping it here avoids a
dependency on PyG's compiled extensions (``radius_graph`` needs ``pyg-lib``, see REFERENCES.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.store.dataset import Sample

POSITION_INPUTS = {"thermal": "initial_positions", "inherent": "initial_positions_inherent", "cage": "initial_positions_cage"}


def neighbour_graph(positions: np.ndarray, box: np.ndarray, cutoff: float, *, self_edges: bool) -> tuple[np.ndarray, np.ndarray]:
    """Directed pairs closer than ``cutoff`` in a periodic box, and their relative vectors.

    Returns ``edge_index`` (2, E) int64 with rows (i, j) and ``edge_vectors`` (E, d) =
    ``x_j - x_i`` under the minimum image; both directions of each pair are present.
    """
    from glassml.structure.graph import build_graph

    return build_graph(positions, box, cutoff, self_edges=self_edges)


def sample_box(sample: Sample, dimension: int) -> np.ndarray:
    box = np.asarray(sample["box"], dtype=float)
    return np.full(dimension, float(box)) if box.ndim == 0 else box.reshape(dimension)


def sample_positions(sample: Sample, positions: str) -> np.ndarray:
    """The input positions of a sample: ``thermal``, ``inherent`` or ``cage`` configuration."""
    if positions not in POSITION_INPUTS:
        raise GlassmlError(f"unknown positions {positions!r}; use one of {', '.join(POSITION_INPUTS)}")
    key = POSITION_INPUTS[positions]
    if key not in sample or np.asarray(sample[key]).size == 0:
        raise GlassmlError(f"sample lacks '{key}' needed for positions={positions!r}; compute it first or use positions='thermal'", sample.path)
    return np.asarray(sample[key], dtype=np.float64)


#: node key computed on the fly (from the dataset's interaction model) when a sample lacks it
POTENTIAL_ENERGY = "potential_energy"


def local_potential_energy(sample: Sample, positions: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Per-particle potential energy (half of each pair energy) of the input positions, with the
    interaction model named in the sample's dataset manifest (an input of Pezzicoli et al. 2024)."""
    import json

    from glassml.systems.compute import energies_and_forces
    from glassml.systems.models import get_model

    manifest = sample.path.parent.parent / "glassml.json"
    try:
        name = json.loads(manifest.read_text())["model"]["name"]
    except (OSError, KeyError, TypeError, ValueError):
        raise GlassmlError("cannot tell the interaction model for 'potential_energy' (no dataset manifest); store the array in the sample", sample.path) from None
    model = get_model(name)
    diameters = sample["diameters"] if "diameters" in sample else None
    energy, _, _ = energies_and_forces(model, positions, np.asarray(sample["types"]), box, diameters)
    return energy


@dataclass
class Graph:
    """One configuration as a graph (numpy arrays, built once and reused every epoch)."""

    types: np.ndarray  # (N,) int
    edge_index: np.ndarray  # (2, E) int64
    edge_vectors: np.ndarray  # (E, d) float
    node_scalars: np.ndarray  # (N, S) extra per-particle inputs (e.g. potential energy), S may be 0
    target: np.ndarray | None = None  # (T, N)
    edge_target_index: np.ndarray | None = None  # (M,) positions in edge_index of target pairs
    edge_target_reverse: np.ndarray | None = None  # (M,) positions of the reversed pairs
    edge_target: np.ndarray | None = None  # (T, M)
    extras: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.types.shape[0])


def build_sample_graph(
    sample: Sample,
    *,
    cutoff: float,
    self_edges: bool,
    positions: str = "thermal",
    node_keys: Sequence[str] = (),
    target: str | None = None,
) -> Graph:
    """Build the :class:`Graph` of one sample (optionally with its (T, N) target)."""
    x = sample_positions(sample, positions)
    d = x.shape[1]
    box = sample_box(sample, d)
    edge_index, edge_vectors = neighbour_graph(x, box, cutoff, self_edges=self_edges)
    types = np.asarray(sample["types"], dtype=np.int64)
    cols = []
    for key in node_keys:
        if key == POTENTIAL_ENERGY and key not in sample:
            cols.append(local_potential_energy(sample, x, box))
            continue
        if key not in sample:
            raise GlassmlError(f"sample lacks per-particle input '{key}'; compute it (e.g. the local potential energy) first", sample.path)
        v = np.asarray(sample[key], dtype=np.float64)
        if v.shape != (types.shape[0],):
            raise GlassmlError(f"per-particle input '{key}' must have shape ({types.shape[0]},), got {v.shape}", sample.path)
        cols.append(v)
    node_scalars = np.stack(cols, axis=1) if cols else np.zeros((types.shape[0], 0))
    y = None
    if target is not None:
        if target not in sample:
            raise GlassmlError(f"sample lacks target '{target}'; compute it with glassml.dynamics first", sample.path)
        y = np.asarray(sample[target], dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != types.shape[0]:
            raise GlassmlError(f"target '{target}' must have shape (T, {types.shape[0]}), got {y.shape}", sample.path)
    return Graph(types=types, edge_index=edge_index, edge_vectors=edge_vectors, node_scalars=node_scalars, target=y)


def locate_pairs(edge_index: np.ndarray, n_nodes: int, pairs: np.ndarray) -> np.ndarray:
    """Position of each directed pair (i, j) of ``pairs`` (2, M) in ``edge_index``; -1 if absent."""
    keys = edge_index[0].astype(np.int64) * n_nodes + edge_index[1]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    want = pairs[0].astype(np.int64) * n_nodes + pairs[1]
    pos = np.searchsorted(sorted_keys, want)
    pos_clipped = np.minimum(pos, max(len(sorted_keys) - 1, 0))
    found = (pos < len(sorted_keys)) & (sorted_keys[pos_clipped] == want) if len(sorted_keys) else np.zeros(len(want), bool)
    out = np.full(want.shape, -1, dtype=np.int64)
    out[found] = order[pos_clipped[found]]
    return out


def random_cube_symmetry(rng: np.random.Generator, dimension: int) -> np.ndarray:
    """A random element of the cube's (square's) symmetry group: an axis permutation with sign flips.

    This is the augmentation of Bapst et al. (2020): rotations by multiples of pi/2 and
    reflections, under which a cubic periodic box is mapped onto itself.
    """
    perm = rng.permutation(dimension)
    signs = rng.choice(np.array([-1.0, 1.0]), size=dimension)
    matrix = np.zeros((dimension, dimension))
    matrix[np.arange(dimension), perm] = signs
    return matrix


def random_rotation(rng: np.random.Generator, dimension: int) -> np.ndarray:
    """A rotation matrix drawn uniformly from SO(d) (d = 2 or 3)."""
    if dimension == 2:
        a = rng.uniform(0, 2 * np.pi)
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


@dataclass
class Batch:
    """Several graphs as one disjoint graph, as torch tensors on one device."""

    types: torch.Tensor  # (N,)
    edge_index: torch.Tensor  # (2, E)
    edge_vectors: torch.Tensor  # (E, d)
    node_scalars: torch.Tensor  # (N, S)
    node_offsets: list[int]  # start of each graph's nodes, plus the total
    target: torch.Tensor | None = None  # (N, T)
    edge_target_index: torch.Tensor | None = None  # (M,)
    edge_target_reverse: torch.Tensor | None = None  # (M,)
    edge_target: torch.Tensor | None = None  # (M, T)

    @property
    def n_nodes(self) -> int:
        return self.node_offsets[-1]


def collate(
    graphs: Sequence[Graph],
    device: torch.device | str,
    *,
    transforms: Sequence[np.ndarray | None] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Batch:
    """Concatenate graphs into one :class:`Batch`, applying an optional linear map per graph to
    its edge vectors (augmentation or a rotation test)."""
    node_off = [0]
    edge_off = [0]
    for g in graphs:
        node_off.append(node_off[-1] + g.n_nodes)
        edge_off.append(edge_off[-1] + g.edge_index.shape[1])
    vecs = []
    for k, g in enumerate(graphs):
        v = g.edge_vectors
        if transforms is not None and transforms[k] is not None:
            v = v @ transforms[k].T
        vecs.append(v)
    ei = np.concatenate([g.edge_index + node_off[k] for k, g in enumerate(graphs)], axis=1)
    batch = Batch(
        types=torch.as_tensor(np.concatenate([g.types for g in graphs]), device=device),
        edge_index=torch.as_tensor(ei, device=device),
        edge_vectors=torch.as_tensor(np.concatenate(vecs), dtype=dtype, device=device),
        node_scalars=torch.as_tensor(np.concatenate([g.node_scalars for g in graphs]), dtype=dtype, device=device),
        node_offsets=node_off,
    )
    if all(g.target is not None for g in graphs):
        batch.target = torch.as_tensor(np.concatenate([g.target.T for g in graphs]), dtype=dtype, device=device)
    if all(g.edge_target is not None for g in graphs):
        batch.edge_target_index = torch.as_tensor(np.concatenate([g.edge_target_index + edge_off[k] for k, g in enumerate(graphs)]), device=device)
        batch.edge_target_reverse = torch.as_tensor(np.concatenate([g.edge_target_reverse + edge_off[k] for k, g in enumerate(graphs)]), device=device)
        batch.edge_target = torch.as_tensor(np.concatenate([g.edge_target.T for g in graphs]), dtype=dtype, device=device)
    return batch
