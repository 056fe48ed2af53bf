"""Readers and writers: round trips of every writable format, reader details, the real GlassBench files."""

from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest

from glassml.data import tiny_dataset as make_dataset, tiny_sample as make_sample
from glassml.errors import GlassmlError
from glassml.store import Dataset
from glassml.store.formats import FORMATS, convert, detect_format, read_any, write_any
from glassml.store.formats.glassbench import TIME_GRIDS, time_code_table



def _meta(arrays, **kw):
    meta = {"format": "test", "model": {"name": "test"}, "dimension": arrays["box"].size, "temperature": 0.5,
            "times": [float(t) for t in arrays["times"]], "n_replicas": arrays["positions"].shape[1],
            "species_map": {"1": 0, "2": 1, "3": 2}, "split": None, "sources": []}
    meta.update(kw)
    return meta


def _same(a, b, keys, atol=0.0):
    for key in keys:
        assert np.asarray(a[key]).shape == np.asarray(b[key]).shape, key
        np.testing.assert_allclose(np.asarray(a[key], dtype=float), np.asarray(b[key], dtype=float), rtol=0, atol=atol, err_msg=key)


# ---------------------------------------------------------------------------- glassml dataset
def test_glassml_dataset_round_trip(tmp_path):
    ds = make_dataset(tmp_path / "a")
    records, meta = read_any(tmp_path / "a")
    assert meta["format"] == "glassml" and len(records) == 3
    out = write_any(tmp_path / "b", records, meta)
    assert out.verify().complete
    assert out.split == ds.split
    for name in ds.sample_names():
        _same(ds[name].arrays(), out[name].arrays(), ds[name].keys())
        assert ds.manifest["samples"][name]["sha256"] == out.manifest["samples"][name]["sha256"]  # deterministic bytes


