"""Graph learners: Bapst et al.'s GNN, BOTAN and an SE(3)-equivariant GNN.

They take :class:`glassml.structure.Configuration` objects and one (T, N) target per
configuration (``kind = "graph"``); BOTAN also takes the replica trajectories
(``needs_trajectories``).  Importing this package registers the estimators ``bapst``, ``botan``
and ``se3``, and the same three stacked on a ridge read-out of the descriptors
(``bapst_stacked``, ``botan_stacked``, ``se3_stacked``; :mod:`glassml.learn.gnn.stacked`).
They need torch, and the SE(3) network also e3nn (the ``learn`` extra); without torch,
importing this package raises a :class:`~glassml.errors.GlassmlError` that names the extra.  Usage, parameters and checks: the learn guide of the documentation (``docs/guide/learn.md``,
section "Graph learners").
"""

from glassml.errors import require

require("torch", "learn", purpose="glassml.learn.gnn (the graph learners)")

from glassml.learn.gnn.bapst import BapstGNN  # noqa: E402  (after the check for torch)
from glassml.learn.gnn.botan import BOTAN  # noqa: E402
from glassml.learn.gnn.se3 import EquivariantGNN  # noqa: E402
from glassml.learn.gnn.stacked import StackedBapstGNN, StackedBOTAN, StackedEquivariantGNN  # noqa: E402

__all__ = ["BapstGNN", "BOTAN", "EquivariantGNN", "StackedBapstGNN", "StackedBOTAN", "StackedEquivariantGNN"]
