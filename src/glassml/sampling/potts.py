"""The q-state antiferromagnetic Potts model on random graphs (graph colouring at T = 0).

The energy of a colouring ``sigma`` (integers ``0..q-1``, one per node) is the number of
monochromatic edges, ``H(sigma) = sum_(ij in E) delta(sigma_i, sigma_j)``, and the target is
the Boltzmann law ``P(sigma) = exp(-H / T) / Z``.  At T = 0 its ground states with H = 0 are the
proper q-colourings of the graph.

Graphs are random regular (every node has degree c) or Erdős–Rényi with mean degree c, drawn
with networkx, or planted ("quiet planting", Krzakala & Zdeborová, Phys. Rev. Lett. 102,
238701 (2009)): a colouring ``sigma*`` is drawn first and the edges are drawn given it, each
monochromatic pair weighted by ``exp(-1/T_p)``.  For T_p above the condensation temperature
T_K(c) (c below c_K at T_p = 0) the planted colouring is an equilibrium configuration of the
graph at T_p, so its energy ``e_para(T_p)`` is the equilibrium energy, known exactly.

References: L. Zdeborová, F. Krzakala, Phys. Rev. E 76, 031131 (2007); F. Krzakala,
L. Zdeborová, EPL 81, 57005 (2008).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError, require

GRAPH_KINDS = ("regular", "erdos-renyi")


def _networkx():
    require("networkx", "sampling", purpose="random graphs")
    import networkx

    return networkx


def paramagnetic_energy(temperature: float | np.ndarray, q: int, c: float) -> float | np.ndarray:
    """Exact paramagnetic energy per node, ``e(T) = (c/2) / (1 + (q-1) exp(1/T))``.

    Exact on random regular and Erdős–Rényi graphs in the thermodynamic limit above the
    condensation temperature (the replica-symmetric, paramagnetic Bethe solution), and the
    energy of the planted colouring of a planted instance at its planting temperature.
    """
    t = np.asarray(temperature, dtype=float)
    beta = np.divide(1.0, t, out=np.full_like(t, np.inf), where=t > 0)
    with np.errstate(over="ignore"):
        e = (c / 2.0) / (1.0 + (q - 1) * np.exp(beta))
    return float(e) if np.ndim(e) == 0 else e


def paramagnetic_free_entropy(temperature: float, q: int, c: float) -> float:
    """Bethe (paramagnetic) free entropy per node, ``log Z / N = log q + (c/2) log(1 - (1 - e^{-1/T}) / q)``.

    Exact in the thermodynamic limit on random regular graphs above T_K; on Erdős–Rényi
    graphs it is the annealed value, also exact above T_K.
    """
    w = math.exp(-1.0 / temperature) if temperature > 0 else 0.0
    return math.log(q) + 0.5 * c * math.log(1.0 - (1.0 - w) / q)


@dataclass
class PottsGraph:
    """An antiferromagnetic Potts instance: a graph in CSR form and a number of colours.

    Attributes
    ----------
    q:
        Number of colours (states), ``q >= 2``.
    edges:
        ``(M, 2)`` int array of undirected edges ``i < j``.
    n_nodes:
        Number of nodes N.
    indptr, indices:
        CSR adjacency: the neighbours of node ``i`` are ``indices[indptr[i]:indptr[i+1]]``.
    planted:
        The planted colouring (``(N,)`` int8) of a planted instance, else None.
    planted_temperature:
        The temperature T_p the instance was planted at (0 for a proper colouring).
    kind, c:
        How it was drawn (``"regular"``, ``"erdos-renyi"``, ``"file"``) and the connectivity.
    """

    q: int
    edges: np.ndarray
    n_nodes: int
    kind: str = "file"
    c: float = float("nan")
    planted: np.ndarray | None = None
    planted_temperature: float | None = None
    seed: int | None = None
    indptr: np.ndarray = field(init=False, repr=False)
    indices: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if int(self.q) < 2:
            raise GlassmlError(f"q = {self.q}: a Potts model needs at least 2 colours")
        self.q = int(self.q)
        edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        if edges.size and (edges.min() < 0 or edges.max() >= self.n_nodes):
            raise GlassmlError(f"edge endpoints must lie in 0..{self.n_nodes - 1}")
        if np.any(edges[:, 0] == edges[:, 1]):
            raise GlassmlError("the graph has a self-loop; a Potts edge joins two different nodes")
        self.edges = np.sort(edges, axis=1)
        src = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
        dst = np.concatenate([self.edges[:, 1], self.edges[:, 0]])
        order = np.lexsort((dst, src))
        self.indices = dst[order].astype(np.int32)
        self.indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=self.n_nodes), out=self.indptr[1:])
        if np.isnan(self.c):
            self.c = 2.0 * len(self.edges) / max(self.n_nodes, 1)

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def mean_degree(self) -> float:
        return 2.0 * len(self.edges) / self.n_nodes

    def energy(self, spins: np.ndarray) -> np.ndarray:
        """Number of monochromatic edges of each configuration (``(..., N)`` -> ``(...)``)."""
        s = np.asarray(spins)
        return np.sum(s[..., self.edges[:, 0]] == s[..., self.edges[:, 1]], axis=-1)

    def planted_energy(self) -> float:
        """Energy per node of the planted colouring; raises when the instance is not planted."""
        if self.planted is None:
            raise GlassmlError("this instance has no planted configuration")
        return float(self.energy(self.planted)) / self.n_nodes

    def to_networkx(self):
        """The graph as a ``networkx.Graph`` (isolated nodes kept)."""
        nx = _networkx()
        g = nx.Graph()
        g.add_nodes_from(range(self.n_nodes))
        g.add_edges_from(map(tuple, self.edges.tolist()))
        return g

    def describe(self) -> dict:
        """Plain-JSON summary of the instance."""
        return {"q": self.q, "n_nodes": self.n_nodes, "n_edges": int(len(self.edges)), "kind": self.kind, "c": self.c,
                "mean_degree": self.mean_degree, "planted": self.planted is not None,
                "planted_temperature": self.planted_temperature, "seed": self.seed}


def _check(q: int, c: float, n: int) -> None:
    if int(q) < 2:
        raise GlassmlError(f"--q {q}: a Potts model needs q >= 2 colours")
    if n < 2:
        raise GlassmlError(f"--n {n}: the graph needs at least 2 nodes")
    if not c > 0:
        raise GlassmlError(f"--c {c}: the connectivity must be positive")
    if c >= n:
        raise GlassmlError(f"--c {c} with --n {n}: the connectivity must be smaller than the number of nodes")


def random_regular(q: int, c: int, n: int, seed: int = 0) -> PottsGraph:
    """A random c-regular graph on n nodes (networkx ``random_regular_graph``)."""
    nx = _networkx()
    _check(q, c, n)
    if int(c) != c or (int(c) * n) % 2:
        raise GlassmlError(f"--c {c} with --n {n}: a random regular graph needs an integer c with c * n even")
    g = nx.random_regular_graph(int(c), n, seed=seed)
    return PottsGraph(q, np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2), n, kind="regular", c=float(c), seed=seed)


def erdos_renyi(q: int, c: float, n: int, seed: int = 0) -> PottsGraph:
    """An Erdős–Rényi graph G(n, M) with M = round(c n / 2) edges (mean degree c)."""
    nx = _networkx()
    _check(q, c, n)
    m = int(round(c * n / 2))
    g = nx.gnm_random_graph(n, m, seed=seed)
    return PottsGraph(q, np.array(list(g.edges()), dtype=np.int64).reshape(-1, 2), n, kind="erdos-renyi", c=float(c), seed=seed)


def planted(q: int, c: float, n: int, temperature: float = 0.0, kind: str = "erdos-renyi", seed: int = 0) -> PottsGraph:
    """A planted instance: colouring first, then edges given the colouring.

    ``kind="erdos-renyi"``: M = round(c n / 2) distinct edges, each pair (i, j) drawn with weight
    ``exp(-delta(s_i, s_j) / T_p)`` (``T_p = 0``: only bichromatic pairs).
    ``kind="regular"``: a c-regular graph; the colour classes are balanced and stubs are paired
    with the same weights (configuration model, redrawn until simple).

    Quiet planting (Krzakala & Zdeborová, PRL 102, 238701 (2009)): for T_p above T_K(c) the
    planted colouring is distributed like an equilibrium configuration of the graph at T_p.
    """
    _check(q, c, n)
    if temperature < 0:
        raise GlassmlError(f"planting temperature {temperature} must be >= 0")
    rng = np.random.default_rng(seed)
    w = math.exp(-1.0 / temperature) if temperature > 0 else 0.0
    if kind == "erdos-renyi":
        sigma = rng.integers(0, q, n).astype(np.int8)
        edges = _planted_er_edges(sigma, int(round(c * n / 2)), w, rng)
    elif kind == "regular":
        if int(c) != c or (int(c) * n) % 2:
            raise GlassmlError(f"--c {c} with --n {n}: a random regular graph needs an integer c with c * n even")
        sigma = rng.permutation(np.arange(n) % q).astype(np.int8)
        edges = _planted_regular_edges(sigma, int(c), w, rng)
    else:
        raise GlassmlError(f"graph kind {kind!r} is not one of {', '.join(GRAPH_KINDS)}")
    return PottsGraph(q, edges, n, kind=kind, c=float(c), planted=sigma, planted_temperature=float(temperature), seed=seed)


def _planted_er_edges(sigma: np.ndarray, m: int, w: float, rng: np.random.Generator) -> np.ndarray:
    n = len(sigma)
    if m > n * (n - 1) // 2:
        raise GlassmlError(f"{m} edges do not fit on {n} nodes")
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < m:
        k = 2 * (m - len(chosen)) + 16
        i = rng.integers(0, n, k)
        j = rng.integers(0, n, k)
        keep = (i != j) & ((sigma[i] != sigma[j]) | (rng.random(k) < w))
        for a, b in zip(np.minimum(i, j)[keep].tolist(), np.maximum(i, j)[keep].tolist()):
            if len(chosen) < m:
                chosen.add((a, b))
    return np.array(sorted(chosen), dtype=np.int64).reshape(-1, 2)


def _planted_regular_edges(sigma: np.ndarray, c: int, w: float, rng: np.random.Generator, tries: int = 200) -> np.ndarray:
    """Configuration model on stubs, pairing only allowed pairs; leftovers re-paired, restart if stuck."""
    n = len(sigma)
    for _ in range(tries):
        stubs = np.repeat(np.arange(n), c)
        edges: set[tuple[int, int]] = set()
        for _round in range(100):
            if stubs.size == 0:
                return np.array(sorted(edges), dtype=np.int64)
            stubs = rng.permutation(stubs)
            left = []
            for a, b in zip(stubs[0::2].tolist(), stubs[1::2].tolist()):
                pair = (min(a, b), max(a, b))
                if a != b and pair not in edges and (sigma[a] != sigma[b] or rng.random() < w):
                    edges.add(pair)
                else:
                    left += [a, b]
            stubs = np.array(left, dtype=np.int64)
    raise GlassmlError(f"could not draw a planted {c}-regular graph on {n} nodes; try another seed or size")


def read_graph(path: str | Path, q: int) -> PottsGraph:
    """Read a graph file: an edge list (two integer node ids per line, ``#`` comments) or any
    format networkx reads by extension (``.graphml``, ``.gml``, ``.adjlist``)."""
    nx = _networkx()
    path = Path(path)
    if not path.is_file():
        raise GlassmlError("no such graph file", path)
    try:
        suffix = path.suffix.lower()
        if suffix == ".graphml":
            g = nx.read_graphml(path)
        elif suffix == ".gml":
            g = nx.read_gml(path)
        elif suffix == ".adjlist":
            g = nx.read_adjlist(path)
        else:
            g = nx.read_edgelist(path, nodetype=int, data=False)
    except Exception as exc:  # networkx raises many types for a malformed file
        raise GlassmlError(f"not a graph ({type(exc).__name__}: {exc}); expected an edge list of integer pairs", path) from None
    if g.number_of_nodes() < 2 or g.number_of_edges() < 1:
        raise GlassmlError("not a graph: fewer than 2 nodes or no edge", path)
    if g.is_directed():
        g = g.to_undirected()
    nodes = sorted(g.nodes(), key=str)
    index = {v: k for k, v in enumerate(nodes)}
    edges = np.array([(index[a], index[b]) for a, b in g.edges() if a != b], dtype=np.int64).reshape(-1, 2)
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    if int(q) < 2:
        raise GlassmlError(f"--q {q}: a Potts model needs q >= 2 colours")
    return PottsGraph(q, edges, len(nodes), kind="file")


def enumerate_states(graph: PottsGraph) -> tuple[np.ndarray, np.ndarray]:
    """All ``q^N`` configurations (``(q^N, N)`` int8, node 0 the slowest digit) and their energies.

    Limited to N <= 12 so the table stays small.
    """
    n, q = graph.n_nodes, graph.q
    if n > 12:
        raise GlassmlError(f"exhaustive enumeration of {q}^{n} states is limited to N <= 12")
    index = np.arange(q**n)
    states = np.stack([(index // q ** (n - 1 - k)) % q for k in range(n)], axis=1).astype(np.int8)
    return states, graph.energy(states)


def state_index(spins: np.ndarray, q: int) -> np.ndarray:
    """The enumeration index of each configuration (inverse of :func:`enumerate_states`)."""
    s = np.asarray(spins, dtype=np.int64)
    n = s.shape[-1]
    return s @ (q ** np.arange(n - 1, -1, -1, dtype=np.int64))


def boltzmann(energies: np.ndarray, temperature: float) -> np.ndarray:
    """Normalised Boltzmann weights ``exp(-E/T) / Z`` of an energy table."""
    e = np.asarray(energies, dtype=float)
    logw = -(e - e.min()) / temperature
    p = np.exp(logw)
    return p / p.sum()
