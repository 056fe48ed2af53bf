"""Benchmark the graph learners: parameters, time per epoch, Pearson per time, rotation sensitivity.

Usage::

    python benchmarks/gnn.py --dataset DATASET_DIR [--models bapst,botan,se3] [--epochs 20]
                             [--size small|paper] [--threads 2] [--device cpu] [--json out.json]
    python benchmarks/gnn.py --preset quick        # simulate the quick preset first (LAMMPS)

Trains each model on the dataset's train split with model selection on its val split (the
samples become configurations through ``glassml.bench.adapter``), and scores the test split: pooled Pearson correlation of type-A particles per time (GlassBench's
metric).  Times are wall-clock seconds per epoch (training pass plus validation pass), printed
with their ratio to Bapst's GNN measured in the same run.  For every model it also reports how
much a random rotation of the input changes the test predictions (RMS change / spread of the
prediction): zero to rounding for the SE(3) network, a learnt approximate symmetry for Bapst's
GNN and BOTAN, which see raw relative vectors and are trained with cube-symmetry augmentation.
On CUDA, training uses mixed precision (``--amp off`` to compare against float32).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch


def load_dataset(args):
    from glassml.store import Dataset

    if args.dataset:
        return Dataset.open(args.dataset)
    from glassml.dynamics import compute_targets
    from glassml.simulate import run_campaign

    out = Path(args.workdir) / f"{args.preset}-dataset"
    ds = run_campaign(args.preset, out, seed=args.seed, workers=args.threads, show_progress=False)
    ds = Dataset.open(out)
    if not all(args.target in s for s in ds):
        compute_targets(ds, show_progress=False)
        ds = Dataset.open(out)
    return ds


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="a glassml dataset with train/val/test split and targets")
    src.add_argument("--preset", help="simulate this preset first (e.g. quick) under --workdir")
    ap.add_argument("--workdir", default="bench-gnn")
    ap.add_argument("--models", default="bapst,botan,se3")
    ap.add_argument("--target", default="md_prop")
    ap.add_argument("--epochs", type=int, default=None, help="default: each model's default (or its size preset's)")
    ap.add_argument("--size", default=None, help="size preset, e.g. paper")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rotations", type=int, default=4)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    import glassml.learn  # noqa: F401
    from glassml.bench import adapter
    from glassml.bench.score import pooled_metric
    from glassml.learn.base import get_estimator

    ds = load_dataset(args)
    model = (ds.manifest.get("model") or {}).get("name")
    train, val, test = (ds.samples_in(p) for p in ("train", "val", "test"))
    n = [s.n_particles for s in train[:1]][0]
    print(f"dataset {ds.path}: {len(train)}/{len(val)}/{len(test)} train/val/test, N={n}, target {args.target}, "
          f"{args.threads} thread(s), device {args.device}; machine shared, timings under load")
    results = {"dataset": str(ds.path), "threads": args.threads, "device": args.device, "models": {}}
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        cls = get_estimator(name)
        params = {"device": args.device, "amp": args.amp, "seed": args.seed}
        if args.size:
            params["size"] = args.size
        if args.epochs is not None:
            params["epochs"] = args.epochs
        est = cls(**params)
        missing = adapter.missing_inputs(est, train + val + test)
        if missing:
            print(f"{name}: skipped, samples lack {', '.join(missing)}")
            continue
        t0 = time.perf_counter()
        adapter.fit(est, train, val, args.target, model=model)
        fit_s = time.perf_counter() - t0
        preds = adapter.predict(est, test, model=model)
        r = pooled_metric(preds, [s[args.target] for s in test], [s["types"] for s in test], species=0)
        test_confs = adapter.graph_inputs(test, est, model=model).configurations
        rot = est.rotation_sensitivity(test_confs, n_rotations=args.rotations, seed=args.seed)
        ep = np.array(est.info_["epoch_seconds"])
        results["models"][name] = {
            "n_parameters": est.n_parameters(), "epochs": len(ep), "best_epoch": est.info_["best_epoch"],
            "fit_seconds": fit_s, "epoch_seconds_median": float(np.median(ep)), "pearson_A": [float(x) for x in r],
            "rotation_sensitivity": rot, "amp": est.info_["amp"],
        }
    ref = results["models"].get("bapst", {}).get("epoch_seconds_median")
    times = ds.manifest.get("times") or []
    print(f"{'model':7s} {'params':>7s} {'epochs':>6s} {'best':>4s} {'fit s':>7s} {'s/epoch':>8s} {'x bapst':>7s} {'rot.sens':>9s}  Pearson(A) per time")
    for name, m in results["models"].items():
        ratio = f"{m['epoch_seconds_median'] / ref:7.2f}" if ref else "    n/a"
        rs = " ".join(f"{x:.3f}" for x in m["pearson_A"])
        print(f"{name:7s} {m['n_parameters']:7d} {m['epochs']:6d} {m['best_epoch']:4d} {m['fit_seconds']:7.1f} "
              f"{m['epoch_seconds_median']:8.3f} {ratio} {m['rotation_sensitivity']:9.2e}  {rs}")
    if times:
        print("times:", " ".join(f"{t:g}" for t in times))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
