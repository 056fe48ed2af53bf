"""The estimator API every glassml learner follows (deeptime/sklearn style).

An estimator is configured by keyword parameters, then::

    est = SomeEstimator(seed=0, **params)
    est.fit(train_samples, val_samples, target="md_prop")   # returns est
    preds = est.predict(samples)        # list of (T, N) arrays, every time at once
    est.save(path); est2 = SomeEstimator.load(path)          # identical predictions

Model selection (early stopping, hyper-parameters) uses the validation samples only, never
the test split.  Every estimator records the seed it used in ``est.info_``.
"""

from __future__ import annotations

import abc
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.dataset import Sample

_REGISTRY: dict[str, type["Estimator"]] = {}


def register(name: str) -> Callable[[type["Estimator"]], type["Estimator"]]:
    """Class decorator: make an estimator available by ``name`` to the benchmark runner."""

    def deco(cls: type["Estimator"]) -> type["Estimator"]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise RuntimeError(f"estimator name {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def registry() -> dict[str, type["Estimator"]]:
    """All registered estimators by name (importing :mod:`glassml.learn` fills it)."""
    return dict(_REGISTRY)


def get_estimator(name: str) -> type["Estimator"]:
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise GlassmlError(f"unknown model {name!r}; available: {known}")
    return _REGISTRY[name]


class Estimator(abc.ABC):
    """Base class: predicts a per-particle, per-time target from static structure."""

    name: str = "estimator"
    #: Sample arrays (or descriptor sets ``desc_<set>``) this estimator needs as input.
    requires: tuple[str, ...] = ()
    #: Descriptor sets the benchmark runner must compute before fitting, as
    #: ``(set name, positions array or None for the set's default)``; their sample arrays are
    #: named by :func:`glassml.learn.features.descriptor_key` and count as required too.
    descriptor_sets: tuple[tuple[str, str | None], ...] = ()
    #: Keyword parameters the benchmark runner passes when it runs a named simulation preset
    #: (e.g. ``{"quick": {"epochs": 5}}`` to fit the quick job's time budget), so a model sizes
    #: itself for a preset without the runner knowing about the model.
    preset_params: dict[str, dict[str, Any]] = {}

    @classmethod
    def required_keys(cls) -> tuple[str, ...]:
        """Every sample array this estimator reads (``requires`` plus its descriptor arrays)."""
        from glassml.learn.features import descriptor_key

        keys = list(cls.requires) + [descriptor_key(s, p) for s, p in cls.descriptor_sets]
        return tuple(dict.fromkeys(keys))

    @classmethod
    def missing_inputs(cls, sample: Sample) -> list[str]:
        """The required arrays ``sample`` lacks (empty: this estimator can run on it)."""
        return [k for k in cls.required_keys() if k not in sample]

    def __init__(self, seed: int = 0, **params: Any):
        self.seed = int(seed)
        self.params = params
        self.info_: dict[str, Any] = {"seed": self.seed}

    @abc.abstractmethod
    def fit(self, train: Sequence[Sample], val: Sequence[Sample], target: str = "md_prop") -> "Estimator":
        """Fit on ``train``; choose hyper-parameters / stop early on ``val`` only."""

    @abc.abstractmethod
    def predict(self, samples: Sequence[Sample]) -> list[np.ndarray]:
        """One (T, N) prediction per sample, for every time of the target at once."""

    @abc.abstractmethod
    def _state(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted model (numpy arrays and JSON values)."""

    @abc.abstractmethod
    def _set_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`_state`."""

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model atomically (``.npz`` of arrays plus JSON of the rest)."""
        from glassml.store.npzio import write_npz

        state = self._state()
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        meta = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
        arrays["__meta__"] = np.frombuffer(
            json.dumps({"name": self.name, "seed": self.seed, "params": self.params, "info": self.info_, "state": meta}).encode(),
            dtype=np.uint8,
        )
        write_npz(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Estimator":
        from glassml.store.npzio import load_arrays

        arrays = load_arrays(Path(path))
        if "__meta__" not in arrays:
            raise GlassmlError("not a saved glassml model", path)
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
        klass = get_estimator(meta["name"]) if cls is Estimator else cls
        est = klass(seed=meta["seed"], **meta["params"])
        est.info_ = meta["info"]
        state = dict(meta["state"])
        state.update(arrays)
        est._set_state(state)
        return est
