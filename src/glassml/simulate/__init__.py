"""Simulation: LAMMPS engine, equilibration, isoconfigurational ensembles, inherent and cage
states, swap Monte Carlo, and resumable distributed campaigns."""

from glassml.simulate.campaign import run_campaign, simulate_sample
from glassml.simulate.presets import PRESETS, Preset, get_preset, list_presets, load_config
from glassml.simulate.states import InherentState, compute_states, find_inherent_state

__all__ = ["run_campaign", "simulate_sample", "PRESETS", "Preset", "get_preset", "list_presets", "load_config",
           "compute_states", "find_inherent_state", "InherentState"]
