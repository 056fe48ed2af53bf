"""Reference: freud (Glotzer group, https://github.com/glotzerlab/freud, ``freud-analysis`` on
PyPI), whose ``freud.msd.MSD`` computes the mean square displacement independently of glassml."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.data import isoconfigurational as iso_of, random_walk
from glassml.dynamics.observables import Observables

RTOL = 1e-6


def test_msd_agrees_with_freud():
    freud = pytest.importorskip("freud")
    x0, d, box = random_walk(seed=5)
    obs = Observables(k=7.0).compute([iso_of(x0, d, box)])
    per_rep = []
    for r in range(d.shape[1]):
        frames = np.concatenate([x0[None], x0[None] + d[:, r]])  # reference frame + T times
        msd = freud.msd.MSD(mode="direct").compute(frames).msd
        per_rep.append(msd[1:])
    np.testing.assert_allclose(obs.msd, np.mean(per_rep, axis=0), rtol=RTOL)
