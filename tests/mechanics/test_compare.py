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
