"""Reference: freud (Glotzer group, https://github.com/glotzerlab/freud, ``freud-analysis`` on
PyPI), whose ``freud.msd.MSD`` computes the mean square displacement independently of glassml."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.dynamics import from_arrays
from glassml.dynamics.observables import Observables

RTOL = 1e-6


def iso_of(x0, disp, box):
    t = np.arange(1, disp.shape[0] + 1, dtype=float)
    types = np.zeros(len(x0), np.int64)
    return from_arrays({"types": types, "box": box, "initial_positions": x0, "positions": x0[None, None] + disp, "times": t})


def random_walk(seed=0, n=80, reps=4, times=3, box=7.0):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, box, (n, 3))
    steps = rng.normal(0, 0.25, (times, reps, n, 3))
    return x0, np.cumsum(steps, axis=0), np.full(3, box)


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
