"""Glass-forming models as data (KA3D, KA2D ternary, polydisperse swap model), their energies,
forces, FIRE minimisation and the LAMMPS commands that realise them."""

from glassml.systems.compute import (
    configurational_temperature,
    energies_and_forces,
    neighbor_pairs,
    potential_energies,
    virial_pressure_tensor,
)
from glassml.systems.minimize import MinimizeResult, fire, fire_minimize
from glassml.systems.models import (
    Model,
    get_model,
    list_models,
    nonadditive_sigma,
    polydisperse_diameters,
    smoothing_coefficients,
)

__all__ = [
    "Model",
    "get_model",
    "list_models",
    "nonadditive_sigma",
    "polydisperse_diameters",
    "smoothing_coefficients",
    "energies_and_forces",
    "potential_energies",
    "configurational_temperature",
    "virial_pressure_tensor",
    "neighbor_pairs",
    "fire",
    "fire_minimize",
    "MinimizeResult",
]
