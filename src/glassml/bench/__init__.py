"""glassml.bench: GlassBench-style scoring, the benchmark runner and its report.

* :mod:`glassml.bench.score` — pooled Pearson/Spearman/MSE per time and species, chi4 from
  predictions vs MD, the replica ceiling, the transferability matrix, and scoring of
  GlassBench's own ``*_models`` files.
* :mod:`glassml.bench.run` — the main job: simulate, targets, descriptors, train every
  registered model that can run, score on the test split, report.
* :mod:`glassml.bench.report` — the self-contained HTML report, PNG figures, leaderboard CSV.
"""

from glassml.bench.score import chi4, pooled_metric, score_predictions, score_models_path

__all__ = ["chi4", "pooled_metric", "score_predictions", "score_models_path"]
