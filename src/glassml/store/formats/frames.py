"""Frame-based formats (LAMMPS dump, extended XYZ, GSD) to and from glassml samples.

A trajectory file is a list of frames.  By default one file becomes one sample: the first
frame is ``initial_positions`` and the later frames are ``positions`` (T, 1, N, d) — one
replica — at ``times`` measured from the first frame.  With ``frames="samples"`` every frame
becomes its own sample (``{file}_f{index}``), e.g. for a file of independent configurations.

Writers do the reverse: frame 0 is ``initial_positions`` at time 0, then one frame per stored
time of one replica (``replica=``, default 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.formats.common import Record, agree, apply_species_map, finish, new_meta, species_map_for, split_from_path


@dataclass
class Frame:
    """One snapshot: species labels, unwrapped positions (N, d), box lengths (d,), and its clock."""

    labels: np.ndarray
    positions: np.ndarray
    box: np.ndarray
    step: int | None = None
    time: float | None = None


def frame_clock(frames: Sequence[Frame], dt: float | None, path) -> tuple[np.ndarray, str]:
    """Times of the frames: stored times, else steps × ``dt``, else steps (unit 'steps')."""
    if all(f.time is not None for f in frames):
        return np.asarray([f.time for f in frames], dtype=float), "time"
    if all(f.step is not None for f in frames):
        steps = np.asarray([f.step for f in frames], dtype=float)
        return (steps * dt, "time") if dt is not None else (steps, "steps")
    return np.arange(len(frames), dtype=float), "frame index"


def _check_same(frames: Sequence[Frame], path) -> None:
    first = frames[0]
    for i, f in enumerate(frames[1:], 1):
        if f.positions.shape != first.positions.shape:
            raise GlassmlError(f"frame {i} has positions of shape {f.positions.shape} but frame 0 has {first.positions.shape}", path)
        if not np.array_equal(f.labels, first.labels):
            raise GlassmlError(f"species of frame {i} differ from frame 0", path)
        if not np.allclose(f.box, first.box, rtol=1e-9, atol=0):
            raise GlassmlError(f"box of frame {i} differs from frame 0; glassml keeps one box per sample", path)


def frames_to_records(
    path: Path, frames: Sequence[Frame], *, dt: float | None = None, mode: str = "trajectory"
) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """One file's frames as (name, arrays with raw labels) records, and the time unit."""
    if not frames:
        raise GlassmlError("holds no frames", path)
    if mode == "samples":
        out = []
        for i, f in enumerate(frames):
            out.append((f"{path.stem}_f{i}", {"labels": f.labels, "initial_positions": f.positions, "box": f.box}))
        return out, "time"
    if mode != "trajectory":
        raise GlassmlError(f"frames must be 'trajectory' or 'samples', got {mode!r}")
    _check_same(frames, path)
    arrays: dict[str, Any] = {"labels": frames[0].labels, "initial_positions": frames[0].positions, "box": frames[0].box}
    unit = "time"
    if len(frames) > 1:
        clock, unit = frame_clock(frames, dt, path)
        arrays["times"] = clock[1:] - clock[0]
        arrays["positions"] = np.stack([f.positions for f in frames[1:]])[:, None]
    return [(path.stem, arrays)], unit


def read_frame_files(
    fmt: str,
    paths: Sequence[Path],
    read_file: Callable[..., list[Frame]],
    *,
    dt: float | None = None,
    frames: str = "trajectory",
    temperature: float | None = None,
    dimension: int | None = None,
    species_map: Mapping[str, int] | None = None,
    **_: Any,
) -> tuple[list[Record], dict]:
    """Read frame-based files (one sample per file by default) into records and metadata."""
    meta = new_meta(fmt, sources=[str(p) for p in paths], temperature=temperature)
    if dimension is not None and dimension not in (2, 3):
        raise GlassmlError(f"dimension must be 2 or 3, got {dimension}")
    raw, where, split_of = [], {}, {}
    for path in paths:
        records, unit = frames_to_records(path, read_file(path, dimension=dimension), dt=dt, mode=frames)
        agree(meta, "time_unit", unit, path, "time unit")
        for name, arrays in records:
            raw.append((name, arrays))
            where[name] = path
            split_of[name] = split_from_path(path)
    smap = dict(species_map) if species_map else species_map_for(a["labels"] for _, a in raw)
    records = []
    for name, arrays in raw:
        labels = arrays.pop("labels")
        arrays["types"] = apply_species_map(labels, smap, where[name])
        records.append((name, arrays))
    meta["species_map"] = smap
    if any(split_of.values()):
        meta["split"] = {p: sorted(n for n, s in split_of.items() if s == p) for p in ("train", "val", "test")}
    return finish(records, meta, where)


def sample_frames(arrays: Mapping[str, np.ndarray], replica: int = 0) -> list[tuple[float, np.ndarray]]:
    """(time, positions) of the frames a writer emits for one sample: t=0 first, then one replica."""
    out = [(0.0, np.asarray(arrays["initial_positions"], dtype=float))]
    if "positions" in arrays:
        pos = np.asarray(arrays["positions"])
        if not 0 <= replica < pos.shape[1]:
            raise GlassmlError(f"replica {replica} does not exist (the sample has {pos.shape[1]})")
        times = np.asarray(arrays["times"], dtype=float) if "times" in arrays else np.arange(1, pos.shape[0] + 1, dtype=float)
        out += [(float(t), pos[i, replica]) for i, t in enumerate(times)]
    return out


def output_paths(dst: Path, records: Sequence[Record], suffix: str) -> list[Path]:
    """One file per sample: ``dst`` itself for a single sample named like a file (a suffix, and
    not an existing directory), else ``dst/<name><suffix>``."""
    if len(records) == 1 and dst.suffix and not dst.is_dir():
        return [dst]
    return [dst / f"{name}{suffix}" for name, _ in records]


def species_names(meta: Mapping[str, Any], n_species: int) -> list[str]:
    """Names for species 0..K-1: the recorded foreign labels, else A, B, C, ..."""
    inv = {int(v): str(k) for k, v in (meta.get("species_map") or {}).items()}
    names = [inv.get(k) for k in range(n_species)]
    if all(names) and len(set(names)) == n_species:
        return names  # type: ignore[return-value]
    return [chr(ord("A") + k) if k < 26 else f"T{k}" for k in range(n_species)]
