"""DeepMind / Bapst et al. (2020) pickles: read only, and only with an explicit opt-in.

Each pickle is a dict with ``positions`` (N, 3), ``types`` (N,), ``box`` (3,), ``time`` (the
logarithmic time grid), ``time_indices`` (the entries of ``time`` with stored trajectories),
``is_values`` (the intermediate scattering function at those times),
``trajectory_start_velocities``, ``trajectory_target_positions`` (per time index, one (N, 3)
array per replica, unwrapped) and ``metadata`` (``temperature``, ``pressure``, ``fluid``).

Unpickling runs arbitrary code from the file, so :func:`read_bapst` refuses unless called with
``allow_pickle=True`` (``--allow-pickle`` on the command line).  Only open pickles you trust.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.formats.common import Record, agree, apply_species_map, as_int_labels, finish, finite_times, new_meta, species_map_for, split_from_path

REQUIRED = ("positions", "types", "box", "time", "time_indices", "trajectory_target_positions")


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise GlassmlError("file does not exist" if not path.exists() else "is not a file", path)
    if path.stat().st_size == 0:
        raise GlassmlError("file is empty", path)
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except Exception as exc:  # UnpicklingError, EOFError, ModuleNotFoundError, ...
        raise GlassmlError(f"not a readable pickle ({type(exc).__name__}: {exc})", path) from None
    if not isinstance(data, dict):
        raise GlassmlError(f"expected a dict of arrays, got {type(data).__name__}", path)
    for key in REQUIRED:
        if key not in data:
            raise GlassmlError(f"missing entry '{key}' (not a Bapst et al. pickle?)", path)
    return data


def _array(data: dict, key: str, path: Path, dtype=None) -> np.ndarray:
    try:
        a = np.asarray(data[key], dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise GlassmlError(f"entry '{key}' is not a regular numeric array ({exc})", path) from None
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number)):
        raise GlassmlError(f"entry '{key}' is not numeric (dtype {a.dtype})", path)
    return a


def read_bapst(
    paths: Sequence[Path], *, allow_pickle: bool = False, temperature: float | None = None, species_map: dict[str, int] | None = None, **_: Any
) -> tuple[list[Record], dict]:
    """Read Bapst et al. pickles (one sample each); needs ``allow_pickle=True``."""
    if not allow_pickle:
        raise GlassmlError(
            "reading a pickle runs code stored in it; pass --allow-pickle (allow_pickle=True) if you trust this file", paths[0]
        )
    meta = new_meta("bapst", sources=[str(p) for p in paths])
    raw, where, split_of = [], {}, {}
    for path in paths:
        data = _load(path)
        x0 = _array(data, "positions", path)
        types = as_int_labels(_array(data, "types", path), path)
        box = _array(data, "box", path, float)
        grid = _array(data, "time", path, float).reshape(-1)
        idx = _array(data, "time_indices", path).reshape(-1)
        if not np.issubdtype(idx.dtype, np.integer) or idx.size == 0 or idx.min() < 0 or idx.max() >= grid.size:
            raise GlassmlError(f"'time_indices' must be integers into 'time' (0..{grid.size - 1})", path)
        target = _array(data, "trajectory_target_positions", path, float)
        if target.ndim != 4 or target.shape[0] != idx.size:
            raise GlassmlError(f"'trajectory_target_positions' must have shape ({idx.size}, R, N, 3), got {target.shape}", path)
        arrays = {
            "types": types,
            "box": box,
            "initial_positions": x0,
            "positions": target,
            "times": np.asarray(finite_times(grid[idx], path)),
        }
        if "is_values" in data:
            arrays["is_values"] = _array(data, "is_values", path, float).reshape(-1)
        md = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        temp = temperature if temperature is not None else md.get("temperature")
        agree(meta, "temperature", None if temp is None else float(temp), path, "temperature")
        if md.get("fluid"):
            agree(meta, "model", {"name": str(md["fluid"])}, path, "model")
        raw.append((path.stem, arrays))
        where[path.stem] = path
        split_of[path.stem] = split_from_path(path)
    smap = dict(species_map) if species_map else species_map_for(a["types"] for _, a in raw)
    for name, arrays in raw:
        arrays["types"] = apply_species_map(arrays["types"], smap, where[name])
    meta["species_map"] = smap
    if any(split_of.values()):
        meta["split"] = {p: sorted(n for n, s in split_of.items() if s == p) for p in ("train", "val", "test")}
    return finish(raw, meta, where)
