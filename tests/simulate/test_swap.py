"""Swap Monte Carlo for the polydisperse model (Ninarello, Berthier, Coslovich PRX 2017)."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.simulate import montecarlo
from glassml.simulate.swap import SwapMonteCarlo, swap_and_plain_runs


@pytest.mark.parametrize("model", ["poly-swap-2d", "poly-swap-3d"])
def test_swaps_permute_diameters_and_kernel_energy_matches_numpy(model):
    mc = SwapMonteCarlo(model, 300, 0.3, seed=4)
    d0 = np.sort(mc.diameters.copy())
    before = mc.diameters.copy()
    mc.run(30)
    assert mc.accepted_swaps > 0 and mc.accepted_moves > 0
    np.testing.assert_array_equal(np.sort(mc.diameters), d0)  # swaps only exchange diameters
    assert not np.array_equal(mc.diameters, before)
    e_kernel = montecarlo.total_energy(mc.x, mc.types, mc.diameters, mc.box, *mc._params, mc.rcut) / len(mc.x)
    assert e_kernel == pytest.approx(mc.potential_energy_per_particle(), rel=1e-10)
    plain = SwapMonteCarlo(model, temperature=0.3, seed=5, p_swap=0.0, positions=mc.x, diameters=mc.diameters)
    d1 = plain.diameters.copy()
    plain.run(10)
    np.testing.assert_array_equal(plain.diameters, d1)
    assert plain.accepted_swaps == 0


def test_metropolis_samples_the_right_temperature():
    """Energy rises with temperature; at fixed T the chain is reproducible from its seed."""
    e = []
    for t in (0.1, 0.4):
        mc = SwapMonteCarlo("poly-swap-2d", 200, t, seed=1)
        mc.run(300)
        e.append(mc.potential_energy_per_particle())
    assert e[0] < e[1]
    a = SwapMonteCarlo("poly-swap-2d", 100, 0.2, seed=9)
    b = SwapMonteCarlo("poly-swap-2d", 100, 0.2, seed=9)
    a.run(20)
    b.run(20)
    np.testing.assert_array_equal(a.x, b.x)


def test_bad_input():
    with pytest.raises(GlassmlError):
        SwapMonteCarlo("ka3d", 500, 0.5)
    with pytest.raises(GlassmlError):
        SwapMonteCarlo("poly-swap-3d", 500, -1.0)
    with pytest.raises(GlassmlError, match="too small"):
        SwapMonteCarlo("poly-swap-3d", 50, 0.2)


def test_swap_and_plain_runs_start_together_and_are_reproducible():
    runs = swap_and_plain_runs("poly-swap-2d", 150, 0.3, seed=3, equilibration_sweeps=20, max_sweeps=60, record_every=20)
    assert runs.times.tolist() == [20.0, 40.0, 60.0] and runs.max_sweeps == 60 and runs.n == 150
    assert runs.swap.shape == runs.plain.shape == (3, 150, 2) and runs.initial_positions.shape == (150, 2)
    assert 0.0 < runs.swap_acceptance < 1.0 and runs.model == "poly-swap-2d"
    assert not np.array_equal(runs.swap, runs.plain)
    again = swap_and_plain_runs("poly-swap-2d", 150, 0.3, seed=3, equilibration_sweeps=20, max_sweeps=60, record_every=20)
    for key in ("initial_positions", "swap", "plain"):
        np.testing.assert_array_equal(getattr(runs, key), getattr(again, key))


@pytest.mark.parametrize("model,n", [("poly-swap-2d", 150), ("poly-swap-3d", 300)])
def test_kernel_verlet_list_is_the_neighbor_query_list(model, n):
    """The swap kernel's own O(N^2) list (kept for speed, see benchmarks/geometry.py) is exactly
    glassml.geometry.NeighborQuery's, on unwrapped positions."""
    from glassml.geometry import NeighborQuery

    mc = SwapMonteCarlo(model, n, 0.3, seed=2)
    mc.run(20)
    x = mc.x + np.random.default_rng(1).integers(-2, 3, mc.x.shape) * mc.box  # unwrapped far away
    rlist = mc.rcut + mc.skin
    start, nbr = montecarlo.build_list(x, mc.box, rlist)
    nb = NeighborQuery(x, mc.box).neighbors(rlist)
    np.testing.assert_array_equal(start, nb.offsets)
    np.testing.assert_array_equal(nbr, nb.j)


def test_positions_of_the_wrong_dimension_are_an_error():
    with pytest.raises(GlassmlError, match="2-D"):
        SwapMonteCarlo("poly-swap-2d", temperature=0.3, positions=np.zeros((100, 3)))
