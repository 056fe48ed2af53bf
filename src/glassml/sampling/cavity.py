"""Dynamic and condensation temperatures of the antiferromagnetic Potts model (cavity method).

On random regular and Erdős–Rényi graphs the paramagnet has uniform cavity marginals. Its
one-step replica-symmetry-breaking solution at Parisi parameter m = 1 is the tree
reconstruction problem (Mézard & Montanari, J. Stat. Phys. 124, 1317 (2006)): broadcast
colours from a root down the tree with the channel ``P(t | s) ~ exp(-delta(s, t) / T)``, and
ask whether the leaves at large depth still carry information on the root.

- The **dynamic temperature** T_d is the highest T at which they do (the m = 1 solution is
  non-trivial: the Gibbs measure splits into exponentially many states, local Monte Carlo
  stops equilibrating).
- The **condensation (Kauzmann) temperature** T_K is where the complexity at m = 1,
  ``Sigma = phi_para - phi_internal``, vanishes.

Both are computed by population dynamics on the planted (reconstruction) distribution, as in
Zdeborová & Krzakala, Phys. Rev. E 76, 031131 (2007) and Krzakala & Zdeborová, EPL 81, 57005
(2008), whose T = 0 thresholds (``c_d``, ``c_c``) they reproduce.  Results carry the
statistical error of a finite population; thresholds are bracketed by bisection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError
from glassml.sampling.potts import GRAPH_KINDS, paramagnetic_free_entropy


def _permute_to(mu: np.ndarray, colours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Map marginals conditioned on colour 0 to marginals conditioned on ``colours``.

    Each row gets a random permutation of the q labels that sends 0 to its colour, so the
    population's symmetry under the other labels is enforced as well.
    """
    p, q = mu.shape
    perm = np.argsort(rng.random((p, q)), axis=1)  # random permutations
    pos0 = np.argmax(perm == 0, axis=1)
    # swap so that perm[k, colours[k]] == 0: new label colours[k] carries old label 0
    rows = np.arange(p)
    other = perm[rows, colours]
    perm[rows, pos0] = other
    perm[rows, colours] = 0
    return mu[rows[:, None], perm]


