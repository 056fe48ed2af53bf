"""GlassBench files: ``*_models`` npz, KA2D ``*_trajectories`` npz and BOTAN ``isoconfig`` npz.

* ``*_models/T{T}/{split}/N{N}T{T}_{id}.npz``: one configuration with ``types``,
  ``initial_positions``, ``initial_positions_inherent``, ``initial_positions_cage``, ``md_prop``,
  ``bb_prop`` (n_times, N) and, in test files, published predictions and descriptors, kept as-is.
* ``KA2D_trajectories/T{T}/{split}/N1290T{T}_{id}_tc{XX}.npz``: one file per time code with
  ``box``, ``types`` (labels 1, 2, 3), ``initial_positions``, ``initial_positions_inherent`` and
  ``positions`` (R, N, d).  The files of one configuration become one sample with
  ``positions`` (T, R, N, d) and ``times`` from the time-code table (:data:`TIME_GRIDS`).
* ``isoconfig_N{N}T{T}_{id}_tc{XX}.npz`` (BOTAN): like the above without a box; the box comes
  from N and the density.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.formats.common import (
    Record,
    agree,
    apply_species_map,
    as_int_labels,
    default_box,
    finish,
    finite_times,
    model_name,
    new_meta,
    species_map_for,
    split_from_path,
    temperature_from_name,
    unmap_species,
)
from glassml.store.npzio import load_arrays, write_npz
from glassml.store.validate import check_box

#: A per-time-code file name: ``<configuration>_tc<code>``.
TIME_CODE_RE = re.compile(r"^(?P<stem>.+)_tc(?P<code>\d+)$")


@dataclass(frozen=True)
class TimeGrid:
    """One of GlassBench's time grids: the times of a model at a temperature and, where the
    trajectory files name them, the time code (``_tcXX``) of each time."""

    model: str
    temperature: float
    times: tuple[float, ...]
    codes: tuple[int, ...] | None = None

    def matches(self, temperature: float | None) -> bool:
        return temperature is not None and abs(self.temperature - temperature) < 1e-9

    def by_code(self) -> dict[int, float]:
        """{time code: time} (empty when the grid has no codes)."""
        return dict(zip(self.codes, self.times)) if self.codes else {}


#: GlassBench's time grids, the one table of them (Jung et al., "Roadmap on machine learning
#: glassy dynamics", arXiv:2311.14752; data on Zenodo, doi:10.5281/zenodo.10118191).
#: KA (3D) at T = 0.44: tau_alpha = 4120 is index 6.  KA2D: codes tc05..tc40 at T = 0.23 and
#: tc01..tc06 at T = 0.30.
TIME_GRIDS: tuple[TimeGrid, ...] = (
    TimeGrid("KA2D", 0.23, (0.1, 1.1, 11.64, 122.47, 1288.41, 13554.0, 142587.0, 1.5e6), codes=tuple(range(5, 45, 5))),
    TimeGrid("KA2D", 0.30, (0.11, 1.25, 14.14, 158.74, 1781.79, 20000.0), codes=tuple(range(1, 7))),
    TimeGrid("KA3D", 0.44, (0.13, 1.3, 13.0, 130.0, 412.0, 1300.0, 4120.0, 13000.0, 41200.0, 130000.0)),
)


def time_code_table(temperature: float | None) -> dict[int, float] | None:
    """{time code: time} of the coded GlassBench grid at ``temperature`` (None if there is none)."""
    for grid in TIME_GRIDS:
        if grid.codes and grid.matches(temperature):
            return grid.by_code()
    return None


def _numeric(arrays: Mapping[str, np.ndarray], path) -> None:
    for key, a in arrays.items():
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise GlassmlError(f"array '{key}' is not numeric (dtype {a.dtype})", path)


def _drop_empty(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """GlassBench stores an absent inherent/cage state as an empty array: drop it."""
    return {k: v for k, v in arrays.items() if not (k.startswith("initial_positions_") and v.size == 0)}


def _split_meta(split_of: Mapping[str, str | None]) -> dict[str, list[str]] | None:
    if not any(split_of.values()):
        return None
    parts: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    for name, part in sorted(split_of.items()):
        if part:
            parts[part].append(name)
    return parts


def _table_times(temperature: float | None, n_times: int) -> list[float] | None:
    """GlassBench's time grid for ``temperature`` when it has ``n_times`` entries."""
    for grid in TIME_GRIDS:
        if grid.matches(temperature) and len(grid.times) == n_times:
            return list(grid.times)
    return None