def test_convert_force_replaces_and_refuses_without(tmp_path):
    make_dataset(tmp_path / "a", n_samples=2)
    make_dataset(tmp_path / "b", n_samples=1, seed=7)
    with pytest.raises(GlassmlError, match="--force"):
        convert(tmp_path / "a", tmp_path / "b")
    assert len(Dataset.open(tmp_path / "b")) == 1
    convert(tmp_path / "a", tmp_path / "b", force=True)
    assert len(Dataset.open(tmp_path / "b")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temporary leftovers


def test_convert_never_touches_a_foreign_directory(tmp_path):
    make_dataset(tmp_path / "a", n_samples=1)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    for force in (False, True):
        with pytest.raises(GlassmlError, match="not a glassml dataset"):
            convert(tmp_path / "a", tmp_path / "mine", force=force)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


# ---------------------------------------------------------------------------- frame formats
@pytest.mark.parametrize("fmt,suffix,atol", [("lammps-dump", ".dump", 0.0), ("extxyz", ".xyz", 0.0), ("gsd", ".gsd", 2e-5)])
@pytest.mark.parametrize("d", [2, 3])
def test_frame_format_round_trip(tmp_path, fmt, suffix, atol, d):
    arrays = make_sample(d=d, n_replicas=1, props=False)
    arrays.pop("initial_positions_inherent")
    path = tmp_path / f"s{suffix}"
    write_any(path, [("s", arrays)], _meta(arrays), fmt)
    assert detect_format(path) == fmt
    records, meta = read_any(path)
    assert meta["dimension"] == d and meta["n_replicas"] == 1
    (name, back), = records
    assert name == "s"
    np.testing.assert_array_equal(back["types"], arrays["types"])
    _same(back, arrays, ["box", "times"])
    _same(back, arrays, ["initial_positions", "positions"], atol=atol * arrays["box"].max())


@pytest.mark.parametrize("fmt,suffix", [("lammps-dump", ".dump"), ("extxyz", ".xyz"), ("gsd", ".gsd")])
@pytest.mark.parametrize("dst", ["out", "out.d"])
def test_one_sample_into_a_directory(tmp_path, fmt, suffix, dst):
    """One sample written to a directory goes to DIR/<sample><suffix>, as several samples do:
    a new directory without a suffix, or an existing empty one whatever its name."""
    arrays = make_sample(n_replicas=1, props=False)
    target = tmp_path / dst
    if target.suffix:
        target.mkdir()
    out = write_any(target, [("s", arrays)], _meta(arrays), fmt)
    assert out == [target / f"s{suffix}"] and sorted(p.name for p in target.iterdir()) == [f"s{suffix}"]
    (name, back), = read_any(target)[0]
    assert name == "s"
    np.testing.assert_array_equal(back["types"], arrays["types"])


def test_frame_writer_picks_a_replica_and_writes_many_files(tmp_path):
    arrays = make_sample(n_replicas=3, props=False)
    out = write_any(tmp_path / "dumps", [("a", arrays), ("b", make_sample(seed=1, n_replicas=3))], _meta(arrays), "lammps-dump", replica=2)
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == ["a.dump", "b.dump"] and len(out) == 2
    records, _ = read_any(tmp_path / "dumps")
    np.testing.assert_allclose(dict(records)["a"]["positions"][:, 0], arrays["positions"][:, 2], rtol=0, atol=0)


DUMP_WRAPPED = """ITEM: TIMESTEP
{step}
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS pp pp pp
0.0 10.0
0.0 10.0
0.0 10.0
ITEM: ATOMS {cols}
{rows}
"""


def _dump(frames, cols):
    return "".join(DUMP_WRAPPED.format(step=s, cols=cols, rows="\n".join(rows)) for s, rows in frames)


def test_dump_image_flags_scaled_columns_and_id_sort(tmp_path):
    # atom 2 crosses the +x boundary between the frames; atoms are listed out of id order
    text = _dump([(0, ["2 1 9.5 5 5 0 0 0", "1 2 1 1 1 0 0 0", "3 1 2 3 4 0 0 0"]),
                  (100, ["1 2 1 1 1 0 0 0", "3 1 2 3 4 0 0 0", "2 1 0.5 5 5 1 0 0"])], "id type x y z ix iy iz")
    (tmp_path / "a.dump").write_text(text)
    (name, arrays), = read_any(tmp_path / "a.dump", dt=0.005)[0]
    np.testing.assert_array_equal(arrays["types"], [1, 0, 0])
    np.testing.assert_allclose(arrays["initial_positions"], np.array([[1, 1, 1], [9.5, 5, 5], [2, 3, 4]]) - 5)
    np.testing.assert_allclose(arrays["positions"][0, 0, 1], [10.5 - 5, 0, 0])
    np.testing.assert_allclose(arrays["times"], [0.5])
    scaled = _dump([(0, ["1 1 0.1 0.1 0.1", "2 1 0.95 0.5 0.5", "3 2 0.2 0.3 0.4"]),
                    (5, ["1 1 0.1 0.1 0.1", "2 1 0.05 0.5 0.5", "3 2 0.2 0.3 0.4"])], "id type xs ys zs")
    (tmp_path / "b.dump").write_text(scaled)  # wrapped, no image flags: nearest-image unwrapping
    (_, b), = read_any(tmp_path / "b.dump")[0]
    np.testing.assert_allclose(b["positions"][0, 0, 1, 0] - b["initial_positions"][1, 0], 1.0)


def test_dump_frames_as_samples_and_2d_detection(tmp_path):
    text = _dump([(0, ["1 1 1 1 0", "2 2 3 3 0", "3 1 5 5 0"]), (10, ["1 1 2 1 0", "2 2 3 4 0", "3 1 5 6 0"])], "id type xu yu zu")
    (tmp_path / "c.dump").write_text(text)
    records, meta = read_any(tmp_path / "c.dump", frames="samples")
    assert [n for n, _ in records] == ["c_f0", "c_f1"] and meta["dimension"] == 2
    assert meta["species_map"] == {"1": 0, "2": 1}


def test_extxyz_named_species(tmp_path):
    text = ('2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 Time=0\nSi 0 0 0\nO 1 1 1\n'
            '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 Time=2.5\nSi 0 0 4\nO 1 1 1\n')
    (tmp_path / "m.xyz").write_text(text)
    (_, arrays), = read_any(tmp_path / "m.xyz")[0]
    meta = read_any(tmp_path / "m.xyz")[1]
    assert meta["species_map"] == {"O": 0, "Si": 1} and arrays["types"].tolist() == [1, 0]
    np.testing.assert_allclose(arrays["positions"][0, 0, 0], [0, 0, 4])  # unwrapped as stored
    np.testing.assert_allclose(arrays["times"], [2.5])


# ---------------------------------------------------------------------------- GlassBench, BOTAN, Bapst
def test_glassbench_models_round_trip(tmp_path):
    a = make_sample(n=12, props=True)
    arrays = {k: a[k] for k in ("types", "box", "initial_positions", "initial_positions_inherent", "md_prop", "bb_prop")}
    arrays["initial_positions_cage"] = a["initial_positions"] * 0.99
    arrays["GlassMLP"] = a["md_prop"] * 1.1  # a published prediction kept as-is
    meta = _meta(a, split={"train": ["N12T0.5_1"], "val": [], "test": ["N12T0.5_2"]})
    write_any(tmp_path / "gb", [("N12T0.5_1", arrays), ("N12T0.5_2", arrays)], meta, "glassbench-models")
    assert (tmp_path / "gb" / "test" / "N12T0.5_2.npz").exists()
    records, back_meta = read_any(tmp_path / "gb", density=12 / (4.0 * 5.0))
    assert back_meta["format"] == "glassbench-models" and back_meta["temperature"] == 0.5
    assert back_meta["split"]["test"] == ["N12T0.5_2"]
    back = dict(records)["N12T0.5_2"]
    _same(back, arrays, ["types", "initial_positions", "initial_positions_inherent", "initial_positions_cage", "md_prop", "bb_prop", "GlassMLP"])
    with np.load(tmp_path / "gb" / "test" / "N12T0.5_2.npz") as raw:
        assert raw["types"].min() == 1  # written with GlassBench's labels 1, 2, 3


@pytest.mark.parametrize("table", [True, False])
def test_glassbench_trajectories_round_trip(tmp_path, table):
    a = make_sample(n_times=3, n_replicas=4, props=False)
    if table:  # times from GlassBench's KA2D table -> codes tc05, tc15, tc40, no stored time
        a["times"] = np.asarray([time_code_table(0.23)[c] for c in (5, 15, 40)])
    meta = _meta(a, temperature=0.23)
    write_any(tmp_path / "tr", [("N9T0.23_7", a)], meta, "glassbench-trajectories")
    names = sorted(p.name for p in (tmp_path / "tr").iterdir())
    assert names == (["N9T0.23_7_tc05.npz", "N9T0.23_7_tc15.npz", "N9T0.23_7_tc40.npz"] if table else
                     ["N9T0.23_7_tc01.npz", "N9T0.23_7_tc02.npz", "N9T0.23_7_tc03.npz"])
    (name, back), = read_any(tmp_path / "tr")[0]
    assert name == "N9T0.23_7"
    _same(back, a, ["types", "box", "initial_positions", "initial_positions_inherent", "positions", "times"])


def test_glassbench_time_grids_are_one_table(tmp_path):
    """Every GlassBench time grid lives in TIME_GRIDS; readers take times from it."""
    ka3d = next(g for g in TIME_GRIDS if g.model == "KA3D" and g.temperature == 0.44)
    assert ka3d.times[6] == 4120.0 and len(ka3d.times) == 10  # tau_alpha at index 6
    assert time_code_table(0.30) == dict(zip(range(1, 7), (0.11, 1.25, 14.14, 158.74, 1781.79, 20000.0)))
    assert time_code_table(0.23)[40] == 1.5e6 and time_code_table(0.44) is None
    a = make_sample(d=3, n=8, n_times=10, props=True)
    arrays = {k: a[k] for k in ("types", "box", "initial_positions", "md_prop")}
    write_any(tmp_path / "gb", [("N8T0.44_1", arrays)], _meta(a, temperature=0.44), "glassbench-models")
    (_, back), = read_any(tmp_path / "gb", density=1.2)[0]
    assert back["times"].tolist() == list(ka3d.times)


def test_botan_box_from_density(tmp_path):
    a = make_sample(d=3, n=8, n_times=2, n_replicas=3, props=False)
    write_any(tmp_path / "bo", [("N8T0.44_3", a)], _meta(a, temperature=0.44), "botan")
    assert (tmp_path / "bo" / "isoconfig_N8T0.44_3_tc01.npz").exists()
    with np.load(tmp_path / "bo" / "isoconfig_N8T0.44_3_tc01.npz") as raw:
        np.savez(tmp_path / "bo" / "isoconfig_N8T0.44_3_tc01.npz", **{k: raw[k] for k in raw.files if k != "box"})
    with np.load(tmp_path / "bo" / "isoconfig_N8T0.44_3_tc02.npz") as raw:
        np.savez(tmp_path / "bo" / "isoconfig_N8T0.44_3_tc02.npz", **{k: raw[k] for k in raw.files if k != "box"})
    (name, back), = read_any(tmp_path / "bo", density=1.0)[0]
    assert name == "N8T0.44_3"
    np.testing.assert_allclose(back["box"], [2.0, 2.0, 2.0])  # (8 / 1.0) ** (1/3)
    _same(back, a, ["positions", "times", "initial_positions"])


def _bapst_dict(n=6, n_times=3, n_replicas=2, seed=0):
    a = make_sample(n=n, d=3, n_times=n_times, n_replicas=n_replicas, seed=seed, props=False)
    grid = np.logspace(-2, 3, 10)
    return a, {
        "positions": a["initial_positions"], "types": a["types"] % 2, "box": np.full(3, 4.5),
        "time": grid, "time_indices": np.array([2, 5, 9]), "is_values": np.array([0.9, 0.6, 0.3]),
        "trajectory_start_velocities": np.zeros((n_replicas, n, 3)),
        "trajectory_target_positions": [list(a["positions"][t]) for t in range(n_times)],
        "metadata": {"temperature": 0.44, "pressure": 2.0, "fluid": "Kob-Andersen"},
    }


def test_bapst_pickle_needs_opt_in(tmp_path):
    a, data = _bapst_dict()
    path = tmp_path / "system_0.pickle"
    path.write_bytes(pickle.dumps(data, protocol=3))
    with pytest.raises(GlassmlError, match="allow-pickle"):
        read_any(path)
    (name, back), = (meta := read_any(path, allow_pickle=True)[1]) and read_any(path, allow_pickle=True)[0]
    assert meta["temperature"] == 0.44 and meta["n_replicas"] == 2 and meta["model"] == {"name": "Kob-Andersen"}
    np.testing.assert_allclose(back["times"], np.logspace(-2, 3, 10)[[2, 5, 9]])
    np.testing.assert_allclose(back["positions"], a["positions"])
    assert "bapst" in FORMATS and FORMATS["bapst"].write is None


# ---------------------------------------------------------------------------- real data
def test_real_glassbench_files_load_with_documented_shapes(tmp_path, ka2d_tc05, ka2d_tc40):
    (name, a), = (r := read_any([ka2d_tc05, ka2d_tc40]))[0]
    meta = r[1]
    assert name == "N1290T0.23_151"
    assert a["types"].shape == (1290,) and a["initial_positions"].shape == (1290, 2)
    assert a["initial_positions_inherent"].shape == (1290, 2)
    assert a["positions"].shape == (2, 20, 1290, 2)
    np.testing.assert_allclose(a["box"], [32.8962, 32.8962])
    assert meta["times"] == [0.1, 1.5e6] and meta["species_map"] == {"1": 0, "2": 1, "3": 2}
    assert np.bincount(a["types"]).tolist() == [600, 330, 360]
    with np.load(ka2d_tc40) as raw:  # replicas kept in order, unwrapped coordinates untouched
        np.testing.assert_array_equal(a["positions"][1], raw["positions"])
    ds = convert([ka2d_tc05, ka2d_tc40], tmp_path / "ka2d")
    assert ds.verify().complete and ds.manifest["species_map"] == {"1": 0, "2": 1, "3": 2}
    assert ds.manifest["n_replicas"] == 20 and ds.manifest["model"]["name"] == "KA2D"
    # and back to GlassBench's own layout, byte-identical arrays
    write_any(tmp_path / "again", *read_any(tmp_path / "ka2d"), "glassbench-trajectories")
    with np.load(tmp_path / "again" / "N1290T0.23_151_tc05.npz") as new, np.load(ka2d_tc05) as old:
        for key in old.files:
            np.testing.assert_array_equal(new[key], old[key], err_msg=key)


# ---------------------------------------------------------------------------- property-based round trips
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 12), d=st.sampled_from([2, 3]), n_times=st.integers(1, 4), seed=st.integers(0, 2**16),
       scale=st.floats(0.01, 1e4), fmt=st.sampled_from(["lammps-dump", "extxyz", "glassbench-trajectories", "glassml"]))
