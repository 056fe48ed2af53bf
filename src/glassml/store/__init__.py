"""The glassml dataset store: datasets, samples, atomic writes, readers and writers."""

from glassml.store.dataset import ARRAY_DOC, MANIFEST, Dataset, Sample, VerifyReport
from glassml.store.npzio import load_arrays, write_npz
from glassml.store.validate import validate_sample

__all__ = ["ARRAY_DOC", "MANIFEST", "Dataset", "Sample", "VerifyReport", "load_arrays", "write_npz", "validate_sample"]
