"""Graph learners: Bapst et al.'s GNN, BOTAN and an SE(3)-equivariant GNN (see the README, Graph learners section).

They take :class:`glassml.structure.Configuration` objects and one (T, N) target per
configuration (``kind = "graph"``); BOTAN also takes the replica trajectories
(``needs_trajectories``).  Importing this package registers the estimators ``bapst``, ``botan``
and ``se3``.
"""

from glassml.learn.gnn.bapst import BapstGNN
from glassml.learn.gnn.botan import BOTAN
from glassml.learn.gnn.se3 import EquivariantGNN

__all__ = ["BapstGNN", "BOTAN", "EquivariantGNN"]
