"""Benchmark every registered model on one dataset: training time and score / ceiling per time.

Usage::

    python benchmarks/learn.py --dataset PATH [--out DIR] [--models a,b] [--seed 0]
    python benchmarks/learn.py --preset small --out DIR     # simulates the preset first (hours on 2 cores)

The dataset must hold targets (``md_prop``); descriptors are computed if missing.  The models
are the registered ones (``glassml.learn.registry()``), or those named with ``--models``.
Training times are printed beside their ratio to a reference model trained in the same run
(``--reference``; by default the fastest one), since timings on a shared machine vary and the
ratio is the number to compare across machines.  Scores are
type-A pooled Pearson correlations on the test split divided by the replica ceiling.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", type=Path, help="existing glassml dataset with targets")
    src.add_argument("--preset", help="simulate this preset first (e.g. small)")
    ap.add_argument("--out", type=Path, default=Path("bench-learn-out"))
    ap.add_argument("--models", default=None, help="comma-separated model names (default: all registered)")
    ap.add_argument("--reference", default=None, help="model whose training time is the unit (default: the fastest)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)

    from glassml.bench.run import run_benchmark
    from glassml.errors import GlassmlError

    try:
        summary = run_benchmark(
            args.preset, args.out, seed=args.seed, workers=args.workers,
            models=None if args.models is None else args.models.split(","),
            datasets=None if args.dataset is None else [args.dataset], show_progress=True,
            argv=["benchmarks/learn.py", *(argv if argv is not None else sys.argv[1:])],
        )
    except GlassmlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for res in summary["results"]:
        times = res.get("times") or []
        ceiling = np.array([np.nan if c is None else c for c in (res.get("ceiling") or [])], dtype=float)
        ok = {n: e for n, e in res["models"].items() if e.get("status") == "ok"}
        timed = {n: e["train_seconds"] for n, e in ok.items() if e.get("train_seconds")}
        if args.reference is not None and args.reference not in timed:
            print(f"error: reference model {args.reference!r} did not train in this run", file=sys.stderr)
            return 2
        ref_name = args.reference or min(timed, key=timed.get, default=None)
        ref = timed.get(ref_name)
        print(f"\n{res['label']}  ({res['dataset']}); tau_alpha index {res['tau_index']} ({res['tau_source']})")
        print("times:   " + " ".join(f"{t:8.3g}" for t in times))
        if ceiling.size:
            print("ceiling: " + " ".join(f"{c:8.3f}" for c in ceiling))
        print(f"{'model':16s} {'train s':>8s} {'ratio':>7s}  Pearson(A) / ceiling per time  (ratio: train time / {ref_name})")
        for name, e in sorted(ok.items(), key=lambda kv: -(kv[1]["scores"].get("pearson_tau") or -1)):
            r = np.array([np.nan if v is None else v for v in e["scores"]["pearson"]["A"]], dtype=float)
            frac = r / ceiling[: r.size] if ceiling.size >= r.size else r * np.nan
            ratio = e["train_seconds"] / ref if ref else float("nan")
            print(f"{name:16s} {e['train_seconds']:8.2f} {ratio:7.1f}  " + " ".join(f"{v:8.2f}" for v in frac)
                  + ("  (resumed: time from the first run)" if e.get("resumed") else ""))
        for name, e in res["models"].items():
            if e.get("status") != "ok":
                print(f"{name:16s} {e.get('status')}: {e.get('reason')}")
    print(f"\nreport: {(args.out / 'report.html').resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
