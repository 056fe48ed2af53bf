"""Active particles: active Brownian simulation (LAMMPS) and force inference (ActiveNet).

* :mod:`~glassml.active.models`: the ABP equations of motion and the pair laws (WCA,
  harmonic, Yukawa), with their LAMMPS commands.
* :mod:`~glassml.active.simulate`: ABPs with LAMMPS's BROWNIAN package (``positions`` and
  ``orientations``).
* :mod:`~glassml.active.campaign`: the ``abp-*`` presets as campaign specs, written as glassml
  datasets by :func:`glassml.simulate.campaign.run_campaign` (resumable, Dask-distributed).
* :mod:`~glassml.active.tracks`: :class:`Tracks` from a dataset or from trackpy-layout tables.
* :mod:`~glassml.active.inference`: :class:`ForceInference`, the graph network of
  Ruiz-García et al. (PRE 109, 064611 (2024)) recovering ``F_a``, ``f(r)``, ``omega``,
  ``D_t`` and ``D_r``.
* :mod:`~glassml.active.symbolic`: the closed form of a learnt pair force.
* :mod:`~glassml.active.observables`: the exact free-ABP MSD, MIPS detection.
* :mod:`~glassml.active.report`: numbers and figures of a fitted inference.

Importing this package imports neither torch nor LAMMPS.
"""

from glassml.active.campaign import PRESETS, ABPCampaign, preset, simulate_dataset
from glassml.active.inference import (ForceInference, TransitionGraph, pair_force_error, relative_l2, rotational_estimates,
                                     spin_estimates, transition_graph)
from glassml.active.models import ABPModel, Harmonic, WCA, Yukawa, packing_fraction, pair_law
from glassml.active.observables import abp_msd, effective_diffusion, inertial_abp_msd, local_area_fractions, mips_order, msd
from glassml.active.simulate import ABPEngine, ABPRun, simulate_abp
from glassml.active.symbolic import FormFit, fit_pair_form
from glassml.active.tracks import Tracks, read_tracks, tracks_from_dataset, tracks_from_sample, tracks_to_frame, write_tracks

__all__ = [
    "ABPCampaign", "ABPEngine", "ABPModel", "ABPRun", "FormFit", "ForceInference", "Harmonic", "PRESETS", "Tracks", "TransitionGraph",
    "WCA", "Yukawa", "abp_msd", "effective_diffusion", "fit_pair_form", "inertial_abp_msd", "local_area_fractions", "mips_order", "msd",
    "packing_fraction", "pair_force_error", "pair_law", "preset", "read_tracks", "relative_l2", "rotational_estimates", "simulate_abp",
    "simulate_dataset", "spin_estimates", "tracks_from_dataset", "tracks_from_sample", "tracks_to_frame", "transition_graph", "write_tracks",
]
