"""``glassml msm``: end to end on the two-state toy stored as a dataset, resumable, and each bad
input (lag longer than the trajectory, too few frames, a single state) one line and exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("deeptime")

from glassml.cli import main  # noqa: E402
from glassml.msm import switching_lattice, trajectory_dataset  # noqa: E402
from glassml.msm.run import FIGURES  # noqa: E402
from glassml.store import Dataset  # noqa: E402

FAST = ["--species", "0", "--epochs", "1", "--seeds", "1", "--cutoff", "1.2"]


@pytest.fixture()
def toy_dataset(tmp_path):
    traj, _ = switching_lattice(3, 60, p01=0.04, p10=0.06, seed=2)
    trajectory_dataset(tmp_path / "toy", [traj], model="switching-lattice", temperature=1.0, seed=2)
    return tmp_path / "toy"


def test_msm_command_end_to_end_and_resume(toy_dataset, capsys):
    args = ["msm", str(toy_dataset), "--lag", "3", "--states", "2", "--json", *FAST]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    folder = toy_dataset / "msm"
    for name in FIGURES + ("msm.json", "vampnet.pt"):
        assert (folder / name).is_file(), name
    assert report["lag_frames"] == 3 and report["n_states"] == 2
    assert np.isfinite(report["t2"]) and report["t2"] > 0
    ds = Dataset.open(toy_dataset)
    assert ds.verify().complete
    sample = ds["trajectory000"]
    p = sample["msm_probabilities"]
    assert p.shape == (60, 1, 9, 2) and np.allclose(p.sum(-1), 1, atol=1e-5)
    assert np.array_equal(sample["msm_particles"], np.arange(9))
    assert ds.manifest["msm"]["t2"] == pytest.approx(report["t2"])
    # resume: nothing is retrained or rewritten, the same report comes back
    stamp = (folder / "vampnet.pt").stat().st_mtime_ns
    sha = ds.manifest["samples"]["trajectory000"]["sha256"]
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert (folder / "vampnet.pt").stat().st_mtime_ns == stamp
    assert Dataset.open(toy_dataset).manifest["samples"]["trajectory000"]["sha256"] == sha
    assert again["t2"] == pytest.approx(report["t2"])


@pytest.mark.parametrize("extra, message", [
    (["--lag", "500", "--states", "2"], "longer than the trajectory"),
    (["--lag", "3", "--states", "1"], "at least 2"),
    (["--lag", "-1", "--states", "2"], "positive"),
])
def test_msm_bad_input_is_one_line(toy_dataset, capsys, extra, message):
    assert main(["msm", str(toy_dataset), *extra, *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_msm_too_few_frames(tmp_path, capsys):
    traj, _ = switching_lattice(3, 2, seed=0)
    trajectory_dataset(tmp_path / "short", [traj], model="switching-lattice", temperature=1.0)
    assert main(["msm", str(tmp_path / "short"), "--lag", "1", *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert "frame" in err and "\n" not in err
    traj, _ = switching_lattice(3, 12, seed=0)
    trajectory_dataset(tmp_path / "few", [traj], model="switching-lattice", temperature=1.0)
    assert main(["msm", str(tmp_path / "few"), "--lag", "5", *FAST]) == 2
    assert "too few frames" in capsys.readouterr().err
