"""Local yield stress by the frozen-matrix method (Patinet, Vandembroucq & Falk, PRL 117, 045501
(2016); Barbot, Lerbinger, Hernandez-Garcia, García-García, Falk, Vandembroucq & Patinet, PRE 97,
033001 (2018)).

At a probe centre ``c`` the particles closer than ``R`` (the inner region) are free and all
others are frozen.  The whole system is then sheared by simple shear along an orientation
``alpha``: the deformation gradient is ``F = 1 + gamma s n^T`` with ``s = (cos alpha, sin alpha)``
and ``n = (-sin alpha, cos alpha)`` (``alpha = 0`` is the ``xy`` simple shear of
:class:`~glassml.mechanics.aqs.AthermalQuasistaticShear`).  At each strain step the outer
particles sit exactly at their affine positions ``c + F (x_0 - c)`` (nearest image of ``x_0``
about ``c``), the inner ones are moved by the affine increment and their energy is minimised
with the outer ones held (``fix setforce 0 0 0``).  The local stress is the virial stress of the
inner particles (LAMMPS ``stress/atom``, pair virial split half and half) divided by the volume
they occupy at the mean density, ``n_inner V / N`` (so that a homogeneous crystal has the same
local and global stress); the resolved shear stress along ``alpha`` is
``tau = s^T sigma n``.  The first drop of ``tau`` larger than a threshold marks the local yield:
``tau_c`` is the stress just before it, ``tau_0`` the stress of the unloaded glass, and the local
plastic threshold is ``Delta tau_c = tau_c - tau_0`` (Barbot et al.).

The box is not deformed: the affine map is taken about ``c`` with nearest images, so it is exact
for every particle within ``L/2`` of ``c``; pairs of frozen particles are excluded from the
interactions (they cannot move and would straddle the seam of the map).  The inner particles see
only frozen particles within ``R + r_cut``, so ``R + r_cut`` must not exceed ``L/2`` (a region
larger than half the box, or too large for its cutoff shell, is refused).  In 3D the shear planes contain the ``z`` axis
(``s`` and ``n`` in the ``xy`` plane).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box
from glassml.mechanics.aqs import check_engine, engine_for, lammps_minimize, model_diameters


def shear_axes(angle: float, dimension: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Shear direction ``s = (cos, sin)`` and plane normal ``n = (-sin, cos)`` of orientation
    ``angle`` (radians), in the ``xy`` plane of a ``dimension``-D space."""
    s = np.zeros(dimension)
    n = np.zeros(dimension)
    s[:2] = np.cos(angle), np.sin(angle)
    n[:2] = -np.sin(angle), np.cos(angle)
    return s, n


def shear_gradient(angle: float, gamma: float, dimension: int = 2) -> np.ndarray:
    """Deformation gradient ``1 + gamma s n^T`` of simple shear along orientation ``angle`` (radians)."""
    s, n = shear_axes(angle, dimension)
    return np.eye(dimension) + gamma * np.outer(s, n)


def resolved_shear_stress(stress: np.ndarray, angle: float) -> np.ndarray:
    """``s^T sigma n`` of stress tensors ``(..., d, d)`` along orientation ``angle``."""
    sig = np.asarray(stress, float)
    s, n = shear_axes(angle, sig.shape[-1])
    return np.einsum("a,...ab,b->...", s, sig, n)


def grid_centres(box, spacing: float) -> np.ndarray:
    """Probe centres on a regular grid of about ``spacing`` in an orthorhombic box (cell centres)."""
    lengths = np.asarray(box, float).reshape(-1)
    if not (np.isfinite(spacing) and spacing > 0):
        raise GlassmlError(f"probe spacing must be positive, got {spacing}")
    axes = [(np.arange(m) + 0.5) * ell / m for ell, m in ((ell, max(1, int(round(ell / spacing)))) for ell in lengths)]
    return np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(lengths))


def region_stress(model, positions, types, box, inner, diameters=None) -> np.ndarray:
    """Virial stress ``(d, d)`` of the particles ``inner`` ((N,) bool), divided by their volume at
    the mean density, ``n_inner V / N`` (numpy, from
    :meth:`~glassml.systems.Model.pair_force_magnitude`; each pair counts half for each of its
    particles, as LAMMPS' ``stress/atom``).  The stress of the numpy probes, and a check of the
    LAMMPS ones."""
    from glassml.geometry import NeighborQuery

    x = np.asarray(positions, float)
    t = np.asarray(types)
    n, d = x.shape
    cell = Box.from_any(box, d)
    inner = np.asarray(inner, bool)
    dia = None if diameters is None else np.asarray(diameters, float)
    # frozen pairs may overlap across the seam of a probe's affine map: no overlap check
    nb = NeighborQuery(x, cell).neighbors(model.max_cutoff(dia), check_overlap=False)
    keep = inner[nb.i]
    i, j, vec, r = nb.i[keep], nb.j[keep], nb.vectors[keep], nb.distances[keep]
    si, sj = (None, None) if dia is None else (dia[i], dia[j])
    f = model.pair_force_magnitude(r, t[i], t[j], si, sj)  # repulsive > 0, along r_i - r_j = -vec
    # sigma = -P, P_ab = (1/V) sum_pairs r_ij,a F_ij,b; each (i, j) listed from i counts 1/2
    w = 0.5 * f / r
    sig = np.einsum("p,pa,pb->ab", w, vec, vec)
    return -sig / (inner.sum() * cell.volume / n)


