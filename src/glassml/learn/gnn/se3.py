"""A rotation-equivariant graph network (e3nn) as a glassml estimator.

F. S. Pezzicoli, G. Charpiat, F. P. Landes, "Rotation-equivariant graph neural networks for
learning glassy liquids representations", SciPost Phys. 16, 136 (2024); code at
doi:10.5281/zenodo.10805522.  The ideas taken from the paper: edges within a cutoff carry
spherical harmonics of the relative direction and a radial basis of the distance; layers are
tensor-product convolutions whose weights are functions of the distance; the read-out is
invariant and predicts every time at once (one head per time); inputs are thermal or inherent
positions, optionally with the local potential energy (``node_keys=["<array name>"]``).  The
exact widths, depth and radial basis below are this implementation's choices, not the paper's.

The prediction is exactly invariant (to float rounding) under rotations, reflections,
translations and permutations of the particles, so no augmentation is needed.  A 2D system is
embedded in the z = 0 plane.
"""

from __future__ import annotations

import torch

from glassml.learn.base import register
from glassml.learn.gnn.base import GraphEstimator
from glassml.learn.gnn.networks import EquivariantNet


@register("se3")
class EquivariantGNN(GraphEstimator):
    """SE(3)-equivariant GNN; see the module docstring.

    Model parameters: ``lmax`` (highest spherical harmonic), ``scalars`` / ``vectors`` (channels
    of l = 0 and of each l > 0 in the hidden features), ``n_layers``, ``n_basis`` (radial
    Gaussians), ``radial_hidden`` (width of the radial MLP), ``head_sizes``, ``cutoff``.
    """

    self_edges = False
    model_defaults = {
        "lmax": 1, "scalars": 16, "vectors": 8, "n_layers": 3, "n_basis": 10, "radial_hidden": 16,
        "head_sizes": [32], "cutoff": 2.0, "augment": False,
    }
    size_presets = {
        "small": {},
        # paper-scale (depth 8, l up to 3, ~54k parameters, below Bapst's ~70k); widths are ours
        "paper": {"lmax": 3, "scalars": 16, "vectors": 8, "n_layers": 8, "head_sizes": [32, 32], "epochs": 300},
    }

    def build_network(self) -> torch.nn.Module:
        hp = self.hp
        return EquivariantNet(
            (self.n_types or 2) + len(hp["node_keys"]),
            self.n_times or 1,
            cutoff=float(hp["cutoff"]),
            lmax=int(hp["lmax"]),
            scalars=int(hp["scalars"]),
            vectors=int(hp["vectors"]),
            n_layers=int(hp["n_layers"]),
            n_basis=int(hp["n_basis"]),
            radial_hidden=int(hp["radial_hidden"]),
            head_sizes=tuple(int(h) for h in hp["head_sizes"]),
            avg_neighbours=float(self.graph_stats.get("avg_neighbours", 40.0)),
        )
