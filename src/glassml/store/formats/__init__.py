"""Readers and writers for the formats glassy-dynamics data lives in.

The one entry point for reading is :func:`read_any`::

    records, meta = read_any("N1290T0.23_151_tc*.npz")          # format detected
    records, meta = read_any("run.dump", "lammps-dump", dt=0.005)
    for name, arrays in records:                                 # arrays: glassml names
        arrays["types"], arrays["initial_positions"], arrays.get("positions")

``records`` is a list of ``(sample name, dict of arrays)`` (see :data:`glassml.store.ARRAY_DOC`)
and ``meta`` a dict with ``format``, ``model``, ``dimension``, ``temperature``, ``times``,
``n_replicas``, ``species_map`` (foreign label -> glassml species), ``split`` and ``sources``.
Every reader validates what it reads and raises :class:`glassml.GlassmlError` naming the file.

:func:`write_any` writes records in any writable format; :func:`convert` reads and writes a
new glassml dataset in one go (never half-written, see :mod:`.dataset_io`).
:func:`records_summary` states what was read (what ``glassml info`` shows);
:func:`reader_options` turns the options' text form (the command line's) into
:func:`read_any`'s keywords.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.progress import ProgressBar
from glassml.store.dataset import Dataset, species_counts
from glassml.store.formats import bapst, dataset_io, extxyz, glassbench, gsdfile, lammps
from glassml.store.formats.common import Record, parse_species_map
from glassml.store.formats.dataset_io import build_then_publish, write_dataset


@dataclass(frozen=True)
class Format:
    """A named on-disk format: how to read it, how to write it (None: read only)."""

    name: str
    description: str
    read: Callable[..., tuple[list[Record], dict]]
    write: Callable[..., Any] | None
    suffixes: tuple[str, ...]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("glassml", "glassml dataset directory (glassml.json + samples/*.npz)", dataset_io.read_glassml, write_dataset, ()),
        Format("glassbench-models", "GlassBench *_models npz, one configuration per file", glassbench.read_models, glassbench.write_models, (".npz",)),
        Format(
            "glassbench-trajectories",
            "GlassBench KA2D *_trajectories npz, one file per time code (N1290T{T}_{id}_tc{XX}.npz)",
            glassbench.read_trajectories,
            glassbench.write_trajectories,
            (".npz",),
        ),
        Format(
            "botan",
            "BOTAN isoconfig_*_tc*.npz (box from N and --density)",
            glassbench.read_botan,
            lambda dst, records, meta, **kw: glassbench.write_trajectories(dst, records, meta, prefix="isoconfig_"),
            (".npz",),
        ),
        Format("bapst", "DeepMind/Bapst et al. pickles (read only; needs --allow-pickle)", bapst.read_bapst, None, (".pkl", ".pickle")),
        Format("lammps-dump", "LAMMPS text dump (dump custom), several frames", lammps.read_lammps_dump, lammps.write_lammps_dump, (".dump", ".lammpstrj")),
        Format("extxyz", "extended XYZ (Lattice=, Properties=species:S:1:pos:R:3)", extxyz.read_extxyz, extxyz.write_extxyz, (".xyz", ".extxyz")),
        Format("gsd", "GSD (HOOMD-blue) trajectory", gsdfile.read_gsd, gsdfile.write_gsd, (".gsd",)),
    )
}

ALIASES = {
    "dataset": "glassml",
    "glassbench-model": "glassbench-models",
    "glassbench-trajectory": "glassbench-trajectories",
    "ka2d": "glassbench-trajectories",
    "isoconfig": "botan",
    "deepmind": "bapst",
    "pickle": "bapst",
    "lammps": "lammps-dump",
    "dump": "lammps-dump",
    "xyz": "extxyz",
    "hoomd": "gsd",
}

#: :func:`convert` draws a progress bar only for more samples than this (fewer are written in
#: well under a second).
PROGRESS_MIN = 20

_GLOB_CHARS = set("*?[")


def format_names() -> list[str]:
    return sorted(FORMATS) + ["glassbench"]


def resolve_format(name: str) -> str:
    """Canonical format name for ``name`` (aliases allowed); 'glassbench' is resolved later."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in FORMATS and key != "glassbench":
        raise GlassmlError(f"unknown format {name!r}; known formats: {', '.join(format_names())}")
    return key


