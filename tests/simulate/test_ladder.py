"""Temperature ladders, and the equilibration check that flags runs that still age."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.simulate import Ladder, get_preset, run_campaign, run_ladder
from glassml.simulate.protocols import fs_halves
from glassml.store import Dataset


def _walk(rng, n_frames: int, n: int, steps: np.ndarray) -> np.ndarray:
    """Random walks whose step size per frame is ``steps[frame]``."""
    kicks = rng.normal(size=(n_frames, n, 3)) * steps[:, None, None]
    kicks[0] = 0
    return np.cumsum(kicks, axis=0)


def test_fs_halves_tells_stationary_from_ageing():
    """Hand-built: a walk with one diffusion constant relaxes alike in both halves (Fs of a
    Gaussian displacement, exp(-k^2 <dx^2>/2), in each); one that slows down does not."""
    rng = np.random.default_rng(0)
    k, step = 2 * np.pi, 0.05
    x = _walk(rng, 40, 2000, np.full(40, step))
    lag, first, second, err = fs_halves(x, k)
    assert lag == 5
    expect = np.exp(-k**2 * lag * step**2 / 2)
    assert first == pytest.approx(expect, abs=0.01) and second == pytest.approx(expect, abs=0.01)
    assert abs(first - second) <= 2 * err
    ageing = _walk(rng, 40, 2000, np.linspace(0.08, 0.02, 40))  # slows down like a quenched liquid
    lag, first, second, err = fs_halves(ageing, k)
    assert second - first > 5 * err


def test_ladder_runs_one_dataset_per_rung_and_info_names_unequilibrated(tmp_path, capsys):
    tiny = get_preset("tiny")
    rungs = tuple(replace(tiny, name=f"tl-T{T}", temperature=T, n_samples=2, split=(1, 0, 1), n_replicas=1, cage=False,
                          inherent=False) for T in (1.0, 0.8))
    ladder = Ladder(name="tl", rungs=rungs)
    sets = run_ladder(ladder, tmp_path / "lad", seed=1, show_progress=False)
    assert [ds.path.name for ds in sets] == ["T1.00", "T0.80"]
    assert [ds.manifest["temperature"] for ds in sets] == [1.0, 0.8]
    for ds in sets:
        rec = ds.manifest["samples"][ds.sample_names()[0]]["equilibration"]
        assert {"fs_first_half", "fs_second_half", "fs_error", "fs_stationary"} <= set(rec)
        assert isinstance(ds.summary(verify=False)["not_equilibrated"], list)
    # a sample whose record failed the ageing test is named by `glassml info`
    ds = Dataset.open(sets[1].path)
    name = ds.sample_names()[0]
    ds.manifest["samples"][name]["equilibration"]["fs_stationary"] = False
    ds.save_manifest()
    assert ds.summary(verify=False)["not_equilibrated"] == [name]
    assert main(["info", str(ds.path), "--no-verify"]) == 0
    assert "failed the equilibration check" in capsys.readouterr().err
    with pytest.raises(GlassmlError, match="temperature ladder"):
        run_campaign(ladder, tmp_path / "x")


def test_shipped_ladders_cost_what_their_docstrings_say():
    ka3d = get_preset("ladder-ka3d")
    assert [r.temperature for r in ka3d.rungs] == [1.0, 0.8, 0.7, 0.6, 0.55, 0.5]
    assert {r.n_particles for r in ka3d.rungs} == {1000}
    assert 1.0e10 < sum(ka3d.atom_steps().values()) < 1.3e10  # about 2 hours at 1.66e6 atom-steps/s
    ka2d = get_preset("ladder-ka2d")
    assert min(r.temperature for r in ka2d.rungs) == 0.3 and {r.n_particles for r in ka2d.rungs} == {1290}
    assert get_preset("ladder-ka3d-T0.60").temperature == 0.6
    for rung in ka3d.rungs:  # one recorded time sits at the estimated tau_alpha
        tau = float(rung.description.split("≈ ")[1].rstrip(")"))
        assert min(abs(np.array(rung.times) - tau)) < 0.01 * tau
