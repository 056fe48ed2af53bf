"""Shared pieces of the readers and writers: records, metadata, species maps, known boxes.

A reader returns ``(records, meta)``: ``records`` is a list of ``(name, arrays)`` pairs, one per
initial configuration, with glassml's array names (see :data:`glassml.store.ARRAY_DOC`), and
``meta`` a dict with the dataset-level facts (``format``, ``model``, ``dimension``,
``temperature``, ``times``, ``n_replicas``, ``species_map``, ``split``, ``sources``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from glassml.errors import GlassmlError
from glassml.store.validate import check_types, validate_sample

Record = tuple[str, dict[str, np.ndarray]]

#: Known GlassBench models by (N, dimension): glassml model name and box length.  GlassBench's
#: (and BOTAN's) KA 3D data were made with the shifted-force Lennard-Jones potential (GlassBench's
#: analysis code), glassml's ``ka3d-sf``, not the truncated-and-shifted ``ka3d``.
KNOWN_MODELS: dict[tuple[int, int], tuple[str, float]] = {
    (1290, 2): ("KA2D", 32.8962),
    (4096, 3): ("ka3d-sf", 15.05658),
}

_TEMP_RE = re.compile(r"T(\d+(?:\.\d+)?)")


def temperature_from_name(path: str | os.PathLike) -> float | None:
    """The temperature written in a GlassBench-style name (``N1290T0.23_151``), if any."""
    m = re.search(r"N\d+T(\d+(?:\.\d*)?)", Path(path).name)
    if m is None:
        for part in reversed(Path(path).parts[:-1]):  # folders like T0.44/
            m2 = re.fullmatch(r"T(\d+(?:\.\d+)?)", part)
            if m2:
                return float(m2.group(1))
        return None
    return float(m.group(1).rstrip("."))


def split_from_path(path: str | os.PathLike) -> str | None:
    """``train``/``val``/``test`` when a folder of ``path`` is named so (GlassBench layout)."""
    for part in reversed(Path(path).parts[:-1]):
        if part in ("train", "val", "test"):
            return part
    return None


def as_int_labels(labels: np.ndarray, path: str | os.PathLike) -> np.ndarray:
    """Foreign species labels as a 1-D integer array (floats are refused, even integral ones)."""
    labels = np.asarray(labels)
    if labels.dtype.kind in "US":
        raise GlassmlError(f"species labels are strings ({labels.dtype}); expected integers", path)
    return check_types(labels, path)


def species_map_for(label_sets: Iterable[Iterable[Any]]) -> dict[str, int]:
    """One mapping foreign label -> 0..K-1 over all files (sorted labels, numbers numerically)."""
    labels: set = set()
    for s in label_sets:
        labels.update(np.asarray(list(s)).tolist() if not isinstance(s, np.ndarray) else s.tolist())
    return {str(label): k for k, label in enumerate(sorted(labels, key=_label_order))}


def _label_order(label: Any) -> tuple[int, float, str]:
    """Numbers (and number-like text) numerically first, then names alphabetically."""
    try:
        return (0, float(label), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(label))


def parse_species_map(text: str) -> dict[str, int]:
    """A species map written as text: ``"1=0,2=1,3=2"`` -> ``{"1": 0, "2": 1, "3": 2}``
    (foreign label = glassml species); the species must be 0..K-1, each once."""
    out: dict[str, int] = {}
    for item in text.split(","):
        label, _, species = item.partition("=")
        if not label.strip() or not species.strip().isdigit():
            raise GlassmlError(f"--species-map must look like '1=0,2=1,3=2', got {text!r}")
        out[label.strip()] = int(species)
    if sorted(out.values()) != list(range(len(out))):
        raise GlassmlError(f"--species-map must map onto 0..K-1 once each, got {text!r}")
    return out


def apply_species_map(labels: np.ndarray, species_map: Mapping[str, int], path) -> np.ndarray:
    """Map foreign labels to glassml species with ``species_map`` (keys are labels as text)."""
    keys = np.asarray([str(v) for v in np.asarray(labels).tolist()])
    out = np.empty(keys.shape, dtype=np.int64)
    for label in np.unique(keys):
        if label not in species_map:
            raise GlassmlError(f"species label {str(label)!r} is not in the species map {dict(species_map)}", path)
        out[keys == label] = species_map[label]
    return out


def inverse_species_map(meta: Mapping[str, Any]) -> dict[int, int] | None:
    """glassml species -> original integer label, from ``meta['species_map']`` (None if absent
    or if a label is not an integer)."""
    smap = meta.get("species_map")
    if not smap:
        return None
    inv: dict[int, int] = {}
    for label, k in smap.items():
        try:
            inv[int(k)] = int(label)
        except ValueError:
            return None
    return inv


def unmap_species(types: np.ndarray, meta: Mapping[str, Any], default_offset: int = 1) -> np.ndarray:
    """glassml species back to integer labels (the recorded map, else ``type + offset``)."""
    inv = inverse_species_map(meta)
    types = np.asarray(types, dtype=np.int64)
    if inv is None or any(int(t) not in inv for t in np.unique(types)):
        return types + default_offset
    return np.asarray([inv[int(t)] for t in types], dtype=np.int64)


def box_from_density(n: int, dimension: int, density: float, path=None) -> np.ndarray:
    """The cubic/square box of ``n`` particles at number density ``density``."""
    if not np.isfinite(density) or density <= 0:
        raise GlassmlError(f"density must be a positive number, got {density}", path)
    return np.full(dimension, (n / density) ** (1.0 / dimension))


def default_box(n: int, dimension: int, density: float | None, path) -> np.ndarray:
    """Box from ``density`` if given, else GlassBench's box for a known (N, d), else an error."""
    if density is not None:
        return box_from_density(n, dimension, density, path)
    if (n, dimension) in KNOWN_MODELS:
        return np.full(dimension, KNOWN_MODELS[(n, dimension)][1])
    raise GlassmlError(f"the file holds no box and N={n}, d={dimension} is not a known GlassBench model; pass --density", path)


