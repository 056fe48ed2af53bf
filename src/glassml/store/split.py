"""Set or change the train/validation/test split of an existing dataset.

:func:`resplit` draws a new validation part (and, with ``force``, a new test part) with a
seed, keeps the test part as it is otherwise, and records the change in the manifest's
``split_history``.  It writes the manifest only (atomically): sample files, targets and
descriptors are untouched, so nothing has to be recomputed.

Sizes are counts (``3``) or fractions of all samples in (0, 1) (``0.2``); a fraction is
rounded to the nearest count, and to at least one sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from glassml import __version__
from glassml.errors import GlassmlError
from glassml.store.dataset import SPLITS, Dataset

#: A part's size: a count, a fraction in (0, 1), or either one written as text (``"3"``, ``"0.2"``).
SplitSize = Union[int, float, str]

HISTORY = "split_history"


@dataclass(frozen=True)
class SplitChange:
    """What :func:`resplit` did.

    split: the new ``{"train": [...], "val": [...], "test": [...]}`` (sorted sample names).
    previous: the part sizes before, ``{"train": n, "val": n, "test": n}``.
    record: the entry appended to ``manifest["split_history"]`` (seed, requested sizes,
        previous and new sizes, samples that left the test part, glassml version).
    changed: False when the drawn split equals the stored one; then nothing was written.
    """

    split: dict[str, list[str]]
    previous: dict[str, int]
    record: dict[str, Any]
    changed: bool

    @property
    def sizes(self) -> dict[str, int]:
        return {part: len(names) for part, names in self.split.items()}

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "sizes": self.sizes, "previous": self.previous,
                "record": self.record, "split": self.split}


def split_size(value: SplitSize, part: str) -> int | float:
    """``value`` as a count (int >= 0) or a fraction (float in (0, 1)), else a GlassmlError."""
    hint = f"give {part} as a count of samples (e.g. 4) or a fraction in (0, 1) (e.g. 0.2)"
    if isinstance(value, bool):
        raise GlassmlError(f"{part} = {value!r} is not a number; {hint}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise GlassmlError(f"{part} = {text!r} is not a number; {hint}") from None
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise GlassmlError(f"{part} = {value} is negative; {hint}")
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not 0.0 < value < 1.0:
            raise GlassmlError(f"{part} = {value!r} is out of range: a fraction lies in (0, 1); {hint}")
        return float(value)
    raise GlassmlError(f"{part} = {value!r} is not a number; {hint}")


def _count(size: int | float, n_total: int) -> int:
    if isinstance(size, int):
        return size
    return max(1, int(math.floor(size * n_total + 0.5)))


def _draw(names: list[str], n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` of ``names`` drawn at random, and the rest; both sorted."""
    order = rng.permutation(len(names))
    chosen = sorted(names[i] for i in order[:n])
    taken = set(chosen)
    return chosen, [x for x in names if x not in taken]


def resplit(dataset: Dataset, *, val: SplitSize, test: SplitSize | None = None, seed: int,
            force: bool = False) -> SplitChange:
    """Set the validation (and optionally test) part of ``dataset``'s split; record the change.

    Parameters
    ----------
    dataset:
        An open :class:`Dataset`; its manifest is rewritten (atomically) when the split changes.
    val:
        Size of the validation part: a count, or a fraction of all samples in (0, 1).  It is
        drawn from the pool of samples outside the test part (the current train and val parts
        and any sample in no part); training is the rest of that pool.
    test:
        Size of the test part.  None keeps the current test part as it is.  Otherwise the test
        part is drawn anew from all samples, which needs ``force`` when the current test part
        is not empty (former test samples may end up in training or validation).
    seed:
        Seed of the draws (a non-negative integer): the same seed on the same samples and test
        part gives the same split.
    force:
        Allow re-drawing a non-empty test part.

    Returns
    -------
    SplitChange
        The new split, the previous sizes, the history record and whether anything changed.

    Raises
    ------
    GlassmlError
        When the split is impossible: fewer than 2 samples, a size that is not a number, a
        fraction outside (0, 1), a negative count, sizes that leave no training sample, or a
        non-empty test part to re-draw without ``force``.
    """
    val_size = split_size(val, "val")
    test_size = None if test is None else split_size(test, "test")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise GlassmlError(f"seed = {seed!r}: give a non-negative integer seed")
    names = dataset.sample_names()
    n_total = len(names)
    if n_total < 2:
        raise GlassmlError(f"a split needs at least 2 samples (one to train, one to hold out); this dataset has {n_total}",
                           dataset.path)
    current = dataset.split
    previous = {part: len(current[part]) for part in SPLITS}
    rng = np.random.default_rng(int(seed))
    if test_size is None:
        held_out = set(current["test"])
        test_names = [n for n in names if n in held_out]
        pool = [n for n in names if n not in held_out]
    else:
        if current["test"] and not force:
            raise GlassmlError(f"changing the test split re-draws it from all samples, so its {previous['test']} sample(s) "
                               f"may move into training; pass --force to do so, or leave out --test to keep it",
                               dataset.path)
        n_test = _count(test_size, n_total)
        if n_test >= n_total:
            raise GlassmlError(f"test = {test_size!r} takes {n_test} of the {n_total} samples, leaving none to train", dataset.path)
        test_names, pool = _draw(names, n_test, rng)
    if not pool:
        raise GlassmlError(f"all {n_total} samples are in the test split, leaving none to train; "
                           f"re-draw it with --test N --force", dataset.path)
    n_val = _count(val_size, n_total)
    if n_val >= len(pool):
        raise GlassmlError(f"val = {val_size!r} takes {n_val} of the {len(pool)} samples outside the test split, "
                           f"leaving none to train; choose a smaller --val", dataset.path)
    val_names, train_names = _draw(pool, n_val, rng)
    split = {"train": train_names, "val": val_names, "test": test_names}
    left_test = sorted(set(current["test"]) & set(train_names + val_names))
    record = {
        "seed": int(seed),
        "val": val_size,
        "test": test_size,
        "force": bool(force),
        "previous": previous,
        "sizes": {part: len(split[part]) for part in SPLITS},
        "left_test": len(left_test),
        "glassml_version": __version__,
    }
    changed = any(set(split[part]) != set(current[part]) for part in SPLITS)
    if changed:
        dataset.set_split(train_names, val_names, test_names, save=False)
        history = dataset.manifest.get(HISTORY)
        dataset.manifest[HISTORY] = (list(history) if isinstance(history, list) else []) + [record]
        dataset.save_manifest()
    return SplitChange(split=split, previous=previous, record=record, changed=changed)
