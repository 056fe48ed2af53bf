"""Extended XYZ against atooms (Coslovich), an independent reader and writer."""

from __future__ import annotations

import numpy as np
import pytest

from glassml.store.formats import read_any, write_any

trajectory = pytest.importorskip("atooms.trajectory")
atooms_system = pytest.importorskip("atooms.system")


def test_glassml_reads_what_atooms_writes(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.uniform(-2.5, 2.5, (5, 3))
    particles = [atooms_system.Particle(species=s, position=p.copy()) for s, p in zip("ABABA", x)]
    system = atooms_system.System(particle=particles, cell=atooms_system.Cell(np.array([5.0, 6.0, 7.0])))
    with trajectory.TrajectoryEXYZ(str(tmp_path / "a.xyz"), "w") as th:
        th.timestep = 0.005
        th.write(system, 0)
        for p in system.particle:
            p.position += 1.0
        th.write(system, 200)
    (_, arrays), = (result := read_any(tmp_path / "a.xyz"))[0]
    assert result[1]["species_map"] == {"A": 0, "B": 1}
    np.testing.assert_array_equal(arrays["types"], [0, 1, 0, 1, 0])
    np.testing.assert_allclose(arrays["box"], [5.0, 6.0, 7.0])
    np.testing.assert_allclose(arrays["initial_positions"], x, atol=1e-11)
    np.testing.assert_allclose(arrays["positions"][0, 0], x + 1.0, atol=1e-11)
    np.testing.assert_allclose(arrays["times"], [1.0])  # 200 steps x 0.005


def test_atooms_reads_what_glassml_writes(tmp_path):
    rng = np.random.default_rng(4)
    box = np.array([4.0, 5.0, 6.0])
    x0 = rng.uniform(-box / 2, box / 2, (6, 3))
    arrays = {"types": np.array([0, 1, 1, 0, 2, 0]), "box": box, "initial_positions": x0,
              "times": np.array([0.5]), "positions": (x0 + 0.3)[None, None]}
    meta = {"species_map": {"A": 0, "B": 1, "C": 2}}
    write_any(tmp_path / "g.xyz", [("g", arrays)], meta, "extxyz")
    with trajectory.TrajectoryEXYZ(str(tmp_path / "g.xyz")) as th:
        frames = [th[i] for i in range(len(th))]
    assert len(frames) == 2
    assert [p.species for p in frames[0].particle] == ["A", "B", "B", "A", "C", "A"]
    np.testing.assert_allclose(frames[0].cell.side, box)
    np.testing.assert_allclose(np.array([p.position for p in frames[0].particle]), x0)
    np.testing.assert_allclose(np.array([p.position for p in frames[1].particle]), x0 + 0.3)
