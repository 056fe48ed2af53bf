"""Transfer across temperatures: GlassMLP with T as an input, scored on a held-out rung."""

from __future__ import annotations

import json

import pytest

from glassml.bench.transfer import temperature_transfer
from glassml.cli import main
from glassml.data import propensity_dataset
from glassml.errors import GlassmlError

FAST = {"widths": [16], "max_epochs": 60, "patience": 10, "loss_weights": [[0.0, 0.0]]}


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    root = tmp_path_factory.mktemp("ladder")
    return [propensity_dataset(root / f"T{T}", n_samples=8, n=120, temperature=T, seed=k)
            for k, T in enumerate((0.5, 0.6, 0.7))]


def test_held_out_rung_is_predicted_from_the_others(ladder):
    """The synthetic rungs share one structure-to-mobility map, so a model trained on the other
    two must predict the held-out rung about as well as one trained on that rung itself."""
    r = temperature_transfer(ladder, 0.6, params=FAST)
    assert r["held_out"] == 0.6 and r["train_temperatures"] == [0.5, 0.7]
    assert r["nearest"]["trained_at"] in (0.5, 0.7)
    for key in ("transferable", "nearest", "own"):
        assert r[key]["chi4_md"] > 0 and r[key]["chi4_pred"] >= 0
    assert r["transferable"]["pearson_tau"] > 0.6
    assert r["transferable"]["pearson_tau"] > 0.85 * r["own"]["pearson_tau"]


def test_cli_and_bad_input(ladder, capsys):
    paths = [str(ds.path) for ds in ladder]
    with pytest.raises(GlassmlError, match="no dataset at the held-out temperature"):
        temperature_transfer(ladder, 0.55)
    with pytest.raises(GlassmlError, match="at least 3 datasets"):
        temperature_transfer(ladder[:2], 0.5)
    assert main(["bench", "transfer", *paths, "--held-out", "0.7", "--json",
                 *[f"--param=glassmlp.{k}={json.dumps(v)}" for k, v in FAST.items()]]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["held_out"] == 0.7 and out["train_temperatures"] == [0.5, 0.6]
    assert main(["bench", "transfer", *paths, "--held-out", "0.7", "--param", "bapst.epochs=1"]) == 2
    assert "only glassmlp" in capsys.readouterr().err
