"""Hard sampling problems: Potts colouring on random graphs with local, tempered and network-assisted Monte Carlo.

The antiferromagnetic Potts model on random graphs (graph colouring at T = 0) has a dynamic
and a condensation transition like a mean-field structural glass (Zdeborová & Krzakala, PRE 76,
031131 (2007); Krzakala & Zdeborová, EPL 81, 57005 (2008)).  This package draws instances
(random regular, Erdős–Rényi, planted), samples them with local Monte Carlo (numba), parallel
tempering, an autoregressive network (MADE, torch) proposing global moves, and sequential
tempering, and measures where they fail, reproducing Ciarella, Trinquier, Weigt & Zamponi,
Mach. Learn.: Sci. Technol. 4, 010501 (2023).
"""

from glassml.sampling.cavity import Reconstruction, Transitions, reconstruction, transitions
from glassml.sampling.diagnostics import (autocorrelation, chi_square_test, exact_distribution, exact_mean_energy,
                                          fit_exponential_decay, integrated_autocorrelation_time, jeffreys_per_spin, kl_per_spin,
                                          mean_with_error, planted_overlap)
from glassml.sampling.local import LocalMonteCarlo, local_sweeps, numpy_metropolis, random_configurations
from glassml.sampling.made import MADE, NetworkAssistedMC, metropolis_hastings_global
from glassml.sampling.potts import (PottsGraph, enumerate_states, erdos_renyi, paramagnetic_energy,
                                    paramagnetic_free_entropy, planted, random_regular, read_graph)
from glassml.sampling.tempering import ParallelTempering, SequentialTempering

__all__ = [
    "PottsGraph", "random_regular", "erdos_renyi", "planted", "read_graph", "enumerate_states",
    "paramagnetic_energy", "paramagnetic_free_entropy",
    "LocalMonteCarlo", "local_sweeps", "numpy_metropolis", "random_configurations",
    "ParallelTempering", "SequentialTempering", "MADE", "NetworkAssistedMC", "metropolis_hastings_global",
    "autocorrelation", "integrated_autocorrelation_time", "mean_with_error", "fit_exponential_decay", "kl_per_spin", "jeffreys_per_spin",
    "planted_overlap", "chi_square_test", "exact_distribution", "exact_mean_energy",
    "reconstruction", "transitions", "Reconstruction", "Transitions",
]