# ---------------------------------------------------------------------------- models
def read_models(
    paths: Sequence[Path], *, temperature: float | None = None, density: float | None = None, species_map: Mapping[str, int] | None = None, **_: Any
) -> tuple[list[Record], dict]:
    """Read GlassBench ``*_models`` npz files, one sample per file."""
    meta = new_meta("glassbench-models", sources=[str(p) for p in paths])
    raw: list[tuple[Path, dict[str, np.ndarray]]] = []
    for path in paths:
        arrays = _drop_empty(load_arrays(path))
        for key in ("types", "initial_positions"):
            if key not in arrays:
                raise GlassmlError(f"missing array '{key}' (not a GlassBench models file?)", path)
        _numeric(arrays, path)
        as_int_labels(arrays["types"], path)
        raw.append((path, arrays))
    smap = dict(species_map) if species_map else species_map_for(a["types"] for _, a in raw)
    records, where, split_of = [], {}, {}
    for path, arrays in raw:
        name = path.stem
        x0 = np.asarray(arrays["initial_positions"])
        if x0.ndim != 2:
            raise GlassmlError(f"'initial_positions' must be 2-D (N, d), got shape {x0.shape}", path)
        n, d = x0.shape
        arrays["types"] = apply_species_map(arrays["types"], smap, path)
        arrays["box"] = check_box(arrays["box"], d, path) if "box" in arrays else default_box(n, d, density, path)
        temp = temperature if temperature is not None else temperature_from_name(path)
        agree(meta, "temperature", temp, path, "temperature")
        agree(meta, "model", {"name": model_name(n, d)}, path, "model")
        prop = arrays.get("md_prop", arrays.get("bb_prop"))
        times = _table_times(temp, prop.shape[0]) if prop is not None and prop.ndim == 2 else None
        if times is not None:
            arrays["times"] = np.asarray(times)
        records.append((name, arrays))
        where[name] = path
        split_of[name] = split_from_path(path)
    meta["species_map"] = smap
    meta["split"] = _split_meta(split_of)
    return finish(records, meta, where)


def write_models(dst: Path, records: Sequence[Record], meta: Mapping[str, Any]) -> list[Path]:
    """Write samples as GlassBench ``*_models`` files under ``dst/{split}/``."""
    out = []
    split_of = {n: part for part, names in (meta.get("split") or {}).items() for n in names}
    for name, arrays in records:
        data = {k: np.asarray(v) for k, v in arrays.items() if k not in ("positions", "times", "box")}
        data["types"] = unmap_species(arrays["types"], meta)
        folder = dst / split_of[name] if name in split_of else dst
        path = folder / f"{name}.npz"
        write_npz(path, data)
        out.append(path)
    return out


# ---------------------------------------------------------------------------- per-time-code files
def _group_time_codes(paths: Sequence[Path], strip: str = "") -> dict[str, list[tuple[int, Path]]]:
    groups: dict[str, list[tuple[int, Path]]] = defaultdict(list)
    for path in paths:
        m = TIME_CODE_RE.match(path.stem)
        if m is None:
            raise GlassmlError("name lacks the time code suffix '_tcXX' of a GlassBench trajectory file", path)
        stem = m.group("stem")
        if strip and stem.startswith(strip):
            stem = stem[len(strip):]
        groups[stem].append((int(m.group("code")), path))
    for stem, files in groups.items():
        codes = [c for c, _ in files]
        if len(set(codes)) != len(codes):
            raise GlassmlError(f"time code given twice for configuration {stem}", files[0][1])
        files.sort()
    return groups


def _code_times(codes: list[int], temperature: float | None, explicit: dict[int, float], times_kw, path) -> tuple[list[float], str]:
    """Times of the time codes: a stored 'time', the --times option, or the KA2D table."""
    if len(explicit) == len(codes):
        return finite_times([explicit[c] for c in codes], path), "stored"
    if times_kw is not None:
        table = {c: float(t) for c, t in zip(sorted(codes), times_kw)} if len(times_kw) == len(codes) else None
        if table is None:
            raise GlassmlError(f"--times gives {len(times_kw)} times but there are {len(codes)} time codes", path)
        return finite_times([table[c] for c in codes], path), "given"
    table = time_code_table(temperature)
    if table is not None:
        missing = [c for c in codes if c not in table]
        if missing:
            raise GlassmlError(f"time code tc{missing[0]:02d} is not in GlassBench's table at T={temperature}", path)
        return [table[c] for c in codes], "glassbench-table"
    return [float(c) for c in codes], "time-code"


