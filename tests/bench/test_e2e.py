"""The main job end to end on real simulations at reduced size (the ``tiny`` preset):
simulate -> targets -> descriptors -> train -> score -> report, then resume."""

from __future__ import annotations

import csv
import json

from glassml.bench.run import run_benchmark
from glassml.cli import main
from glassml.learn import registry

#: the feature learners; the graph learners are trained end to end by their own tests
FEATURE_MODELS = ",".join(sorted(n for n, c in registry().items() if c.kind == "features"))


def test_tiny_preset_end_to_end_and_resume(tmp_path, capsys):
    out = tmp_path / "bench"
    argv = ["bench", "run", "--preset", "tiny", "--out", str(out), "--models", FEATURE_MODELS, "--quiet",
            "--param", "glassmlp.max_epochs=40"]
    assert main(argv) == 0
    summary = json.loads((out / "scores.json").read_text())
    assert summary["provenance"]["preset"] == "tiny"
    (res,) = summary["results"]
    assert res["ceiling"] is not None and len(res["ceiling"]) == len(res["times"])
    ran = {n: e for n, e in res["models"].items() if e["status"] == "ok"}
    # every model either ran and was scored, or says why it could not
    for name, e in res["models"].items():
        assert e["status"] in ("ok", "skipped"), e
        if e["status"] == "skipped":
            assert e["reason"]
    assert {"boattini_ridge", "combined_ridge", "glassmlp"} <= set(ran)
    for e in ran.values():
        assert len(e["scores"]["pearson"]["A"]) == len(res["times"])
        # chi4 is a variance over test configurations: undefined (None) with a single one
        n_test = summary["datasets"][0]["split"]["test"]
        assert (e["scores"]["chi4_true"][0] is None) == (n_test < 2)
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    assert {r["model"] for r in rows} == set(FEATURE_MODELS.split(","))
    assert (out / "report.html").stat().st_size > 20000
    capsys.readouterr()
    # resume: nothing is simulated or trained again
    again = run_benchmark("tiny", out, models=FEATURE_MODELS.split(","), show_progress=False,
                          params={"glassmlp": {"max_epochs": 40}})
    assert all(e.get("resumed") for e in again["results"][0]["models"].values() if e["status"] == "ok")
    assert again["results"][0]["models"]["glassmlp"]["scores"] == ran["glassmlp"]["scores"]
