"""The summary line of a multi-dataset benchmark names the best model of each dataset."""

from glassml.bench.report import best_rows


def _result(label: str, scores: dict[str, float | None]) -> dict:
    models = {}
    for name, r in scores.items():
        if r is None:
            models[name] = {"status": "skipped", "reason": "no inputs"}
        else:
            models[name] = {"status": "ok", "scores": {"pearson_tau": r, "ceiling_tau": 0.8, "pearson": {"A": [r]}}}
    return {"label": label, "tau_index": 0, "models": models}


def test_best_rows_gives_the_best_model_that_ran_on_each_dataset():
    summary = {"results": [_result("T0.5", {"ridge": 0.41, "mlp": 0.30, "gnn": None}),
                           _result("T0.55", {"ridge": 0.65, "mlp": 0.70}),
                           _result("T0.6", {"gnn": None})]}
    rows = best_rows(summary)
    assert [(r["dataset"], r["model"]) for r in rows] == [("T0.5", "ridge"), ("T0.55", "mlp")]
    assert rows[1]["fraction_of_ceiling"] == 0.70 / 0.8
