"""Benchmark: p_hop throughput of glassml.dynamics.rearrangements against a plain numpy reference.

Data: a caged random walk of N particles in 3D over T frames (vibrations of amplitude 0.1 about
cage centres that jump by 1.0 with probability 1e-3 per frame): the array shapes of a
stored KA3D trajectory.

glassml: :func:`glassml.dynamics.rearrangements.phop` (window sums from cumulative sums,
O(T N d) for any window).

Reference (same data, same run): plain numpy, one frame t at a time, vectorised over particles:
the means of A = frames t-h..t and B = t..t+h, then the two mean squared distances and their
product, straight from the definition of Candelier et al. (PRL 105, 135702, 2010).  The
two results must agree to 1e-9 (checked).

Throughput: particle-frames of output per second (N times the number of frames where the
window fits).

Usage: python benchmarks/softness.py [--n 4096] [--frames 400] [--window 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def caged_walk(n: int, frames: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    jumps = (rng.random((frames, n, 1)) < 1e-3) * rng.normal(0.0, 1.0 / np.sqrt(3), (frames, n, 3))
    centres = np.cumsum(jumps, axis=0) + rng.uniform(0, 15.0, (1, n, 3))
    return centres + rng.normal(0.0, 0.1, (frames, n, 3))


def phop_reference(x: np.ndarray, window: int) -> np.ndarray:
    h = window // 2
    out = np.empty((x.shape[0] - 2 * h, x.shape[1]))
    for k, t in enumerate(range(h, x.shape[0] - h)):
        a, b = x[t - h:t + 1], x[t:t + h + 1]
        ma, mb = a.mean(axis=0), b.mean(axis=0)
        term_a = ((a - mb) ** 2).sum(axis=2).mean(axis=0)
        term_b = ((b - ma) ** 2).sum(axis=2).mean(axis=0)
        out[k] = np.sqrt(term_a * term_b)
    return out


def best_of(fn, repeat: int) -> tuple[float, np.ndarray]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from glassml.dynamics.rearrangements import phop, rearrangement_events

    x = caged_walk(args.n, args.frames)
    t_ref, p_ref = best_of(lambda: phop_reference(x, args.window), args.repeat)
    t_gml, p_gml = best_of(lambda: phop(x, args.window), args.repeat)
    err = float(np.max(np.abs(p_gml - p_ref)))
    assert err < 1e-9, err
    t_ev, ev = best_of(lambda: rearrangement_events(x, args.window, 0.2), args.repeat)
    work = p_ref.size
    print(f"p_hop: N = {args.n}, T = {args.frames} frames, window = {args.window} frames, "
          f"{work} particle-frames; max |glassml - reference| = {err:.1e}")
    print(f"  numpy reference   {t_ref:8.3f} s  {work / t_ref:12.3e} particle-frames/s")
    print(f"  glassml phop      {t_gml:8.3f} s  {work / t_gml:12.3e} particle-frames/s  ratio {t_ref / t_gml:.1f}x")
    print(f"  glassml events    {t_ev:8.3f} s  {work / t_ev:12.3e} particle-frames/s  ({len(ev)} events, p_c = 0.2)")


if __name__ == "__main__":
    main()
