"""Simulation: LAMMPS engine, equilibration, isoconfigurational ensembles, inherent and cage
states, swap Monte Carlo, and resumable distributed campaigns."""
