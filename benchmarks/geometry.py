"""Benchmark: numba loops that keep their own pair search, against glassml.geometry.NeighborQuery
measured in the same run on the same input.

Every pair search in glassml goes through :class:`glassml.geometry.NeighborQuery`, except two
numba loops that visit all pairs themselves; they stay only while this benchmark shows them
faster, and their docstrings quote the ratio printed here (NeighborQuery time / own loop time,
so a ratio above 1 means the own loop is faster):

1. ``glassml.simulate.montecarlo.build_list``: the swap Monte Carlo kernel's Verlet list (radius
   r_c + skin = 2.81 for the polydisperse model), rebuilt inside the kernel, against
   ``NeighborQuery(x, box).neighbors(r_c + skin)`` (the same CSR list, checked equal).  Sizes:
   N = 300 (2D) and 500 (3D) are what the tests and ``measure_swap_speedup`` run; larger N
   show where the O(N^2) loop stops paying.  ``sweep`` is one Monte Carlo sweep without a
   rebuild, for scale (the kernel rebuilds every ~10 sweeps).
2. ``glassml.structure.kernels.exp_weighted_sums_allpairs`` (physics-inspired descriptors with
   L = 1..5 and the cutoff ``min(3 max L, half the box)``, where the cutoff spans much of the
   box), against ``NeighborQuery(...).half_pairs(cutoff)`` + ``exp_weighted_sums`` (the other
   branch of ``PhysicsInspired``; query construction included), results checked equal.
   Configurations: the quick preset's KA3D N = 300, GlassBench's KA2D N = 1290 (the real file
   in ../shared/data when present, else a jittered lattice) and KA3D N = 4096.

And, for reference, ``glassml.dynamics`` pairs within 3.0 through NeighborQuery against the
scipy periodic k-d tree it used before (same pairs).

Timings are the minimum over ``--repeat`` runs after a warm-up call that compiles the numba
kernels; numba uses its default number of threads.

Usage: python benchmarks/geometry.py [--repeat 7] [--skip-large]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

GLASSBENCH_KA2D = Path(__file__).resolve().parents[2] / "shared" / "data" / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"


def best_time(fn, repeat: int) -> float:
    fn()  # warm-up: numba compilation, imports
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def lattice(n: int, box: np.ndarray, seed: int, jitter: float = 0.1) -> np.ndarray:
    d = box.size
    m = int(np.ceil(n ** (1 / d) - 1e-9))
    rng = np.random.default_rng(seed)
    g = np.stack(np.meshgrid(*[np.arange(m)] * d, indexing="ij"), -1).reshape(-1, d)[:n]
    return (g + 0.5) * box / m + rng.normal(0, jitter, (n, d))


def row(label: str, t_own: float, t_query: float, note: str = "") -> None:
    print(f"  {label:<34} own {1e3 * t_own:9.3f} ms   NeighborQuery {1e3 * t_query:9.3f} ms   ratio {t_query / t_own:6.2f}  {note}")


def swap_verlet_lists(repeat: int, large: bool) -> None:
    from glassml.geometry import NeighborQuery
    from glassml.simulate import montecarlo
    from glassml.simulate.swap import SwapMonteCarlo

    print("1. swap Monte Carlo Verlet list: montecarlo.build_list vs NeighborQuery.neighbors")
    cases = [("poly-swap-2d", 300), ("poly-swap-3d", 500), ("poly-swap-3d", 1000), ("poly-swap-3d", 2000)]
    if large:
        cases += [("poly-swap-2d", 4000), ("poly-swap-3d", 4000)]
    for model, n in cases:
        mc = SwapMonteCarlo(model, n, 0.3, seed=1)
        mc.run(5)  # off the lattice
        x, box, rlist = mc.x.copy(), mc.box, mc.rcut + mc.skin
        start, nbr = montecarlo.build_list(x, box, rlist)
        nb = NeighborQuery(x, box).neighbors(rlist)
        assert np.array_equal(start, nb.offsets) and np.array_equal(nbr, nb.j)
        t_own = best_time(lambda: montecarlo.build_list(x, box, rlist), repeat)
        t_query = best_time(lambda: NeighborQuery(x, box).neighbors(rlist), repeat)
        probe = SwapMonteCarlo(model, temperature=0.3, seed=2, positions=x, diameters=mc.diameters)
        t_sweep = best_time(lambda: probe.run(1), max(3, repeat // 2))
        row(f"{model} N={n} ({nb.n_pairs // n} nbrs)", t_own, t_query, f"sweep {1e3 * t_sweep:.2f} ms")


def jung_configurations(large: bool):
    from glassml.systems import get_model

    ka3d, ka2d = get_model("ka3d"), get_model("ka2d")
    rng = np.random.default_rng(0)
    box = ka3d.box_for(300)
    yield "KA3D N=300 (quick)", lattice(300, box, 1), box, rng.permutation(ka3d.types_for(300))
    if GLASSBENCH_KA2D.exists():
        with np.load(GLASSBENCH_KA2D) as f:
            side = float(f["box"])
            yield "KA2D N=1290 (GlassBench)", f["initial_positions"].astype(float), np.full(2, side), f["types"] - 1
    else:
        box = ka2d.box_for(1290)
        yield "KA2D N=1290 (lattice)", lattice(1290, box, 2), box, rng.permutation(ka2d.types_for(1290))
    if large:
        box = ka3d.box_for(4096)
        yield "KA3D N=4096", lattice(4096, box, 3), box, rng.permutation(ka3d.types_for(4096))


def jung_coarse_graining(repeat: int, large: bool) -> None:
    import numba

    from glassml.geometry import NeighborQuery
    from glassml.structure.descriptors.physics import common_base
    from glassml.structure.kernels import exp_weighted_sums, exp_weighted_sums_allpairs

    print("2. physics-inspired coarse-graining, L = 1..5: exp_weighted_sums_allpairs vs half_pairs + exp_weighted_sums")
    lengths = np.arange(1.0, 6.0)
    base_inv, powers = common_base(lengths)
    nt = numba.get_num_threads()
    for label, pos, box, types in jung_configurations(large):
        n, d = pos.shape
        cutoff = min(15.0, 0.5 * float(box.min()) * (1 - 1e-9))
        types = np.ascontiguousarray(types, dtype=np.int64)
        k = int(types.max()) + 1
        periodic = np.ones(d, dtype=bool)
        values = np.random.default_rng(4).normal(size=(n, 3))

        def own():
            return exp_weighted_sums_allpairs(pos, box, periodic, cutoff, types, k, lengths, values, nt, base_inv, powers)

        def query():
            i, j, r = NeighborQuery(pos, box).half_pairs(cutoff)
            return exp_weighted_sums(i, j, r, types, k, lengths, values, nt, base_inv, powers)

        np.testing.assert_allclose(own(), query(), rtol=1e-10, atol=1e-10)
        ball = 4 / 3 * np.pi * cutoff**3 if d == 3 else np.pi * cutoff**2
        row(label, best_time(own, repeat), best_time(query, repeat), f"cutoff {cutoff:.2f}, ball/V {ball / np.prod(box):.2f}")


def dynamics_pairs(repeat: int) -> None:
    from scipy.spatial import cKDTree

    from glassml.geometry import NeighborQuery

    print("3. reference: pairs i < j within 3.0 (dynamics), scipy cKDTree vs NeighborQuery.half_pairs")
    for label, pos, box, _ in jung_configurations(False):
        def tree():
            folded = np.mod(pos, box)
            return cKDTree(folded, boxsize=box).query_pairs(3.0, output_type="ndarray")

        def query():
            return NeighborQuery(pos, box).half_pairs(3.0)

        assert len(tree()) == len(query()[0])
        row(label, best_time(tree, repeat), best_time(query, repeat), "(own = scipy)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--skip-large", action="store_true", help="leave out the N = 4000/4096 cases")
    args = ap.parse_args()
    import numba

    print(f"numba threads: {numba.get_num_threads()}; minimum of {args.repeat} runs; ratio = NeighborQuery / own")
    swap_verlet_lists(args.repeat, not args.skip_large)
    jung_coarse_graining(args.repeat, not args.skip_large)
    dynamics_pairs(args.repeat)


if __name__ == "__main__":
    main()