class LocalYieldStress:
    """Local yield stress field by the frozen-matrix method (Patinet et al. 2016; Barbot et al. 2018).

    Parameters
    ----------
    radius: radius ``R`` of the inner (free) region; at most half the shortest box edge.
    n_directions: shear orientations ``alpha_k = k pi / n_directions``, k = 0 .. n-1.
    strain_step: shear strain added per step (positive).
    max_strain: give up (``nan``) when no drop happens before this strain.
    spacing: probe grid spacing (default ``radius``) when :meth:`compute` is given no centres.
    stress_drop_threshold: the local yield is the first step whose resolved shear stress drops
        by more than this.
    force_tolerance, max_iterations: FIRE settings of each inner minimisation.
    jitter: random displacement (uniform in ``[-jitter, jitter]`` per coordinate) added to the inner
        particles before each minimisation.  0 for a glass; a small value (1e-4) lets a perfect
        crystal, whose affine state stays an exact (if unstable) equilibrium, leave it once it is
        unstable.
    seed: seed of the jitter.
    suffix: LAMMPS accelerator suffix of :class:`~glassml.simulate.engine.LammpsEngine`.
    engine: ``"lammps"``, ``"numpy"`` (glassml's own FIRE on the frozen matrix; slower, but it
        takes the polydisperse models) or ``"auto"`` (numpy for a polydisperse model).

    Attributes (after :meth:`compute`)
    ----------------------------------
    centres_: (P, d) probe centres; angles_: (D,) orientations (radians).
    n_inner_: (P,) particles in each inner region.
    residual_stress_: (P, D) resolved shear stress ``tau_0`` of the unloaded glass.
    yield_stress_: (P, D) ``tau_c``, the local stress just before the first drop (``nan``: none).
    yield_strain_: (P, D) strain of that last step before the drop.
    threshold_: (P, D) local plastic threshold ``Delta tau_c = tau_c - tau_0``.
    minimum_threshold_: (P,) smallest ``Delta tau_c`` over the orientations.
    stress_drop_: (P, D) size of the first drop.
    curves_: list over probes of lists over orientations of (strain, tau) arrays.
    """

    def __init__(self, radius: float = 5.0, n_directions: int = 4, strain_step: float = 1e-3,
                 max_strain: float = 0.2, *, spacing: float | None = None, stress_drop_threshold: float = 1e-3,
                 force_tolerance: float = 1e-6, max_iterations: int = 100_000, jitter: float = 0.0, seed: int = 0,
                 suffix: str | None = "opt", engine: str = "auto"):
        self.radius = radius
        self.n_directions = n_directions
        self.strain_step = strain_step
        self.max_strain = max_strain
        self.spacing = spacing
        self.stress_drop_threshold = stress_drop_threshold
        self.force_tolerance = force_tolerance
        self.max_iterations = max_iterations
        self.jitter = jitter
        self.seed = seed
        self.suffix = suffix
        self.engine = engine

    def check_parameters(self, box=None, cutoff: float = 0.0) -> None:
        """Validate the parameters (and the region against ``box``); one-line errors."""
        if not (np.isfinite(self.strain_step) and self.strain_step > 0):
            raise GlassmlError(f"strain step must be positive, got {self.strain_step}")
        if not (np.isfinite(self.max_strain) and self.max_strain > 0):
            raise GlassmlError(f"maximum strain must be positive, got {self.max_strain}")
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise GlassmlError(f"region radius must be positive, got {self.radius}")
        if int(self.n_directions) < 1:
            raise GlassmlError(f"need at least one shear direction, got {self.n_directions}")
        check_engine(self.engine)
        if box is not None:
            half = 0.5 * float(np.min(np.asarray(box, float)))
            if self.radius > half:
                raise GlassmlError(f"region radius {self.radius:g} is larger than half the box ({half:g})")
            if self.radius + cutoff > half:
                raise GlassmlError(f"region radius {self.radius:g} plus the interaction cutoff {cutoff:g} is larger "
                                   f"than half the box ({half:g}): frozen neighbours would straddle the periodic seam")

    @property
    def angles(self) -> np.ndarray:
        return np.arange(int(self.n_directions)) * np.pi / int(self.n_directions)

    def compute(self, model, positions, types, box, centres=None, *, diameters=None, show_progress: bool = False,
                bar=None) -> "LocalYieldStress":
        """Probe the inherent state ``positions`` of ``model`` in the orthorhombic ``box`` at ``centres``
        ((P, d); default: a grid of spacing ``spacing``).  ``diameters``: the per-particle
        diameters of a polydisperse model.  ``bar``: an open
        :class:`~glassml.progress.ProgressBar` to advance once per probe and orientation instead
        of a bar of its own."""
        from contextlib import nullcontext

        from glassml.progress import ProgressBar

        lengths = np.asarray(box, float).reshape(-1)
        dia = model_diameters(model, diameters)
        self.check_parameters(lengths, model.max_cutoff(dia))
        engine = engine_for(model, self.engine)
        x0 = np.asarray(positions, float)
        n, d = x0.shape
        cell = Box(lengths)
        if centres is None:
            centres = grid_centres(lengths, self.spacing if self.spacing is not None else self.radius)
        centres = np.atleast_2d(np.asarray(centres, float))
        angles = self.angles
        n_steps = max(1, int(round(self.max_strain / self.strain_step)))
        shape = (len(centres), len(angles))
        tau0, tauc, gc, drop = (np.full(shape, np.nan) for _ in range(4))
        n_inner = np.zeros(len(centres), dtype=np.int64)
        curves: list[list[tuple[np.ndarray, np.ndarray]]] = []
        rng = np.random.default_rng(self.seed)
        own = ProgressBar(show_progress, total=len(centres) * len(angles), label="local yield stress") if bar is None \
            else nullcontext(bar)
        probe = (_LammpsProbe(model, x0, types, lengths, self) if engine == "lammps"
                 else _NumpyProbe(model, types, lengths, dia, self))
        with probe, own as bar:
            for p, c in enumerate(centres):
                rel0 = cell.minimum_image(x0 - c)
                inner = np.linalg.norm(rel0, axis=1) < self.radius
                n_inner[p] = int(inner.sum())
                if n_inner[p] == 0:
                    raise GlassmlError(f"no particle within {self.radius:g} of the probe centre {c.tolist()}")
                probe.begin(inner, n_inner[p] * cell.volume / n)
                row = []
                for a, alpha in enumerate(angles):
                    xs = c + rel0
                    tau = [float(resolved_shear_stress(probe.place(xs), alpha))]
                    strain = [0.0]
                    inc = shear_gradient(alpha, self.strain_step, d)
                    for k in range(1, n_steps + 1):
                        affine = c + rel0 @ shear_gradient(alpha, k * self.strain_step, d).T
                        xs = np.where(inner[:, None], c + (xs - c) @ inc.T, affine)
                        if self.jitter > 0:
                            xs = xs + inner[:, None] * rng.uniform(-self.jitter, self.jitter, xs.shape)
                        xs, sig = probe.relax(xs)
                        strain.append(k * self.strain_step)
                        tau.append(float(resolved_shear_stress(sig, alpha)))
                        if tau[-2] - tau[-1] > self.stress_drop_threshold:
                            tauc[p, a], gc[p, a], drop[p, a] = tau[-2], strain[-2], tau[-2] - tau[-1]
                            break
                    tau0[p, a] = tau[0]
                    row.append((np.asarray(strain), np.asarray(tau)))
                    bar.advance()
                curves.append(row)
                probe.end()
        self.engine_ = engine
        self.centres_ = centres
        self.angles_ = angles
        self.n_inner_ = n_inner
        self.residual_stress_ = tau0
        self.yield_stress_ = tauc
        self.yield_strain_ = gc
        self.stress_drop_ = drop
        self.threshold_ = tauc - tau0
        self.minimum_threshold_ = np.fmin.reduce(self.threshold_, axis=1)  # nan only where no orientation yielded
        self.curves_ = curves
        return self

    def particle_field(self, positions, box, values: np.ndarray | None = None) -> np.ndarray:
        """(N,) the value (default :attr:`minimum_threshold_`) of the probe nearest each particle."""
        x = np.asarray(positions, float)
        v = self.minimum_threshold_ if values is None else np.asarray(values, float)
        return nearest_probe_field(x, box, self.centres_, v)

    def summary(self) -> dict:
        """JSON-ready means of the fields."""
        return {"n_probes": int(len(self.centres_)), "angles": self.angles_.tolist(),
                "mean_threshold": np.nanmean(self.threshold_, axis=0).tolist(),
                "mean_yield_stress": np.nanmean(self.yield_stress_, axis=0).tolist(),
                "mean_minimum_threshold": float(np.nanmean(self.minimum_threshold_)),
                "n_without_yield": int(np.isnan(self.yield_stress_).sum())}


