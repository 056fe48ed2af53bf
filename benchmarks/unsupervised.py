"""Unsupervised structure: pipeline timing, and Coslovich's comparison on GlassBench KA2D.

Usage::

    python benchmarks/unsupervised.py time [--dataset PATH] [--set boattini]   # default: rows the size of `small`
    python benchmarks/unsupervised.py compare [--system ka3d|ka2d] [--data ../shared/data] [--epochs 100]

``time`` fits the whole pipeline (:class:`glassml.unsupervised.UnsupervisedOrderParameter`:
z-score, PCA or autoencoder, Gaussian mixtures for K = 2..6 with BIC, per species, and the
slow-cluster choice) on the training and validation rows of a dataset and prints its time
beside scikit-learn's ``StandardScaler + PCA + GaussianMixture(K=2)`` alone on the same arrays,
timed in the same run.  Without ``--dataset`` the rows have the size of the ``small`` preset's
training and validation split (32 configurations of N = 1000, 80 % type A) and Boattini's
96 features, drawn from two overlapping Gaussian populations (the timing does not depend on
the physics).

``compare`` computes the four descriptor families of :mod:`glassml.unsupervised.comparison`
and prints one table row per family: explained variance, |corr(PC1, AE)|, and the correlation
of PC1 and of the order parameter with the propensity.  ``ka3d`` (default): BOTAN's Kob-Andersen
3D files at T = 0.44 (N = 4096, configurations 1 and 10, propensity at tc07 from 32 replicas);
the slow cluster is chosen on configuration 1 and every correlation is measured on
configuration 10.  ``ka2d``: the GlassBench KA2D configuration (T = 0.23, N = 1290), propensity
at tc05 and tc40; the left half of the box chooses, the right half reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _small_like(seed: int = 0, n_conf: int = 32, n: int = 1000, features: int = 96):
    rng = np.random.default_rng(seed)
    rows = n_conf * n
    species = (rng.random(rows) < 0.2).astype(np.int64)
    pop = rng.random(rows) < 0.4
    mix = rng.normal(size=(features, features)) / np.sqrt(features)
    X = (rng.normal(size=(rows, features)) + 1.5 * pop[:, None]) @ mix
    y = np.stack([1.0 + t - pop + rng.normal(size=rows) for t in range(4)])
    return X, y, species


def _dataset_rows(path: Path, set_name: str, target: str = "md_prop"):
    from glassml.store import Dataset, descriptor_array

    ds = Dataset.open(path)
    names = ds.split["train"] + ds.split["val"] or ds.sample_names()
    array = descriptor_array(set_name)
    X = np.concatenate([np.asarray(ds[n][array], dtype=float) for n in names])
    y = np.concatenate([np.atleast_2d(np.asarray(ds[n][target], dtype=float)) for n in names], axis=1)
    s = np.concatenate([np.asarray(ds[n]["types"]) for n in names])
    return X, y, s


def cmd_time(args) -> int:
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    from sklearn.preprocessing import StandardScaler

    from glassml.unsupervised import UnsupervisedOrderParameter

    X, y, s = _small_like() if args.dataset is None else _dataset_rows(args.dataset, args.set)
    print(f"rows {X.shape[0]}, features {X.shape[1]}, species {np.unique(s).tolist()}")
    t0 = time.perf_counter()
    for sp in np.unique(s):
        m = s == sp
        z = PCA(n_components=2, svd_solver="full").fit_transform(StandardScaler().fit_transform(X[m]))
        GaussianMixture(n_components=2, random_state=0).fit(z)
    ref = time.perf_counter() - t0
    print(f"reference  scikit-learn StandardScaler + PCA(2) + GaussianMixture(K=2), per species: {ref:8.2f} s   1.00")
    for method in args.methods.split(","):
        t0 = time.perf_counter()
        UnsupervisedOrderParameter(method=method, seed=0, ae_epochs=args.epochs).fit(X, y, s)
        dt = time.perf_counter() - t0
        print(f"glassml    {method:>4} + GMM (K = 2..6 by BIC) + slow cluster, per species:        {dt:8.2f} s  {dt / ref:5.2f}")
    return 0


def _ka2d(data: Path):
    from glassml.dynamics import displacement_propensity, displacements
    from glassml.store import read_any

    ys, conf = [], None
    for code in ("tc05", "tc40"):
        [(name, s)], _ = read_any(data / "glassbench-ka2d" / f"N1290T0.23_151_{code}.npz")
        disp = displacements(s["initial_positions"], s["positions"], s["box"])
        ys.append(displacement_propensity(disp)[-1])
        if conf is None:
            conf = (s["initial_positions"], s["box"], s["types"])
    return conf, np.stack(ys)


def _ka3d(data: Path):
    from glassml.dynamics import displacement_propensity, displacements
    from glassml.store import read_any

    confs, ys = [], []
    for k in (1, 10):
        [(name, s)], _ = read_any(data / "botan-ka3d" / "T0.44" / "train" / f"isoconfig_N4096T0.44_{k}_tc07.npz")
        disp = displacements(s["initial_positions"], s["positions"], s["box"])
        ys.append(displacement_propensity(disp)[-1][None])
        confs.append((s["initial_positions"], s["box"], s["types"]))
    return confs, ys


def cmd_compare(args) -> int:
    from glassml.structure import Configuration
    from glassml.unsupervised import compare_families, descriptor_families

    t0 = time.perf_counter()
    if args.system == "ka2d":
        (pos, box, types), y = _ka2d(args.data)
        feats = descriptor_families(Configuration(pos, box, types))
        select = (np.asarray(pos)[:, 0] % np.asarray(box)[0]) < np.asarray(box)[0] / 2
        what, times = "GlassBench KA2D T = 0.23, N = 1290, one configuration; left half chooses", "tc05, tc40"
    else:
        confs, ys = _ka3d(args.data)
        per = [descriptor_families(Configuration(p, b, t)) for p, b, t in confs]
        feats = {f: np.concatenate([d[f] for d in per]) for f in per[0]}
        types = np.concatenate([c[2] for c in confs])
        y = np.concatenate(ys, axis=1)
        select = np.arange(types.size) < confs[0][2].size
        what, times = "BOTAN KA3D T = 0.44, N = 4096, configuration 1 chooses, configuration 10 reports", "tc07"
    print(f"{what}; type A: {int(np.sum(types == 0))}; descriptors in {time.perf_counter() - t0:.1f} s; "
          f"propensity at {times}")
    rows = compare_families(feats, y, types, select=select, ae_epochs=args.epochs, seed=args.seed)
    print(f"{'family':<11}{'F':>4}  {'explained variance (PC1..PC4)':<30}{'PC1+PC2':>8}{'|r(PC1,AE)|':>12}"
          f"{'|r(PC1,y)|':>24}{'r(order,y)':>24}{'K':>3}")
    for r in rows:
        ev = " ".join(f"{v:.3f}" for v in r["explained_variance"])
        pc = ", ".join(f"{v:.3f}" for v in r["pc1_propensity"])
        op = ", ".join(f"{v:+.3f}" for v in r["order_propensity"])
        print(f"{r['family']:<11}{r['n_features']:>4}  {ev:<30}{r['two_component_variance']:>8.3f}{r.get('pc1_ae', float('nan')):>12.3f}"
              f"{pc:>24}{op:>24}{r['n_clusters']:>3}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("time", help="pipeline time against scikit-learn's PCA + GMM alone")
    t.add_argument("--dataset", type=Path, default=None)
    t.add_argument("--set", default="boattini")
    t.add_argument("--methods", default="pca,ae")
    t.add_argument("--epochs", type=int, default=20)
    c = sub.add_parser("compare", help="Coslovich's comparison on GlassBench KA2D")
    c.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    c.add_argument("--epochs", type=int, default=100)
    c.add_argument("--system", choices=("ka3d", "ka2d"), default="ka3d")
    c.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    return cmd_time(args) if args.cmd == "time" else cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