def expand_paths(src: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """Files (or dataset directories) named by ``src``: a path, a directory, a glob, or a list."""
    if isinstance(src, (list, tuple)):
        out: list[Path] = []
        for s in src:
            out += expand_paths(s)
        if not out:
            raise GlassmlError("no input paths given")
        return out
    text = os.fspath(src)
    path = Path(text)
    if not path.exists() and _GLOB_CHARS & set(text):
        matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file() or Dataset.is_dataset(m))
        if not matches:
            raise GlassmlError("no files match this pattern", text)
        return matches
    if not path.exists():
        raise GlassmlError("does not exist", path)
    if path.is_dir():
        if Dataset.is_dataset(path):
            return [path]
        files = _files_under(path)
        if not files:
            raise GlassmlError("is a directory but neither a glassml dataset (no glassml.json) nor holds files of a known format", path)
        return files
    return [path]


def _files_under(folder: Path) -> list[Path]:
    """Known-format files and glassml datasets under ``folder`` (hidden entries skipped)."""
    suffixes = {s for f in FORMATS.values() for s in f.suffixes}
    datasets = sorted(m.parent for m in folder.rglob("glassml.json") if not _hidden(m.parent, folder))
    found = list(datasets)
    for p in folder.rglob("*"):
        if p.is_file() and p.suffix.lower() in suffixes and not _hidden(p, folder) and not any(d in p.parents for d in datasets):
            found.append(p)
    return sorted(found)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _sniff(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError as exc:
        raise GlassmlError(f"cannot read ({exc.strerror})", path) from None
    if not head:
        raise GlassmlError("file is empty", path)
    text = head.decode("utf-8", "replace").lstrip()
    if text.startswith("ITEM:"):
        return "lammps-dump"
    if text.split("\n", 1)[0].strip().isdigit():
        return "extxyz"
    if head.startswith(b"PK"):
        return "glassbench"
    if head[:1] == b"\x80":
        return "bapst"
    raise GlassmlError("cannot tell the file's format; pass --format (one of " + ", ".join(format_names()) + ")", path)


def detect_format(path: str | os.PathLike) -> str:
    """The format of one file or directory, from its name and first bytes."""
    path = Path(path)
    if path.is_dir():
        if Dataset.is_dataset(path):
            return "glassml"
        raise GlassmlError("is a directory but not a glassml dataset (no glassml.json)", path)
    suffix = path.suffix.lower()
    for f in FORMATS.values():
        if suffix in f.suffixes and suffix != ".npz":
            return f.name
    fmt = "glassbench" if suffix == ".npz" else _sniff(path)
    return _glassbench_kind(path) if fmt == "glassbench" else fmt


def _glassbench_kind(path: Path) -> str:
    if path.name.startswith("isoconfig_"):
        return "botan"
    if glassbench.TIME_CODE_RE.match(path.stem):
        return "glassbench-trajectories"
    return "glassbench-models"


def read_any(path: str | os.PathLike | Sequence[str | os.PathLike], fmt: str | None = None, **kw: Any) -> tuple[list[Record], dict]:
    """Read samples from any supported format: ``(records, meta)`` (see module docstring).

    ``path`` is a file, a directory, a glob or a list of them.  Keyword options, passed on to
    the reader where they apply: ``temperature``, ``density`` (box of box-less files),
    ``times`` (times of time codes), ``allow_pickle`` (Bapst pickles), ``dt`` (time step of
    dump/GSD frames), ``frames`` ('trajectory' or 'samples'), ``dimension``, ``species_map``.
    """
    paths = expand_paths(path)
    if fmt is None:
        kinds = {p: detect_format(p) for p in paths}
    else:
        name = resolve_format(fmt)
        kinds = {p: (_glassbench_kind(p) if name == "glassbench" else name) for p in paths}
    found = sorted(set(kinds.values()))
    if len(found) > 1:
        first = {k: next(p for p, v in kinds.items() if v == k) for k in found}
        raise GlassmlError(
            "inputs mix formats (" + ", ".join(f"{k}: {first[k].name}" for k in found) + "); convert them separately",
            paths[0].parent if len(paths) > 1 else paths[0],
        )
    return FORMATS[found[0]].read(paths, **kw)


def reader_options(temperature: float | None = None, density: float | None = None, times: str | None = None,
                   dt: float | None = None, frames: str | None = None, dimension: int | None = None,
                   allow_pickle: bool = False, species_map: str | None = None) -> dict[str, Any]:
    """The keyword options of :func:`read_any` from their text form (the command line's):
    ``times`` as comma-separated numbers, ``species_map`` as ``"1=0,2=1,3=2"``
    (:func:`~glassml.store.formats.common.parse_species_map`); options left at None are left out."""
    opts: dict[str, Any] = {"allow_pickle": allow_pickle}
    if species_map:
        opts["species_map"] = parse_species_map(species_map)
    if temperature is not None:
        opts["temperature"] = temperature
    if density is not None:
        opts["density"] = density
    if times:
        try:
            opts["times"] = [float(t) for t in times.split(",")]
        except ValueError:
            raise GlassmlError(f"--times must be comma-separated numbers, got {times!r}") from None
    if dt is not None:
        opts["dt"] = dt
    if frames is not None:
        opts["frames"] = frames
    if dimension is not None:
        opts["dimension"] = dimension
    return opts


def records_summary(records: Sequence[Record], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The facts about samples read by :func:`read_any` that ``glassml info`` shows (the same
    keys as :meth:`glassml.store.Dataset.summary`, plus the first sample's ``arrays`` and shapes)."""
    if not records:
        raise GlassmlError("no samples to summarise")
    _, first = records[0]
    sizes = sorted({int(a["types"].shape[0]) for _, a in records})
    split = meta.get("split")
    return {
        "path": meta["sources"][0] if len(meta["sources"]) == 1 else f"{len(meta['sources'])} files",
        "format": meta["format"],
        "model": (meta.get("model") or {}).get("name"),
        "dimension": meta.get("dimension"),
        "temperature": meta.get("temperature"),
        "times": meta.get("times"),
        "n_replicas": meta.get("n_replicas"),
        "n_samples": len(records),
        "split": None if not split else {k: len(v) for k, v in split.items()},
        "species_map": meta.get("species_map"),
        "n_particles": sizes[0] if len(sizes) == 1 else sizes,
        "species_counts": species_counts(first["types"]),
        "box": [float(b) for b in np.atleast_1d(first["box"])],
        "arrays": {k: list(np.shape(v)) for k, v in first.items()},
        "verified": True,
    }


def write_any(dst: str | os.PathLike, records: Sequence[Record], meta: Mapping[str, Any], fmt: str = "glassml", *, force: bool = False, **kw: Any) -> Any:
    """Write records in format ``fmt`` at ``dst``: a new directory with one file per sample
    (``dst/<sample><suffix>`` for the frame formats), or, for a single sample in a frame format
    (lammps-dump, extxyz, gsd), the file ``dst`` itself when its name has a suffix and it is
    not a directory."""
    name = resolve_format(fmt)
    spec = FORMATS.get(name)
    if spec is None or spec.write is None:
        raise GlassmlError(f"format {fmt!r} cannot be written; writable: {', '.join(n for n, f in FORMATS.items() if f.write)}")
    dst = Path(dst)
    if name == "glassml":
        return write_dataset(dst, records, meta, force=force, **kw)
    if len(records) == 1 and dst.suffix and not dst.is_dir() and name in ("lammps-dump", "extxyz", "gsd"):
        if dst.exists() and not force:
            raise GlassmlError("already exists; pass --force to overwrite it", dst)
        return spec.write(dst, records, meta, **kw)
    written = build_then_publish(dst, force, lambda tmp: [Path(p).relative_to(tmp) for p in spec.write(tmp, records, meta, **kw)])
    return [dst / p for p in written]


def convert(src, dst: str | os.PathLike, fmt: str | None = None, *, to: str = "glassml", force: bool = False,
            show_progress: bool = False, **kw: Any) -> Any:
    """Read ``src`` (any format) and write it at ``dst`` (a new glassml dataset by default).

    Returns what :func:`write_any` returns: the new :class:`~glassml.store.Dataset`, or the
    paths written in another format.  ``show_progress`` draws a progress bar while more than
    :data:`PROGRESS_MIN` samples are written into a dataset.  Other keywords go to
    :func:`read_any`, except ``replica`` (frame writers) and ``on_sample`` (called with each
    sample name as it is written into a dataset).
    """
    write_kw = {k: kw.pop(k) for k in ("on_sample", "replica") if k in kw}
    to = resolve_format(to)
    dataset_io.check_destination(Path(dst), force)  # fail before reading anything
    records, meta = read_any(src, fmt, **kw)
    if to != "glassml":
        return write_any(dst, records, meta, to, force=force, **write_kw)
    on_sample = write_kw.pop("on_sample", None)
    with ProgressBar(show_progress and len(records) > PROGRESS_MIN, total=len(records), label="writing samples") as bar:

        def written(name: str) -> None:
            bar.advance()
            if on_sample is not None:
                on_sample(name)

        return write_any(dst, records, meta, to, force=force, on_sample=written, **write_kw)


__all__ = [
    "FORMATS", "Format", "convert", "detect_format", "expand_paths", "parse_species_map", "read_any", "reader_options",
    "records_summary", "resolve_format", "write_any", "write_dataset",
]
