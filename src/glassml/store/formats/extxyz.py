"""Extended XYZ: ``N``, a comment line of ``key=value`` pairs, ``N`` atom lines; several frames.

Needed keys: ``Lattice="a1 a2 a3 b1 b2 b3 c1 c2 c3"`` (orthogonal only) and
``Properties=species:S:1:pos:R:3[:...]`` (species may also be integers, ``species:I:1``; the
positions may be called ``pos`` or ``position``, as atooms writes them).  ``pbc="T T F"`` marks
a 2-D system (z is dropped); ``Time=`` gives the frame's time, else ``Step=`` × ``Timestep=``.  Positions
are read as they are (taken as unwrapped); writers keep glassml's centred coordinates.

Two simpler column headers are read too (as partycls's sample files have them): atooms' xyz
(``columns:name,pos cell:a,b,c step:S dt:D``) and RUMD's (``columns=type,x,y,z,...
sim_box=RectangularSimulationBox,Lx,Ly,Lz``); extra columns are read as strings and ignored.
A name ending in ``.gz`` is read through gzip (pass ``--format extxyz``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.formats.common import Record
from glassml.store.formats.frames import Frame, output_paths, read_frame_files, sample_frames, species_names
from glassml.store.npzio import atomic_write_bytes

_KV_RE = re.compile(r'(\w+)\s*=\s*("[^"]*"|\S+)')
_WIDTH = {"S": str, "R": float, "I": int, "L": str}
POSITION_NAMES = ("pos", "position", "positions")


def parse_comment(line: str) -> dict[str, str]:
    """``key=value`` pairs of an extended XYZ comment line (quotes removed, keys lower-case)."""
    return {k.lower(): v.strip('"') for k, v in _KV_RE.findall(line)}


def _column_header(info: dict[str, str], line: str) -> dict[str, str]:
    """A comment line in the simple column formats of atooms/partycls (``columns:name,pos
    cell:a,b,c step:S dt:D``) or RUMD (``columns=type,x,y,z,... sim_box=RectangularSimulationBox,Lx,Ly,Lz``),
    rewritten as extended-XYZ keys (``Properties``, ``Lattice``, ``Step``, ``Timestep``).
    Other lines are returned unchanged."""
    if "properties" in info or "lattice" in info:
        return info
    colon = {k.lower(): v for k, v in re.findall(r"(\w+):(\S+)", line) if "=" not in v}
    columns = info.get("columns") or colon.get("columns")
    if "sim_box" in info:
        sides = info["sim_box"].split(",")[1:4]
    elif "cell" in colon:
        sides = colon["cell"].split(",")
    else:
        return info
    if not columns:
        return info
    props, names = [], [c.strip().lower() for c in columns.split(",")]
    k = 0
    while k < len(names):
        name = names[k]
        if name in ("name", "species", "type"):
            props.append("species:S:1")
        elif name in POSITION_NAMES:
            props.append("pos:R:3")
        elif names[k:k + 3] == ["x", "y", "z"]:
            props.append("pos:R:3")
            k += 2
        else:
            props.append(f"{name}:S:1")
        k += 1
    out = dict(info)
    out["properties"] = ":".join(props)
    if len(sides) == 2:  # a 2-D file: a unit z side, not periodic
        sides = [*sides, "1"]
        out["pbc"] = "T T F"
    out["lattice"] = " ".join(sides[i] if i == j else "0" for i in range(3) for j in range(3))
    step = colon.get("step") or info.get("timestepindex")
    if step is not None:
        out["step"] = step
    dt = colon.get("dt") or (info["integrator"].split(",")[1] if "integrator" in info and "," in info["integrator"] else None)
    if dt is not None:
        out["timestep"] = dt
    return out


def _properties(spec: str, line_no: int, path: Path) -> tuple[list[tuple[str, str, int]], int]:
    parts = spec.split(":")
    if len(parts) % 3:
        raise GlassmlError(f"line {line_no}: Properties must be name:type:count triples, got {spec!r}", path)
    props, width = [], 0
    for i in range(0, len(parts), 3):
        name, kind, count = parts[i], parts[i + 1].upper(), parts[i + 2]
        if kind not in _WIDTH or not count.isdigit() or int(count) < 1:
            raise GlassmlError(f"line {line_no}: bad Properties entry {':'.join(parts[i:i + 3])!r}", path)
        props.append((name, kind, int(count)))
        width += int(count)
    return props, width


def _lattice(info: dict[str, str], line_no: int, path: Path) -> np.ndarray:
    if "lattice" not in info:
        raise GlassmlError(f"line {line_no}: no Lattice=\"...\" (glassml needs the periodic box)", path)
    try:
        cell = np.asarray([float(v) for v in info["lattice"].split()]).reshape(3, 3)
    except ValueError:
        raise GlassmlError(f"line {line_no}: Lattice must be 9 numbers, got {info['lattice']!r}", path) from None
    if np.any(cell - np.diag(np.diag(cell))):
        raise GlassmlError(f"line {line_no}: only orthogonal lattices are supported, got {info['lattice']!r}", path)
    return np.diag(cell).copy()


def _is_2d(info: dict[str, str]) -> bool:
    flags = info.get("pbc", "T T T").split()
    return len(flags) == 3 and flags[2].upper() in ("F", "FALSE", "0")


def _frame(lines: list[str], start: int, n: int, info: dict[str, str], dimension: int | None, path: Path) -> Frame:
    props, width = _properties(info.get("properties", "species:S:1:pos:R:3"), start + 2, path)
    props = [("pos" if name.lower() in POSITION_NAMES else name.lower(), kind, count) for name, kind, count in props]
    names = [p[0] for p in props]
    if "species" not in names or "pos" not in names:
        raise GlassmlError(f"line {start + 2}: Properties must include species and pos", path)
    box = _lattice(info, start + 2, path)
    rows = [lines[start + 2 + k].split() for k in range(n)]
    for k, row in enumerate(rows):
        if len(row) != width:
            raise GlassmlError(f"line {start + 3 + k}: expected {width} columns, got {len(row)}", path)
    table = np.asarray(rows, dtype=str).reshape(n, width)
    col, species, pos = 0, None, None
    for name, kind, count in props:
        block = table[:, col:col + count]
        col += count
        if name == "species":
            species = block[:, 0]
            if kind == "I":
                if not all(re.fullmatch(r"[+-]?\d+", s) for s in species):
                    raise GlassmlError("integer species column holds non-integers", path)
                species = species.astype(np.int64)
        elif name == "pos":
            if kind != "R" or count != 3:
                raise GlassmlError(f"line {start + 2}: pos must be pos:R:3", path)
            try:
                pos = block.astype(float)
            except ValueError:
                bad = next(k for k in range(n) if not all(_num(v) for v in block[k]))
                raise GlassmlError(f"line {start + 3 + bad}: positions must be numbers, got {' '.join(block[bad])!r}", path) from None
    d = dimension or (2 if _is_2d(info) else 3)
    for key in ("time", "step", "timestep"):
        if key in info and not _num(info[key]):
            raise GlassmlError(f"line {start + 2}: {key} must be a number, got {info[key]!r}", path)
    step = int(float(info["step"])) if "step" in info else None
    time = float(info["time"]) if "time" in info else None
    if time is None and step is not None and "timestep" in info:  # atooms: Step= and Timestep= (dt)
        time = step * float(info["timestep"])
    return Frame(labels=species, positions=pos[:, :d], box=box[:d], step=step, time=time)  # type: ignore[index]


def _num(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_extxyz_frames(path: Path, dimension: int | None = None) -> list[Frame]:
    """Parse every frame of an extended XYZ file."""
    if not path.is_file():
        raise GlassmlError("file does not exist" if not path.exists() else "is not a file", path)
    try:
        if path.suffix == ".gz":
            import gzip

            with gzip.open(path, "rt") as fh:
                lines = fh.read().splitlines()
        else:
            lines = path.read_text().splitlines()
    except (UnicodeDecodeError, OSError):
        raise GlassmlError("is not a text file (extended XYZ expected)", path) from None
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise GlassmlError("file is empty", path)
    frames, i = [], 0
    while i < len(lines):
        head = lines[i].strip()
        if not head.isdigit() or int(head) <= 0:
            raise GlassmlError(f"line {i + 1}: expected a positive number of atoms, got {head[:40]!r}", path)
        n = int(head)
        if i + 2 + n > len(lines):
            raise GlassmlError(f"line {len(lines)}: file ends early (truncated?): frame at line {i + 1} needs {n} atom lines", path)
        frames.append(_frame(lines, i, n, _column_header(parse_comment(lines[i + 1]), lines[i + 1]), dimension, path))
        i += 2 + n
    return frames


def read_extxyz(paths: Sequence[Path], **kw: Any) -> tuple[list[Record], dict]:
    """Read extended XYZ files (one sample per file; see :mod:`glassml.store.formats.frames`)."""
    return read_frame_files("extxyz", paths, read_extxyz_frames, **kw)


def write_extxyz(dst: Path, records: Sequence[Record], meta: Mapping[str, Any], *, replica: int = 0, **_: Any) -> list[Path]:
    """Write each sample as extended XYZ (species names from the recorded species map)."""
    out = []
    for path, (name, arrays) in zip(output_paths(dst, records, ".xyz"), records):
        box = np.asarray(arrays["box"], dtype=float)
        d = box.size
        types = np.asarray(arrays["types"])
        names = np.asarray(species_names(meta, int(types.max()) + 1))[types]
        lattice = np.diag(np.concatenate([box, [1.0]]) if d == 2 else box)
        pbc = "T T F" if d == 2 else "T T T"
        lines = []
        for t, x in sample_frames(arrays, replica):
            xyz = np.zeros((x.shape[0], 3))
            xyz[:, :d] = x
            lattice_text = " ".join(repr(float(v)) for v in lattice.reshape(-1))
            lines += [str(x.shape[0]), f'Lattice="{lattice_text}" Properties=species:S:1:pos:R:3 Time={t!r} pbc="{pbc}"']
            lines += [f"{s} {a!r} {b!r} {c!r}" for s, (a, b, c) in zip(names, xyz.tolist())]
        atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
        out.append(path)
    return out

