"""Local Monte Carlo for the antiferromagnetic Potts model: Metropolis and heat-bath, in numba.

One sweep is N single-node updates at random nodes.  Metropolis proposes one of the q - 1
other colours uniformly and accepts with ``min(1, exp(-dE / T))`` (Metropolis et al., J. Chem.
Phys. 21, 1087 (1953)); heat-bath draws the new colour from its conditional law
``P(s) ~ exp(-n_s / T)``, ``n_s`` the number of neighbours of colour s (Glauber dynamics).
Both satisfy detailed balance with respect to ``exp(-H / T)``.

The kernels update a batch of independent chains (``spins`` of shape ``(R, N)``, one
temperature per chain), keep the energies incrementally, and draw their random numbers from
an xorshift64* generator seeded per call, so the same seed gives the same chains.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from glassml.errors import GlassmlError
from glassml.sampling.potts import PottsGraph

METHODS = ("metropolis", "heat-bath")


@njit(cache=True, inline="always")
def _uniform(state):
    """xorshift64* (Vigna, ACM TOMS 42, 2016): a uniform double in [0, 1)."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return float((x * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _rng_state(seed: int) -> np.ndarray:
    """A nonzero xorshift state from a seed (SplitMix64 scrambling of the seed)."""
    z = (int(seed) + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    return np.array([z or 1], dtype=np.uint64)


@njit(cache=True)
def _energies(spins, indptr, indices):
    r, n = spins.shape
    out = np.zeros(r, dtype=np.int64)
    for c in range(r):
        e = 0
        for i in range(n):
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if j > i and spins[c, i] == spins[c, j]:
                    e += 1
        out[c] = e
    return out


@njit(cache=True)
def _sweeps(spins, energies, indptr, indices, q, betas, n_sweeps, heat_bath, record, state):
    """Run ``n_sweeps`` sweeps on every chain; return (changed colours, energy per sweep)."""
    r, n = spins.shape
    counts = np.zeros(q, dtype=np.int64)
    probs = np.zeros(q)
    accepted = np.zeros(r, dtype=np.int64)
    trace = np.zeros((n_sweeps if record else 0, r), dtype=np.int64)
    maxdeg = 0
    for i in range(n):
        if indptr[i + 1] - indptr[i] > maxdeg:
            maxdeg = indptr[i + 1] - indptr[i]
    for c in range(r):
        beta = betas[c]
        finite = np.isfinite(beta)
        boltz = np.zeros(maxdeg + 1)
        if finite:
            for k in range(maxdeg + 1):
                boltz[k] = np.exp(-beta * k)
        else:
            boltz[0] = 1.0
        e = energies[c]
        for t in range(n_sweeps):
            for _ in range(n):
                i = int(_uniform(state) * n)
                old = spins[c, i]
                if heat_bath:
                    for s in range(q):
                        counts[s] = 0
                    for k in range(indptr[i], indptr[i + 1]):
                        counts[spins[c, indices[k]]] += 1
                    m = counts[0]
                    for s in range(1, q):
                        if counts[s] < m:
                            m = counts[s]
                    z = 0.0
                    for s in range(q):
                        probs[s] = boltz[counts[s] - m]
                        z += probs[s]
                    u = _uniform(state) * z
                    new = q - 1
                    acc = 0.0
                    for s in range(q):
                        acc += probs[s]
                        if u < acc:
                            new = s
                            break
                    de = counts[new] - counts[old]
                else:
                    new = int(_uniform(state) * (q - 1))
                    if new >= old:
                        new += 1
                    de = 0
                    for k in range(indptr[i], indptr[i + 1]):
                        sj = spins[c, indices[k]]
                        if sj == new:
                            de += 1
                        elif sj == old:
                            de -= 1
                    if de > 0 and _uniform(state) >= boltz[de]:
                        new = old
                if new != old:
                    e += de
                    spins[c, i] = new
                    accepted[c] += 1
            if record:
                trace[t, c] = e
        energies[c] = e
    return accepted, trace


def _as_betas(temperature, r: int) -> np.ndarray:
    t = np.broadcast_to(np.asarray(temperature, dtype=float), (r,))
    if np.any(t < 0) or np.any(~np.isfinite(t)):
        raise GlassmlError("temperatures must be finite and >= 0")
    return np.divide(1.0, t, out=np.full(r, np.inf), where=t > 0)


def random_configurations(graph: PottsGraph, n_chains: int, seed: int = 0) -> np.ndarray:
    """``(n_chains, N)`` int8 colourings drawn uniformly (infinite temperature)."""
    return np.random.default_rng(seed).integers(0, graph.q, (n_chains, graph.n_nodes)).astype(np.int8)


class LocalMonteCarlo:
    """Single-node Metropolis or heat-bath Monte Carlo on a batch of chains.

    Parameters
    ----------
    graph:
        The Potts instance.
    temperature:
        One temperature, or one per chain.
    method:
        ``"metropolis"`` or ``"heat-bath"``.
    seed:
        Seed of the chains' random numbers.

    Attributes (after :meth:`run`)
    ------------------------------
    spins_:
        ``(R, N)`` current configurations.
    energy_trace_:
        ``(n_sweeps, R)`` energy (number of monochromatic edges) after each sweep.
    acceptance_:
        Fraction of accepted single-node moves per chain (a heat-bath "acceptance" is the
        fraction of updates that changed the colour).
    """

    def __init__(self, graph: PottsGraph, temperature, method: str = "metropolis", seed: int = 0):
        if method not in METHODS:
            raise GlassmlError(f"local method {method!r} is not one of {', '.join(METHODS)}")
        self.graph = graph
        self.temperature = temperature
        self.method = method
        self.seed = seed
        self._state = _rng_state(seed)  # carried over from one run to the next

    def run(self, spins: np.ndarray, n_sweeps: int, record: bool = True) -> "LocalMonteCarlo":
        """Run ``n_sweeps`` sweeps starting from ``spins`` (copied); returns self."""
        s = np.array(spins, dtype=np.int8, copy=True)
        if s.ndim == 1:
            s = s[None]
        if s.shape[1] != self.graph.n_nodes:
            raise GlassmlError(f"configurations have {s.shape[1]} nodes, the graph {self.graph.n_nodes}")
        g = self.graph
        betas = _as_betas(self.temperature, s.shape[0])
        energies = _energies(s, g.indptr, g.indices)
        accepted, trace = _sweeps(s, energies, g.indptr, g.indices, g.q, betas, int(n_sweeps), self.method == "heat-bath",
                                  record, self._state)
        self.spins_ = s
        self.energies_ = energies
        self.energy_trace_ = trace
        self.acceptance_ = accepted / max(1, n_sweeps * g.n_nodes)
        return self


def local_sweeps(graph: PottsGraph, spins: np.ndarray, temperature, n_sweeps: int, method: str = "metropolis",
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Functional form: ``(spins after n_sweeps, (n_sweeps, R) energy trace)``."""
    mc = LocalMonteCarlo(graph, temperature, method=method, seed=seed).run(spins, n_sweeps)
    return mc.spins_, mc.energy_trace_


def numpy_metropolis(graph: PottsGraph, spins: np.ndarray, temperature: float, n_sweeps: int, seed: int = 0) -> np.ndarray:
    """Plain numpy Metropolis, vectorised over the chains (reference for the benchmark).

    The same update as the numba kernel: at each step every chain updates one random node.
    """
    rng = np.random.default_rng(seed)
    s = np.array(spins, dtype=np.int8, copy=True)
    r, n = s.shape
    q = graph.q
    beta = 1.0 / temperature
    deg = graph.degrees
    maxdeg = int(deg.max())
    nbr = np.full((n, maxdeg), -1, dtype=np.int64)
    for i in range(n):
        nbr[i, : deg[i]] = graph.indices[graph.indptr[i]: graph.indptr[i + 1]]
    pad = np.concatenate([s, np.full((r, 1), -1, dtype=np.int8)], axis=1)
    rows = np.arange(r)[:, None]
    for _ in range(n_sweeps * n):
        i = rng.integers(0, n, r)
        old = pad[np.arange(r), i]
        new = rng.integers(0, q - 1, r)
        new = (new + (new >= old)).astype(np.int8)
        nb = pad[rows, nbr[i]]
        de = np.sum(nb == new[:, None], axis=1) - np.sum(nb == old[:, None], axis=1)
        ok = (de <= 0) | (rng.random(r) < np.exp(-beta * np.maximum(de, 0)))
        pad[np.arange(r)[ok], i[ok]] = new[ok]
    return pad[:, :n]
