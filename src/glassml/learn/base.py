"""The conventions every glassml learner follows: scikit-learn estimators, plus save/load.

A learner is configured by explicit keyword parameters of ``__init__`` (so ``get_params``,
``set_params`` and :func:`sklearn.base.clone` work), ``fit`` returns the learner, and fitted
attributes end in ``_``.  Two kinds:

* **feature learners** (``kind = "features"``) take arrays::

      model = BoattiniRidge().fit(X, y, species=s)            # X (n, F), y (n,) or (n, T)
      y_hat = model.predict(X_test, species=s_test)

  with optional ``groups`` (the configuration each row belongs to) and
  ``validation=(X_val, y_val, species_val, groups_val)`` for model selection;
* **graph learners** (``kind = "graph"``) take configurations
  (:class:`glassml.structure.Configuration`: positions, box, species) and one target array
  (T, N) per configuration.

Model selection (early stopping, hyper-parameters) uses the validation data only, never the
test split.  Learners are registered by name (:func:`register`); the benchmark finds them in
:func:`registry`, and :mod:`glassml.bench.adapter` turns a dataset split into the arrays or
configurations each kind takes.
"""

from __future__ import annotations

import abc
import json
import os
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from glassml.errors import GlassmlError

_REGISTRY: dict[str, type["PropensityEstimator"]] = {}


def register(name: str) -> Callable[[type["PropensityEstimator"]], type["PropensityEstimator"]]:
    """Class decorator: make a learner available by ``name`` to the benchmark."""

    def deco(cls: type["PropensityEstimator"]) -> type["PropensityEstimator"]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise RuntimeError(f"estimator name {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def registry() -> dict[str, type["PropensityEstimator"]]:
    """Every registered learner by name (importing :mod:`glassml.learn` fills it)."""
    return dict(_REGISTRY)


def get_estimator(name: str) -> type["PropensityEstimator"]:
    """The learner class registered as ``name``."""
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise GlassmlError(f"unknown model {name!r}; available: {known}")
    return _REGISTRY[name]


class PropensityEstimator(BaseEstimator, abc.ABC):
    """Base class: predicts a per-particle target (at one or several times) from static structure.

    Class attributes (metadata, not parameters) tell the benchmark what a learner needs:

    ``kind``: ``"features"`` or ``"graph"``.
    ``descriptor_sets``: ``(set name, positions array or None)`` pairs whose descriptors a
    feature learner reads, side by side in this order.
    ``requires``: sample arrays the learner needs beyond those (e.g. cage positions).
    ``preset_params``: parameters for a named simulation preset (``{"quick": {"epochs": 4}}``),
    so a learner sizes itself for a preset without the benchmark knowing about it.
    """

    name: ClassVar[str] = "estimator"
    kind: ClassVar[str] = "features"
    descriptor_sets: ClassVar[tuple[tuple[str, str | None], ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()
    preset_params: ClassVar[dict[str, dict[str, Any]]] = {}

    @abc.abstractmethod
    def _state(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted model (numpy arrays and JSON values)."""

    @abc.abstractmethod
    def _set_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`_state`."""

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model atomically: one ``.npz`` of arrays with its parameters as JSON."""
        from glassml.store.npzio import write_npz

        state = self._state()
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        meta = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
        info = getattr(self, "info_", {})
        payload = {"name": self.name, "params": self.get_params(deep=False), "info": info, "state": meta}
        arrays["__meta__"] = np.frombuffer(json.dumps(payload, default=_json_value).encode(), dtype=np.uint8)
        write_npz(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "PropensityEstimator":
        """A fitted model saved by :meth:`save` (the registered class, when called on the base)."""
        from glassml.store.npzio import load_arrays

        arrays = load_arrays(Path(path))
        if "__meta__" not in arrays:
            raise GlassmlError("not a saved glassml model", path)
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
        klass = get_estimator(meta["name"]) if cls is PropensityEstimator else cls
        est = klass(**meta["params"])
        est.info_ = meta["info"]
        state = dict(meta["state"])
        state.update(arrays)
        est._set_state(state)
        return est


def _json_value(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"parameter value {obj!r} cannot be saved as JSON")
