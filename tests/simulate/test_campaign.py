"""Campaigns: dataset contents, resume after SIGKILL (byte-identical), Dask workers, CLI errors."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.simulate import get_preset, run_campaign
from glassml.store import Dataset

TINY = "tiny"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted serial run of the tiny preset."""
    out = tmp_path_factory.mktemp("ref") / "ds"
    ds = run_campaign(TINY, out, seed=7, show_progress=False)
    return ds


def _checksums(path) -> dict[str, str]:
    ds = Dataset.open(path)
    return {n: e["sha256"] for n, e in ds.manifest["samples"].items()}


def test_campaign_writes_a_complete_dataset(reference):
    p = get_preset(TINY)
    ds = Dataset.open(reference.path)
    assert ds.verify().complete
    assert len(ds) == p.n_samples
    split = ds.split
    assert [len(split[s]) for s in ("train", "val", "test")] == list(p.split_counts())
    s = ds[ds.sample_names()[0]]
    n, d, r, t = p.n_particles, 2, p.n_replicas, len(p.times)
    assert s["positions"].shape == (t, r, n, d)
    assert s["initial_positions"].shape == (n, d) and s["initial_positions_inherent"].shape == (n, d)
    assert s["initial_positions_cage"].shape == (n, d)
    assert np.all((s["initial_positions"] >= 0) & (s["initial_positions"] < s["box"]))
    np.testing.assert_allclose(s["times"], p.times)
    assert sorted(np.unique(s["types"]).tolist()) == [0, 1, 2]
    assert len(set(s["seeds"].tolist())) == r
    entry = ds.manifest["samples"][s.name]
    assert entry["equilibration"]["converged"] in (True, False) and "seed" in entry
    assert ds.model["name"] == "ka2d" and ds.manifest["n_replicas"] == r
    # distinct samples are distinct configurations with distinct seeds
    s2 = ds[ds.sample_names()[1]]
    assert not np.allclose(s["initial_positions"], s2["initial_positions"])
    seeds = [e["seed"] for e in ds.manifest["samples"].values()]
    assert len(set(seeds)) == len(seeds)


def test_rerun_skips_finished_and_never_overwrites_another_campaign(reference, tmp_path):
    before = _checksums(reference.path)
    mtimes = {f.name: f.stat().st_mtime_ns for f in reference.sample_dir.iterdir()}
    ds = run_campaign(TINY, reference.path, seed=7, show_progress=False)
    assert ds.last_run["simulated"] == 0
    assert _checksums(reference.path) == before
    assert {f.name: f.stat().st_mtime_ns for f in reference.sample_dir.iterdir()} == mtimes
    with pytest.raises(GlassmlError, match="--force"):
        run_campaign(TINY, reference.path, seed=8, show_progress=False)
    assert _checksums(reference.path) == before


def test_corrupt_and_stale_files_are_redone_identically(reference, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(reference.path, out)
    names = sorted(_checksums(out))
    (out / "samples" / f"{names[0]}.npz").write_bytes(b"garbage")
    (out / "samples" / f"{names[1]}.npz").unlink()
    (out / "samples" / ".tmp-half-written").write_bytes(b"partial")
    ds = run_campaign(TINY, out, seed=7, show_progress=False)
    assert ds.last_run["simulated"] == 2
    assert _checksums(out) == _checksums(reference.path)
    assert ds.verify().complete


def test_dask_workers_give_the_same_bytes(reference, tmp_path):
    """Samples depend only on (seed, index): two Dask workers reproduce the serial bytes."""
    from dataclasses import replace

    two = replace(get_preset(TINY), n_samples=2, split=(1, 1, 0))
    ds = run_campaign(two, tmp_path / "dask", seed=7, workers=2, show_progress=False)
    ref = _checksums(reference.path)
    assert _checksums(ds.path) == {k: ref[k] for k in ds.sample_names()}


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "glassml", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, **kw)


def _complete_samples(out) -> int:
    folder = out / "samples"
    return len(list(folder.glob("*.npz"))) if folder.is_dir() else 0


