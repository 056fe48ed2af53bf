"""Every per-particle target of a real GlassBench KA2D configuration, and its replica ceiling.

Converts GlassBench's two KA2D time-code files of configuration 151 (T = 0.23, 20 replicas,
t = 0.1 and 1.5e6) into a glassml dataset in a temporary folder, computes the targets
(md_prop, cr_prop, bb_prop, ov_prop, edge_prop) and prints, per target and time, the
split-half correlation of the replicas and the ceiling it puts on any predictor's Pearson
correlation.

    python examples/glassbench_targets.py [DATA]

DATA is a folder holding ``glassbench-ka2d/N1290T0.23_151_tc*.npz`` (default: $GLASSML_DATA,
else ../shared/data next to the repository).  Data: GlassBench (Zenodo 10.5281/zenodo.10118191,
CC-BY-4.0); cite arXiv:2311.14752 and PRL 130, 238202 (2023).
"""

import os
import sys
import tempfile
from pathlib import Path

from glassml.dynamics import compute_targets
from glassml.store import convert

#: For tests/test_examples.py: the real data this example reads (None: it makes its own), and a
#: regular expression its output must match.
NEEDS = "glassbench-ka2d"
EXPECT = r"md_prop +0\.729 +0\.918 +0\.730 +0\.919"

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def data_folder() -> Path:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GLASSML_DATA", DEFAULT))
    if not (folder / "glassbench-ka2d").is_dir():
        sys.exit(f"no glassbench-ka2d folder in {folder}; pass the data folder as the first argument")
    return folder


def fmt(value) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def main() -> None:
    files = data_folder() / "glassbench-ka2d" / "N1290T0.23_151_tc*.npz"
    with tempfile.TemporaryDirectory() as tmp:
        ds = convert(files, Path(tmp) / "ka2d")                 # one sample, positions (2, 20, 1290, 2)
        compute_targets(ds, show_progress=False)
        times = ds.manifest["times"]
        print(f"{len(ds)} sample, times {times}, {ds.manifest['n_replicas']} replicas")
        print("target     " + "  ".join(f"split-half t={t:<7g} ceiling t={t:<7g}" for t in times))
        for name, record in ds.manifest["targets"].items():
            halves, ceiling = record.get("split_half"), record.get("ceiling")
            if halves is None or ceiling is None:
                continue
            cells = "  ".join(f"{fmt(h):>20} {fmt(c):>17}" for h, c in zip(halves, ceiling))
            print(f"{name:<10} {cells}")
        sample = ds[ds.sample_names()[0]]
        print(f"arrays stored in the sample: {', '.join(sorted(sample.keys()))}")


if __name__ == "__main__":
    main()