class _LammpsProbe:
    """Frozen-matrix steps on :class:`~glassml.simulate.engine.LammpsEngine`: the outer group held
    by ``fix setforce``, outer-outer pairs excluded, the inner region's ``stress/atom`` summed."""

    def __init__(self, model, x0, types, lengths, lys: "LocalYieldStress"):
        from glassml.simulate.engine import LammpsEngine

        self.d = len(lengths)
        self.cell = Box(lengths)
        self.eng = LammpsEngine(model, x0, types, lengths, suffix=lys.suffix)
        self.minimize = lammps_minimize(lys.force_tolerance, lys.max_iterations)
        self.comps = "c_sa[1] c_sa[2] c_sa[4]" if self.d == 2 else "c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]"
        self.eng.commands("thermo_style custom step pe", "min_style fire", "compute sa all stress/atom NULL virial")

    def __enter__(self) -> "_LammpsProbe":
        return self

    def __exit__(self, *exc) -> None:
        self.eng.close()

    def begin(self, inner: np.ndarray, volume: float) -> None:
        self.volume = volume
        ids = " ".join(str(k + 1) for k in np.flatnonzero(inner))
        # frozen-frozen pairs do not matter and would straddle the seam of the affine map
        self.eng.commands(f"group inner id {ids}", "group outer subtract all inner",
                          "neigh_modify exclude group outer outer", "fix freeze outer setforce 0.0 0.0 0.0",
                          f"compute ss inner reduce sum {self.comps}")

    def end(self) -> None:
        self.eng.commands("uncompute ss", "unfix freeze", "neigh_modify exclude none", "group outer delete",
                          "group inner delete")

    def stress(self) -> np.ndarray:
        self.eng.commands("run 0 post no")
        v = np.array(self.eng.lmp.numpy.extract_compute("ss", 0, 1), dtype=float) / self.volume
        sig = np.zeros((self.d, self.d))
        if self.d == 2:
            sig[0, 0], sig[1, 1], sig[0, 1] = v
        else:
            sig[0, 0], sig[1, 1], sig[2, 2], sig[0, 1], sig[0, 2], sig[1, 2] = v
        return sig + np.triu(sig, 1).T

    def place(self, xs: np.ndarray) -> np.ndarray:
        self.eng.set_positions(xs)
        return self.stress()

    def relax(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.eng.set_positions(xs)
        self.eng.commands(self.minimize)
        return xs + (self.eng.unwrapped_positions() - self.cell.wrap(xs)), self.stress()


class _NumpyProbe:
    """Frozen-matrix steps on glassml's own potential (any model, the polydisperse ones
    included): :func:`glassml.systems.fire` on :func:`glassml.systems.compute.frozen_matrix_forces`
    (the global force norm, as LAMMPS), the stress from :func:`region_stress`."""

    def __init__(self, model, types, lengths, diameters, lys: "LocalYieldStress"):
        self.model, self.types, self.cell, self.diameters = model, np.asarray(types), Box(lengths), diameters
        self.tolerance, self.max_iterations = lys.force_tolerance, lys.max_iterations

    def __enter__(self) -> "_NumpyProbe":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def begin(self, inner: np.ndarray, volume: float) -> None:
        self.inner = inner

    def end(self) -> None:
        return None

    def place(self, xs: np.ndarray) -> np.ndarray:
        return region_stress(self.model, xs, self.types, self.cell, self.inner, self.diameters)

    def relax(self, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from glassml.systems import fire
        from glassml.systems.compute import frozen_matrix_forces

        res = fire(lambda y: frozen_matrix_forces(self.model, y, self.types, self.cell, self.inner, self.diameters),
                   xs, force_tolerance=self.tolerance, max_steps=self.max_iterations, force_norm="global")
        if not res.converged:
            raise GlassmlError(f"FIRE did not converge in a frozen-matrix probe (|F| = {res.max_force:.3g} after "
                               f"{res.n_steps} iterations); raise max_iterations")
        return res.positions, self.place(res.positions)


def nearest_probe_field(positions, box, centres, values) -> np.ndarray:
    """(N,) ``values`` of the probe centre nearest each particle (periodic distances)."""
    x = np.asarray(positions, float)
    cell = Box.from_any(box, x.shape[1])
    c = np.asarray(centres, float)
    dist = np.linalg.norm(cell.minimum_image(x[:, None, :] - c[None, :, :]), axis=2)
    return np.asarray(values, float)[np.argmin(dist, axis=1)]
