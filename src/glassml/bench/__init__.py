"""glassml.bench: GlassBench-style scoring, the benchmark runner and its report.

* :mod:`glassml.bench.score` — pooled Pearson/Spearman/MSE per time and species, the
  propensity chi4 of predictions vs MD, the replica ceiling, the transferability matrix, and
  scoring of GlassBench's own ``*_models`` files.
* :mod:`glassml.bench.adapter` — the one place that turns a dataset split into the arrays (or
  configurations) a learner takes, and its predictions back into one (T, N) array per sample.
* :mod:`glassml.bench.run` — the main job: simulate, targets, descriptors, train every
  registered model that can run, score on the test split, report.
* :mod:`glassml.bench.crossval` — K-fold cross-validation by configuration over the train and
  validation samples, for datasets too small for one test split to decide.
* :mod:`glassml.bench.report` — the self-contained HTML report, PNG figures, leaderboard CSV.
"""

from glassml.bench.score import pooled_metric, propensity_chi4, score_models_path, score_predictions

__all__ = ["pooled_metric", "propensity_chi4", "score_models_path", "score_predictions"]
