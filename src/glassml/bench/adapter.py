"""From a dataset split to what a learner takes, and back: the one place that knows sample array names.

A learner (:class:`glassml.learn.PropensityEstimator`) never sees a sample file.  This module
reads the arrays of a list of :class:`glassml.store.Sample` and hands a learner

* **feature learners** (``kind = "features"``): :func:`feature_inputs` -> one row per particle
  of every sample: the descriptor arrays named by the class's ``descriptor_sets``
  (:func:`glassml.store.descriptor_array`) side by side, the target at every time, the species
  and the index of the sample each row came from (``groups``);
* **graph learners** (``kind = "graph"``): :func:`graph_inputs` -> one
  :class:`glassml.structure.Configuration` per sample, built from the positions the learner's
  ``positions`` parameter names, one (T, N) target per sample and, for a class with
  ``needs_trajectories``, the replica trajectories (T, R, N, d).

:func:`fit` and :func:`predict` do the whole round trip for either kind: ``predict`` returns one
(T, N) array per sample, as the scorer and the prediction files want them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store import POSITIONS, Sample, descriptor_array, position_kind

#: the arrays every sample carries
BASE_ARRAYS = ("types",)
#: the arrays of a graph learner's input beyond its positions
GRAPH_ARRAYS = ("types", "box")
#: the replica trajectories (T, R, N, d)
TRAJECTORIES = "positions"


@dataclass
class FeatureInputs:
    """The rows a feature learner takes, stacked over samples in order."""

    X: np.ndarray  #: (n, F) descriptors
    y: np.ndarray | None  #: (n, T) target at every time, or None
    species: np.ndarray  #: (n,) int species
    groups: np.ndarray  #: (n,) index of the sample each row came from

    def as_validation(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
        """``(X, y, species, groups)``, the ``validation=`` argument of a feature learner's ``fit``."""
        return self.X, self.y, self.species, self.groups


@dataclass
class GraphInputs:
    """What a graph learner takes, one entry per sample."""

    configurations: list  #: :class:`glassml.structure.Configuration` objects
    y: list[np.ndarray] | None  #: (T, N) targets, or None
    trajectories: list[np.ndarray] | None  #: (T, R, N, d) replica positions, when the learner needs them


# --------------------------------------------------------------------------- what a learner reads
def _param(est: Any, name: str) -> Any:
    """Parameter ``name`` of an estimator instance, or its default when given the class."""
    if not isinstance(est, type):
        return est.get_params(deep=False).get(name)
    p = inspect.signature(est.__init__).parameters.get(name)
    return None if p is None or p.default is inspect.Parameter.empty else p.default


def _cls(est: Any) -> type:
    return est if isinstance(est, type) else type(est)


def positions_array(est: Any) -> str:
    """The sample array a graph learner's ``positions`` parameter names (thermal by default)."""
    kind = _param(est, "positions")
    return POSITIONS[position_kind(kind or "thermal")]


def descriptor_arrays(est: Any) -> list[str]:
    """The descriptor arrays a feature learner reads, in the order they are put side by side."""
    return [descriptor_array(set_name, positions) for set_name, positions in _cls(est).descriptor_sets]


def required_arrays(est: Any) -> list[str]:
    """Every sample array ``est`` (an instance or a class) reads, targets aside."""
    cls = _cls(est)
    if cls.kind == "graph":
        keys = [*GRAPH_ARRAYS, positions_array(est), *cls.requires]
        if cls.needs_trajectories:
            keys.append(TRAJECTORIES)
    else:
        keys = [*BASE_ARRAYS, *cls.requires, *descriptor_arrays(est)]
    return list(dict.fromkeys(keys))


def missing_inputs(est: Any, samples: Sequence[Sample]) -> list[str]:
    """The arrays ``est`` needs that some of ``samples`` lack (empty: it can run on them)."""
    return sorted({k for s in samples for k in required_arrays(est) if k not in s})


def _require(samples: Sequence[Sample], keys: Sequence[str], who: str) -> None:
    if not samples:
        raise GlassmlError(f"{who}: no samples given")
    for s in samples:
        for k in keys:
            if k not in s:
                raise GlassmlError(f"{who} needs array '{k}', which this sample lacks", s.path)


