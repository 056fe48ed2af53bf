"""``glassml softness phop`` and ``glassml softness fit`` end to end, and their one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.cli import main


def jump_trajectory(path, n_frames=10):
    x = np.zeros((n_frames, 3, 2))
    x[5:, 0, 0] = 1.0          # particle 0 jumps by 1 after frame 4
    x[:, 1] = [2.0, 2.0]
    x[:, 2] = [4.0, 0.0]
    np.savez(path, positions=x)
    return path


def test_phop_command_finds_the_jump_and_writes_events(tmp_path, capsys):
    traj = jump_trajectory(tmp_path / "traj.npz")
    out = tmp_path / "events.npz"
    assert main(["softness", "phop", str(traj), "--window", "4", "--threshold", "0.1", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["events"] == 1 and summary["rearranging_particles"] == 1
    assert summary["phop_max"] == pytest.approx(np.sqrt(8 / 27))
    with np.load(out) as z:
        assert z["phop"].shape == (6, 3)
        np.testing.assert_array_equal(z["event_particle"], [0])
        np.testing.assert_array_equal(z["frames"], np.arange(2, 8))
        assert (int(z["event_start"][0]), int(z["event_stop"][0])) == (3, 6)


def one_line_error(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err


def test_phop_command_too_few_frames(tmp_path, capsys):
    traj = jump_trajectory(tmp_path / "short.npz", n_frames=6)
    one_line_error(capsys, ["softness", "phop", str(traj), "--window", "6", "--threshold", "0.1"],
                   "short.npz", "needs at least 7 frames")


def ladder(temperatures, softness, e0=6.0, e1=1.0, s0=4.0, s1=0.5, n=50_000, seed=0):
    t = np.asarray(temperatures)[:, None]
    p = np.exp((s0 - s1 * softness) - (e0 - e1 * softness) / t)
    counts = np.full(p.shape, n)
    k = np.random.default_rng(seed).binomial(counts, p)
    return {"temperatures": list(temperatures), "softness": list(softness),
            "probability": (k / counts).tolist(), "counts": counts.tolist()}


def test_fit_command_json(tmp_path, capsys):
    path = tmp_path / "pr.json"
    path.write_text(json.dumps(ladder([0.5, 0.6, 0.7, 0.8], np.linspace(-2, 2, 9))))
    assert main(["softness", "fit", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert abs(fit["e1"] - 1.0) < 3 * fit["e1_err"]
    assert abs(fit["crossing_temperature"] - 2.0) < 3 * fit["crossing_temperature_err"]
    assert fit["onset_extrapolated"] is True
    assert main(["softness", "fit", str(path)]) == 0
    assert "T_x" in capsys.readouterr().out


def test_fit_command_bad_inputs(tmp_path, capsys):
    one = tmp_path / "one.json"
    one.write_text(json.dumps(ladder([0.5], np.linspace(-2, 2, 5))))
    one_line_error(capsys, ["softness", "fit", str(one)], "one.json", "two or more temperatures")
    none = tmp_path / "none.npz"
    np.savez(none, temperatures=[0.5, 0.6], softness=[0.0, 1.0], probability=np.zeros((2, 2)))
    one_line_error(capsys, ["softness", "fit", str(none)], "none.npz", "no rearrangements found")
    missing = tmp_path / "missing.npz"
    np.savez(missing, temperatures=[0.5, 0.6])
    one_line_error(capsys, ["softness", "fit", str(missing)], "missing.npz", "missing 'softness'")
