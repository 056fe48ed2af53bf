"""The glassml dataset store: datasets, samples, atomic writes, readers and writers."""

from glassml.store.dataset import (
    ARRAY_DOC,
    MANIFEST,
    POSITIONS,
    Dataset,
    Sample,
    VerifyReport,
    descriptor_array,
    position_kind,
    species_counts,
)
from glassml.store.npzio import load_arrays, write_npz
from glassml.store.split import SplitChange, resplit, split_size
from glassml.store.validate import validate_sample

__all__ = [
    "ARRAY_DOC", "MANIFEST", "POSITIONS", "Dataset", "descriptor_array", "position_kind", "species_counts", "Sample", "VerifyReport", "SplitChange", "resplit", "split_size", "load_arrays", "write_npz", "validate_sample",
    "read_any", "write_any", "convert",
]


def __getattr__(name: str):
    """``glassml.store.read_any`` / ``write_any`` / ``convert``, imported on first use."""
    if name in ("read_any", "write_any", "convert"):
        from glassml.store import formats

        return getattr(formats, name)
    raise AttributeError(f"module 'glassml.store' has no attribute {name!r}")
