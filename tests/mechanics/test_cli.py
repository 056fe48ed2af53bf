"""glassml mechanics shear|modes on a one-sample dataset; bad input gives one line and exit 2."""

import numpy as np
from typer.testing import CliRunner

from glassml.cli import app
from glassml.store import Dataset


def _dataset(path, x, types, box, inherent=True):
    ds = Dataset.create(path, model="ka2d", dimension=2, temperature=1.0, times=np.array([1.0]), n_replicas=1)
    arrays = {"types": types, "box": box, "initial_positions": x}
    if inherent:
        arrays["initial_positions_inherent"] = x
    ds.write_sample("s0", arrays, seed=0)
    return ds


def test_shear_and_modes_commands(ka2d_glass, tmp_path):
    model, x, types, box = ka2d_glass
    _dataset(tmp_path / "ds", x, types, box)
    r = CliRunner().invoke(app, ["mechanics", "shear", str(tmp_path / "ds"), "--strain-step", "1e-3",
                                 "--max-strain", "3e-3", "--json"])
    assert r.exit_code == 0, r.output
    out = np.load(tmp_path / "ds" / "mechanics" / "shear" / "s0.npz")
    assert out["stress"].shape == (4,) and np.all(np.diff(out["stress"]) > 0)
    r = CliRunner().invoke(app, ["mechanics", "modes", str(tmp_path / "ds"), "--n-modes", "3", "--json"])
    assert r.exit_code == 0, r.output
    assert np.load(tmp_path / "ds" / "mechanics" / "modes" / "s0.npz")["eigenvalues"].shape == (3,)


def test_bad_input_exits_2(ka2d_glass, tmp_path):
    model, x, types, box = ka2d_glass
    _dataset(tmp_path / "ok", x, types, box)
    _dataset(tmp_path / "bare", x, types, box, inherent=False)
    import subprocess
    import sys

    for args, msg in ((["shear", str(tmp_path / "ok"), "--strain-step", "0"], "strain step must be positive"),
                      (["shear", str(tmp_path / "bare")], "no inherent state")):
        p = subprocess.run([sys.executable, "-m", "glassml", "mechanics", *args], capture_output=True, text=True)
        assert p.returncode == 2, p.stderr
        lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
        assert len(lines) == 1 and msg in lines[0], lines


def test_yield_stress_and_compare_commands(ka2d_glass, tmp_path):
    import json

    model, x, types, box = ka2d_glass
    _dataset(tmp_path / "ds", x, types, box)
    run = CliRunner().invoke
    r = run(app, ["mechanics", "shear", str(tmp_path / "ds"), "--strain-step", "2e-3", "--max-strain", "0.04",
                  "--max-events", "1", "--json"])
    assert r.exit_code == 0, r.output
    args = ["mechanics", "yield-stress", str(tmp_path / "ds"), "--radius", "3", "--directions", "1",
            "--spacing", "6", "--strain-step", "5e-3", "--max-strain", "0.15", "--json"]
    r = run(app, args)
    assert r.exit_code == 0, r.output
    out = tmp_path / "ds" / "mechanics" / "yield_stress" / "s0.npz"
    z = np.load(out)
    assert z["centres"].shape == (4, 2) and z["threshold"].shape == (4, 1)
    stamp = out.stat().st_mtime_ns
    r = run(app, args)  # resumable: the sample is done, nothing is recomputed
    assert r.exit_code == 0 and json.loads(r.output) == {} and out.stat().st_mtime_ns == stamp
    r = run(app, ["mechanics", "compare", str(tmp_path / "ds"), "--no-softness", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["n_samples"] == 1 and "local yield stress, loading direction" in res["auc"]
    assert 0.0 <= res["auc"]["local potential energy"]["mean"] <= 1.0
    report = tmp_path / "ds" / "report" / "mechanics"
    assert (report / "auc.md").exists() and (report / "fields_s0.png").stat().st_size > 1000
    assert json.loads((tmp_path / "ds" / "mechanics" / "compare.json").read_text())["n_samples"] == 1


def test_yield_stress_region_too_large_exits_2(ka2d_glass, tmp_path):
    import subprocess
    import sys

    model, x, types, box = ka2d_glass
    _dataset(tmp_path / "ds", x, types, box)
    p = subprocess.run([sys.executable, "-m", "glassml", "mechanics", "yield-stress", str(tmp_path / "ds"),
                        "--radius", str(0.6 * box.min())], capture_output=True, text=True)
    lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1 and "larger than half the box" in lines[0], lines
    assert not (tmp_path / "ds" / "mechanics" / "yield_stress").exists()
