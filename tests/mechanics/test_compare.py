"""ROC AUC of an indicator against the particles of an event."""

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.mechanics.compare import event_auc, event_particles


def test_event_auc_limits():
    rng = np.random.default_rng(0)
    d2 = rng.exponential(size=400)
    assert event_particles(d2, 0.05).sum() == 20
    assert event_auc(d2, d2) == 1.0
    assert event_auc(-d2, d2) == 0.0
    aucs = [event_auc(rng.random(400), d2) for _ in range(200)]
    assert abs(np.mean(aucs) - 0.5) < 0.02
    with pytest.raises(GlassmlError, match="fraction"):
        event_particles(d2, 1.5)


def test_rank_and_summary():
    from glassml.mechanics.compare import rank_percentile, summarise_scores

    x = np.arange(11.0)
    assert rank_percentile(x, 10) == 1.0 and rank_percentile(x, 0) == 0.0 and rank_percentile(x, 5) == 0.5
    s = summarise_scores({"random": [0.5, 0.52, 0.48, 0.5], "good": [0.8, 0.82, 0.78, 0.8],
                          "noisy": [0.9, 0.2, 0.9, 0.3]})
    assert s["good"]["rank"] == 1 and s["good"]["beats_random"]
    assert not s["noisy"]["beats_random"]  # mean above random, but not by more than its error bar
    assert s["good"]["sem"] == pytest.approx(np.std([0.8, 0.82, 0.78, 0.8], ddof=1) / 2)


def test_cross_fitted_softness_learns_a_planted_descriptor():
    """Rearrangements planted where one descriptor is large: the SVM, fitted on other samples only,
    ranks them first."""
    from glassml.mechanics.compare import cross_fitted_softness

    rng = np.random.default_rng(1)
    X, sp, y = [], [], []
    for _ in range(6):
        x = rng.normal(size=(200, 5))
        X.append(x)
        sp.append(rng.integers(0, 2, 200))
        y.append(np.exp(2.0 * x[:, 2] + 0.5 * rng.normal(size=200)))
    soft = cross_fitted_softness(X, sp, y, seed=0)
    aucs = [event_auc(s, t, 0.1) for s, t in zip(soft, y)]
    assert min(aucs) > 0.85
    with pytest.raises(GlassmlError, match="at least 4 samples"):
        cross_fitted_softness(X[:3], sp[:3], y[:3])
