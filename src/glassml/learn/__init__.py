"""glassml.learn: estimators that predict per-particle propensity from static structure.

Importing this package registers every estimator (:func:`glassml.learn.base.registry`); the
benchmark runner trains whatever is registered and can run on the dataset at hand.
"""

from glassml.learn.base import Estimator, get_estimator, register, registry
from glassml.learn import linear, softness, glassmlp  # noqa: F401  (register feature models)
from glassml.learn import gnn  # noqa: F401  (graph models: Bapst GNN, BOTAN, SE(3))

__all__ = ["Estimator", "get_estimator", "register", "registry"]
