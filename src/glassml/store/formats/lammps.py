"""LAMMPS text dumps (``dump custom``): several frames, wrapped, unwrapped or scaled columns.

Positions are taken, in order of preference, from ``xu yu zu`` (unwrapped), ``x y z`` plus image
flags ``ix iy iz``, ``xsu ysu zsu`` (scaled unwrapped), ``xs ys zs`` plus image flags; wrapped
columns without image flags are unwrapped frame to frame by the nearest image (right only if no
particle moves more than half a box between frames).  Atoms are sorted by ``id``; coordinates
are shifted so that the box centre is the origin (GlassBench's convention).  Only orthogonal
boxes are accepted.  ``ITEM: TIME`` (``dump_modify time yes``) gives the frames' times.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import minimum_image
from glassml.store.formats.common import Record, unmap_species
from glassml.store.formats.frames import Frame, output_paths, read_frame_files, sample_frames
from glassml.store.npzio import atomic_write_bytes

_INT_RE = re.compile(r"^[+-]?\d+$")
COLUMN_SETS = (("xu", "yu", "zu"), ("x", "y", "z"), ("xsu", "ysu", "zsu"), ("xs", "ys", "zs"))


class _Lines:
    """A cursor over a file's lines that reports the line number in errors."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines, self.i = path, text.splitlines(), 0

    def done(self) -> bool:
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            self.i += 1
        return self.i >= len(self.lines)

    def next(self, what: str) -> str:
        if self.i >= len(self.lines):
            raise GlassmlError(f"file ends early (truncated?): expected {what} at line {self.i + 1}", self.path)
        self.i += 1
        return self.lines[self.i - 1]

    def error(self, message: str) -> GlassmlError:
        return GlassmlError(f"line {self.i}: {message}", self.path)

    def number(self, what: str, kind=int):
        line = self.next(what).strip()
        try:
            return kind(line)
        except ValueError:
            raise self.error(f"expected {what}, got {line[:40]!r}") from None


def _read_box(cur: _Lines, header: str) -> tuple[np.ndarray, np.ndarray]:
    flags = header.split()[3:]
    if len(flags) >= 3 and flags[:3] == ["xy", "xz", "yz"] or "xy" in flags:
        raise cur.error("triclinic boxes are not supported; glassml needs an orthogonal box")
    lo, hi = np.zeros(3), np.zeros(3)
    for axis in range(3):
        parts = cur.next("box bounds").split()
        try:
            lo[axis], hi[axis] = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise cur.error(f"box bounds must be two numbers, got {' '.join(parts)[:40]!r}") from None
        if len(parts) > 2:
            raise cur.error("triclinic boxes are not supported; glassml needs an orthogonal box")
    return lo, hi


INT_COLUMNS = ("id", "type", "ix", "iy", "iz", "mol")


def _atom_table(cur: _Lines, columns: list[str], n: int) -> dict[str, np.ndarray]:
    """The numeric ATOMS columns glassml uses, parsed in C; a slow pass names the bad line."""
    start = cur.i
    if start + n > len(cur.lines):
        cur.i = len(cur.lines)
        raise cur.error(f"file ends early (truncated?): frame needs {n} atom lines from line {start + 1}")
    lines = cur.lines[start:start + n]
    ints = [j for j, c in enumerate(columns) if c in INT_COLUMNS]
    floats = [j for j, c in enumerate(columns) if c in sum(COLUMN_SETS, ())]
    try:
        if any(len(line.split()) != len(columns) for line in lines):
            raise ValueError("column count")
        int_table = np.loadtxt(lines, dtype=np.int64, usecols=ints, ndmin=2, comments=None)
        float_table = np.loadtxt(lines, dtype=float, usecols=floats, ndmin=2, comments=None) if floats else np.zeros((n, 0))
    except ValueError:
        return _atom_table_checked(cur, columns, n)
    cur.i = start + n
    out = {columns[j]: int_table[:, k] for k, j in enumerate(ints)}
    out.update({columns[j]: float_table[:, k] for k, j in enumerate(floats)})
    return out


def _atom_table_checked(cur: _Lines, columns: list[str], n: int) -> dict[str, np.ndarray]:
    """Row-by-row parse that reports the first bad line (only run when the fast parse fails)."""
    start = cur.i
    rows = [cur.next(f"atom line {k + 1} of {n}").split() for k in range(n)]
    for k, row in enumerate(rows):
        if len(row) != len(columns):
            cur.i = start + k + 1
            raise cur.error(f"expected {len(columns)} columns ({' '.join(columns)}), got {len(row)}")
    table = np.asarray(rows, dtype=str).reshape(n, len(columns))
    out: dict[str, np.ndarray] = {}
    for j, col in enumerate(columns):
        if col in INT_COLUMNS:
            try:
                out[col] = table[:, j].astype(np.int64)
            except ValueError:
                bad = next(k for k in range(n) if not _INT_RE.match(table[k, j]))
                cur.i = start + bad + 1
                raise cur.error(f"column '{col}' must hold integers, got {str(table[bad, j])!r}") from None
        elif col in sum(COLUMN_SETS, ()):
            try:
                out[col] = table[:, j].astype(float)
            except ValueError:
                bad = next(k for k in range(n) if not _is_float(table[k, j]))
                cur.i = start + bad + 1
                raise cur.error(f"column '{col}' must hold numbers, got {str(table[bad, j])!r}") from None
    return out


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _positions(table: dict[str, np.ndarray], lo: np.ndarray, hi: np.ndarray, cur: _Lines) -> tuple[np.ndarray, bool]:
    """(N, 3) positions relative to the box centre, and whether they are unwrapped."""
    length = hi - lo
    for cols in COLUMN_SETS:
        if cols[0] in table and cols[1] in table:
            xyz = np.stack([table.get(c, np.zeros(len(table["id"]))) for c in cols], axis=1)
            scaled = cols[0].startswith("xs")
            x = lo + xyz * length if scaled else xyz
            unwrapped = cols[0].endswith("u")
            if not unwrapped and "ix" in table:
                x = x + np.stack([table.get(c, np.zeros_like(table["ix"])) for c in ("ix", "iy", "iz")], axis=1) * length
                unwrapped = True
            return x - (lo + hi) / 2, unwrapped
    raise cur.error("the ATOMS columns hold no positions (need xu/yu/zu, x/y/z, xs/ys/zs or xsu/ysu/zsu)")