def test_round_trip_property(tmp_path_factory, n, d, n_times, seed, scale, fmt):
    """Any valid sample (any N, d, box size, particles far outside the box) survives a round trip."""
    rng = np.random.default_rng(seed)
    box = rng.uniform(0.5, 2.0, d) * scale
    x0 = rng.uniform(-box / 2, box / 2, (n, d))
    arrays = {"types": rng.integers(0, 3, n), "box": box, "initial_positions": x0, "times": np.cumsum(rng.uniform(0.1, 10, n_times)),
              "positions": x0 + rng.normal(scale=3 * scale, size=(n_times, 1, n, d)).cumsum(axis=0)}
    meta = _meta(arrays, species_map={"1": 0, "2": 1, "3": 2}, temperature=0.7)
    out = tmp_path_factory.mktemp("rt") / ("one.dump" if fmt == "lammps-dump" else "one.xyz" if fmt == "extxyz" else "out")
    write_any(out, [("N5T0.7_1", arrays)], meta, fmt)
    (name, back), = read_any(out, fmt, species_map=meta["species_map"])[0]
    for key in ("types", "box", "initial_positions", "positions", "times"):
        np.testing.assert_array_equal(back[key], arrays[key], err_msg=key)


def test_directory_of_datasets_merges_and_skips_hidden_builds(tmp_path):
    a = make_dataset(tmp_path / "runs" / "a", n_samples=2)
    shutil.copytree(a.path, tmp_path / "runs" / ".a.tmp-123")  # a killed build lying aside: ignored
    b = Dataset.create(tmp_path / "runs" / "b", model="test", dimension=2, temperature=0.5, times=a.manifest["times"], n_replicas=2)
    b.write_sample("t0", make_sample(seed=9))
    records, meta = read_any(tmp_path / "runs")
    assert [n for n, _ in records] == ["s0", "s1", "t0"] and meta["format"] == "glassml"
    b.write_sample("s1", make_sample(seed=10))
    with pytest.raises(GlassmlError, match="same sample name 's1'"):
        read_any(tmp_path / "runs")


