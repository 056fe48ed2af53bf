"""Benchmark the graph learners: time per epoch, where it goes, and what they learn.

Usage::

    python benchmarks/gnn.py --dataset DATASET_DIR [--models bapst,botan,se3] [--epochs N]
                             [--size small|paper] [--threads 2] [--device cpu] [--json out.json]
    python benchmarks/gnn.py --preset quick        # simulate the quick preset first (LAMMPS)
    python benchmarks/gnn.py --dataset DATASET_DIR --timing-only
    python benchmarks/gnn.py --dataset DATASET_DIR --no-timing --models bapst --epochs 30 \
        --params '{"positions": "inherent", "node_keys": ["displacement", "potential_energy"]}' \
        [--n-train 7] [--only-tau] [--seed 1]       # one point of the guide's table
    python benchmarks/gnn.py --dataset DATASET_DIR --no-timing --models se3 --seed 1 --save-predictions preds
    python benchmarks/gnn.py --dataset DATASET_DIR --score-saved preds   # seeds alone and their means

Two parts, both on the dataset's train split:

1. **Epoch timing of Bapst's network** (default sizes, batches of ``batch_size`` graphs): one
   training epoch (forward, backward, Adam step) with the current code path, timed against the
   direct path measured in the same run (``EncodeProcessDecode.forward_reference``, which builds
   the (E, 6h) concatenation at every step and sums with ``index_add_``, on edges sorted by
   sender and with the graph tensors rebuilt from numpy at every step, as before edges were
   sorted by receiver and summed through sparse matrices), and the share of the epoch spent in dense layers (matrix
   products, from the torch profiler).  That share is the one to push up: the rest is gathers,
   scatters, element-wise work and Python.
2. **Training** of each model with its defaults (or ``--epochs``/``--size``) on train, model
   selection on val, scored on test: seconds per epoch, epochs to the best validation loss,
   pooled Pearson correlation of type-A particles per time (GlassBench's metric) and its ratio
   to the dataset's replica ceiling at tau_alpha, and the rotation sensitivity (RMS change of
   the test prediction under random rotations / its spread: float rounding for SE(3), learnt
   through augmentation for Bapst's GNN and BOTAN).

Timings are wall-clock on a machine that may be shared; the ratios are measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

DENSE_OPS = ("aten::mm", "aten::addmm", "aten::bmm")


def load_dataset(args):
    from glassml.store import Dataset

    if args.dataset:
        return Dataset.open(args.dataset)
    from glassml.dynamics import compute_targets
    from glassml.simulate import run_campaign

    out = Path(args.workdir) / f"{args.preset}-dataset"
    run_campaign(args.preset, out, seed=args.seed, workers=args.threads, show_progress=False)
    ds = Dataset.open(out)
    if not all(args.target in s for s in ds):
        compute_targets(ds, show_progress=False)
        ds = Dataset.open(out)
    return ds


def _epoch(est, graphs, optimiser, forward, rebuild: bool, seed: int = 0) -> float:
    """Seconds of one training epoch of ``est.net_`` over ``graphs`` with ``forward``."""
    from glassml.learn.gnn.graphs import collate, random_cube_symmetry

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for group in est._batches(graphs, rng, est.batch_size):
        if rebuild:
            for g in group:
                g.extras.pop("tensors", None)
        batch = collate(group, "cpu", transforms=[random_cube_symmetry(rng, est.dimension_) for _ in group])
        optimiser.zero_grad(set_to_none=True)
        node, _ = forward(est.node_inputs(batch), est.edge_features(batch.edge_vectors), batch.edge_index, batch.graph_index,
                          batch.incidence)
        loss = est.node_loss(batch, node)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(est.net_.parameters(), 1.0)
        optimiser.step()
    return time.perf_counter() - t0


def fit_one_time(est, train, val, k: int):
    """Fit ``est`` on time index ``k`` of the targets (and trajectories) only."""
    def part(inputs):
        ys = [y[k : k + 1] for y in inputs.y]
        return ys, None if inputs.trajectories is None else [x[k : k + 1] for x in inputs.trajectories]

    (y_tr, x_tr), (y_va, x_va) = part(train), part(val)
    validation = (val.configurations, y_va) if x_va is None else (val.configurations, y_va, x_va)
    est.fit(train.configurations, y_tr, validation=validation, trajectories=x_tr)


def sender_sorted(g):
    """A copy of graph ``g`` with its edges sorted by sender, as graphs were built before edges
    were sorted by receiver (the reference path's order)."""
    from dataclasses import replace

    order = np.lexsort((g.edge_index[1], g.edge_index[0]))
    return replace(g, edge_index=np.ascontiguousarray(g.edge_index[:, order]),
                   edge_vectors=np.ascontiguousarray(g.edge_vectors[order]), extras={})


def epoch_timing(train, target: str, model, repeats: int = 3) -> dict:
    """Bapst's epoch time, current against direct path, and the dense-layer share of the current one."""
    from glassml.bench import adapter
    from glassml.learn.gnn import BapstGNN

    est = BapstGNN(device="cpu", seed=0)
    inputs = adapter.graph_inputs(train, est, target, model=model)
    graphs = est._prepare(inputs.configurations, inputs.y, None, train=True)
    est.net_ = est.build_network()
    optimiser = torch.optim.Adam(est.net_.parameters(), lr=1e-4)
    net = est.net_
    _epoch(est, graphs, optimiser, net.forward, rebuild=False)  # warm-up
    old_graphs = [sender_sorted(g) for g in graphs]
    fast = min(_epoch(est, graphs, optimiser, net.forward, rebuild=False) for _ in range(repeats))
    direct = min(_epoch(est, old_graphs, optimiser, net.forward_reference, rebuild=True) for _ in range(repeats))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        _epoch(est, graphs, optimiser, net.forward, rebuild=False)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    dense = sum(e.self_cpu_time_total for e in events if e.key in DENSE_OPS)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        _epoch(est, old_graphs, optimiser, net.forward_reference, rebuild=True)
    events = prof.key_averages()
    total_ref = sum(e.self_cpu_time_total for e in events)
    dense_ref = sum(e.self_cpu_time_total for e in events if e.key in DENSE_OPS)
    return {"seconds_per_epoch": fast, "direct_seconds_per_epoch": direct, "speedup": direct / fast,
            "dense_share": dense / total, "direct_dense_share": dense_ref / total_ref,
            "edges_per_graph": float(np.mean([g.edge_index.shape[1] for g in graphs])), "n_graphs": len(graphs)}


def score_saved(folder: Path, test, target: str, tau: int) -> dict:
    """Pearson(A) at tau_alpha of the predictions saved by ``--save-predictions``: each seed
    alone, and the mean prediction of every subset of k seeds (a seed ensemble of k members,
    what ``members=k`` predicts), averaged over the subsets."""
    from itertools import combinations

    from glassml.bench.score import pooled_metric

    y, types = [s[target] for s in test], [s["types"] for s in test]
    out: dict = {}
    for name in sorted({f.name.split("-seed")[0] for f in folder.glob("*-seed*.npz")}):
        files = sorted(folder.glob(f"{name}-seed*.npz"))
        preds = [[np.load(f)[s.name] for s in test] for f in files]
        singles = [float(pooled_metric(p, y, types, species=0)[tau]) for p in preds]
        out[name] = {"seeds": [f.stem.split("-seed")[1] for f in files], "single": singles, "ensemble": {}}
        print(f"{name}: {len(preds)} seeds, alone {' '.join(f'{r:.3f}' for r in singles)} (mean {np.mean(singles):.3f} "
              f"± {np.std(singles, ddof=1) if len(singles) > 1 else float('nan'):.3f})")
        for k in range(2, len(preds) + 1):
            scores = [float(pooled_metric([np.mean([preds[i][j] for i in c], axis=0) for j in range(len(test))], y, types, species=0)[tau])
                      for c in combinations(range(len(preds)), k)]
            out[name]["ensemble"][k] = scores
            print(f"  mean of {k} seeds: {np.mean(scores):.4f} (over {len(scores)} subsets, {min(scores):.4f} to {max(scores):.4f})")
    return out


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
    ap.add_argument("--params", default=None, help='JSON of extra parameters for every model, e.g. {"lr": 3e-3}')
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rotations", type=int, default=4)
    ap.add_argument("--timing-only", action="store_true", help="only the epoch timing of part 1")
    ap.add_argument("--no-timing", action="store_true", help="skip the epoch timing of part 1")
    ap.add_argument("--n-train", type=int, default=None, help="train on the first N training configurations only")
    ap.add_argument("--only-tau", action="store_true", help="train and score on the time nearest tau_alpha alone")
    ap.add_argument("--json", default=None)
    ap.add_argument("--save-predictions", default=None,
                    help="write each model's test predictions to DIR/<model>-seed<seed>.npz (one (T, N) array per test sample)")
    ap.add_argument("--score-saved", default=None, metavar="DIR",
                    help="only score the predictions saved in DIR: each seed alone and the seed ensembles (their mean)")
    args = ap.parse_args(argv)
    if args.score_saved:
        args.no_timing = True

    torch.set_num_threads(args.threads)
    import glassml.learn  # noqa: F401
    from glassml.bench import adapter
    from glassml.bench.run import ceiling_of, tau_alpha_index
    from glassml.bench.score import pooled_metric
    from glassml.learn.base import get_estimator

    ds = load_dataset(args)
    model = (ds.manifest.get("model") or {}).get("name")
    train, val, test = (ds.samples_in(p) for p in ("train", "val", "test"))
    if args.n_train is not None:
        train = train[: args.n_train]
    n = [s.n_particles for s in train[:1]][0]
    print(f"dataset {ds.path}: {len(train)}/{len(val)}/{len(test)} train/val/test, N={n}, target {args.target}, "
          f"{args.threads} thread(s), device {args.device}")
    results: dict = {"dataset": str(ds.path), "threads": args.threads, "device": args.device, "models": {}}

    timing = {} if args.no_timing else epoch_timing(train, args.target, model)
    results["timing"] = timing
    if timing:
            print(f"Bapst epoch ({timing['n_graphs']} graphs, {timing['edges_per_graph']:.0f} edges each): "
              f"{timing['seconds_per_epoch']:.2f} s now, {timing['direct_seconds_per_epoch']:.2f} s on the direct path "
              f"(x{timing['speedup']:.2f}); dense layers {100 * timing['dense_share']:.0f}% of the epoch "
              f"(direct path: {100 * timing['direct_dense_share']:.0f}%)")
    if args.timing_only:
        return results

    tau, _ = tau_alpha_index(ds, args.target)
    ceiling = ceiling_of(ds, args.target)
    if args.score_saved:
        results["saved"] = score_saved(Path(args.score_saved), test, args.target, tau)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        return results
    extra = json.loads(args.params) if args.params else {}
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        cls = get_estimator(name)
        params = {"device": args.device, "amp": args.amp, "seed": args.seed, **extra}
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
        test_confs = adapter.graph_inputs(test, est, model=model).configurations
        types = [s["types"] for s in test]
        if args.only_tau:  # one output, trained on tau_alpha alone (a network per time, as Bapst et al.)
            fit_one_time(est, adapter.graph_inputs(train, est, args.target, model=model),
                         adapter.graph_inputs(val, est, args.target, model=model), tau)
            fit_s = time.perf_counter() - t0
            one = pooled_metric(est.predict(test_confs), [s[args.target][tau : tau + 1] for s in test], types, species=0)
            r = np.full(len(test[0][args.target]), np.nan)
            r[tau] = one[0]
        else:
            adapter.fit(est, train, val, args.target, model=model)
            fit_s = time.perf_counter() - t0
            predictions = adapter.predict(est, test, model=model)
            r = pooled_metric(predictions, [s[args.target] for s in test], types, species=0)
            if args.save_predictions:
                out = Path(args.save_predictions)
                out.mkdir(parents=True, exist_ok=True)
                np.savez(out / f"{name}-seed{args.seed}.npz", **{s.name: np.asarray(y) for s, y in zip(test, predictions)})
        rot = est.rotation_sensitivity(test_confs, n_rotations=args.rotations, seed=args.seed)
        ep = np.array(est.info_["epoch_seconds"])
        results["models"][name] = {
            "n_parameters": est.n_parameters(), "epochs": len(ep), "best_epoch": est.info_["best_epoch"],
            "fit_seconds": fit_s, "epoch_seconds_median": float(np.median(ep)), "pearson_A": [float(x) for x in r],
            "pearson_tau": float(r[tau]), "over_ceiling": (float(r[tau] / ceiling[tau]) if ceiling else None),
            "rotation_sensitivity": rot, "amp": est.info_["amp"], "history": est.history_,
        }
    print(f"{'model':7s} {'params':>7s} {'epochs':>6s} {'best':>4s} {'fit s':>7s} {'s/epoch':>8s} {'r(tau)':>6s} {'/ceil':>6s} "
          f"{'rot.sens':>9s}  Pearson(A) per time")
    for name, m in results["models"].items():
        rs = " ".join(f"{x:.3f}" for x in m["pearson_A"])
        oc = f"{m['over_ceiling']:6.2f}" if m["over_ceiling"] is not None else "   n/a"
        print(f"{name:7s} {m['n_parameters']:7d} {m['epochs']:6d} {m['best_epoch'] + 1:4d} {m['fit_seconds']:7.1f} "
              f"{m['epoch_seconds_median']:8.3f} {m['pearson_tau']:6.3f} {oc} {m['rotation_sensitivity']:9.2e}  {rs}")
    times = ds.manifest.get("times") or []
    if times:
        print("times:", " ".join(f"{t:g}" for t in times), f"(tau_alpha index {tau})")
    if ceiling:
        print("ceiling:", " ".join(f"{c:.3f}" for c in ceiling))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
