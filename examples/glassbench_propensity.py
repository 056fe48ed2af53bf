"""Propensity and descriptors of one real GlassBench KA2D configuration.

Reads GlassBench's KA2D trajectory files of configuration 151 at T = 0.23 (20 isoconfigurational
replicas at t = 0.1 and t = 1.5e6), computes the displacement propensity of every particle and
two descriptor sets, and prints how well each descriptor correlates with the propensity.

    python examples/glassbench_propensity.py [DATA]

DATA is a folder holding ``glassbench-ka2d/N1290T0.23_151_tc*.npz`` (default: $GLASSML_DATA,
else ../shared/data next to the repository).  The files come from GlassBench (Zenodo
10.5281/zenodo.10118191, CC-BY-4.0): cite arXiv:2311.14752 and PRL 130, 238202 (2023).
"""

import os
import sys
from pathlib import Path

import numpy as np

from glassml.dynamics import displacement_propensity, displacements
from glassml.learn.features import pearson_columns
from glassml.structure import Boattini, Configuration, LocalDensity, PotentialEnergy

#: For tests/test_examples.py: the real data this example reads (None: it makes its own), and a
#: regular expression its output must match.
NEEDS = "glassbench-ka2d"
EXPECT = r"md_prop at t = 1\.5e\+06: mean per species A 0\.626"

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def data_folder() -> Path:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GLASSML_DATA", DEFAULT))
    if not (folder / "glassbench-ka2d").is_dir():
        sys.exit(f"no glassbench-ka2d folder in {folder}; pass the data folder as the first argument")
    return folder


def main() -> None:
    from glassml.store import read_any

    [(name, s)], meta = read_any(data_folder() / "glassbench-ka2d" / "N1290T0.23_151_tc*.npz")
    types, box = s["types"], s["box"]
    print(f"{name}: N = {types.size}, box = {box.tolist()}, species map {meta['species_map']}, "
          f"{meta['n_replicas']} replicas at t = {meta['times']}")

    disp = displacements(s["initial_positions"], s["positions"], box)  # (T, R, N, d)
    md_prop = displacement_propensity(disp)                              # (T, N)
    for t, prop in zip(meta["times"], md_prop):
        means = ", ".join(f"{'ABC'[k]} {prop[types == k].mean():.3f}" for k in np.unique(types))
        print(f"md_prop at t = {t:g}: mean per species {means}")

    thermal = Configuration(s["initial_positions"], box, types, model="ka2d")
    inherent = Configuration(s["initial_positions_inherent"], box, types, model="ka2d")
    boattini = Boattini()
    X = boattini.compute(thermal)                                        # (N, F)
    print(f"Boattini descriptors: {X.shape[0]} particles x {X.shape[1]} features")
    a = types == 0
    late = md_prop[-1]
    rows = {
        "local density (thermal)": LocalDensity().compute(thermal)[:, 0],
        "potential energy (inherent)": PotentialEnergy().compute(inherent)[:, 0],
    }
    # one Pearson per column; a constant feature has none (NaN) and is never the best
    per_feature = pearson_columns(X[a], np.repeat(late[a][:, None], X.shape[1], axis=1))
    best = int(np.nanargmax(np.abs(per_feature)))
    rows[f"best single Boattini feature ({boattini.names[best]})"] = X[:, best]
    for label, values in rows.items():
        r = pearson_columns(values[a][:, None], late[a][:, None])[0]
        print(f"Pearson with md_prop at t = {meta['times'][-1]:g}, type A: {r:+.3f}  {label}")


if __name__ == "__main__":
    main()
