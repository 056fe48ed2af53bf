"""Markov state models of glassy dynamics from graph dynamical networks.

Soltani, Sinclair and Rottler, "Exploring glassy dynamics with Markov state models from graph
dynamical neural networks", Phys. Rev. E 106, 025308 (2022): a VAMPnet (Mardt et al., Nat.
Commun. 9, 5 (2018)) whose lobe is a graph network over each particle's neighbourhood (Xie et
al., Nat. Commun. 10, 2667 (2019)) learns, without labels, a per-particle coarse-graining into a
few metastable states; deeptime's Markov machinery then gives the transition matrix, implied
timescales and the Chapman–Kolmogorov test.

- :class:`Trajectory`, :func:`simulate_trajectory`, :func:`trajectory_dataset`: long runs;
- :class:`GraphVAMPNet`: the estimator (``fit``, ``transform``, ``save``/``load``);
- :func:`analyse`, :class:`MarkovAnalysis`: the Markov model of the learnt states;
- :func:`voronoi_volumes`, :func:`scaled_excess_volumes`, :func:`state_map_correlation`,
  :func:`correlation_length`, :func:`relaxation_time`: the physics of the state map;
- :func:`switching_lattice`, :func:`exact_timescale`: a toy system with known answers;
- :func:`run_msm`: what ``glassml msm`` does.

The estimator needs torch and deeptime (extras ``learn`` and ``msm``); they are imported only
when it is used.
"""

from glassml.msm.markov import MarkovAnalysis, analyse, hard_assignments, hard_msm, soft_transition_matrix, timescales_of
from glassml.msm.physics import (
    correlation_length,
    pearson,
    relaxation_time,
    scaled_excess_volumes,
    state_map_correlation,
    voronoi_volumes,
)
from glassml.msm.run import run_msm
from glassml.msm.toy import exact_timescale, switching_lattice, telegraph_states
from glassml.msm.trajectory import (
    Trajectory,
    dataset_trajectories,
    lag_frames,
    sample_trajectories,
    simulate_trajectory,
    trajectory_dataset,
)
from glassml.msm.vampnet import GraphVAMPNet

__all__ = [
    "GraphVAMPNet",
    "MarkovAnalysis",
    "Trajectory",
    "analyse",
    "correlation_length",
    "dataset_trajectories",
    "exact_timescale",
    "hard_assignments",
    "hard_msm",
    "lag_frames",
    "pearson",
    "relaxation_time",
    "run_msm",
    "sample_trajectories",
    "scaled_excess_volumes",
    "simulate_trajectory",
    "soft_transition_matrix",
    "state_map_correlation",
    "switching_lattice",
    "telegraph_states",
    "timescales_of",
    "trajectory_dataset",
    "voronoi_volumes",
]
