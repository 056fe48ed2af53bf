"""GSD trajectories (HOOMD-blue's format) through the ``gsd`` package.

Unwrapped positions are ``position + image * L``; the box must be orthogonal (no tilt).  Types
are HOOMD's ``typeid`` (already 0..K-1) with the names of ``particles.types`` recorded as the
species map.  A frame's time is the logged ``glassml/time`` if present, else its step × ``dt``.
GSD stores positions in single precision: a round trip keeps about 7 significant digits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box
from glassml.store.formats.common import Record
from glassml.store.formats.frames import Frame, output_paths, read_frame_files, sample_frames, species_names
from glassml.store.npzio import atomic_target

TIME_LOG = "glassml/time"


def _frame(snap, i: int, dimension: int | None, path: Path) -> Frame:
    box = np.asarray(snap.configuration.box, dtype=float)
    if box.shape != (6,) or np.any(box[3:] != 0):
        raise GlassmlError(f"frame {i}: only orthogonal boxes are supported (box {box.tolist()})", path)
    d = dimension or int(snap.configuration.dimensions or 3)
    n = int(snap.particles.N or 0)
    if n <= 0:
        raise GlassmlError(f"frame {i}: holds no particles", path)
    pos = np.asarray(snap.particles.position, dtype=float)
    image = np.asarray(snap.particles.image, dtype=float)
    typeid = np.asarray(snap.particles.typeid)
    if pos.shape != (n, 3) or image.shape != (n, 3) or typeid.shape != (n,):
        raise GlassmlError(f"frame {i}: particle arrays do not match N={n}", path)
    names = list(snap.particles.types or [])
    if typeid.size and (typeid.max() >= len(names)):
        raise GlassmlError(f"frame {i}: typeid {int(typeid.max())} has no name in particles.types {names}", path)
    x = pos + image * box[:3]
    time = None
    if snap.log and TIME_LOG in snap.log:
        time = float(np.asarray(snap.log[TIME_LOG]).reshape(-1)[0])
    return Frame(labels=np.asarray(names, dtype=str)[typeid], positions=x[:, :d], box=box[:d], step=int(snap.configuration.step or 0), time=time)


def read_gsd_frames(path: Path, dimension: int | None = None) -> list[Frame]:
    """All frames of a GSD file."""
    import gsd.hoomd

    if not path.is_file():
        raise GlassmlError("file does not exist" if not path.exists() else "is not a file", path)
    if path.stat().st_size == 0:
        raise GlassmlError("file is empty", path)
    try:
        with gsd.hoomd.open(str(path), "r") as traj:
            return [_frame(snap, i, dimension, path) for i, snap in enumerate(traj)]
    except GlassmlError:
        raise
    except Exception as exc:  # RuntimeError, OSError from the gsd library
        raise GlassmlError(f"not a readable GSD file ({type(exc).__name__}: {exc})", path) from None


def read_gsd(paths: Sequence[Path], **kw: Any) -> tuple[list[Record], dict]:
    """Read GSD files (one sample per file; see :mod:`glassml.store.formats.frames`)."""
    records, meta = read_frame_files("gsd", paths, read_gsd_frames, **kw)
    return records, meta


def _snapshot(x: np.ndarray, box: np.ndarray, typeid: np.ndarray, names: list[str], step: int, time: float):
    import gsd.hoomd

    d = box.size
    full = np.concatenate([box, [1.0]]) if d == 2 else box
    cell = Box(box)
    image = np.zeros((x.shape[0], 3), dtype=np.int64)
    image[:, :d] = cell.images(x + cell.lengths / 2)  # GSD boxes are centred on the origin
    xyz = np.zeros((x.shape[0], 3))
    xyz[:, :d] = cell.with_images(x, -image[:, :d])
    snap = gsd.hoomd.Frame()
    snap.configuration.step = step
    snap.configuration.dimensions = d
    snap.configuration.box = [float(full[0]), float(full[1]), float(full[2]) if d == 3 else 0.0, 0.0, 0.0, 0.0]
    snap.particles.N = x.shape[0]
    snap.particles.types = names
    snap.particles.typeid = typeid.astype(np.uint32)
    snap.particles.position = xyz.astype(np.float32)
    snap.particles.image = image.astype(np.int32)
    snap.log[TIME_LOG] = np.asarray([time], dtype=np.float64)
    return snap


def write_gsd(dst: Path, records: Sequence[Record], meta: Mapping[str, Any], *, replica: int = 0, **_: Any) -> list[Path]:
    """Write each sample as a GSD trajectory (temporary file, fsync, rename)."""
    import gsd.hoomd

    out = []
    for path, (name, arrays) in zip(output_paths(dst, records, ".gsd"), records):
        box = np.asarray(arrays["box"], dtype=float)
        types = np.asarray(arrays["types"])
        names = species_names(meta, int(types.max()) + 1)
        with atomic_target(path, suffix=".gsd") as tmp, gsd.hoomd.open(tmp, "w") as traj:
            for k, (t, x) in enumerate(sample_frames(arrays, replica)):
                traj.append(_snapshot(x, box, types, names, k, t))
        out.append(path)
    return out
