"""Symbolic form selection on known forces; MIPS order on hand-built configurations."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.active import Harmonic, WCA, Yukawa, fit_pair_form, local_area_fractions, mips_order


@pytest.mark.parametrize("law,lo,hi", [(WCA(1.0, 1.0), 0.93, 1.12), (Harmonic(50.0, 1.0), 0.75, 1.0),
                                       (Yukawa(50.0, 2.0, 2.5), 0.9, 2.5)])
def test_fit_picks_true_form(law, lo, hi):
    rng = np.random.default_rng(0)
    r = np.linspace(lo, hi, 120, endpoint=False)
    f = law.force(r)
    noisy = f + rng.normal(0, 0.01 * np.abs(f).max(), r.size)
    best, fits = fit_pair_form(r, noisy)
    assert best.form == law.kind
    assert best.relative_residual < 0.05
    assert len(fits) == 3


def test_fit_recovers_screening_length():
    r = np.linspace(1.0, 3.0, 100)
    best, _ = fit_pair_form(r, Yukawa(30.0, 1.25, 10.0).force(r))
    assert best.form == "yukawa"
    assert best.parameters["kappa"] == pytest.approx(1.25, rel=1e-4)


def test_mips_order_dense_cluster_vs_uniform():
    rng = np.random.default_rng(1)
    box = np.array([40.0, 40.0])
    uniform = rng.uniform(0, 40, (400, 2))
    side = int(np.ceil(np.sqrt(400)))
    g = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)[:400] * 0.9 + 5.0
    assert mips_order(uniform, box) == 0.0
    assert mips_order(g, box) > 0.1  # the cells inside the 18 x 18 square (local area fraction 0.97)
    phi = local_area_fractions(uniform, box)
    assert phi.mean() == pytest.approx(400 * np.pi / 4 / 1600)
