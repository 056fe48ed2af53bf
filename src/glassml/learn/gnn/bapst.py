"""Bapst et al.'s graph network as a glassml estimator.

V. Bapst, T. Keck, A. Grabska-Barwińska, C. Donner, E. D. Cubuk, S. S. Schoenholz, A. Obika,
A. W. R. Nelson, T. Back, D. Hassabis, P. Kohli, "Unveiling the predictive power of static
structure in glassy systems", Nat. Phys. 16, 448-454 (2020).

Graph: every pair closer than 2.0 (self edges kept, as in the reference code), node feature the
species, edge feature the relative vector.  Network: :class:`~glassml.learn.gnn.networks.EncodeProcessDecode`.
Training: Adam, gradient clip 1.0, L2 loss on type-A particles, random cube rotations and
reflections of the input.  Differences from the paper: one network predicts every time at once
(one decoder output per time); targets are standardised per time; the checkpoint is chosen on
the validation split (the reference code chose it on the test set).

``size="paper"`` gives the paper's configuration (MLPs of 64, 64; 7 message-passing steps;
learning rate 1e-4; 1000 epochs); the default is a smaller network that trains in seconds.
"""

from __future__ import annotations

import torch

from glassml.learn.base import register
from glassml.learn.gnn.base import GraphEstimator
from glassml.learn.gnn.networks import EncodeProcessDecode


@register("bapst")
class BapstGNN(GraphEstimator):
    """Graph network of Bapst et al. (2020); see the module docstring.

    Model parameters: ``mlp_sizes`` (hidden sizes of every MLP), ``n_steps`` (message-passing
    steps), ``cutoff`` (edge cutoff); ``size="paper"`` sets the published values.
    """

    self_edges = True
    model_defaults = {"mlp_sizes": [32, 32], "n_steps": 3, "cutoff": 2.0}
    size_presets = {
        "small": {},
        "paper": {"mlp_sizes": [64, 64], "n_steps": 7, "lr": 1e-4, "epochs": 1000, "grad_clip": 1.0},
    }
    n_edge_outputs = False

    def build_network(self) -> torch.nn.Module:
        n_types = self.n_types or 2
        n_times = self.n_times or 1
        dim = self.dimension or 3
        n_scalars = len(self.hp["node_keys"])
        return EncodeProcessDecode(
            n_types + n_scalars,
            dim,
            n_times,
            mlp_sizes=tuple(int(m) for m in self.hp["mlp_sizes"]),
            n_steps=int(self.hp["n_steps"]),
            n_edge_out=n_times if self.n_edge_outputs else 0,
        )
