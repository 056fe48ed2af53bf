"""Validation of sample arrays: shapes agree, numbers are finite, box positive, species integer."""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.dataset import POSITIONS

PER_TIME_KEYS = ("md_prop", "cr_prop", "bb_prop")


def _finite(name: str, a: np.ndarray, path) -> None:
    if not np.issubdtype(a.dtype, np.number):
        raise GlassmlError(f"'{name}' is not numeric (dtype {a.dtype})", path)
    if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
        bad = int(np.size(a) - np.count_nonzero(np.isfinite(a)))
        raise GlassmlError(f"'{name}' holds {bad} non-finite values (NaN or inf)", path)


def check_types(types: np.ndarray, path=None) -> np.ndarray:
    """Species must be a 1-D array of non-negative integers (integral floats are refused)."""
    types = np.asarray(types)
    if types.ndim != 1 or types.size == 0:
        raise GlassmlError(f"'types' must be a non-empty 1-D array, got shape {types.shape}", path)
    if not np.issubdtype(types.dtype, np.integer):
        raise GlassmlError(f"'types' must hold integers, got dtype {types.dtype}", path)
    if types.min() < 0:
        raise GlassmlError("'types' holds negative species", path)
    return types


def check_box(box, dimension: int, path=None) -> np.ndarray:
    """Return the box as a (d,) float array; a scalar means a cubic/square box."""
    box = np.asarray(box, dtype=float) if np.asarray(box).dtype != object else None
    if box is None:
        raise GlassmlError("'box' is not numeric", path)
    if box.ndim == 0:
        box = np.full(dimension, float(box))
    if box.shape != (dimension,):
        raise GlassmlError(f"'box' must be a scalar or have {dimension} lengths, got shape {box.shape}", path)
    _finite("box", box, path)
    if np.any(box <= 0):
        raise GlassmlError(f"'box' lengths must be positive, got {box.tolist()}", path)
    return box


def check_positions(name: str, x: np.ndarray, n: int, dimension: int, path=None) -> None:
    x = np.asarray(x)
    if x.shape != (n, dimension):
        raise GlassmlError(f"'{name}' must have shape ({n}, {dimension}), got {x.shape}", path)
    _finite(name, x, path)


def validate_sample(arrays: Mapping[str, np.ndarray], path: str | os.PathLike | None = None, *, dimension: int | None = None) -> None:
    """Raise :class:`GlassmlError` naming ``path`` if the sample arrays are inconsistent."""
    for key in ("types", "initial_positions"):
        if key not in arrays:
            raise GlassmlError(f"missing array '{key}'", path)
    types = check_types(arrays["types"], path)
    n = types.shape[0]
    x0 = np.asarray(arrays["initial_positions"])
    if x0.ndim != 2:
        raise GlassmlError(f"'initial_positions' must be 2-D (N, d), got shape {x0.shape}", path)
    d = dimension or x0.shape[1]
    if d not in (2, 3):
        raise GlassmlError(f"dimension must be 2 or 3, got {d}", path)
    if "box" not in arrays:
        raise GlassmlError("missing array 'box'", path)
    check_box(arrays["box"], d, path)
    for key in POSITIONS.values():
        if key in arrays and np.asarray(arrays[key]).size:
            check_positions(key, arrays[key], n, d, path)
    n_times = None
    if "times" in arrays:
        times = np.asarray(arrays["times"], dtype=float)
        if times.ndim != 1 or times.size == 0:
            raise GlassmlError(f"'times' must be a non-empty 1-D array, got shape {times.shape}", path)
        _finite("times", times, path)
        if np.any(np.diff(times) <= 0):
            raise GlassmlError("'times' must increase strictly", path)
        n_times = times.size
    if "positions" in arrays:
        pos = np.asarray(arrays["positions"])
        if pos.ndim != 4 or pos.shape[2:] != (n, d):
            raise GlassmlError(f"'positions' must have shape (T, R, {n}, {d}), got {pos.shape}", path)
        if n_times is not None and pos.shape[0] != n_times:
            raise GlassmlError(f"'positions' has {pos.shape[0]} times but 'times' has {n_times}", path)
        if pos.shape[1] < 1:
            raise GlassmlError("'positions' holds no replicas", path)
        _finite("positions", pos, path)
        n_times = pos.shape[0]
    for key in PER_TIME_KEYS:
        if key in arrays:
            prop = np.asarray(arrays[key])
            if prop.ndim != 2 or prop.shape[1] != n or (n_times is not None and prop.shape[0] != n_times):
                want = f"({n_times if n_times is not None else 'T'}, {n})"
                raise GlassmlError(f"'{key}' must have shape {want}, got {prop.shape}", path)
            _finite(key, prop, path)
