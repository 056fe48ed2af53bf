"""Benchmark: Jung's physics-inspired set plus Boattini's set for one N = 4096 KA3D
configuration, against partycls measured in the same run.

Configuration: a jittered simple-cubic lattice (16^3 = 4096 sites, Gaussian jitter 0.1) with
KA composition 80:20 at rho = 1.2 (L = 15.05658): realistic neighbor counts; the timings do
not depend on the structure being a glass.

glassml (timed after one warm-up call that compiles the numba kernels):
  * ``jung``: energies from glassml.systems (KA3D), Voronoi surfaces (freud), coarse-graining
    over L = 0..5 for A, B and all particles (72 features), cutoff min(3 max L, L_box/2);
  * ``boattini``: radial bond order l = 1..8 on shells 1.0..1.5 (48), radial densities per
    species on the same shells (12), one round of coarse-graining (120 features).
partycls 2.0.2 (same configuration, same run): RadialBondOrientationalDescriptor with the
same parameters (what it can do of the Boattini set: it has no recursive coarse-graining, and
its release has no physics-inspired descriptor, which lives in an unreleased branch).  The
Jung part is compared with a brute-force numpy reference instead (``--reference``).

Usage: python benchmarks/structure.py [--n 4096] [--repeat 3] [--no-partycls] [--reference]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np


def make_configuration(n: int, seed: int = 0):
    from glassml.systems import get_model

    model = get_model("ka3d")
    box = model.box_for(n)
    m = round(n ** (1 / 3))
    if m**3 != n:
        raise SystemExit("--n must be a cube (e.g. 4096)")
    rng = np.random.default_rng(seed)
    g = (np.stack(np.meshgrid(*[np.arange(m)] * 3, indexing="ij"), -1).reshape(-1, 3) + 0.5) * box[0] / m
    pos = g + rng.normal(0, 0.1, g.shape) - box / 2
    types = rng.permutation(model.types_for(n))
    return pos, box, types


def time_glassml(pos, box, types, repeat: int):
    from glassml.structure import Configuration, compute_set

    def once():
        conf = Configuration(pos, box, types, model="ka3d")
        t0 = time.perf_counter()
        xj, _ = compute_set("jung", conf)
        t1 = time.perf_counter()
        xb, _ = compute_set("boattini", conf)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, xj, xb

    once()  # compile / load the numba kernels, import freud and vesin
    runs = [once() for _ in range(repeat)]
    tj = statistics.median(r[0] for r in runs)
    tb = statistics.median(r[1] for r in runs)
    tt = statistics.median(r[0] + r[1] for r in runs)
    return tj, tb, tt, runs[-1][2], runs[-1][3]


def time_rbo_only(pos, box, types, repeat: int):
    from glassml.structure import Configuration, RadialBondOrder

    times = []
    for _ in range(repeat):
        conf = Configuration(pos, box, types)
        t0 = time.perf_counter()
        x = RadialBondOrder().compute(conf)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), x


def time_partycls(pos, box, types):
    import partycls
    from partycls.descriptors import RadialBondOrientationalDescriptor

    L = float(box[0])
    wrapped = pos - L * np.round(pos / L)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "conf.xyz")
        with open(path, "w") as fh:
            fh.write(f"{len(pos)}\ncolumns:species,pos cell:{L!r},{L!r},{L!r}\n")
            for t, r in zip(types, wrapped):
                fh.write(f"{'AB'[t]} {float(r[0])!r} {float(r[1])!r} {float(r[2])!r}\n")
        t0 = time.perf_counter()
        traj = partycls.Trajectory(path)
        t_read = time.perf_counter() - t0
        d = RadialBondOrientationalDescriptor(traj, lmin=1, lmax=8, bounds=(1.0, 1.5), dr=0.1, delta=0.1, skin=2.5)
        t0 = time.perf_counter()
        x = d.compute()
        t_rbo = time.perf_counter() - t0
    return t_read, t_rbo, x


def jung_reference(pos, box, types, lengths=(0, 1, 2, 3, 4, 5), chunk=256):
    """Brute-force numpy reference of the Jung set (O(N^2)), for timing and agreement."""
    from glassml.structure import Configuration, VoronoiCells

    conf = Configuration(pos, box, types, model="ka3d")
    e = conf.energies()
    c = VoronoiCells(conf).surface
    cutoff = min(3 * max(lengths), 0.5 * box.min() * (1 - 1e-9))
    n, k = len(pos), 2
    out = np.zeros((n, len(lengths), k + 1, 4))
    for a in range(0, n, chunk):
        d = pos[None, :, :] - pos[a : a + chunk, None, :]
        d -= box * np.round(d / box)
        r = np.linalg.norm(d, axis=-1)
        for li, L in enumerate(lengths):
            with np.errstate(divide="ignore", over="ignore"):
                w = np.where(r < cutoff, np.exp(-r / L), 0.0) if L > 0 else (r == 0).astype(float)
            w[np.arange(r.shape[0]), np.arange(a, a + r.shape[0])] = 1.0
            for g in range(k + 1):
                wg = w if g == k else w * (types == g)[None, :]
                rho = wg.sum(1)
                safe = np.where(rho > 0, rho, 1)
                E = np.where(rho > 0, wg @ e / safe, 0)
                out[a : a + chunk, li, g] = np.stack(
                    [rho, E, np.where(rho > 0, wg @ c / safe, 0), np.where(rho > 0, wg @ (e * e) / safe - E * E, 0)], 1
                )
    return out.reshape(n, -1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-partycls", action="store_true")
    ap.add_argument("--reference", action="store_true", help="also time the brute-force Jung reference")
    args = ap.parse_args()

    import numba

    pos, box, types = make_configuration(args.n)
    print(f"N = {args.n}, KA3D, L = {box[0]:.5f}, numba threads = {numba.get_num_threads()}, cpus = {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    tj, tb, tt, xj, xb = time_glassml(pos, box, types, args.repeat)
    print(f"glassml jung     {tj:7.3f} s  ({xj.shape[1]} features)")
    print(f"glassml boattini {tb:7.3f} s  ({xb.shape[1]} features)")
    print(f"glassml total    {tt:7.3f} s per configuration (median of {args.repeat}; goal <= 1 s)")
    t_rbo, x_rbo = time_rbo_only(pos, box, types, args.repeat)
    print(f"glassml radial bond order alone {t_rbo:7.3f} s")
    if not args.no_partycls:
        try:
            t_read, t_p, x_p = time_partycls(pos, box, types)
        except Exception as exc:  # pragma: no cover - depends on the environment
            print(f"partycls unavailable ({type(exc).__name__}: {exc})")
        else:
            err = float(np.max(np.abs(x_p - x_rbo)))
            print(f"partycls radial bond order      {t_p:7.3f} s (+{t_read:.3f} s reading the file), max |diff| = {err:.2e}")
            print(f"ratio partycls / glassml, same descriptor (RBO):            {t_p / t_rbo:7.1f}x")
            print(f"ratio partycls RBO / glassml full jung+boattini (more work): {t_p / tt:7.1f}x")
    if args.reference:
        t0 = time.perf_counter()
        ref = jung_reference(pos, box, types)
        t_ref = time.perf_counter() - t0
        rel = np.max(np.abs(ref - xj) / np.maximum(np.abs(ref), 1e-12))
        print(f"numpy brute-force jung reference {t_ref:7.3f} s, max relative diff = {rel:.1e}, ratio {t_ref / tj:.1f}x")


if __name__ == "__main__":
    main()
