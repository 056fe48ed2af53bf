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
  (T, N) per configuration::

      model = BapstGNN().fit(configurations, y, validation=(configurations_val, y_val))

  A graph learner reads the positions named by its ``positions`` parameter (``thermal``,
  ``inherent`` or ``cage``); one whose class sets ``needs_trajectories`` also takes the replica
  trajectories, one (T, R, N, d) array per configuration: ``fit(..., trajectories=...)`` and
  ``validation=(configurations_val, y_val, trajectories_val)``.

Model selection (early stopping, hyper-parameters) uses the validation data only, never the
test split.  Learners are registered by name (:func:`register`); the benchmark finds them in
:func:`registry`, and :mod:`glassml.bench.adapter` turns a dataset split into the arrays or
configurations each kind takes.
"""

from __future__ import annotations

import abc
import inspect
import json
import os
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError as _SklearnNotFitted

from glassml.errors import GlassmlError, require
from glassml.jsonutil import json_default

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


#: learners registered only when their extra is installed (:mod:`glassml.learn.gnn` needs torch)
NEEDS_EXTRA: dict[str, str] = {"bapst": "torch", "botan": "torch", "se3": "torch",
                               "bapst_stacked": "torch", "botan_stacked": "torch", "se3_stacked": "torch"}


def get_estimator(name: str) -> type["PropensityEstimator"]:
    """The learner class registered as ``name``.

    A graph learner asked for without torch raises :class:`~glassml.errors.GlassmlError` naming
    the ``learn`` extra; any other unknown name lists the registered ones.
    """
    if name not in _REGISTRY and name in NEEDS_EXTRA:
        require(NEEDS_EXTRA[name], "learn", purpose=f"model {name!r}")
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
    ``needs_trajectories``: a graph learner that also takes the replica trajectories (BOTAN's
    pair target is computed from them).
    ``preset_params``: parameters for a named simulation preset (``{"quick": {"epochs": 4}}``),
    so a learner sizes itself for a preset without the benchmark knowing about it.
    """

    name: ClassVar[str] = "estimator"
    kind: ClassVar[str] = "features"
    descriptor_sets: ClassVar[tuple[tuple[str, str | None], ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()
    needs_trajectories: ClassVar[bool] = False
    preset_params: ClassVar[dict[str, dict[str, Any]]] = {}

    @abc.abstractmethod
    def _state(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted model (numpy arrays and JSON values)."""

    @abc.abstractmethod
    def _set_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`_state`."""

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model atomically: one ``.npz`` of arrays with its parameters as JSON.

        Parameters must be numbers, strings, None, numpy values, paths (saved and loaded back
        as strings), or lists, tuples and dicts of those; any other value raises
        :class:`~glassml.errors.GlassmlError` rather than being saved as something else.
        """
        from sklearn.utils.validation import check_is_fitted

        from glassml.store.npzio import write_npz

        try:
            check_is_fitted(self)
        except _SklearnNotFitted:
            raise NotFittedError(f"{self.name}: fit the model before saving it") from None
        state = self._state()
        arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
        meta = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
        info = getattr(self, "info_", {})
        payload = {"name": self.name, "params": self.get_params(deep=False), "info": info, "state": meta}
        try:
            text = json.dumps(payload, default=_json_value)
        except (GlassmlError, TypeError) as exc:  # TypeError: a dict key JSON cannot hold
            raise GlassmlError(f"{self.name}: {getattr(exc, 'problem', exc)}") from None
        arrays["__meta__"] = np.frombuffer(text.encode(), dtype=np.uint8)
        write_npz(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "PropensityEstimator":
        """A fitted model saved by :meth:`save`.

        Called on a base class (:class:`PropensityEstimator`, :class:`FeatureEstimator`), it
        returns the class registered under the saved name; called on a learner class, that
        class.  A file saved by a learner of another class raises
        :class:`~glassml.errors.GlassmlError`.
        """
        from glassml.store.npzio import load_arrays

        arrays = load_arrays(Path(path))
        if "__meta__" not in arrays:
            raise GlassmlError("not a saved glassml model", path)
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
        saved = meta["name"]
        if saved in _REGISTRY:
            registered = _REGISTRY[saved]
            if issubclass(cls, registered):  # the class itself, or an unregistered subclass of it
                klass = cls
            elif issubclass(registered, cls):  # called on a base class
                klass = registered
            else:
                raise GlassmlError(f"holds a saved {saved!r} model, not a {cls.__name__}; "
                                   "load it with glassml.learn.PropensityEstimator.load", path)
        elif inspect.isabstract(cls):
            klass = get_estimator(saved)  # raises: unknown model, or its extra is missing
        else:
            klass = cls
        defaults = {k: p.default for k, p in inspect.signature(klass.__init__).parameters.items()}
        est = klass(**{k: _like_default(v, defaults.get(k)) for k, v in meta["params"].items()})
        est.info_ = meta["info"]
        state = dict(meta["state"])
        state.update(arrays)
        est._set_state(state)
        return est


def _like_default(value: Any, default: Any) -> Any:
    """A parameter read back from JSON, as a tuple again where its default is a tuple."""
    if isinstance(default, tuple) and isinstance(value, list):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def _json_value(obj: Any) -> Any:
    """``json.dumps(default=...)`` hook of :meth:`PropensityEstimator.save`: numpy values as
    :func:`glassml.jsonutil.json_default` writes them, paths as strings, anything else refused
    (a value that would not read back as itself).  Tuples need no hook: JSON writes them as
    lists, and :func:`_like_default` turns them back into tuples."""
    if isinstance(obj, (np.generic, np.ndarray)):
        return json_default(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise GlassmlError(f"cannot save a parameter or fitted value of type {type(obj).__name__} ({obj!r}) as JSON; "
                       "use numbers, strings, paths, lists or dicts")


class NotFittedError(GlassmlError, _SklearnNotFitted):
    """Predicting before ``fit``: a :class:`GlassmlError` that scikit-learn also recognises."""


def _labels(values: Any, n: int, what: str) -> np.ndarray:
    """(n,) int64 labels (species or groups) for the n rows of X; None gives all zeros."""
    if values is None:
        return np.zeros(n, dtype=np.int64)
    v = np.asarray(values)
    if v.shape != (n,):
        raise GlassmlError(f"{what} must have shape ({n},), one entry per row of X, got {v.shape}")
    if v.size and not np.issubdtype(v.dtype, np.integer):
        if not np.issubdtype(v.dtype, np.number) or not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
            raise GlassmlError(f"{what} must be integers")
    return v.astype(np.int64)


def dense_groups(groups: np.ndarray) -> np.ndarray:
    """Group labels renumbered 0..G-1 in sorted order (unchanged when they already are)."""
    return np.unique(groups, return_inverse=True)[1].astype(np.int64).reshape(-1)


class FeatureEstimator(RegressorMixin, PropensityEstimator):
    """Base of the feature learners: one row of descriptors per particle in, its target out.

    ``fit(X, y, species=None, groups=None, *, validation=None)`` and
    ``predict(X, species=None, groups=None)``:

    X: (n, F) descriptors, one row per particle.
    y: (n,) or (n, T), the target at one or T times; ``predict`` returns the same shape.
    species: (n,) integer species 0..K-1 (None: one species).  Learners fit per species where
        the method says so, and refuse to predict a species they were not trained on.
    groups: (n,) the configuration each row belongs to (None: one configuration).  Used where
        the method needs whole configurations (softness labels, GlassMLP's chi4 loss term,
        the hold-out split below).
    validation: ``(X_val, y_val, species_val, groups_val)`` (the last two may be omitted or
        None) for model selection and early stopping.  Without it a learner that selects
        holds out a ``validation_fraction`` of the training configurations (of the rows, with a
        single configuration), chosen with ``seed``; each learner's docstring says what it
        does then.

    Fitted attributes: ``n_features_in_``, ``n_outputs_`` (T), ``y_ndim_`` (1 or 2),
    ``species_`` (the training species), ``info_`` (seed, choices made, validation scores),
    plus each learner's own.  Subclasses implement ``_fit``, ``_predict_rows``,
    ``_model_state`` and ``_set_model_state``.
    """

    kind: ClassVar[str] = "features"

    # ------------------------------------------------------------------ the public API
    def fit(self, X, y, species=None, groups=None, *, validation=None) -> "FeatureEstimator":
        """Fit on the rows of ``X`` / ``y``; select on ``validation`` only (see the class docstring)."""
        X, Y, y_ndim = self._check_fit_arrays(X, y)
        sp = _labels(species, X.shape[0], "species")
        if sp.size and sp.min() < 0:
            raise GlassmlError(f"unknown species {int(sp.min())}: species are integers 0..K-1")
        g = dense_groups(_labels(groups, X.shape[0], "groups"))
        val = None if validation is None else self._check_validation(validation, X.shape[1], Y.shape[1])
        info = self._fit(X, Y, sp, g, val)
        self.n_outputs_ = int(Y.shape[1])
        self.y_ndim_ = int(y_ndim)
        self.species_ = np.unique(sp)
        self.info_ = {"seed": getattr(self, "seed", None), **info}
        return self

    def predict(self, X, species=None, groups=None) -> np.ndarray:
        """Predicted target, (n,) or (n, T) like the ``y`` of ``fit``."""
        X, sp, g = self._check_predict_arrays(X, species, groups)
        rows = self._predict_rows(X, sp, g)
        return rows[:, 0] if self.y_ndim_ == 1 else rows

    def score(self, X, y, sample_weight=None, species=None, groups=None) -> float:
        """R² of :meth:`predict` against ``y`` (averaged uniformly over times), as for any
        scikit-learn regressor.  The benchmark's own score is the pooled Pearson correlation
        (:func:`glassml.learn.features.pearson_columns`)."""
        from sklearn.metrics import r2_score

        return float(r2_score(y, self.predict(X, species=species, groups=groups), sample_weight=sample_weight))

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "n_outputs_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    # ------------------------------------------------------------------ subclass hooks
    @abc.abstractmethod
    def _fit(self, X: np.ndarray, Y: np.ndarray, species: np.ndarray, groups: np.ndarray,
             validation: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None) -> dict[str, Any]:
        """Fit on checked arrays (Y is (n, T), groups 0..G-1); returns the ``info_`` entries."""

    @abc.abstractmethod
    def _predict_rows(self, X: np.ndarray, species: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """(n, T) predictions for checked arrays."""

    @abc.abstractmethod
    def _model_state(self) -> dict[str, Any]:
        """The learner's own fitted state (numpy arrays and JSON values)."""

    @abc.abstractmethod
    def _set_model_state(self, state: dict[str, Any]) -> None:
        """Inverse of :meth:`_model_state`."""

    # ------------------------------------------------------------------ helpers
    def _holdout(self, X, Y, species, groups):
        """(train, held-out) parts of the training rows for selection without validation data."""
        from glassml.learn.features import holdout_split

        keep, held = holdout_split(groups, float(getattr(self, "validation_fraction", 0.2)), int(getattr(self, "seed", 0)))
        part = lambda m: (X[m], Y[m], species[m], dense_groups(groups[m]))  # noqa: E731
        n_groups = np.unique(groups).size
        what = (f"{int(np.unique(groups[held]).size)} of {n_groups} training configurations held out" if n_groups >= 2
                else f"{int(held.sum())} of {held.size} training rows held out")
        return part(keep), part(held), what

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"n_features_in_": int(self.n_features_in_), "n_outputs_": int(self.n_outputs_),
                                 "y_ndim_": int(self.y_ndim_), "species_": np.asarray(self.species_)}
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(f) for f in self.feature_names_in_]
        overlap = set(state) & set(self._model_state())
        if overlap:
            raise RuntimeError(f"state names used twice: {sorted(overlap)}")
        state.update(self._model_state())
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        self.n_features_in_ = int(state["n_features_in_"])
        self.n_outputs_ = int(state["n_outputs_"])
        self.y_ndim_ = int(state["y_ndim_"])
        self.species_ = np.asarray(state["species_"], dtype=np.int64)
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        self._set_model_state(state)

    def _check_fit_arrays(self, X, y) -> tuple[np.ndarray, np.ndarray, int]:
        from sklearn.utils.validation import validate_data

        try:
            X, y = validate_data(self, X, y, reset=True, dtype=np.float64, multi_output=True, y_numeric=True)
        except ValueError as exc:
            raise _as_glassml(self, exc) from None
        y = np.asarray(y, dtype=np.float64)
        Y = y[:, None] if y.ndim == 1 else y
        return X, Y, y.ndim

    def _check_validation(self, validation: Any, n_features: int, n_outputs: int):
        from sklearn.utils.validation import check_array

        if not isinstance(validation, (tuple, list)) or not 2 <= len(validation) <= 4:
            raise GlassmlError(f"{self.name}: validation must be (X_val, y_val, species_val, groups_val)")
        Xv, yv, sv, gv = (*validation, None, None)[:4]
        try:
            Xv = check_array(Xv, dtype=np.float64, input_name="X_val")
            yv = check_array(yv, dtype=np.float64, ensure_2d=False, input_name="y_val")
        except ValueError as exc:
            raise _as_glassml(self, exc) from None
        if Xv.shape[1] != n_features:
            raise GlassmlError(f"{self.name}: train and validation descriptors differ in width ({n_features} vs {Xv.shape[1]})")
        Yv = yv[:, None] if yv.ndim == 1 else yv
        if Yv.ndim != 2 or Yv.shape != (Xv.shape[0], n_outputs):
            raise GlassmlError(f"{self.name}: y_val must have shape ({Xv.shape[0]}, {n_outputs}) like y, got {yv.shape}")
        sv = _labels(sv, Xv.shape[0], "species_val")
        gv = dense_groups(_labels(gv, Xv.shape[0], "groups_val"))
        return Xv, Yv, sv, gv

    def _check_predict_arrays(self, X, species, groups):
        from sklearn.utils.validation import validate_data

        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"{self.name}: fit the model before predicting")
        try:
            X = validate_data(self, X, reset=False, dtype=np.float64)
        except ValueError as exc:
            raise _as_glassml(self, exc) from None
        sp = _labels(species, X.shape[0], "species")
        unknown = sorted(set(np.unique(sp).tolist()) - set(np.asarray(self.species_).tolist()))
        if unknown:
            raise GlassmlError(f"{self.name}: species {', '.join(map(str, unknown))} not in the training set")
        return X, sp, dense_groups(_labels(groups, X.shape[0], "groups"))


def _as_glassml(est: PropensityEstimator, exc: ValueError) -> GlassmlError:
    return exc if isinstance(exc, GlassmlError) else GlassmlError(f"{est.name}: {exc}")
