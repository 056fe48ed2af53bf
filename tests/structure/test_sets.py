"""The registry of descriptor sets: what each set declares, and a new set added by one
registration that describe() then runs without knowing its name."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.store import POSITIONS, Dataset
from glassml.structure import (
    SETS,
    Configuration,
    Descriptor,
    DescriptorSet,
    compute_set,
    describe,
    get_set,
    list_sets,
    register_set,
)
from glassml.structure.sets import SETS as SETS_OF_MODULE


def test_builtin_sets_declare_their_needs():
    assert list_sets() == sorted(SETS) and SETS is SETS_OF_MODULE
    assert {"baselines", "boattini", "displacement", "jung", "sbo", "softness", "steinhardt"} <= set(list_sets())
    for name in list_sets():
        spec = get_set(name)
        assert spec.name == name and spec.positions in POSITIONS and spec.descriptors
        assert all(issubclass(c, Descriptor) for c in spec.descriptors)
    assert get_set("jung").positions == "inherent" and get_set("jung").needs_model
    assert get_set("displacement").needs_reference and get_set("displacement").positions == "inherent"
    assert get_set("baselines").needs_model and not get_set("sbo").needs_model
    assert get_set("sbo").data_params is not None and get_set("softness").data_params is not None
    # Hexatic (psi6) is two-dimensional: the baselines leave it out in 3D
    assert [c.__name__ for c in get_set("baselines").classes(3)] == ["LocalDensity", "PotentialEnergy", "TanakaTheta"]
    assert "Hexatic" in [c.__name__ for c in get_set("baselines").classes(2)]


def test_unknown_set_and_parameter_are_one_line_errors():
    with pytest.raises(GlassmlError, match="unknown descriptor set 'nope'; choose one of baselines"):
        get_set("nope")
    with pytest.raises(GlassmlError, match="takes no parameter colour"):
        get_set("steinhardt").make(3, colour=1)


def test_registration_refuses_duplicates_and_bad_declarations(monkeypatch):
    monkeypatch.setattr("glassml.structure.sets.SETS", dict(SETS))
    from glassml.structure import sets

    with pytest.raises(ValueError, match="already registered"):
        register_set(DescriptorSet("sbo", get_set("sbo").descriptors))
    with pytest.raises(ValueError, match="positions must be one of"):
        register_set(DescriptorSet("x", get_set("sbo").descriptors, positions="relaxed"))
    with pytest.raises(ValueError, match="cannot be thermal"):
        register_set(DescriptorSet("y", get_set("displacement").descriptors, needs_reference=True))
    assert "x" not in sets.SETS and "y" not in sets.SETS


class NeighborCount(Descriptor):
    """Number of neighbors closer than ``cutoff`` (a descriptor defined in this test)."""

    def __init__(self, cutoff: float = 1.5):
        super().__init__(cutoff=float(cutoff))

    def _compute(self, conf):
        return np.diff(conf.neighbors(self.params["cutoff"]).offsets)[:, None].astype(float), ["NC"]


def _half_box(conf, params):
    """A data-dependent parameter: a cutoff of a quarter of the box, unless given."""
    return {} if params.get("cutoff") is not None else {"cutoff": float(conf.box.min()) / 4}


def test_a_new_set_needs_one_registration(tmp_path, monkeypatch):
    from glassml.structure import sets

    monkeypatch.setattr(sets, "SETS", dict(SETS))
    register_set(DescriptorSet("count", (NeighborCount,), positions="inherent", data_params=_half_box))
    assert "count" in list_sets()

    rng = np.random.default_rng(0)
    L = 8.0
    ds = Dataset.create(tmp_path / "ds", model="unknown-model", dimension=2)
    for k in range(2):
        x = rng.uniform(0, L, (60, 2))
        ds.write_sample(f"s{k}", {"types": np.zeros(60, dtype=np.int64), "box": np.array([L, L]),
                                  "initial_positions": x, "initial_positions_inherent": x + 0.01})
    out = describe(ds, "count", show_progress=False)
    assert out["positions"] == "inherent" and out["array"] == "desc_count" and out["computed"] == ["s0", "s1"]
    rec = Dataset.open(ds.path).manifest["descriptors"]["count"]
    assert rec["params"] == {"cutoff": 2.0} and rec["names"] == ["NC"]
    conf = Configuration(ds["s1"]["initial_positions_inherent"], L)
    np.testing.assert_array_equal(ds["s1"]["desc_count"], compute_set("count", conf)[0])
    assert get_set("count").resolve(conf, {}) == {"cutoff": 2.0}
    assert get_set("count").resolve(conf, {"cutoff": 1.0}) == {"cutoff": 1.0}


def test_model_sets_refuse_a_dataset_without_a_known_model(tmp_path):
    ds = Dataset.create(tmp_path / "ds", model="unknown-model", dimension=2)
    ds.write_sample("a", {"types": np.zeros(10, dtype=np.int64), "box": np.array([5.0, 5.0]),
                          "initial_positions": np.random.default_rng(1).uniform(0, 5, (10, 2))})
    assert ds.model == {"name": "unknown-model"}
    with pytest.raises(GlassmlError, match="needs the model's potential"):
        describe(ds, "baselines", show_progress=False)


def test_softness_grid_is_fitted_to_a_small_box():
    """compute_set resolves the data-dependent parameters as describe() does."""
    from glassml.systems import get_model

    model = get_model("ka3d")
    n = 216
    box = model.box_for(n)
    rng = np.random.default_rng(2)
    conf = Configuration(rng.uniform(0, box[0], (n, 3)), box, rng.permutation(model.types_for(n)))
    params = get_set("softness").resolve(conf, {})
    assert params["bounds"][0] == 0.1 and params["bounds"][1] + 0.3 < box[0] / 2
    X, names = compute_set("softness", conf)
    assert X.shape == (n, len(names)) and names[0] == "G_s0_mu0.1"