def _children(kind: str, c: float, p: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "regular":
        return np.full(p, int(c) - 1)
    return rng.poisson(c, p)


def _channel(parent: np.ndarray, q: int, w: float, rng: np.random.Generator) -> np.ndarray:
    """Colours of children given the parents' colours: same with probability w / (w + q - 1)."""
    same = rng.random(parent.shape) < w / (w + q - 1)
    shift = rng.integers(1, q, parent.shape)
    return np.where(same, parent, (parent + shift) % q)


def _node_fields(mu_children: np.ndarray, mask: np.ndarray, w: float) -> np.ndarray:
    """Unnormalised ``prod_k sum_t M(s, t) mu_k(t)`` with ``M = exp(-delta/T)``: ``1 - (1-w) mu_k(s)``."""
    f = 1.0 - (1.0 - w) * mu_children
    f = np.where(mask[..., None], f, 1.0)
    return np.exp(np.sum(np.log(np.maximum(f, 1e-300)), axis=1))


@dataclass
class Reconstruction:
    """Result of the m = 1 population dynamics at one temperature."""

    temperature: float
    overlap: float  # mean probability of the true colour minus 1/q, times q/(q-1)
    complexity: float  # Sigma at m = 1 (per node); 0 when there is no reconstruction
    phi_para: float


def reconstruction(q: int, c: float, temperature: float, kind: str = "regular", population: int = 20000,
                   iterations: int = 300, seed: int = 0, threshold: float = 0.02,
                   estimate_draws: int = 10) -> Reconstruction:
    """Population dynamics of tree reconstruction at m = 1, started from the planted (fully
    informative) marginals; returns the final overlap with the root colour and the complexity."""
    if kind not in GRAPH_KINDS:
        raise GlassmlError(f"graph kind {kind!r} is not one of {', '.join(GRAPH_KINDS)}")
    rng = np.random.default_rng(seed)
    w = math.exp(-1.0 / temperature) if temperature > 0 else 0.0
    p = population
    mu = np.zeros((p, q))
    mu[:, 0] = 1.0  # marginals of a node of colour 0, with its parent edge removed
    kmax_cap = int(max(c * 4 + 20, c + 1))
    for _ in range(iterations):
        k = np.minimum(_children(kind, c, p, rng), kmax_cap)
        kmax = max(int(k.max()), 1)
        mask = np.arange(kmax)[None, :] < k[:, None]
        child_colour = _channel(np.zeros((p, kmax), dtype=np.int64), q, w, rng)
        picks = rng.integers(0, p, (p, kmax))
        children = _permute_to(mu[picks.ravel()], child_colour.ravel(), rng).reshape(p, kmax, q)
        f = _node_fields(children, mask, w)
        mu = f / f.sum(axis=1, keepdims=True)
    overlap = (np.mean(mu[:, 0]) - 1.0 / q) * q / (q - 1)
    phi_para = paramagnetic_free_entropy(temperature, q, c) if temperature > 0 else math.log(q) + 0.5 * c * math.log(1 - 1 / q)
    if overlap < threshold:
        return Reconstruction(temperature, float(overlap), 0.0, phi_para)
    # internal free entropy: node term (a node of colour 0 with its full neighbourhood) and
    # edge term (both ends drawn from the joint law of an edge's colours), averaged over
    # ``estimate_draws`` draws from the population
    node_terms, edge_terms = [], []
    for _ in range(estimate_draws):
        deg = np.full(p, int(c)) if kind == "regular" else rng.poisson(c, p)
        dmax = max(int(deg.max()), 1)
        mask = np.arange(dmax)[None, :] < deg[:, None]
        nb_colour = _channel(np.zeros((p, dmax), dtype=np.int64), q, w, rng)
        nbs = _permute_to(mu[rng.integers(0, p, p * dmax)], nb_colour.ravel(), rng).reshape(p, dmax, q)
        node_terms.append(np.log(_node_fields(nbs, mask, w).sum(axis=1)))
        t = _channel(np.zeros(p, dtype=np.int64), q, w, rng)
        mu_a = mu[rng.integers(0, p, p)]
        mu_b = _permute_to(mu[rng.integers(0, p, p)], t, rng)
        edge_terms.append(np.log(1.0 - (1.0 - w) * np.sum(mu_a * mu_b, axis=1)))
    phi_int = np.mean(node_terms) - 0.5 * c * np.mean(edge_terms)
    return Reconstruction(temperature, float(overlap), float(phi_para - phi_int), phi_para)


@dataclass
class Transitions:
    """Dynamic and condensation temperatures of one (q, c, graph kind)."""

    q: int
    c: float
    kind: str
    dynamic_temperature: float
    condensation_temperature: float
    population: int
    method: str = "m = 1 cavity (tree reconstruction), population dynamics"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def transitions(q: int, c: float, kind: str = "regular", t_max: float = 2.0, tolerance: float = 0.005,
                population: int = 20000, iterations: int = 300, seed: int = 0) -> Transitions:
    """Bisect T_d (last temperature with reconstruction) and T_K (complexity = 0) for (q, c).

    Returns 0 for a temperature below which nothing happens down to T = 0 (for example
    ``c < c_d``: no dynamic transition at all).
    """

    def rec(t: float) -> Reconstruction:
        return reconstruction(q, c, t, kind=kind, population=population, iterations=iterations, seed=seed)

    if rec(0.0).overlap < 0.02:
        return Transitions(q, c, kind, 0.0, 0.0, population)
    lo, hi = 0.0, t_max
    while hi - lo > tolerance:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rec(mid).overlap >= 0.02 else (lo, mid)
    t_d = lo
    if rec(0.0).complexity > 0:
        return Transitions(q, c, kind, t_d, 0.0, population)
    lo, hi = 0.0, t_d
    while hi - lo > tolerance:
        mid = 0.5 * (lo + hi)
        r = rec(mid)
        lo, hi = (lo, mid) if (r.overlap >= 0.02 and r.complexity > 0) else (mid, hi)
    return Transitions(q, c, kind, t_d, 0.5 * (lo + hi), population)