def _read_time_code_group(stem: str, files: list[tuple[int, Path]], *, need_box: bool, density, temperature, times_kw):
    first = files[0][1]
    ref: dict[str, np.ndarray] = {}
    positions, explicit = [], {}
    for code, path in files:
        arrays = _drop_empty(load_arrays(path))
        for key in ("types", "initial_positions", "positions") + (("box",) if need_box else ()):
            if key not in arrays:
                raise GlassmlError(f"missing array '{key}' (not a GlassBench trajectory file?)", path)
        _numeric(arrays, path)
        as_int_labels(arrays["types"], path)
        pos = np.asarray(arrays["positions"])
        x0 = np.asarray(arrays["initial_positions"])
        if x0.ndim != 2:
            raise GlassmlError(f"'initial_positions' must be 2-D (N, d), got shape {x0.shape}", path)
        if pos.ndim != 3 or pos.shape[1:] != x0.shape:
            raise GlassmlError(f"'positions' must have shape (R, {x0.shape[0]}, {x0.shape[1]}), got {pos.shape}", path)
        if positions and pos.shape[0] != positions[0].shape[0]:
            raise GlassmlError(
                f"{pos.shape[0]} replicas at tc{code:02d} but {positions[0].shape[0]} at tc{files[0][0]:02d} (mismatched replica counts across time codes)",
                path,
            )
        if "time" in arrays:
            explicit[code] = float(np.asarray(arrays["time"]).reshape(-1)[0]) if np.asarray(arrays["time"]).size == 1 else np.nan
        for key in ("types", "initial_positions", "initial_positions_inherent", "box"):
            if key not in arrays:
                continue
            if key not in ref:
                ref[key] = np.asarray(arrays[key])
            elif ref[key].shape != np.asarray(arrays[key]).shape or not np.array_equal(ref[key], arrays[key], equal_nan=True):
                raise GlassmlError(f"'{key}' differs from the one in {first.name} (same configuration, different time codes)", path)
        positions.append(pos)
    n, d = ref["initial_positions"].shape
    temp = temperature if temperature is not None else temperature_from_name(first)
    times, source = _code_times([c for c, _ in files], temp, explicit, times_kw, first)
    sample = {k: v for k, v in ref.items() if k != "box"}
    sample["box"] = check_box(ref["box"], d, first) if "box" in ref else default_box(n, d, density, first)
    sample["positions"] = np.stack(positions)
    sample["times"] = np.asarray(times)
    return sample, temp, source, [c for c, _ in files]


def _read_time_codes(fmt: str, paths: Sequence[Path], strip: str, need_box: bool, temperature, density, times, species_map) -> tuple[list[Record], dict]:
    meta = new_meta(fmt, sources=[str(p) for p in paths])
    groups = _group_time_codes(paths, strip)
    samples, where, split_of = {}, {}, {}
    for stem, files in sorted(groups.items()):
        arrays, temp, source, codes = _read_time_code_group(
            stem, files, need_box=need_box, density=density, temperature=temperature, times_kw=times
        )
        agree(meta, "temperature", temp, files[0][1], "temperature")
        agree(meta, "time_codes", codes, files[0][1], "time codes")
        meta["times_from"] = source
        samples[stem] = arrays
        where[stem] = files[0][1]
        split_of[stem] = split_from_path(files[0][1])
    smap = dict(species_map) if species_map else species_map_for(a["types"] for a in samples.values())
    records = []
    for stem, arrays in samples.items():
        arrays["types"] = apply_species_map(arrays["types"], smap, where[stem])
        n, d = arrays["initial_positions"].shape
        agree(meta, "model", {"name": model_name(n, d)}, where[stem], "model")
        records.append((stem, arrays))
    meta["species_map"] = smap
    meta["split"] = _split_meta(split_of)
    return finish(records, meta, where)


def read_trajectories(paths: Sequence[Path], *, temperature: float | None = None, density: float | None = None, times=None, species_map=None, **_: Any):
    """Read GlassBench KA2D ``*_tcXX.npz`` files, one sample per configuration."""
    return _read_time_codes("glassbench-trajectories", paths, "", False, temperature, density, times, species_map)


def read_botan(paths: Sequence[Path], *, temperature: float | None = None, density: float | None = None, times=None, species_map=None, **_: Any):
    """Read BOTAN ``isoconfig_*_tcXX.npz`` files (box from N and ``density``)."""
    return _read_time_codes("botan", paths, "isoconfig_", False, temperature, density, times, species_map)


def _codes_for(times: Sequence[float], temperature: float | None) -> tuple[list[int], bool]:
    """GlassBench time codes of ``times`` when they are the KA2D table's, else 1..T (times stored)."""
    table = time_code_table(temperature)
    if table is not None:
        inverse = {v: c for c, v in table.items()}
        if all(float(x) in inverse for x in times):
            return [inverse[float(x)] for x in times], False
    return list(range(1, len(times) + 1)), True


def write_trajectories(dst: Path, records: Sequence[Record], meta: Mapping[str, Any], *, prefix: str = "") -> list[Path]:
    """Write samples as GlassBench per-time-code files ``{name}_tcXX.npz`` under ``dst/{split}/``."""
    out = []
    split_of = {n: part for part, names in (meta.get("split") or {}).items() for n in names}
    for name, arrays in records:
        if "positions" not in arrays or "times" not in arrays:
            raise GlassmlError(f"sample {name!r} has no trajectories ('positions' and 'times') to write", dst)
        box = np.asarray(arrays["box"], dtype=float)
        codes, store_time = _codes_for(arrays["times"], meta.get("temperature"))
        folder = dst / split_of[name] if name in split_of else dst
        for i, code in enumerate(codes):
            data = {
                "box": np.asarray(box[0]) if np.all(box == box[0]) else box,
                "types": unmap_species(arrays["types"], meta),
                "initial_positions": np.asarray(arrays["initial_positions"]),
                "positions": np.asarray(arrays["positions"][i]),
            }
            if "initial_positions_inherent" in arrays:
                data["initial_positions_inherent"] = np.asarray(arrays["initial_positions_inherent"])
            if store_time:
                data["time"] = np.asarray(float(arrays["times"][i]))
            path = folder / f"{prefix}{name}_tc{code:02d}.npz"
            write_npz(path, data)
            out.append(path)
    return out
