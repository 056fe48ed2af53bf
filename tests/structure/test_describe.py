"""glassml.structure.describe and `glassml describe`: stored features, resume, errors."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.cli import main
from glassml.errors import GlassmlError
from glassml.store import Dataset, descriptor_array
from glassml.structure import describe
from glassml.structure import sets as sets_module


@pytest.fixture()
def ka2d_dataset(tmp_path, ka2d_tc05):
    """Two samples made from the GlassBench KA2D configuration (the second one shifted)."""
    with np.load(ka2d_tc05) as f:
        L = float(f["box"])
        arrays = {
            "types": f["types"].astype(np.int64) - 1,
            "box": np.array([L, L]),
            "initial_positions": f["initial_positions"].astype(np.float64),
            "initial_positions_inherent": f["initial_positions_inherent"].astype(np.float64),
        }
    ds = Dataset.create(tmp_path / "ds", model="ka2d", dimension=2, temperature=0.23)
    ds.write_sample("c151", arrays)
    shifted = dict(arrays)
    shifted["initial_positions"] = arrays["initial_positions"] + 3.3
    shifted["initial_positions_inherent"] = arrays["initial_positions_inherent"] + 3.3
    ds.write_sample("c151s", shifted)
    return ds


def test_describe_stores_features_and_resumes(ka2d_dataset):
    ds = ka2d_dataset
    out = describe(ds, "baselines", show_progress=False)
    assert out["computed"] == ["c151", "c151s"] and out["array"] == "desc_baselines"
    rec = Dataset.open(ds.path).manifest["descriptors"]["baselines"]
    assert rec["names"] == ["DEN", "EPOT", "PSI6", "TT"] and rec["positions"] == "thermal"
    x0, x1 = ds["c151"]["desc_baselines"], ds["c151s"]["desc_baselines"]
    assert x0.shape == (1290, 4)
    np.testing.assert_allclose(x0, x1, atol=1e-8)  # a translation changes nothing
    assert ds.verify().complete
    again = describe(Dataset.open(ds.path), "baselines", show_progress=False)
    assert again["computed"] == [] and again["skipped"] == ["c151", "c151s"]
    changed = describe(Dataset.open(ds.path), "baselines", show_progress=False, length=2.0)
    assert changed["computed"] == ["c151", "c151s"]
    assert Dataset.open(ds.path).manifest["descriptors"]["baselines"]["params"] == {"length": 2.0}
    forced = describe(Dataset.open(ds.path), "baselines", show_progress=False, force=True, length=2.0)
    assert forced["computed"] == ["c151", "c151s"]


def test_describe_resumes_after_an_interruption(ka2d_dataset, monkeypatch):
    ds = ka2d_dataset
    real = sets_module.compute_set
    calls = []

    def flaky(set_name, conf, **params):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(set_name, conf, **params)

    monkeypatch.setattr(sets_module, "compute_set", flaky)
    with pytest.raises(KeyboardInterrupt):
        describe(ds, "steinhardt", show_progress=False, orders=[6])
    monkeypatch.setattr(sets_module, "compute_set", real)
    ds2 = Dataset.open(ds.path)
    assert ds2.verify().complete
    out = describe(ds2, "steinhardt", show_progress=False, orders=[6])
    assert out["skipped"] == ["c151"] and out["computed"] == ["c151s"]


def test_jung_defaults_to_inherent_positions_and_named_positions_get_a_suffix(ka2d_dataset):
    ds = ka2d_dataset
    out = describe(ds, "jung", show_progress=False, lengths=[0, 1])
    assert out["positions"] == "inherent" and out["array"] == "desc_jung"
    out = describe(ds, "jung", positions="initial_positions_inherent", show_progress=False, lengths=[0, 1])
    assert out["array"] == "desc_jung_inherent"
    np.testing.assert_array_equal(ds["c151"]["desc_jung"], ds["c151"]["desc_jung_inherent"])
    assert descriptor_array("jung", "initial_positions_inherent") == "desc_jung_inherent"
    with pytest.raises(GlassmlError, match="initial_positions_cage"):
        describe(ds, "boattini", positions="cage", show_progress=False)


def test_sbo_cutoffs_are_resolved_once_and_recorded(ka2d_dataset):
    from glassml.structure import Configuration, first_minimum_cutoffs

    ds = ka2d_dataset
    describe(ds, "sbo", show_progress=False, orders=[6])
    rec = Dataset.open(ds.path).manifest["descriptors"]["sbo"]
    rc = np.asarray(rec["params"]["cutoffs"])
    assert rc.shape == (3, 3) and np.allclose(rc, rc.T)
    first = ds["c151"]
    conf = Configuration(first["initial_positions"], first["box"], first["types"])
    np.testing.assert_array_equal(rc, first_minimum_cutoffs(conf))


def test_describe_shows_a_progress_bar_on_stderr(ka2d_dataset, capsys):
    describe(ka2d_dataset, "steinhardt", show_progress=True, orders=[6])
    captured = capsys.readouterr()
    assert captured.out == "" and "describe steinhardt" in captured.err and "2/2" in captured.err


def test_cli_describe(ka2d_dataset, capsys):
    path = str(ka2d_dataset.path)
    assert main(["describe", path, "--set", "steinhardt", "--param", "orders=[4,6]", "--json"]) == 0
    assert '"desc_steinhardt"' in capsys.readouterr().out
    assert main(["describe", path, "--set", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown descriptor set" in err and len(err.strip().splitlines()) == 1
    assert main(["describe", path, "--set", "steinhardt", "--param", "cutoff=20"]) == 2
    assert "half the periodic box" in capsys.readouterr().err
    assert main(["describe", path, "--set", "steinhardt", "--param", "colour=3"]) == 2
    assert "takes no parameter colour" in capsys.readouterr().err


def test_unknown_species_is_an_error(tmp_path):
    ds = Dataset.create(tmp_path / "ds3", model="ka3d", dimension=3)
    rng = np.random.default_rng(0)
    n = 100
    L = (n / 1.2) ** (1 / 3)
    types = np.zeros(n, dtype=np.int64)
    types[0] = 5
    ds.write_sample("a", {"types": types, "box": np.full(3, L), "initial_positions": rng.uniform(0, L, (n, 3))})
    with pytest.raises(GlassmlError, match="unknown species 5"):
        describe(ds, "steinhardt", show_progress=False)
    assert main(["describe", str(ds.path), "--set", "baselines"]) == 2


def test_displacement_by_hand_on_three_particles():
    """u_i = |X_i - P_i| (minimum image) and the exp(-r/L)-weighted neighbor average, worked out."""
    from glassml.structure.descriptors.base import Configuration
    from glassml.structure.descriptors.displacement import RelaxationDisplacement

    box = 10.0
    relaxed = np.array([[1.0, 1.0], [2.0, 1.0], [6.0, 6.0]])
    thermal = relaxed + np.array([[0.3, 0.4], [0.0, -0.1], [0.0, 0.0]])
    thermal[2] = [6.0 + 0.2 - box, 6.0]  # stored on the other side of the box: the minimum image applies
    conf = Configuration(relaxed, box, reference=thermal)
    x = RelaxationDisplacement(lengths=(0, 1)).compute(conf)
    u = np.array([0.5, 0.1, 0.2])
    np.testing.assert_allclose(x[:, 0], u, atol=1e-12)
    np.testing.assert_allclose(x[:, 1], np.log(u + 1e-3), atol=1e-12)
    w = np.exp(-1.0)  # particles 0 and 1 are 1 apart; particle 2 is beyond the cutoff 3 L = 3
    np.testing.assert_allclose(x[0, 2], (0.5 + w * 0.1) / (1 + w), atol=1e-12)
    np.testing.assert_allclose(x[1, 2], (0.1 + w * 0.5) / (1 + w), atol=1e-12)
    np.testing.assert_allclose(x[2, 2:], x[2, :2], atol=1e-12)
    with pytest.raises(GlassmlError, match="thermal positions"):
        RelaxationDisplacement().compute(Configuration(relaxed, box))


def test_displacement_set_on_glassbench_inherent_states(ka2d_dataset):
    """On the real KA2D file: u between thermal and inherent positions is a vibration (~0.1),
    translation-invariant, and the set refuses thermal positions."""
    ds = ka2d_dataset
    out = describe(ds, "displacement", show_progress=False)
    assert out["array"] == "desc_displacement"
    rec = Dataset.open(ds.path).manifest["descriptors"]["displacement"]
    assert rec["positions"] == "inherent" and rec["names"][:2] == ["U_L0", "LOGU_L0"]
    x0, x1 = ds["c151"]["desc_displacement"], ds["c151s"]["desc_displacement"]
    np.testing.assert_allclose(x0, x1, atol=1e-9)
    u = x0[:, 0]
    assert 0.03 < np.median(u) < 0.3 and u.max() < 1.0, (np.median(u), u.max())
    # coarse-graining smooths: the spread shrinks as L grows
    assert np.std(x0[:, 0]) > np.std(x0[:, 2]) > np.std(x0[:, 4])
    again = describe(Dataset.open(ds.path), "displacement", show_progress=False)
    assert again["computed"] == []
    with pytest.raises(GlassmlError, match="choose positions inherent or cage"):
        describe(Dataset.open(ds.path), "displacement", positions="thermal", show_progress=False)