def read_dump_frames(path: Path, dimension: int | None = None) -> list[Frame]:
    """Parse every frame of a LAMMPS ``dump custom`` text file."""
    if not path.is_file():
        raise GlassmlError("file does not exist" if not path.exists() else "is not a file", path)
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise GlassmlError("is not a text file (LAMMPS dump expected)", path) from None
    if not text.strip():
        raise GlassmlError("file is empty", path)
    cur, frames, unwrapped_all, flat = _Lines(path, text), [], True, True
    while not cur.done():
        time = None
        header = cur.next("ITEM: TIMESTEP")
        while header.startswith("ITEM: TIME") and not header.startswith("ITEM: TIMESTEP") or header.startswith("ITEM: UNITS"):
            if header.startswith("ITEM: TIME"):
                time = cur.number("a time", float)
            else:
                cur.next("units")
            header = cur.next("ITEM: TIMESTEP")
        if not header.startswith("ITEM: TIMESTEP"):
            raise cur.error(f"expected 'ITEM: TIMESTEP', got {header[:40]!r} (not a LAMMPS dump?)")
        step = cur.number("a timestep")
        if not cur.next("ITEM: NUMBER OF ATOMS").startswith("ITEM: NUMBER OF ATOMS"):
            raise cur.error("expected 'ITEM: NUMBER OF ATOMS'")
        n = cur.number("the number of atoms")
        if n <= 0:
            raise cur.error(f"the number of atoms must be positive, got {n}")
        header = cur.next("ITEM: BOX BOUNDS")
        if not header.startswith("ITEM: BOX BOUNDS"):
            raise cur.error("expected 'ITEM: BOX BOUNDS'")
        lo, hi = _read_box(cur, header)
        header = cur.next("ITEM: ATOMS")
        if not header.startswith("ITEM: ATOMS"):
            raise cur.error("expected 'ITEM: ATOMS'")
        columns = header.split()[2:]
        for need in ("id", "type"):
            if need not in columns:
                raise cur.error(f"the ATOMS columns lack '{need}'")
        table = _atom_table(cur, columns, n)
        order = np.argsort(table["id"], kind="stable")
        if len(np.unique(table["id"])) != n:
            raise cur.error("atom ids are not unique")
        x, unwrapped = _positions(table, lo, hi, cur)
        unwrapped_all &= unwrapped
        flat &= not any(c in columns for c in ("z", "zu", "zs", "zsu")) or not np.any(x[:, 2] + (lo[2] + hi[2]) / 2)
        frames.append(Frame(labels=table["type"][order], positions=x[order], box=hi - lo, step=step, time=time))
    if not frames:
        raise GlassmlError("holds no frames", path)
    d = dimension or (2 if flat else 3)  # 2-D: no z column, or z = 0 in every frame
    for f in frames:
        f.positions, f.box = f.positions[:, :d], f.box[:d]
    if not unwrapped_all and len(frames) > 1:
        _unwrap_nearest_image(frames)
    return frames


def _unwrap_nearest_image(frames: list[Frame]) -> None:
    """Unwrap wrapped coordinates frame to frame by the nearest periodic image."""
    for prev, cur in zip(frames, frames[1:]):
        cur.positions = prev.positions + minimum_image(cur.positions - prev.positions, cur.box)


def read_lammps_dump(paths: Sequence[Path], **kw: Any) -> tuple[list[Record], dict]:
    """Read LAMMPS dump files (one sample per file; see :mod:`glassml.store.formats.frames`)."""
    return read_frame_files("lammps-dump", paths, read_dump_frames, **kw)


def _fmt(a: np.ndarray) -> list[str]:
    return [" ".join(repr(float(v)) for v in row) for row in a]


def write_lammps_dump(dst: Path, records: Sequence[Record], meta: Mapping[str, Any], *, replica: int = 0, **_: Any) -> list[Path]:
    """Write each sample as a dump (``id type xu yu zu``, ``ITEM: TIME``), box centred on 0."""
    out = []
    for path, (name, arrays) in zip(output_paths(dst, records, ".dump"), records):
        box = np.asarray(arrays["box"], dtype=float)
        d = box.size
        labels = unmap_species(arrays["types"], meta)
        ids = np.arange(1, labels.size + 1)
        bounds = [(-float(L) / 2, float(L) / 2) for L in box] + ([(-0.5, 0.5)] if d == 2 else [])
        lines = []
        for k, (t, x) in enumerate(sample_frames(arrays, replica)):
            xyz = np.zeros((x.shape[0], 3))
            xyz[:, :d] = x
            lines += ["ITEM: TIME", repr(t), "ITEM: TIMESTEP", str(k), "ITEM: NUMBER OF ATOMS", str(labels.size), "ITEM: BOX BOUNDS pp pp pp"]
            lines += [f"{lo!r} {hi!r}" for lo, hi in bounds]
            lines.append("ITEM: ATOMS id type xu yu zu")
            lines += [f"{i} {s} {row}" for i, s, row in zip(ids, labels, _fmt(xyz))]
        atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
        out.append(path)
    return out
