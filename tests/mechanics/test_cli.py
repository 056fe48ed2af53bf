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
    from glassml.cli import main  # noqa: F401  (main prints GlassmlError on one line)

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
