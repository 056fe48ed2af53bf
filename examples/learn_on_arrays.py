"""A learner on plain arrays, scored the GlassBench way.

Builds glassml's synthetic 2D dataset (:func:`glassml.data.propensity_dataset`: a propensity
that is a known function of local structure plus noise, with descriptor arrays and a
train/val/test split) in a folder, stacks each split into arrays, fits a per-species ridge
regression (Boattini et al., PRL 127, 088007 (2021)) with the validation split for model
selection, and reports GlassBench's score: the Pearson correlation of predicted and measured
propensity over type-A particles pooled over the test configurations, per time, beside the
ceiling the noise allows.

    python examples/learn_on_arrays.py [FOLDER]

FOLDER receives the synthetic dataset (default: a temporary folder).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from glassml.bench.score import pooled_metric
from glassml.data import propensity_dataset
from glassml.learn import BoattiniRidge

#: For tests/test_examples.py: the real data this example reads (None: it makes its own), and a
#: regular expression its output must match.
NEEDS = None
EXPECT = r"t = 100 +pooled Pearson \(type A\) 0\.\d+ +ceiling"


def arrays(samples):
    """Rows of descriptors, targets (n, T), species and configuration index of some samples."""
    X = np.concatenate([s["desc_boattini"] for s in samples])
    y = np.concatenate([s["md_prop"].T for s in samples])
    species = np.concatenate([s["types"] for s in samples])
    groups = np.concatenate([np.full(s["types"].size, k) for k, s in enumerate(samples)])
    return X, y, species, groups


def run(folder: Path) -> None:
    ds = propensity_dataset(folder / "synthetic", n_samples=10, n=160, seed=0)
    train, val, test = (ds.samples_in(part) for part in ("train", "val", "test"))
    print(f"{len(train)} training, {len(val)} validation, {len(test)} test configurations; "
          f"times {np.round(ds.manifest['times'], 3).tolist()}")

    X, y, species, groups = arrays(train)
    model = BoattiniRidge().fit(X, y, species=species, groups=groups, validation=arrays(val))
    print(f"chosen ridge strength per species: {model.info_.get('alpha')}")

    preds, trues, types = [], [], []
    for s in test:                                          # one (T, N) prediction per configuration
        X, _, species, _ = arrays([s])
        preds.append(model.predict(X, species=species).T)
        trues.append(s["md_prop"])
        types.append(s["types"])
    pearson = pooled_metric(preds, trues, types, species=0)
    ceiling = ds.manifest["targets"]["md_prop"]["ceiling"]
    for t, r, c in zip(ds.manifest["times"], pearson, ceiling):
        print(f"t = {t:<6g} pooled Pearson (type A) {r:.3f}   ceiling {c:.3f}   ratio {r / c:.2f}")


def main() -> None:
    if len(sys.argv) > 1:
        run(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp))


if __name__ == "__main__":
    main()
