"""Per-particle targets on hand-built systems (answers worked out below), the replica ceiling
on synthetic propensities with a known answer, and compute_targets on a dataset.  Checks
against atooms-pp and the real GlassBench KA2D files are in tests/validation."""

from __future__ import annotations

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
    initial_neighbors,
    overlap_mobility,
    replica_ceiling,
    split_half_stats,
    half_splits,
)
from glassml.errors import GlassmlError
from glassml.store import Dataset

SIGMA = np.array([[1.0, 0.8], [0.8, 0.88]])


def tiny():
    """Four particles in a non-square periodic box (6 x 5.5), two replicas, two times.

    p0 A (0.5, 0.5) and p1 A (1.5, 0.5): AA neighbors (r = 1 < 1.485) and the only BOTAN edge.
    p2 B (5.7, 0.5): neighbor of p0 through the periodic x wall (r = 0.8 < 1.485 * 0.8 = 1.188).
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


def test_neighbors_and_edges_cross_the_periodic_wall():
    x0, types, box, _ = tiny()
    i, j, rij, s = initial_neighbors(x0, types, box, SIGMA, 1.485)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2)]
    np.testing.assert_allclose(rij, [[1.0, 0.0], [-0.8, 0.0]], atol=1e-12)
    np.testing.assert_allclose(s, [1.0, 0.8])
    ei, ej, erij = edge_pairs(x0, types, box, 1.35, 0)
    assert list(zip(ei.tolist(), ej.tolist())) == [(0, 1)]


def test_every_target_on_the_tiny_system():
    x0, types, box, d = tiny()
    i, j, rij, s = initial_neighbors(x0, types, box, SIGMA, 1.485)
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


def _as_format_version_1(ds):
    """Rewrite a dataset as format version 1 wrote it: ``neighbour_count`` for ``neighbor_count``."""
    for name in ds.sample_names():
        arrays = ds[name].arrays()
        if "neighbor_count" in arrays:
            arrays["neighbour_count"] = arrays.pop("neighbor_count")
        ds.write_sample(name, arrays, save=False)
    ds.manifest["format_version"] = 1
    ds.save_manifest()
    return Dataset.open(ds.path)


def test_format_version_1_dataset_is_renamed_not_recomputed(tmp_path, monkeypatch):
    ds = _tiny_dataset(tmp_path / "ds")
    compute_targets(ds, show_progress=False)
    counts = ds["s0"]["neighbor_count"].copy()
    md = ds["s0"]["md_prop"].copy()
    old = _as_format_version_1(ds)
    assert old.manifest["format_version"] == 1 and "neighbour_count" in old["s0"] and "neighbor_count" not in old["s0"]

    def no_recompute(*args, **kwargs):
        raise AssertionError("an up-to-date version-1 sample was recomputed")

    monkeypatch.setattr("glassml.dynamics.compute.sample_targets", no_recompute)
    compute_targets(old, show_progress=False)
    new = Dataset.open(tmp_path / "ds")
    assert new.manifest["format_version"] == 2 and new.verify().complete
    assert "neighbour_count" not in new["s0"]
    np.testing.assert_array_equal(new["s0"]["neighbor_count"], counts)
    np.testing.assert_array_equal(new["s0"]["md_prop"], md)
    mtime = new["s0"].path.stat().st_mtime_ns
    compute_targets(new, show_progress=False)  # now simply up to date
    assert new["s0"].path.stat().st_mtime_ns == mtime


def test_format_version_1_dataset_with_stale_targets_is_recomputed_cleanly(tmp_path):
    ds = _tiny_dataset(tmp_path / "ds")
    compute_targets(ds, show_progress=False, params=TargetParameters(broken=3.0))
    old = _as_format_version_1(ds)
    compute_targets(old, show_progress=False)  # default parameters: stale, recomputed
    new = Dataset.open(tmp_path / "ds")
    assert new.manifest["format_version"] == 2 and "neighbour_count" not in new["s0"]
    fresh = _tiny_dataset(tmp_path / "fresh")
    compute_targets(fresh, show_progress=False)
    for key in ("neighbor_count", "md_prop", "bb_prop", "target_split_stats"):
        np.testing.assert_array_equal(new["s0"][key], fresh["s0"][key])
    assert sorted(new["s0"].keys()) == sorted(fresh["s0"].keys())


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


@pytest.mark.parametrize("dim", [2, 3])
def test_pairs_within_matches_brute_force(dim):
    from glassml.dynamics.neighbors import pairs_within

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