def test_sigkill_at_random_moments_then_resume_is_byte_identical(reference, tmp_path):
    """SIGKILL each run a random moment after it has finished one more sample (so every kill
    lands while work is under way, however fast the machine), three times, then resume."""
    out = tmp_path / "killed"
    rng = random.Random(2024)
    kills = 0
    for attempt in range(6):
        done = _complete_samples(out)
        proc = _cli("simulate", "--preset", TINY, "--out", str(out), "--seed", "7", "--quiet")
        deadline = time.monotonic() + 240
        while proc.poll() is None and _complete_samples(out) <= done and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        if kills >= 3:
            break
    assert kills >= 3
    if Dataset.is_dataset(out):  # whatever a kill left: only complete, checksummed samples or stale files
        ds = Dataset.open(out)
        report = ds.verify()
        assert not report.corrupt
    proc = _cli("simulate", "--preset", TINY, "--out", str(out), "--seed", "7", "--quiet")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    ds = Dataset.open(out)
    report = ds.verify()
    assert report.complete, report.as_dict()
    assert _checksums(out) == _checksums(reference.path)
    for name in ds.sample_names():
        a, b = ds[name].arrays(), Dataset.open(reference.path)[name].arrays()
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def _one_line_exit_2(capsys, *args) -> str:
    code = main(list(args))
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def test_cli_bad_input_is_one_line_exit_2(capsys, tmp_path, reference):
    assert "unknown preset" in _one_line_exit_2(capsys, "simulate", "--preset", "nope", "--out", str(tmp_path / "a"))
    cfg = tmp_path / "c.toml"
    cfg.write_text('preset = "tiny"\nn_replica = 3\n')
    assert "n_replicas" in _one_line_exit_2(capsys, "simulate", "--config", str(cfg), "--out", str(tmp_path / "b"))
    cfg.write_text('preset = "tiny"\ndensity = 4.0\n')
    assert "impossible" in _one_line_exit_2(capsys, "simulate", "--config", str(cfg), "--out", str(tmp_path / "b"))
    cfg.write_text('preset = "tiny"\nn_particles = 10\n')
    assert "more particles" in _one_line_exit_2(capsys, "simulate", "--config", str(cfg), "--out", str(tmp_path / "b"))
    # a directory holding another dataset (other seed) or unrelated files is never touched
    before = _checksums(reference.path)
    assert "--force" in _one_line_exit_2(capsys, "simulate", "--preset", TINY, "--seed", "1", "--out", str(reference.path))
    assert _checksums(reference.path) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    _one_line_exit_2(capsys, "simulate", "--preset", TINY, "--out", str(other))
    assert (other / "notes.txt").read_text() == "mine"
    assert "non-negative" in _one_line_exit_2(capsys, "simulate", "--preset", TINY, "--seed", "-1", "--out", str(tmp_path / "x"))


def test_force_overwrites_another_campaign(tmp_path):
    p = get_preset(TINY)
    from dataclasses import replace

    small = replace(p, n_samples=1, split=(1, 0, 0))
    run_campaign(small, tmp_path / "f", seed=1, show_progress=False)
    with pytest.raises(GlassmlError):
        run_campaign(small, tmp_path / "f", seed=2, show_progress=False)
    ds = run_campaign(small, tmp_path / "f", seed=2, force=True, show_progress=False)
    assert ds.manifest["campaign"]["seed"] == 2 and ds.verify().complete


def test_kill_inside_dataset_creation_is_recovered(tmp_path):
    """Leftovers of an interrupted create (empty samples/, temporary manifest) do not block a rerun."""
    from dataclasses import replace

    out = tmp_path / "fresh"
    (out / "samples").mkdir(parents=True)
    (out / ".tmp-manifest").write_text("{")
    small = replace(get_preset(TINY), n_samples=1, split=(1, 0, 0))
    ds = run_campaign(small, out, seed=3, show_progress=False)
    assert ds.verify().complete and not (out / ".tmp-manifest").exists()
    # but a directory with anything else in it is still refused
    other = tmp_path / "other"
    (other / "samples").mkdir(parents=True)
    (other / "keep.txt").write_text("x")
    with pytest.raises(GlassmlError):
        run_campaign(small, other, seed=3, show_progress=False)
    assert (other / "keep.txt").exists()


