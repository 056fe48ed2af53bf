"""Graph learners stacked on a linear read-out of the structural descriptors.

``bapst_stacked``, ``botan_stacked`` and ``se3_stacked`` are Bapst et al.'s GNN, BOTAN and the
SE(3) network with ``ridge_inputs`` set to :data:`~glassml.learn.gnn.base.COMBINED_SETS`, the
descriptor sets ``combined_ridge`` reads (Boattini's bond order, Jung's physics-inspired set,
the softness functions, the inherent-state displacement).  Each particle then also carries the
per-species ridge prediction of its propensity at every time, which the network may correct
non-linearly and from the neighbourhood: stacked generalisation (D. H. Wolpert, "Stacked
generalization", Neural Networks 5, 241 (1992)).  On the ``small`` benchmark they pass
``combined_ridge`` by about 0.01 at tau_alpha, and the same network without message passing
does as well: the gain is the non-linear read-out, not the graph (docs/guide/gnn.md).  The training configurations carry
cross-fitted predictions (see ``ridge_inputs`` in :class:`~glassml.learn.gnn.base.GraphEstimator`),
so the network is not taught to trust an in-sample fit.

Every other parameter, and the inputs of the benchmark presets, are those of the plain learner;
Jung's set and the displacement are defined on inherent states, so the configurations are the
relaxed ones with their thermal positions as ``reference`` (``positions="inherent"``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from glassml.learn.base import register
from glassml.learn.gnn.bapst import BapstGNN
from glassml.learn.gnn.base import COMBINED_SETS
from glassml.learn.gnn.botan import BOTAN
from glassml.learn.gnn.se3 import EquivariantGNN


@register("bapst_stacked")
class StackedBapstGNN(BapstGNN):
    """Bapst et al.'s GNN (Nat. Phys. 16, 448 (2020)) on the ridge read-out of ``combined_ridge``'s descriptors."""

    model_defaults: ClassVar[dict[str, Any]] = {**BapstGNN.model_defaults, "ridge_inputs": COMBINED_SETS}


@register("botan_stacked")
class StackedBOTAN(BOTAN):
    """BOTAN (Shiba et al., J. Chem. Phys. 158, 084503 (2023)) on the ridge read-out of ``combined_ridge``'s descriptors."""

    model_defaults: ClassVar[dict[str, Any]] = {**BOTAN.model_defaults, "ridge_inputs": COMBINED_SETS}


@register("se3_stacked")
class StackedEquivariantGNN(EquivariantGNN):
    """The SE(3)-equivariant network (after Pezzicoli et al. 2024) on the ridge read-out of ``combined_ridge``'s descriptors."""

    model_defaults: ClassVar[dict[str, Any]] = {**EquivariantGNN.model_defaults, "ridge_inputs": COMBINED_SETS}
