"""Simulation: LAMMPS engine, equilibration, isoconfigurational ensembles, inherent and cage
states, swap Monte Carlo, and resumable distributed campaigns."""

from glassml.simulate.campaign import CampaignSpec, run_campaign, run_ladder, simulate_sample
from glassml.simulate.presets import LADDERS, PRESETS, Ladder, Preset, get_preset, list_presets, load_config
from glassml.simulate.states import InherentState, compute_states, find_inherent_state

__all__ = ["CampaignSpec", "run_campaign", "run_ladder", "simulate_sample", "LADDERS", "PRESETS", "Ladder", "Preset",
           "get_preset", "list_presets", "load_config",
           "compute_states", "find_inherent_state", "InherentState"]
