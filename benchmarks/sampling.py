"""Benchmark: local Monte Carlo spin flips per second (numba kernel against plain numpy, same
run, same graph, same temperature) and MADE proposals per second.

- numba: ``glassml.sampling.LocalMonteCarlo`` (Metropolis and heat-bath), one chain after the
  other, one thread.
- numpy: ``glassml.sampling.numpy_metropolis``, the same single-node Metropolis update
  vectorised over R chains (every step updates one random node in each chain), the fastest
  plain-numpy form of a sequential local update on a random graph.
- network: ``MADE.sample`` (node-by-node autoregressive sampling with its log-probability)
  and ``MADE.log_prob``, proposals per second, one torch thread.

Attempted updates per second are reported ("spin flips" = attempted single-node updates).
Timings are the best of ``--repeat`` runs after a warm-up that compiles the kernels.

Usage: python benchmarks/sampling.py [--n 2000] [--q 4] [--c 12] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time



def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--q", type=int, default=4)
    ap.add_argument("--c", type=int, default=12)
    ap.add_argument("--temperature", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(1)
    from glassml.sampling import MADE, LocalMonteCarlo, numpy_metropolis, random_configurations, random_regular

    g = random_regular(args.q, args.c, args.n, seed=0)
    print(f"random {args.c}-regular graph, N = {args.n}, q = {args.q}, T = {args.temperature}")
    rates = {}
    for method, sweeps in (("metropolis", 50), ("heat-bath", 50)):
        s0 = random_configurations(g, 4, seed=1)
        mc = LocalMonteCarlo(g, args.temperature, method=method, seed=2)
        t = best(lambda: mc.run(s0, sweeps, record=False), args.repeat)
        rates[method] = 4 * sweeps * args.n / t
        print(f"numba {method:<11s} {rates[method] / 1e6:8.2f} M updates/s")
    for chains in (64, 512):
        s0 = random_configurations(g, chains, seed=1)
        sweeps = 1
        t = best(lambda: numpy_metropolis(g, s0, args.temperature, sweeps, seed=3), max(1, args.repeat - 1))
        rate = chains * sweeps * args.n / t
        print(f"numpy metropolis  {rate / 1e6:8.2f} M updates/s  (R = {chains} chains vectorised)"
              f"   numba/numpy = {rates['metropolis'] / rate:6.1f}x")
    for n, hidden in ((128, 64), (512, 64)):
        net = MADE(n, args.q, hidden=hidden, seed=0)
        batch = 1024
        t = best(lambda: net.sample(batch, seed=1), args.repeat)
        conf, _ = net.sample(batch, seed=1)
        t_lp = best(lambda: net.log_prob(conf), args.repeat)
        print(f"MADE N = {n:4d}, hidden {hidden}, {net.n_parameters():7d} parameters: "
              f"{batch / t:9.0f} proposals/s (sampling), {batch / t_lp:9.0f} log-probabilities/s")


if __name__ == "__main__":
    main()
