"""Parallel tempering and sequential tempering for the Potts model.

Parallel tempering (replica exchange; Swendsen & Wang, PRL 57, 2607 (1986); Hukushima &
Nemoto, J. Phys. Soc. Jpn. 65, 1604 (1996)): one chain per temperature of a ladder, local
sweeps, then swaps of neighbouring temperatures accepted with
``min(1, exp((1/T_i - 1/T_j)(E_i - E_j)))``; the swap acceptance of each pair is monitored.

Sequential tempering (McNaughton, Milošević, Perrone & Fiorentini, PRE 101, 053312 (2020);
Ciarella, Trinquier, Weigt & Zamponi, Mach. Learn.: Sci. Technol. 4, 010501 (2023)): a
population of M configurations is equilibrated at the highest temperature by local Monte
Carlo; at each step down the ladder a MADE is trained on the population at T_k, proposes
global moves for the population at T_{k+1} (Metropolis–Hastings), local sweeps are
interleaved, and the new population trains the next network.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.progress import ProgressBar
from glassml.sampling.local import LocalMonteCarlo, random_configurations
from glassml.sampling.made import MADE, NetworkAssistedMC
from glassml.sampling.potts import PottsGraph


class ParallelTempering:
    """Replica exchange over a temperature ladder.

    Parameters
    ----------
    graph:
        The Potts instance.
    temperatures:
        The ladder (any order; kept as given).
    sweeps_per_swap:
        Local sweeps between two rounds of swap attempts.
    method:
        Local move, ``"metropolis"`` or ``"heat-bath"``.
    seed:
        Seed of the local moves and the swaps.

    Attributes (after :meth:`run`)
    ------------------------------
    spins_:
        ``(K, N)`` configuration at each temperature (row k at ``temperatures[k]``).
    energy_trace_:
        ``(rounds, K)`` energy at each temperature after each round.
    swap_acceptance_:
        ``(K-1,)`` accepted fraction of swaps between temperatures k and k+1.
    """

    def __init__(self, graph: PottsGraph, temperatures, sweeps_per_swap: int = 1, method: str = "metropolis", seed: int = 0):
        self.graph = graph
        self.temperatures = np.asarray(temperatures, dtype=float)
        if self.temperatures.ndim != 1 or len(self.temperatures) < 2 or np.any(self.temperatures <= 0):
            raise GlassmlError("parallel tempering needs a ladder of at least two positive temperatures")
        self.sweeps_per_swap = sweeps_per_swap
        self.method = method
        self.seed = seed

    def run(self, n_rounds: int, spins: np.ndarray | None = None, show_progress: bool = False) -> "ParallelTempering":
        k = len(self.temperatures)
        s = random_configurations(self.graph, k, self.seed) if spins is None else np.array(spins, dtype=np.int8)
        if not hasattr(self, "_rng"):  # streams continue from one run to the next
            self._rng = np.random.default_rng(self.seed + 7)
            self._local = LocalMonteCarlo(self.graph, self.temperatures, method=self.method, seed=self.seed)
        rng, local = self._rng, self._local
        betas = 1.0 / self.temperatures
        tried = np.zeros(k - 1)
        accepted = np.zeros(k - 1)
        trace = np.zeros((n_rounds, k))
        with ProgressBar(show_progress, total=n_rounds, label="parallel tempering") as bar:
            for r in range(n_rounds):
                local.run(s, self.sweeps_per_swap, record=False)
                s, e = local.spins_, local.energies_.astype(float)
                for a in range(r % 2, k - 1, 2):  # alternate even and odd pairs
                    tried[a] += 1
                    if np.log(rng.random()) < (betas[a] - betas[a + 1]) * (e[a] - e[a + 1]):
                        s[[a, a + 1]] = s[[a + 1, a]]
                        e[[a, a + 1]] = e[[a + 1, a]]
                        accepted[a] += 1
                trace[r] = e
                bar.advance()
        self.spins_ = s
        self.energy_trace_ = trace
        self.swap_acceptance_ = accepted / np.maximum(tried, 1)
        return self


class SequentialTempering:
    """Sequential tempering with a MADE trained at T_k proposing at T_{k+1}.

    Parameters
    ----------
    graph:
        The Potts instance.
    temperatures:
        Decreasing ladder; the population is equilibrated at ``temperatures[0]`` by local MC.
    n_samples:
        Population size M (also the training-set size).
    global_steps:
        Global proposal rounds per temperature (each proposes one configuration per member).
    local_sweeps:
        Local Metropolis sweeps after each global round.
    initial_sweeps:
        Local sweeps that equilibrate the population at the first temperature.
    network:
        Keyword arguments of :class:`MADE` (``hidden``, ``direct``, ``epochs``...).
    seed:
        Seed of everything.

    Attributes (after :meth:`run`)
    ------------------------------
    energy_:
        ``(K,)`` mean energy per node of the population at each temperature.
    acceptance_:
        ``(K,)`` global-move acceptance at each temperature (nan at the first).
    spins_:
        ``(M, N)`` final population.
    """

    def __init__(self, graph: PottsGraph, temperatures, n_samples: int = 256, global_steps: int = 4,
                 local_sweeps: int = 1, initial_sweeps: int = 200, network: dict | None = None, seed: int = 0):
        self.graph = graph
        self.temperatures = np.asarray(temperatures, dtype=float)
        if np.any(np.diff(self.temperatures) > 0) or np.any(self.temperatures <= 0):
            raise GlassmlError("sequential tempering needs a decreasing ladder of positive temperatures")
        self.n_samples = n_samples
        self.global_steps = global_steps
        self.local_sweeps = local_sweeps
        self.initial_sweeps = initial_sweeps
        self.network = dict(network or {})
        self.seed = seed

    def run(self, show_progress: bool = False) -> "SequentialTempering":
        g = self.graph
        t0 = self.temperatures[0]
        pop = LocalMonteCarlo(g, t0, seed=self.seed).run(random_configurations(g, self.n_samples, self.seed),
                                                         self.initial_sweeps, record=False).spins_
        energy = [g.energy(pop).mean() / g.n_nodes]
        acceptance = [np.nan]
        with ProgressBar(show_progress, total=len(self.temperatures) - 1, label="sequential tempering") as bar:
            for k in range(1, len(self.temperatures)):
                net = MADE(g.n_nodes, g.q, seed=self.seed + k, **self.network).fit(pop)
                chain = NetworkAssistedMC(g, self.temperatures[k], net, local_sweeps=self.local_sweeps,
                                          seed=self.seed + 100 * k).run(pop, self.global_steps)
                pop = chain.spins_
                energy.append(g.energy(pop).mean() / g.n_nodes)
                acceptance.append(chain.acceptance_)
                bar.advance()
        self.spins_ = pop
        self.energy_ = np.array(energy)
        self.acceptance_ = np.array(acceptance)
        return self
