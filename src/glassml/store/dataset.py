"""The on-disk dataset: a directory with a ``glassml.json`` manifest and one ``.npz`` per sample.

Layout::

    DATASET/
      glassml.json          manifest: model, dimension, temperature, times, replicas,
                            split, per-sample seeds and checksums, target/descriptor records
      samples/<name>.npz    one initial configuration and everything computed from it

Sample arrays use GlassBench's names where they exist (see :data:`ARRAY_DOC`).  Opening a
dataset reads only the manifest; arrays are read when asked for.  Every write is atomic
(temporary name, fsync, ``os.replace``) and recorded with its SHA-256 in the manifest, so
:meth:`Dataset.verify` can tell a complete sample from a missing, corrupt or half-written one.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from glassml import __version__
from glassml.errors import GlassmlError
from glassml.store.npzio import TMP_PREFIX, atomic_write_bytes, load_arrays, read_npz, sha256_file, write_npz

MANIFEST = "glassml.json"
FORMAT = "glassml-dataset"
#: 2: the target array ``neighbour_count`` became ``neighbor_count``.  Version-1 datasets open
#: as they are; ``glassml.dynamics.compute_targets`` renames the array and moves them to 2.
FORMAT_VERSION = 2
SAMPLES_DIR = "samples"
SPLITS = ("train", "val", "test")

#: The arrays a sample may hold, with their shapes (N particles, d dimensions, T times, R replicas).
ARRAY_DOC: dict[str, str] = {
    "types": "(N,) int, species 0..K-1",
    "box": "(d,) float, orthorhombic box lengths; positions live in [-L/2, L/2) or [0, L)",
    "initial_positions": "(N, d) float, the thermal configuration the replicas start from",
    "initial_positions_inherent": "(N, d) float, its inherent state (energy minimum)",
    "initial_positions_cage": "(N, d) float, its cage state (Alkemade et al. 2023)",
    "times": "(T,) float, the time grid of the stored trajectories",
    "positions": "(T, R, N, d) float, unwrapped replica positions at each time",
    "md_prop": "(T, N) float, displacement propensity",
    "cr_prop": "(T, N) float, cage-relative displacement propensity",
    "bb_prop": "(T, N) float, bond-breaking propensity",
}

#: The states of an initial configuration a sample can hold: kind -> sample array name.
#: Descriptors computed on a state other than the thermal one carry its kind as a suffix
#: (``desc_<set>_inherent``, ``desc_<set>_cage``).
POSITIONS: dict[str, str] = {
    "thermal": "initial_positions",
    "inherent": "initial_positions_inherent",
    "cage": "initial_positions_cage",
}


def position_kind(positions: str) -> str:
    """``thermal`` / ``inherent`` / ``cage`` from a kind or its sample array name."""
    for kind, array in POSITIONS.items():
        if positions in (kind, array):
            return kind
    raise GlassmlError(f"unknown positions {positions!r}; choose one of {', '.join(POSITIONS)} "
                       f"(or the array names {', '.join(POSITIONS.values())})")


def descriptor_array(set_name: str, positions: str | None = None) -> str:
    """Sample array name of descriptor set ``set_name`` on ``positions`` (None: the set's default)."""
    if positions is None:
        return f"desc_{set_name}"
    kind = position_kind(positions)
    return f"desc_{set_name}" if kind == "thermal" else f"desc_{set_name}_{kind}"


_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def species_counts(types: np.ndarray) -> dict[int, int]:
    """Number of particles of each species present in ``types``: ``{species: count}``, sorted."""
    return {int(k): int(v) for k, v in zip(*np.unique(types, return_counts=True))}


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise GlassmlError(f"invalid sample name {name!r}: use letters, digits, '_', '-', '.'")


class Sample:
    """One initial configuration of a dataset; arrays are read lazily by name."""

    def __init__(self, path: str | os.PathLike, name: str | None = None):
        self.path = Path(path)
        self.name = name if name is not None else self.path.stem
        self._cache: dict[str, np.ndarray] = {}
        self._files: list[str] | None = None

    def keys(self) -> list[str]:
        """Names of the arrays stored in this sample."""
        if self._files is None:
            with read_npz(self.path) as npz:
                self._files = [f for f in npz.files]
        return list(self._files)

    def __contains__(self, key: str) -> bool:
        return key in self.keys()

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._cache:
            self._cache[key] = load_arrays(self.path, [key])[key]
        return self._cache[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def arrays(self, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """All arrays (or the named ones) as a dict."""
        return {k: self[k] for k in (self.keys() if keys is None else keys)}

    @property
    def n_particles(self) -> int:
        return int(self["types"].shape[0])

    def __repr__(self) -> str:
        return f"Sample({self.name!r}, path={str(self.path)!r})"


@dataclass
class VerifyReport:
    """What :meth:`Dataset.verify` found."""

    ok: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    unregistered: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.missing or self.corrupt or self.unregistered or self.partial)

    def as_dict(self) -> dict[str, Any]:
        return {
            "complete": self.complete,
            "ok": len(self.ok),
            "missing": self.missing,
            "corrupt": self.corrupt,
            "unregistered": self.unregistered,
            "partial": self.partial,
        }


class Dataset:
    """A glassml dataset directory.

    Use :meth:`create` for a new one and :meth:`open` for an existing one.  The manifest is
    a plain dict (``dataset.manifest``); change it through the methods here so that it is
    written atomically.
    """

    def __init__(self, path: str | os.PathLike, manifest: dict[str, Any]):
        self.path = Path(path)
        self.manifest = manifest

    # ------------------------------------------------------------------ creation / opening
    @classmethod
    def create(
        cls,
        path: str | os.PathLike,
        *,
        model: Mapping[str, Any] | str,
        dimension: int,
        temperature: float | None = None,
        times: list[float] | np.ndarray | None = None,
        n_replicas: int | None = None,
        force: bool = False,
        **extra: Any,
    ) -> "Dataset":
        """Create an empty dataset at ``path``.

        An existing dataset there is an error unless ``force`` is given, in which case its
        manifest and samples are removed first.  A non-empty directory that is not a glassml
        dataset is never touched.
        """
        path = Path(path)
        if (path / MANIFEST).exists():
            if not force:
                raise GlassmlError("a glassml dataset already exists here; pass --force to overwrite it", path)
            cls._remove_dataset_files(path)
        elif path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise GlassmlError("exists and is not an empty directory or a glassml dataset; choose another path", path)
        if dimension not in (2, 3):
            raise GlassmlError(f"dimension must be 2 or 3, got {dimension}")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "glassml_version": __version__,
            "model": {"name": model} if isinstance(model, str) else dict(model),
            "dimension": int(dimension),
            "temperature": None if temperature is None else float(temperature),
            "times": None if times is None else [float(t) for t in np.asarray(times)],
            "n_replicas": None if n_replicas is None else int(n_replicas),
            "split": {s: [] for s in SPLITS},
            "samples": {},
            "targets": {},
            "descriptors": {},
        }
        manifest.update(extra)
        (path / SAMPLES_DIR).mkdir(parents=True, exist_ok=True)
        ds = cls(path, manifest)
        ds.save_manifest()
        return ds

    @staticmethod
    def _remove_dataset_files(path: Path) -> None:
        samples = path / SAMPLES_DIR
        if samples.is_dir():
            for f in samples.iterdir():
                if f.is_file() and (f.suffix == ".npz" or f.name.startswith(TMP_PREFIX)):
                    f.unlink()
        (path / MANIFEST).unlink()

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Dataset":
        """Open an existing dataset, reading only its manifest."""
        path = Path(path)
        if not path.exists():
            raise GlassmlError("does not exist", path)
        if not path.is_dir():
            raise GlassmlError("is a file, not a glassml dataset directory", path)
        mpath = path / MANIFEST
        if not mpath.exists():
            raise GlassmlError(f"not a glassml dataset (no {MANIFEST})", path)
        try:
            manifest = json.loads(mpath.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise GlassmlError(f"manifest is not valid JSON ({exc})", mpath) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise GlassmlError(f"manifest is not a {FORMAT} manifest", mpath)
        if manifest.get("format_version", 0) > FORMAT_VERSION:
            raise GlassmlError(
                f"written by a newer glassml (format version {manifest['format_version']}); upgrade glassml", mpath
            )
        for key in ("samples", "split", "dimension"):
            if key not in manifest:
                raise GlassmlError(f"manifest lacks '{key}'", mpath)
        return cls(path, manifest)

    @staticmethod
    def is_dataset(path: str | os.PathLike) -> bool:
        return (Path(path) / MANIFEST).is_file()

    # ------------------------------------------------------------------ manifest
    @property
    def model(self) -> dict[str, Any]:
        """The model record of the manifest (``{"name": ..., <parameters>}``); ``{}`` when the
        dataset records none.  A copy: change the manifest itself to change it."""
        record = self.manifest.get("model")
        if isinstance(record, str):
            return {"name": record}
        return dict(record) if isinstance(record, Mapping) else {}

    def save_manifest(self) -> None:
        """Write the manifest atomically."""
        text = json.dumps(self.manifest, indent=1, sort_keys=True, allow_nan=False) + "\n"
        atomic_write_bytes(self.path / MANIFEST, text.encode())

    # ------------------------------------------------------------------ samples
    @property
    def sample_dir(self) -> Path:
        return self.path / SAMPLES_DIR

    def sample_path(self, name: str) -> Path:
        _check_name(name)
        return self.sample_dir / f"{name}.npz"

    def sample_names(self) -> list[str]:
        """Registered sample names, in sorted order."""
        return sorted(self.manifest["samples"])

    def __len__(self) -> int:
        return len(self.manifest["samples"])

    def __contains__(self, name: str) -> bool:
        return name in self.manifest["samples"]

    def __getitem__(self, name: str) -> Sample:
        if name not in self.manifest["samples"]:
            raise GlassmlError(f"no sample named {name!r}", self.path)
        return Sample(self.sample_path(name), name)

    def __iter__(self) -> Iterator[Sample]:
        for name in self.sample_names():
            yield self[name]

    def register_sample(self, name: str, sha256: str, *, seed: int | None = None, save: bool = True, **info: Any) -> None:
        """Record a sample file (already written atomically) in the manifest."""
        entry = dict(self.manifest["samples"].get(name, {}))
        entry.update(info)
        entry["sha256"] = sha256
        if seed is not None:
            entry["seed"] = int(seed)
        self.manifest["samples"][name] = entry
        if save:
            self.save_manifest()

    def write_sample(
        self, name: str, arrays: Mapping[str, np.ndarray], *, seed: int | None = None, validate: bool = True, save: bool = True
    ) -> Sample:
        """Write one sample atomically and record its checksum (and seed) in the manifest."""
        path = self.sample_path(name)
        if validate:
            from glassml.store.validate import validate_sample

            validate_sample(arrays, path, dimension=self.manifest["dimension"])
        sha = write_npz(path, arrays)
        self.register_sample(name, sha, seed=seed, save=save)
        return Sample(path, name)

    def update_sample(self, name: str, arrays: Mapping[str, np.ndarray], *, save: bool = True) -> Sample:
        """Add or replace arrays of an existing sample (rewritten atomically)."""
        merged = self[name].arrays()
        merged.update({k: np.asarray(v) for k, v in arrays.items()})
        return self.write_sample(name, merged, seed=self.manifest["samples"][name].get("seed"), save=save)

    # ------------------------------------------------------------------ split
    @property
    def split(self) -> dict[str, list[str]]:
        return {s: list(self.manifest["split"].get(s, [])) for s in SPLITS}

    def set_split(self, train: list[str], val: list[str], test: list[str], *, save: bool = True) -> None:
        """Store a train/validation/test split; parts must be disjoint registered samples."""
        parts = {"train": list(train), "val": list(val), "test": list(test)}
        seen: dict[str, str] = {}
        for part, names in parts.items():
            for n in names:
                if n not in self.manifest["samples"]:
                    raise GlassmlError(f"split '{part}' names unknown sample {n!r}", self.path)
                if n in seen:
                    raise GlassmlError(f"sample {n!r} is in both '{seen[n]}' and '{part}' splits", self.path)
                seen[n] = part
        self.manifest["split"] = parts
        if save:
            self.save_manifest()

    def samples_in(self, part: str) -> list[Sample]:
        if part not in SPLITS:
            raise GlassmlError(f"unknown split {part!r}; use one of {', '.join(SPLITS)}")
        return [self[n] for n in self.split[part]]

    # ------------------------------------------------------------------ integrity
    def verify(self) -> VerifyReport:
        """Check every registered sample's checksum; list stray and half-written files."""
        report = VerifyReport()
        registered = self.manifest["samples"]
        for name in sorted(registered):
            path = self.sample_path(name)
            if not path.exists():
                report.missing.append(name)
            elif sha256_file(path) != registered[name].get("sha256"):
                report.corrupt.append(name)
            else:
                report.ok.append(name)
        if self.sample_dir.is_dir():
            for f in sorted(self.sample_dir.iterdir()):
                if f.name.startswith(TMP_PREFIX):
                    report.partial.append(f.name)
                elif f.suffix == ".npz" and f.stem not in registered:
                    report.unregistered.append(f.stem)
        return report

    def summary(self, *, verify: bool = True) -> dict[str, Any]:
        """The facts about this dataset ``glassml info`` shows: model, dimension, temperature,
        times, replicas, samples, split, targets, descriptors, species map; ``n_particles``,
        ``species_counts`` and ``box`` of the first sample; ``not_equilibrated``, the samples
        whose equilibration record (written by campaigns) failed its energy-drift or ageing
        test; with ``verify``, what :meth:`verify` found.  Reads the manifest and one sample (all of them to verify)."""
        m = self.manifest
        summary: dict[str, Any] = {
            "path": str(self.path),
            "format": "glassml",
            "model": self.model.get("name"),
            "dimension": m.get("dimension"),
            "temperature": m.get("temperature"),
            "times": m.get("times"),
            "n_replicas": m.get("n_replicas"),
            "n_samples": len(self),
            "split": {k: len(v) for k, v in self.split.items()},
            "targets": sorted(m.get("targets", {})),
            "descriptors": sorted(m.get("descriptors", {})),
            "species_map": m.get("species_map"),
        }
        names = self.sample_names()
        if names:
            first = self[names[0]]
            types = first["types"]
            summary["n_particles"] = int(types.shape[0])
            summary["species_counts"] = species_counts(types)
            summary["box"] = [float(b) for b in np.atleast_1d(first["box"])]
        checked = {n: e["equilibration"] for n, e in m["samples"].items() if isinstance(e.get("equilibration"), dict)}
        if checked:
            summary["not_equilibrated"] = sorted(n for n, e in checked.items() if not self._equilibrated(e))
        if verify:
            summary["verified"] = self.verify().as_dict()
        return summary

    @staticmethod
    def _equilibrated(report: Mapping[str, Any]) -> bool:
        """Whether a sample's equilibration record passed both the drift and the ageing test."""
        return bool(report.get("converged", True)) and bool(report.get("fs_stationary", True))

    def __repr__(self) -> str:
        return f"Dataset({str(self.path)!r}, n_samples={len(self)})"