def model_name(n: int, dimension: int) -> str:
    return KNOWN_MODELS.get((n, dimension), ("unknown", 0.0))[0]


def finite_times(times: Iterable[float], path) -> list[float]:
    out = [float(t) for t in times]
    if not all(np.isfinite(out)) or any(b <= a for a, b in zip(out, out[1:])):
        raise GlassmlError(f"times must be finite and strictly increasing, got {out}", path)
    return out


def new_meta(fmt: str, **kw: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "format": fmt,
        "model": None,
        "dimension": None,
        "temperature": None,
        "times": None,
        "n_replicas": None,
        "species_map": None,
        "split": None,
        "sources": [],
    }
    meta.update(kw)
    return meta


def agree(meta: dict[str, Any], key: str, value: Any, path, what: str | None = None) -> None:
    """Set ``meta[key]`` or check that it already equals ``value`` (one dataset, one value)."""
    if value is None:
        return
    if meta.get(key) is None:
        meta[key] = value
    elif meta[key] != value:
        raise GlassmlError(f"{what or key} {value} disagrees with {meta[key]} in the other files", path)


def finish(records: list[Record], meta: dict[str, Any], paths: Mapping[str, Any]) -> tuple[list[Record], dict[str, Any]]:
    """Validate every record, fill ``dimension``/``n_replicas``/``times`` and check they agree."""
    if not records:
        raise GlassmlError("no samples found", meta["sources"][0] if meta.get("sources") else None)
    names = [n for n, _ in records]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise GlassmlError(f"two inputs give the same sample name {sorted(dup)[0]!r}", paths.get(sorted(dup)[0]))
    for name, arrays in records:
        path = paths.get(name)
        validate_sample(arrays, path)
        agree(meta, "dimension", int(np.asarray(arrays["initial_positions"]).shape[1]), path, "dimension")
        if "positions" in arrays:
            agree(meta, "n_replicas", int(arrays["positions"].shape[1]), path, "replica count")
        if "times" in arrays:
            agree(meta, "times", [float(t) for t in arrays["times"]], path, "time grid")
    return records, meta