def test_only_builds_of_dead_processes_are_cleared(tmp_path):
    import os
    import socket

    from glassml.store.formats.dataset_io import remove_stale_builds

    host = socket.gethostname()
    dead = subprocess_pid_that_exited()
    live = tmp_path / f".ds.tmp-{host}-{os.getpid()}-abc"
    stale = tmp_path / f".ds.tmp-{host}-{dead}-abc"
    other_host = tmp_path / f".ds.tmp-elsewhere-{dead}-abc"
    for p in (live, stale, other_host):
        p.mkdir()
    assert remove_stale_builds(tmp_path / "ds") == [stale]
    assert live.exists() and other_host.exists() and not stale.exists()


def subprocess_pid_that_exited() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_empty_inherent_state_is_dropped(tmp_path):
    a = make_sample(n=6, n_times=1, n_replicas=2, props=False)
    np.savez(tmp_path / "N6T0.23_9_tc05.npz", box=np.asarray(4.0), types=a["types"] + 1, initial_positions=a["initial_positions"],
             initial_positions_inherent=np.zeros(0), positions=a["positions"][0])
    (name, arrays), = read_any(tmp_path / "N6T0.23_9_tc05.npz")[0]
    assert "initial_positions_inherent" not in arrays and arrays["positions"].shape == (1, 2, 6, 2)
    np.testing.assert_allclose(arrays["times"], [0.1])


def test_failed_write_leaves_nothing(tmp_path):
    good = make_sample()
    records = [("a", good), ("b", make_sample(seed=1)), ("bad name!", make_sample(seed=2))]
    meta = _meta(good)
    with pytest.raises(GlassmlError, match="invalid sample name"):
        write_any(tmp_path / "ds", records, meta)
    assert list(tmp_path.iterdir()) == []  # neither the dataset nor its build directory
    make_dataset(tmp_path / "old", n_samples=1)
    with pytest.raises(GlassmlError, match="invalid sample name"):
        write_any(tmp_path / "old", records, meta, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"] and Dataset.open(tmp_path / "old").sample_names() == ["s0"]
