"""Particle graphs for the graph learners: one graph per configuration, batched by concatenation.

A :class:`~glassml.structure.Configuration` becomes a graph whose nodes are particles and whose
directed edges join every pair closer than a cutoff, carrying the minimum-image relative vector
(Bapst et al., Nat. Phys. 16, 448 (2020): cutoff 2.0, self edges kept).  The pairs come from the
configuration's :class:`~glassml.geometry.NeighborQuery`.  Several configurations form one
mini-batch by concatenating their nodes and shifting their edge indices (the disjoint union of
the graphs), which is what PyTorch Geometric's ``Batch`` does; keeping it here avoids a
dependency on PyG and its compiled extensions (PyG's ``radius_graph`` needs ``pyg-lib``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.learn.gnn.networks import Incidence
from glassml.structure import Configuration
from glassml.structure.descriptors.base import fmt
from glassml.structure.descriptors.displacement import RelaxationDisplacement

#: per-particle input computed from the configuration's interaction model
POTENTIAL_ENERGY = "potential_energy"
#: per-particle input ``log(u + 1e-3)``, ``u`` the distance between the thermal position and the
#: relaxed one the graph is built on (``positions="inherent"`` or ``"cage"``); ``displacement_L2``
#: (any length) is its average over neighbours with weights exp(-r/L)
DISPLACEMENT = "displacement"
#: prefix of a per-particle input that is a whole registered descriptor set
#: (:mod:`glassml.structure.sets`), e.g. ``descriptors:jung``: one column per feature
DESCRIPTORS = "descriptors:"
#: the extra per-particle inputs (``node_keys``) a graph learner can compute from a configuration
NODE_INPUTS = (POTENTIAL_ENERGY, DISPLACEMENT, DISPLACEMENT + "_L<length>", DESCRIPTORS + "<set>")


def neighbor_graph(conf: Configuration, cutoff: float, *, self_edges: bool) -> tuple[np.ndarray, np.ndarray]:
    """Directed pairs closer than ``cutoff`` in the configuration's box, and their vectors.

    Returns ``edge_index`` (2, E) int64, row 0 the sender ``i`` and row 1 the receiver ``j``,
    sorted by (receiver, sender), and ``edge_vectors`` (E, d) = ``x_j - x_i`` under the minimum
    image; both directions of each pair are present.  With ``self_edges`` every particle also
    has an edge (i, i) with a zero vector, in its place in that order.  Sorting by receiver
    lets message passing sum each node's incoming edges as one contiguous block.
    """
    nb = conf.neighbors(cutoff)
    senders, receivers, vectors = nb.i, nb.j, nb.vectors
    if self_edges:
        n = conf.n_particles
        own = np.arange(n, dtype=np.int64)
        senders = np.concatenate([senders, own])
        receivers = np.concatenate([receivers, own])
        vectors = np.concatenate([vectors, np.zeros((n, conf.dimension))])
    order = np.lexsort((senders, receivers))
    senders, receivers, vectors = senders[order], receivers[order], vectors[order]
    edge_index = np.stack([senders, receivers]).astype(np.int64, copy=False)
    return np.ascontiguousarray(edge_index), np.ascontiguousarray(vectors)


def local_potential_energy(conf: Configuration) -> np.ndarray:
    """Per-particle potential energy (half of each pair energy) of the configuration, with its
    interaction model (:mod:`glassml.systems`); an input of Pezzicoli et al. (2024)."""
    if conf.model is None:
        raise GlassmlError("node input 'potential_energy' needs the interaction model: build the Configuration with model=... (e.g. 'ka3d')")
    return conf.energies()


def relaxation_displacement(conf: Configuration, length: float = 0.0) -> np.ndarray:
    """``log(u_i + 1e-3)`` with ``u_i`` the distance from the thermal position (``conf.reference``)
    to the relaxed one (``conf.positions``): the single-configuration Debye-Waller proxy of
    Widmer-Cooper & Harrowell, PRL 96, 185701 (2006), as in
    :class:`glassml.structure.descriptors.displacement.RelaxationDisplacement`; with ``length``
    > 0 its neighbour average with weights exp(-r/length) (Jung, Biroli & Berthier 2023)."""
    if conf.reference is None:
        raise GlassmlError("node input 'displacement' needs relaxed positions with the thermal ones as reference: "
                           "use positions='inherent' or 'cage'")
    descriptor = RelaxationDisplacement(lengths=(length,))
    values = descriptor.compute(conf)
    return values[:, descriptor.names.index(f"LOGU_L{fmt(length)}")]


def _length_of(key: str) -> float | None:
    """The coarse-graining length of a ``displacement_L<length>`` key, None for other keys."""
    prefix = DISPLACEMENT + "_L"
    if not key.startswith(prefix):
        return None
    try:
        length = float(key[len(prefix):])
    except ValueError:
        return None
    return length if length > 0 else None


def descriptor_set_of(key: str) -> str | None:
    """The descriptor set a ``descriptors:<set>`` key names, None for other keys."""
    return key[len(DESCRIPTORS):] if key.startswith(DESCRIPTORS) else None


def descriptor_configuration(conf: Configuration, set_name: str, positions: str) -> Configuration:
    """The configuration a descriptor set is computed on, from a graph's configuration on
    ``positions`` (thermal, inherent or cage): the graph's own when the set's default positions
    are these, its thermal ``reference`` for a set of thermal positions, else an error."""
    from glassml.structure.sets import get_set

    spec = get_set(set_name)
    if spec.positions == positions:
        if spec.needs_reference and conf.reference is None:
            raise GlassmlError(f"descriptor set {set_name!r} compares relaxed with thermal positions: "
                               "build the configuration with reference=<thermal positions>")
        return conf
    if spec.positions == "thermal" and conf.reference is not None:
        return Configuration(conf.reference, conf.box, conf.types, n_species=conf.n_species, periodic=conf.periodic,
                             model=conf.model, diameters=conf.diameters)
    raise GlassmlError(f"descriptor set {set_name!r} is computed on {spec.positions} positions but the graph is on "
                       f"{positions} ones{'' if spec.positions == 'thermal' else f'; use positions={spec.positions!r}'}")


def resolve_descriptor_params(conf: Configuration, keys: Sequence[str], positions: str) -> dict[str, dict]:
    """The parameters of every descriptor set among ``keys``, with those that depend on the
    data resolved on ``conf`` (e.g. softness bounds from the box), so that every configuration
    a learner sees uses one definition."""
    from glassml.structure.sets import get_set

    out = {}
    for key in keys:
        if (name := descriptor_set_of(key)) is not None:
            out[name] = get_set(name).resolve(descriptor_configuration(conf, name, positions), {})
    return out


def node_inputs(conf: Configuration, keys: Sequence[str], *, positions: str = "thermal",
                descriptor_params: dict[str, dict] | None = None) -> np.ndarray:
    """The (N, S) extra per-particle inputs of a configuration on ``positions``: one column per
    key, and one per feature of a ``descriptors:<set>`` key (computed with ``descriptor_params``
    of that set, resolved on this configuration when absent)."""
    from glassml.structure.sets import compute_set

    cols = []
    for key in keys:
        if key == POTENTIAL_ENERGY:
            cols.append(local_potential_energy(conf)[:, None])
        elif key == DISPLACEMENT:
            cols.append(relaxation_displacement(conf)[:, None])
        elif (length := _length_of(key)) is not None:
            cols.append(relaxation_displacement(conf, length)[:, None])
        elif (name := descriptor_set_of(key)) is not None:
            params = (descriptor_params or {}).get(name)
            if params is None:
                params = resolve_descriptor_params(conf, [key], positions)[name]
            values, _ = compute_set(name, descriptor_configuration(conf, name, positions), **params)
            cols.append(np.asarray(values, dtype=np.float64))
        else:
            raise GlassmlError(f"unknown node input {key!r}; available: {', '.join(NODE_INPUTS)}")
    return np.concatenate(cols, axis=1) if cols else np.zeros((conf.n_particles, 0))


def check_targets(y, n_particles: int, index: int) -> np.ndarray:
    """The target of configuration ``index`` as a float64 (T, N) array."""
    a = np.asarray(y, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != n_particles:
        raise GlassmlError(f"target of configuration {index} must have shape (T, {n_particles}), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise GlassmlError(f"target of configuration {index} holds non-finite values")
    return a


@dataclass
class Graph:
    """One configuration as a graph (numpy arrays, built once and reused every epoch)."""

    types: np.ndarray  # (N,) int
    edge_index: np.ndarray  # (2, E) int64
    edge_vectors: np.ndarray  # (E, d) float
    node_scalars: np.ndarray  # (N, S) extra per-particle inputs (e.g. potential energy), S may be 0
    target: np.ndarray | None = None  # (T, N)
    reference_vectors: np.ndarray | None = None  # (E, d) the same pairs in the reference (thermal) positions
    reference_shift: np.ndarray | None = None  # (N, d) each particle's reference position minus its own
    edge_target_index: np.ndarray | None = None  # (M,) positions in edge_index of target pairs
    edge_target_reverse: np.ndarray | None = None  # (M,) positions of the reversed pairs
    edge_target: np.ndarray | None = None  # (T, M)
    extras: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.types.shape[0])


def configuration_graph(
    conf: Configuration,
    *,
    cutoff: float,
    self_edges: bool,
    node_keys: Sequence[str] = (),
    target: np.ndarray | None = None,
    reference_vectors: bool = False,
    reference_shift: bool = False,
    positions: str = "thermal",
    descriptor_params: dict[str, dict] | None = None,
) -> Graph:
    """The :class:`Graph` of one configuration (optionally with its (T, N) target).

    With ``reference_vectors`` each edge also carries the vector between the same two particles
    in the configuration's ``reference`` positions (the thermal ones of a relaxed configuration);
    with ``reference_shift`` each node carries the minimum-image vector from its position to its
    reference position.  ``positions`` (the kind of positions ``conf`` holds) and
    ``descriptor_params`` go to :func:`node_inputs`."""
    if not isinstance(conf, Configuration):
        raise GlassmlError(f"graph learners take glassml.structure.Configuration objects, got {type(conf).__name__}")
    edge_index, edge_vectors = neighbor_graph(conf, cutoff, self_edges=self_edges)
    ref = shift = None
    if (reference_vectors or reference_shift) and conf.reference is None:
        what = "reference_edges" if reference_vectors else "displacement_vector"
        raise GlassmlError(f"{what} needs relaxed positions with the thermal ones as reference: use positions='inherent' or 'cage'")
    box = conf.query.box
    if reference_vectors:
        x = np.asarray(conf.reference, dtype=np.float64)
        ref = np.ascontiguousarray(box.minimum_image(x[edge_index[1]] - x[edge_index[0]]))
    if reference_shift:
        shift = np.ascontiguousarray(box.minimum_image(np.asarray(conf.reference, dtype=np.float64) - conf.positions))
    return Graph(types=conf.types, edge_index=edge_index, edge_vectors=edge_vectors,
                 node_scalars=node_inputs(conf, node_keys, positions=positions, descriptor_params=descriptor_params), target=target, reference_vectors=ref, reference_shift=shift)


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
    incidence: Incidence | None = None  # sums and gathers over the edges, for message passing
    reference_vectors: torch.Tensor | None = None  # (E, d), rotated with edge_vectors
    reference_shift: torch.Tensor | None = None  # (N, d), rotated with edge_vectors
    target: torch.Tensor | None = None  # (N, T)
    edge_target_index: torch.Tensor | None = None  # (M,)
    edge_target_reverse: torch.Tensor | None = None  # (M,)
    edge_target: torch.Tensor | None = None  # (M, T)

    @property
    def n_nodes(self) -> int:
        return self.node_offsets[-1]

    @property
    def graph_index(self) -> torch.Tensor:
        """(N,) index of the graph each node belongs to."""
        sizes = torch.as_tensor([b - a for a, b in zip(self.node_offsets[:-1], self.node_offsets[1:])], device=self.types.device)
        return torch.repeat_interleave(torch.arange(len(sizes), device=self.types.device), sizes)


def collate(
    graphs: Sequence[Graph],
    device: torch.device | str,
    *,
    transforms: Sequence[np.ndarray | None] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Batch:
    """Concatenate graphs into one :class:`Batch`, applying an optional linear map per graph to
    its edge vectors (augmentation or a rotation test).

    Each graph's arrays are turned into contiguous torch tensors once and kept with the graph
    (``extras``), so an epoch only concatenates tensors and rotates edge vectors."""
    parts = [_tensors(g, dtype) for g in graphs]
    node_off, edge_off = [0], [0]
    for g in graphs:
        node_off.append(node_off[-1] + g.n_nodes)
        edge_off.append(edge_off[-1] + g.edge_index.shape[1])
    def rotated(key: str) -> torch.Tensor:
        vecs = []
        for k, t in enumerate(parts):
            v = t[key]
            if transforms is not None and transforms[k] is not None:
                v = v @ torch.as_tensor(transforms[k], dtype=dtype).T
            vecs.append(v)
        return (vecs[0] if len(vecs) == 1 else torch.cat(vecs)).to(device).contiguous()

    def cat(key: str, offsets: list[int] | None = None, dim: int = 0) -> torch.Tensor:
        items = [t[key] if offsets is None or offsets[k] == 0 else t[key] + offsets[k] for k, t in enumerate(parts)]
        out = items[0] if len(items) == 1 else torch.cat(items, dim=dim)
        return out.to(device).contiguous()

    edge_index = cat("edge_index", node_off, dim=1)
    batch = Batch(
        types=cat("types"),
        edge_index=edge_index,
        edge_vectors=rotated("edge_vectors"),
        node_scalars=cat("node_scalars"),
        node_offsets=node_off,
        incidence=Incidence(edge_index, node_off[-1], receiver_order=cat("receiver_order", edge_off),
                            sender_order=cat("sender_order", edge_off)),
    )
    if all(g.target is not None for g in graphs):
        batch.target = cat("target")
    if all(g.reference_vectors is not None for g in graphs):
        batch.reference_vectors = rotated("reference_vectors")
    if all(g.reference_shift is not None for g in graphs):
        batch.reference_shift = rotated("reference_shift")
    if all(g.edge_target is not None for g in graphs):
        batch.edge_target_index = cat("edge_target_index", edge_off)
        batch.edge_target_reverse = cat("edge_target_reverse", edge_off)
        batch.edge_target = cat("edge_target")
    return batch


def _tensors(g: Graph, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The graph's arrays as CPU torch tensors (targets transposed to (N, T)), built on first use.

    The cache holds the arrays it was built from and is rebuilt when the graph holds another
    array (new standardisation, new targets) or another dtype is asked for."""
    sources = (g.types, g.edge_index, g.edge_vectors, g.node_scalars, g.target, g.edge_target, g.reference_vectors, g.reference_shift)
    cached = g.extras.get("tensors")
    if cached is not None and cached[0] == dtype and all(a is b for a, b in zip(cached[1], sources)):
        return cached[2]
    t = {
        "types": torch.as_tensor(np.ascontiguousarray(g.types)),
        "edge_index": torch.as_tensor(np.ascontiguousarray(g.edge_index, dtype=np.int64)),
        "sender_order": torch.as_tensor(np.argsort(g.edge_index[0], kind="stable").astype(np.int64)),
        "receiver_order": torch.as_tensor(np.argsort(g.edge_index[1], kind="stable").astype(np.int64)),
        "edge_vectors": torch.as_tensor(np.ascontiguousarray(g.edge_vectors), dtype=dtype),
        "node_scalars": torch.as_tensor(np.ascontiguousarray(g.node_scalars), dtype=dtype),
    }
    for key in ("reference_vectors", "reference_shift"):
        if getattr(g, key) is not None:
            t[key] = torch.as_tensor(np.ascontiguousarray(getattr(g, key)), dtype=dtype)
    if g.target is not None:
        t["target"] = torch.as_tensor(np.ascontiguousarray(g.target.T), dtype=dtype)
    if g.edge_target is not None:
        t["edge_target_index"] = torch.as_tensor(np.ascontiguousarray(g.edge_target_index, dtype=np.int64))
        t["edge_target_reverse"] = torch.as_tensor(np.ascontiguousarray(g.edge_target_reverse, dtype=np.int64))
        t["edge_target"] = torch.as_tensor(np.ascontiguousarray(g.edge_target.T), dtype=dtype)
    g.extras["tensors"] = (dtype, sources, t)
    return t