# --------------------------------------------------------------------------- feature learners
def _feature_block(s: Sample, key: str) -> np.ndarray:
    x = np.asarray(s[key], dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != s.n_particles:
        raise GlassmlError(f"'{key}' has shape {x.shape}, not one row per particle ({s.n_particles})", s.path)
    return x


def feature_matrix(samples: Sequence[Sample], keys: Sequence[str]) -> np.ndarray:
    """Rows of every particle of every sample, the arrays ``keys`` side by side: (sum N, F)."""
    blocks = []
    for key in keys:
        per = [_feature_block(s, key) for s in samples]
        widths = {b.shape[1] for b in per}
        if len(widths) != 1:
            raise GlassmlError(f"'{key}' has different numbers of features across samples: {sorted(widths)}")
        blocks.append(np.concatenate(per, axis=0))
    return np.concatenate(blocks, axis=1)


def target_rows(samples: Sequence[Sample], target: str) -> np.ndarray:
    """Rows (sum N, T) of the target at every time."""
    blocks = []
    for s in samples:
        y = np.asarray(s[target], dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != s.n_particles:
            raise GlassmlError(f"'{target}' must have shape (T, {s.n_particles}), got {y.shape}", s.path)
        blocks.append(y.T)
    if len({b.shape[1] for b in blocks}) != 1:
        raise GlassmlError(f"'{target}' has different numbers of times across samples")
    return np.concatenate(blocks, axis=0)


def species_rows(samples: Sequence[Sample]) -> np.ndarray:
    """(sum N,) species of every particle."""
    return np.concatenate([np.asarray(s["types"]).astype(np.int64) for s in samples])


def group_rows(samples: Sequence[Sample]) -> np.ndarray:
    """(sum N,) index of the sample each row came from."""
    return np.concatenate([np.full(s.n_particles, i, dtype=np.int64) for i, s in enumerate(samples)])


def split_rows(rows: np.ndarray, samples: Sequence[Sample]) -> list[np.ndarray]:
    """Undo the stacking: (sum N, T) or (sum N,) rows -> one (T, N) array per sample."""
    rows = np.asarray(rows)
    rows = rows[:, None] if rows.ndim == 1 else rows
    out, start = [], 0
    for s in samples:
        n = s.n_particles
        out.append(np.ascontiguousarray(rows[start : start + n].T))
        start += n
    return out


def feature_inputs(samples: Sequence[Sample], est: Any, target: str | None = None) -> FeatureInputs:
    """The rows ``est`` (a feature learner or its class) takes from ``samples``.

    ``target=None`` leaves ``y`` out (for prediction).
    """
    keys = descriptor_arrays(est)
    if not keys:
        raise GlassmlError(f"{_cls(est).name} names no descriptor sets to read")
    _require(samples, [*BASE_ARRAYS, *keys, *([] if target is None else [target])], _cls(est).name)
    return FeatureInputs(
        X=feature_matrix(samples, keys),
        y=None if target is None else target_rows(samples, target),
        species=species_rows(samples),
        groups=group_rows(samples),
    )


# --------------------------------------------------------------------------- graph learners
def _box(s: Sample, dimension: int) -> np.ndarray:
    box = np.asarray(s["box"], dtype=np.float64)
    return np.full(dimension, float(box)) if box.ndim == 0 else box.reshape(-1)


def configuration(sample: Sample, positions: str = "thermal", *, model: Any = None):
    """The :class:`glassml.structure.Configuration` of one sample on ``positions`` (a kind or
    its array name); relaxed positions carry the thermal ones as ``reference``."""
    from glassml.structure import Configuration

    key = POSITIONS[position_kind(positions)]
    if key not in sample or np.asarray(sample[key]).size == 0:
        raise GlassmlError(f"sample lacks '{key}' (positions={position_kind(positions)!r}); compute it first "
                           "or use positions='thermal'", sample.path)
    x = np.asarray(sample[key], dtype=np.float64)
    reference = None
    if key != POSITIONS["thermal"] and POSITIONS["thermal"] in sample:
        reference = np.asarray(sample[POSITIONS["thermal"]], dtype=np.float64)
    diameters = sample["diameters"] if "diameters" in sample else None
    try:
        return Configuration(x, _box(sample, x.shape[1]), np.asarray(sample["types"]), model=model,
                             diameters=diameters, reference=reference)
    except GlassmlError as exc:
        raise GlassmlError(exc.problem, sample.path) from None


def _known_model(model: Any) -> Any:
    """``model`` (a name, a manifest entry or a Model) as a glassml Model, or None when it is not one."""
    if model is None:
        return None
    from glassml.systems import get_model

    try:
        return get_model(model)
    except GlassmlError:
        return None  # a foreign or synthetic model: configurations without energies


def graph_inputs(samples: Sequence[Sample], est: Any, target: str | None = None, *,
                 model: Any = None) -> GraphInputs:
    """What ``est`` (a graph learner or its class) takes from ``samples``.

    Configurations are built on the positions its ``positions`` parameter names; ``model`` (a
    :class:`glassml.systems.Model` or a registered model name, e.g. the dataset's) is attached
    to them for learners that read energies.  Trajectories are read only for a class with
    ``needs_trajectories``.  ``target=None`` leaves the targets out (for prediction).
    """
    cls = _cls(est)
    key = positions_array(est)
    _require(samples, [*GRAPH_ARRAYS, key, *cls.requires, *([] if target is None else [target])], cls.name)
    known = _known_model(model)
    confs = [configuration(s, key, model=known) for s in samples]
    ys = None
    if target is not None:
        ys = []
        for s, c in zip(samples, confs):
            y = np.asarray(s[target], dtype=np.float64)
            if y.ndim != 2 or y.shape[1] != c.n_particles:
                raise GlassmlError(f"'{target}' must have shape (T, {c.n_particles}), got {y.shape}", s.path)
            ys.append(y)
    trajectories = None
    if cls.needs_trajectories:
        _require(samples, [TRAJECTORIES], cls.name)
        trajectories = []
        for s, c in zip(samples, confs):
            x = np.asarray(s[TRAJECTORIES], dtype=np.float64)
            if x.ndim != 4 or x.shape[2:] != (c.n_particles, c.dimension):
                raise GlassmlError(f"'{TRAJECTORIES}' must have shape (T, R, {c.n_particles}, {c.dimension}), "
                                   f"got {x.shape}", s.path)
            trajectories.append(x)
    return GraphInputs(configurations=confs, y=ys, trajectories=trajectories)


# --------------------------------------------------------------------------- the round trip
def fit(est: Any, train: Sequence[Sample], val: Sequence[Sample], target: str, *, model: Any = None) -> Any:
    """Fit ``est`` on the ``train`` samples, selecting on the ``val`` samples only; returns ``est``.

    A graph learner with ``needs_trajectories`` gets ``trajectories=`` and a validation triple
    ``(configurations, y, trajectories)``.
    """
    if est.kind == "graph":
        tr = graph_inputs(train, est, target, model=model)
        va = graph_inputs(val, est, target, model=model)
        if type(est).needs_trajectories:
            return est.fit(tr.configurations, tr.y, trajectories=tr.trajectories,
                           validation=(va.configurations, va.y, va.trajectories))
        return est.fit(tr.configurations, tr.y, validation=(va.configurations, va.y))
    tr = feature_inputs(train, est, target)
    va = feature_inputs(val, est, target)
    return est.fit(tr.X, tr.y, species=tr.species, groups=tr.groups, validation=va.as_validation())


def predict(est: Any, samples: Sequence[Sample], *, model: Any = None) -> list[np.ndarray]:
    """The fitted ``est``'s prediction for every sample, one (T, N) array each."""
    if est.kind == "graph":
        preds = est.predict(graph_inputs(samples, est, model=model).configurations)
        return [np.asarray(p) for p in preds]
    inp = feature_inputs(samples, est)
    return split_rows(est.predict(inp.X, species=inp.species, groups=inp.groups), samples)
