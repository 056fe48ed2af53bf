"""glassml.learn: estimators that predict per-particle propensity from static structure.

Every learner is a scikit-learn estimator (:class:`PropensityEstimator`): explicit ``__init__``
parameters, ``fit`` returns the learner, fitted attributes end in ``_``, :func:`sklearn.base.clone`
and grid searches work.  Feature learners take arrays::

    from glassml.learn import BoattiniRidge
    model = BoattiniRidge().fit(X, y, species=s, validation=(X_val, y_val, s_val))
    y_hat = model.predict(X_test, species=s_test)

Importing this package registers every learner (:func:`registry`); the benchmark trains
whatever is registered and can run on the dataset at hand.  The graph learners
(:mod:`glassml.learn.gnn`) need torch, the ``learn`` extra: without it only the feature
learners are registered, and asking for a graph learner by name (:func:`get_estimator`) raises
a :class:`~glassml.errors.GlassmlError` that says which extra to install.  GlassMLP is
registered either way and raises that error when fitted or loaded without torch.
"""

import importlib.util

from glassml.learn.base import (
    FeatureEstimator,
    NotFittedError,
    PropensityEstimator,
    get_estimator,
    register,
    registry,
)
from glassml.learn.glassmlp import GlassMLP
from glassml.learn.linear import BoattiniRidge, CageLinear, CombinedRidge
from glassml.learn.softness import Softness
from glassml.learn.unsupervised import UnsupervisedOrder

if importlib.util.find_spec("torch") is not None:
    from glassml.learn import gnn  # noqa: F401  (graph learners: Bapst GNN, BOTAN, SE(3))

__all__ = [
    "BoattiniRidge",
    "CageLinear",
    "CombinedRidge",
    "FeatureEstimator",
    "GlassMLP",
    "NotFittedError",
    "PropensityEstimator",
    "Softness",
    "get_estimator",
    "register",
    "registry",
]
