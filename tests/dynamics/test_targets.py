"""Per-particle targets on hand-built systems (answers worked out below), the replica ceiling
on synthetic propensities with a known answer, compute_targets on a dataset, and the real
GlassBench KA2D files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassml.dynamics import TargetParameters, compute_targets, displacements, from_arrays, sample_targets
from glassml.dynamics.targets import (
    bond_breaking_propensity,
    cage_relative_propensity,
    displacement_propensity,
    edge_pairs,
    edge_propensity,
    initial_neighbours,
    overlap_mobility,
    replica_ceiling,
    split_half_stats,
    half_splits,
)
from glassml.errors import GlassmlError
from glassml.store import Dataset

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "glassbench-ka2d"
SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])


def tiny():
    """Four particles in a non-square periodic box (6 x 5.5), two replicas, two times.

    p0 A (0.5, 0.5) and p1 A (1.5, 0.5): AA neighbours (r = 1 < 1.485) and the only BOTAN edge.
    p2 B (5.7, 0.5): neighbour of p0 through the periodic x wall (r = 0.8 < 1.485 * 0.8 = 1.188).
    p3 A (3.5, 3.0): isolated (nearest 3.2 away).
    t0: replica 0 moves p0 by (+0.1, 0); replica 1 does nothing.
    t1: replica 0 moves p1 by (+1, 0) (AA bond at 2.0 > 1.7: broken) and p3 by (0.3, 0.4);
        replica 1 moves p2 by (-1, 0) (AB bond at 1.8 > 1.7 * 0.8 = 1.36: broken).
    """
    x0 = np.array([[0.5, 0.5], [1.5, 0.5], [5.7, 0.5], [3.5, 3.0]])
    types = np.array([0, 0, 1, 0])
    box = np.array([6.0, 5.5])
    d = np.zeros((2, 2, 4, 2))
    d[0, 0, 0] = [0.1, 0.0]
    d[1, 0, 1] = [1.0, 0.0]
    d[1, 0, 3] = [0.3, 0.4]
    d[1, 1, 2] = [-1.0, 0.0]
    return x0, types, box, d


def test_neighbours_and_edges_cross_the_periodic_wall():
    x0, types, box, _ = tiny()
    i, j, rij, s = initial_neighbours(x0, types, box, SIGMA, 1.485)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2)]
    np.testing.assert_allclose(rij, [[1.0, 0.0], [-0.8, 0.0]], atol=1e-12)
    np.testing.assert_allclose(s, [1.0, 0.8])
    ei, ej, erij = edge_pairs(x0, types, box, 1.35, 0)
    assert list(zip(ei.tolist(), ej.tolist())) == [(0, 1)]


def test_every_target_on_the_tiny_system():
    x0, types, box, d = tiny()
    i, j, rij, s = initial_neighbours(x0, types, box, SIGMA, 1.485)
    np.testing.assert_allclose(displacement_propensity(d), [[0.05, 0, 0, 0], [0, 0.5, 0.5, 0.25]], atol=1e-12)
    # cage-relative, t1 replica 0: p0 0 - (d1 + d2)/2 = -(0.5, 0) -> 0.5; p1 (1,0) - d0 -> 1; p2 0; p3 0.5 (isolated)
    # replica 1: p0 -(d1 + d2)/2 = (0.5, 0) -> 0.5; p1 0; p2 (-1, 0) - 0 -> 1; p3 0
    np.testing.assert_allclose(cage_relative_propensity(d, i, j), [[0.05, 0.05, 0.05, 0], [0.5, 0.5, 0.5, 0.25]], atol=1e-12)
    # bonds: p0 loses one of two in each replica; p1 and p2 lose their only bond in one replica of two
    np.testing.assert_allclose(bond_breaking_propensity(d, i, j, rij, s, 1.7), [[0, 0, 0, 0], [0.5, 0.5, 0.5, 0]], atol=1e-12)
    np.testing.assert_allclose(overlap_mobility(d, 0.3), [[0, 0, 0, 0], [0, 0.5, 0.5, 0.5]], atol=1e-12)
    ei, ej, erij = edge_pairs(x0, types, box, 1.35, 0)
    # edge (0, 1): t0 replica 0 closes to 0.9 (-0.1), t1 replica 0 opens to 2.0 (+1.0)
    np.testing.assert_allclose(edge_propensity(d, ei, ej, erij), [[-0.05], [0.5]], atol=1e-12)


def test_folded_start_is_repaired_at_the_first_time():
    x0, types, box, d = tiny()
    unwrapped_start = x0 + np.array([[0, 0], [6.0, 0], [-6.0, 5.5], [0, 0]])  # as a simulation would continue it
    positions = unwrapped_start[None, None] + d
    np.testing.assert_allclose(displacements(x0, positions, box), d, atol=1e-12)
    np.testing.assert_allclose(displacements(unwrapped_start, positions, box), d, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.integers(-2, 2))
def test_targets_are_permutation_and_image_invariant(seed, shift):
    rng = np.random.default_rng(seed)
    n, box = 40, np.array([7.0, 6.0])
    x0 = rng.uniform(0, 1, (n, 2)) * box
    types = rng.integers(0, 2, n)
    d = rng.normal(0, 0.4, (3, 4, n, 2))
    iso = from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": x0 + d, "times": [1.0, 2.0, 3.0]})
    ref = sample_targets(iso, SIGMA, TargetParameters(n_splits=2))
    perm = rng.permutation(n)
    moved = x0[perm] + shift * box  # another periodic image of the whole configuration
    iso2 = from_arrays({"types": types[perm], "box": box, "initial_positions": moved, "positions": moved + d[:, :, perm], "times": [1.0, 2.0, 3.0]})
    out = sample_targets(iso2, SIGMA, TargetParameters(n_splits=2))
    for key in ("md_prop", "cr_prop", "bb_prop", "ov_prop"):
        np.testing.assert_allclose(out[key], ref[key][:, perm], atol=1e-10)
    inv = np.argsort(perm)
    ref_edges = {tuple(sorted(e)): k for k, e in enumerate(ref["edge_index"].T.tolist())}
    for k, (a, b) in enumerate(out["edge_index"].T.tolist()):
        kk = ref_edges[tuple(sorted((perm[a], perm[b])))]
        np.testing.assert_allclose(out["edge_prop"][:, k], ref["edge_prop"][:, kk], atol=1e-10)
    assert len(ref_edges) == out["edge_index"].shape[1]
    assert inv.size == n


def test_replica_ceiling_matches_the_noise_model():
    """propensity p_i ~ N(0, 1), replica values p_i + N(0, s^2): with R replicas the split-half
    correlation is 1 / (1 + 2 s^2 / R) and the ceiling sqrt(1 / (1 + s^2 / R))."""
    rng = np.random.default_rng(1)
    n, reps, s = 40_000, 8, 2.0
    p = rng.normal(size=n)
    per = p[None, None] + rng.normal(0, s, (1, reps, n))
    stats = split_half_stats(per, None, half_splits(reps, 4, 0))
    r, ceiling = replica_ceiling(stats, reps)
    assert r[0] == pytest.approx(1 / (1 + 2 * s**2 / reps), abs=0.01)
    assert ceiling[0] == pytest.approx(np.sqrt(1 / (1 + s**2 / reps)), abs=0.01)
    # pooling: stats of two halves of the particles add up to the stats of all
    both = split_half_stats(per[:, :, : n // 2], None, half_splits(reps, 4, 0)) + split_half_stats(per[:, :, n // 2 :], None, half_splits(reps, 4, 0))
    np.testing.assert_allclose(both, stats, rtol=1e-9)


def _tiny_dataset(path, **kw):
    x0, types, box, d = tiny()
    ds = Dataset.create(path, model={"name": "test", "sigma": SIGMA.tolist()}, dimension=2, times=[1.0, 2.0], n_replicas=2)
    arrays = {"types": types, "box": box, "initial_positions": x0, "positions": x0[None, None] + d, "times": np.array([1.0, 2.0])}
    arrays.update(kw)
    ds.write_sample("s0", arrays)
    return ds


def test_compute_targets_stores_records_and_resumes(tmp_path):
    ds = _tiny_dataset(tmp_path / "ds")
    compute_targets(ds, show_progress=False)
    ds = Dataset.open(tmp_path / "ds")
    s = ds["s0"]
    np.testing.assert_allclose(s["md_prop"], [[0.05, 0, 0, 0], [0, 0.5, 0.5, 0.25]], atol=1e-12)
    np.testing.assert_allclose(s["bb_prop"], [[0, 0, 0, 0], [0.5, 0.5, 0.5, 0]], atol=1e-12)
    assert s["edge_index"].tolist() == [[0], [1]]
    rec = ds.manifest["targets"]
    assert set(rec) >= {"md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_prop"}
    assert len(rec["md_prop"]["ceiling"]) == 2 and rec["md_prop"]["parameters"]["shell"] == 1.485
    sha = ds.manifest["samples"]["s0"]["sha256"]
    mtime = s.path.stat().st_mtime_ns
    compute_targets(ds, show_progress=False)  # up to date: not rewritten
    assert s.path.stat().st_mtime_ns == mtime and ds.manifest["samples"]["s0"]["sha256"] == sha
    compute_targets(ds, show_progress=False, params=TargetParameters(broken=3.0))  # new parameters: recomputed
    assert Dataset.open(tmp_path / "ds")["s0"]["bb_prop"].max() == 0.0


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    from glassml.cli import main

    x0, types, box, d = tiny()
    ds = Dataset.create(tmp_path / "norep", model="test", dimension=2, times=[1.0])
    ds.write_sample("s0", {"types": types, "box": box, "initial_positions": x0})
    with pytest.raises(GlassmlError, match="no replica"):
        compute_targets(ds, show_progress=False)
    assert main(["targets", str(tmp_path / "norep")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no replica" in err
    # times disagree with positions
    ds = Dataset.create(tmp_path / "badt", model="test", dimension=2, times=[1.0, 2.0, 3.0])
    ds.write_sample("s0", {"types": types, "box": box, "initial_positions": x0, "positions": x0[None, None] + d}, validate=False)
    assert main(["targets", str(tmp_path / "badt")]) == 2
    # particle numbers disagree
    with pytest.raises(GlassmlError, match="particle numbers"):
        from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": np.zeros((2, 2, 3, 2)), "times": [1, 2]})
    with pytest.raises(GlassmlError, match="no replicas"):
        from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": np.zeros((2, 0, 4, 2)), "times": [1, 2]})
    with pytest.raises(GlassmlError, match="at least 2"):
        from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": np.zeros((1, 2, 4, 2)), "times": [1]}, need_times=2)


def glassbench_iso():
    files = [DATA / f"N1290T0.23_151_tc{tc}.npz" for tc in ("05", "40")]
    if not all(f.exists() for f in files):
        pytest.skip("GlassBench KA2D files not present")
    a, b = (np.load(f) for f in files)
    arrays = {
        "types": (a["types"] - 1).astype(np.int64),
        "box": float(a["box"]),
        "initial_positions": a["initial_positions"],
        "positions": np.stack([a["positions"], b["positions"]]),
        "times": np.array([0.1, 1.5e6]),
    }
    return arrays


def test_glassbench_cage_relative_differs_from_plain():
    """KA2D T = 0.23 (Jung et al. roadmap data, arXiv 2311.14752): at t = 1.5e6 (≈ 1.6 tau_alpha)
    the cage-relative propensity is measurably different from the plain one and is the more
    reproducible of the two across replica halves."""
    arrays = glassbench_iso()
    iso = from_arrays(arrays)
    assert np.abs(iso.displacements[0]).max() < 0.25  # the start is unwrapped: no repair needed
    out = sample_targets(iso, np.array([[1.0, 0.8, 0.9], [0.8, 0.88, 0.8], [0.9, 0.8, 0.94]]))
    a = iso.types == 0
    r_md_cr = np.corrcoef(out["md_prop"][1, a], out["cr_prop"][1, a])[0, 1]
    assert r_md_cr < 0.985  # measured 0.973 (type A)
    assert out["cr_prop"][1].mean() < out["md_prop"][1].mean()
    stats = out["target_split_stats"]
    r_md, _ = replica_ceiling(stats[0], iso.n_replicas)
    r_cr, _ = replica_ceiling(stats[1], iso.n_replicas)
    assert r_cr[1] > r_md[1]
    # neighbours: about six per particle in 2D
    assert 5.0 < out["neighbour_count"].mean() < 7.5


@pytest.mark.parametrize("dim", [2, 3])
def test_pairs_within_matches_brute_force(dim):
    from glassml.dynamics.neighbours import pairs_within

    rng = np.random.default_rng(dim)
    box = np.array([5.0, 6.5, 7.0])[:dim]
    x = rng.uniform(-10, 10, (120, dim))  # unwrapped, outside the box
    i, j, rij = pairs_within(x, box, 1.6)
    diff = x[None] - x[:, None]
    diff -= box * np.round(diff / box)
    dist = np.linalg.norm(diff, axis=-1)
    bi, bj = np.nonzero(np.triu(dist < 1.6, k=1))
    assert list(zip(i.tolist(), j.tolist())) == list(zip(bi.tolist(), bj.tolist()))
    np.testing.assert_allclose(rij, diff[bi, bj], atol=1e-12)


def test_cage_relative_agrees_with_atooms_pp_helper():
    """atooms-pp's cage-relative coordinates x_i - <x_j>_{j in N_i} (neighbours within a radius
    in the initial frame, minimum image) give, frame to frame, the same cage-relative
    displacement magnitude as cr_prop with sigma = 1 and shell = radius."""
    cage = pytest.importorskip("atooms.postprocessing.cage_relative")
    rng = np.random.default_rng(7)
    box = np.array([8.0, 8.0])
    g = (np.stack(np.meshgrid(np.arange(8), np.arange(8), indexing="ij"), -1).reshape(-1, 2) + 0.5).astype(float)
    x0 = g + rng.normal(0, 0.1, g.shape)
    types = np.zeros(len(x0), np.int64)
    d = rng.normal(0, 0.15, (2, 3, len(x0), 2))
    i, j, rij, s = initial_neighbours(x0, types, box, np.ones((1, 1)), 1.3)
    mine = cage_relative_propensity(d, i, j)
    nl, nb = cage.find_neighbors(x0, np.ones(len(x0), np.int32), 1.3, box)
    c0 = cage.get_cage_relative_coord(x0, nb, nl, box)
    ref = np.zeros_like(mine)
    for t in range(d.shape[0]):
        for r in range(d.shape[1]):
            ct = cage.get_cage_relative_coord(x0 + d[t, r], nb, nl, box)
            ref[t] += np.linalg.norm(ct - c0, axis=1) / d.shape[1]
    np.testing.assert_allclose(mine, ref, rtol=1e-6, atol=1e-12)


def test_default_neighbour_shell_sits_at_the_first_minimum_of_g_on_glassbench():
    """The bond-breaking / cage shell (r < 1.485 sigma_ij) is the first-neighbour shell: on the
    real GlassBench KA2D configuration the pair distribution of x = r_ij / sigma_ij, pooled over
    species pairs, has its first peak near 1.1 and its first minimum near 1.45 (thermal) to 1.48
    (inherent); the 'broken' distance 1.7 lies beyond that minimum."""
    from scipy.spatial import cKDTree

    from glassml.systems import get_model

    path = DATA / "N1290T0.23_151_tc05.npz"
    if not path.exists():
        pytest.skip("GlassBench KA2D sample not available")
    params = TargetParameters()
    sigma = np.asarray(get_model("ka2d").sigma)
    with np.load(path) as f:
        box, types = float(f["box"]), f["types"].astype(np.int64) - 1
        confs = {k: f[k].astype(np.float64) % box for k in ("initial_positions", "initial_positions_inherent")}
    for key, pos in confs.items():
        pairs = cKDTree(pos, boxsize=box).query_pairs(2.6 * sigma.max(), output_type="ndarray")
        d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
        d -= box * np.round(d / box)
        x = np.linalg.norm(d, axis=1) / sigma[types[pairs[:, 0]], types[pairs[:, 1]]]
        edges = np.arange(0.5, 2.5, 0.01)
        centres = 0.5 * (edges[1:] + edges[:-1])
        g = np.convolve(np.histogram(x, edges)[0] / centres, np.ones(7) / 7, mode="same")  # 2D shell ~ r
        peak = int(np.argmax(g))
        minimum = centres[peak + int(np.argmin(g[peak : peak + 100]))]
        assert 1.05 < centres[peak] < 1.15, (key, centres[peak])
        assert abs(minimum - params.shell) < 0.07, (key, minimum)
        assert params.broken > minimum + 0.15


def test_inherent_state_displacement_predicts_long_time_propensity_on_glassbench():
    """Physics check of glassml's displacement descriptor on independent data (GlassBench KA2D,
    T = 0.23, t = 1.5e6 ≈ 1.6 tau_alpha, 600 type-A particles): the coarse-grained
    |x_thermal - x_inherent| correlates with the cage-relative propensity, more as L grows, and
    more than the inherent-state potential energy (GlassBench's EPOT baseline)."""
    from glassml.structure.descriptors.base import Configuration
    from glassml.structure.descriptors.displacement import RelaxationDisplacement
    from glassml.structure.descriptors.physics import PotentialEnergy
    from glassml.systems import get_model

    arrays = glassbench_iso()
    out = sample_targets(from_arrays(arrays), np.asarray(get_model("ka2d").sigma))
    with np.load(DATA / "N1290T0.23_151_tc05.npz") as f:
        box = float(f["box"])
        inherent, thermal = f["initial_positions_inherent"] % box, f["initial_positions"] % box
    types = arrays["types"]
    conf = Configuration(inherent, box, types, reference=thermal, model="ka2d")
    desc = RelaxationDisplacement()
    x = desc.compute(conf)
    a = types == 0
    y = out["cr_prop"][1, a]
    r = {name: np.corrcoef(x[a, k], y)[0, 1] for k, name in enumerate(desc.names)}
    epot = np.corrcoef(PotentialEnergy().compute(conf)[a, 0], y)[0, 1]
    assert r["U_L0"] < r["U_L1"] < r["U_L2"] < r["U_L3"], r
    assert r["U_L3"] > 0.3 and r["U_L3"] > epot + 0.05, (r, epot)