def test_joining_an_existing_dask_scheduler(reference, tmp_path, monkeypatch):
    """--scheduler ADDRESS: the campaign runs on a cluster it did not start, same bytes."""
    from dataclasses import replace

    from dask.distributed import LocalCluster

    one = replace(get_preset(TINY), n_samples=1, split=(1, 0, 0))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        ds = run_campaign(one, tmp_path / "joined", seed=7, scheduler=cluster.scheduler_address, show_progress=False)
        assert ds.verify().complete
    assert _checksums(ds.path)["s0000"] == _checksums(reference.path)["s0000"]
    import glassml.simulate.campaign as campaign

    monkeypatch.setattr(campaign, "SCHEDULER_TIMEOUT", "2s")
    with pytest.raises(GlassmlError, match="scheduler"):
        run_campaign(one, tmp_path / "nowhere", seed=7, scheduler="tcp://127.0.0.1:1", show_progress=False)


def test_trajectory_option_stores_equilibrium_frames(tmp_path):
    """``trajectory_every``/``trajectory_time`` add an NVT trajectory that starts at the stored
    configuration; campaigns without it keep their fingerprint (old datasets still resume)."""
    from glassml.simulate.presets import preset_from_mapping

    p = preset_from_mapping({"trajectory_every": 0.1, "trajectory_time": 1.0, "n_samples": 1, "split": [1, 0, 0],
                             "n_replicas": 1, "cage": False, "inherent": False}, base=TINY)
    assert p.trajectory_frames() == 11
    ds = run_campaign(p, tmp_path / "traj", seed=3, show_progress=False)
    s = ds[ds.sample_names()[0]]
    x = s["trajectory"]
    assert x.shape == (11, p.n_particles, 2) and x.dtype == np.float32
    np.testing.assert_allclose(s["trajectory_times"], np.arange(11) * 0.1, atol=1e-12)
    np.testing.assert_allclose(x[0], s["initial_positions"], atol=1e-5)
    step = np.linalg.norm(np.diff(x, axis=0), axis=-1)
    assert 0 < step.max() < 0.5 * float(s["box"][0])  # unwrapped: no jump across the box
    assert "trajectory_every" not in get_preset(TINY).as_dict()
    with pytest.raises(GlassmlError, match="both trajectory_every and trajectory_time"):
        preset_from_mapping({"trajectory_every": 0.1}, base=TINY)
    with pytest.raises(GlassmlError, match="whole number of time steps"):
        preset_from_mapping({"trajectory_every": 0.0123, "trajectory_time": 1.0}, base=TINY)


def _simulated_now(stderr: bytes) -> int:
    import re

    found = re.search(r"\((\d+) simulated now\)", stderr.decode())
    assert found, stderr.decode()
    return int(found.group(1))


def test_two_processes_share_one_campaign(reference, tmp_path):
    """Two processes started together on one directory split the samples between them, and
    the dataset is the one a single uninterrupted run writes."""
    out = tmp_path / "shared"
    args = ("simulate", "--preset", TINY, "--out", str(out), "--seed", "7", "--quiet")
    procs = [_cli(*args), _cli(*args)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err.decode()
    counts = [_simulated_now(e) for _, e in results]
    assert sum(counts) == get_preset(TINY).n_samples, counts
    assert _checksums(out) == _checksums(reference.path)


def test_a_killed_holder_s_claim_is_taken_over(reference, tmp_path):
    """SIGKILL one of two processes while it holds a claim: the other finishes its sample."""
    out = tmp_path / "takeover"
    args = ("simulate", "--preset", TINY, "--out", str(out), "--seed", "7", "--quiet")
    first = _cli(*args)
    deadline = time.monotonic() + 240
    while _complete_samples(out) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = _cli(*args)
    time.sleep(0.5)  # the first holds a claim on the sample it is simulating now
    assert first.poll() is None, "the first process finished before it could be killed"
    first.send_signal(signal.SIGKILL)
    first.communicate()
    done_by_first = len(Dataset.open(out).manifest["samples"])
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()
    assert _simulated_now(err) >= get_preset(TINY).n_samples - done_by_first - 1
    ds = Dataset.open(out)
    assert ds.verify().complete
    assert _checksums(out) == _checksums(reference.path)
