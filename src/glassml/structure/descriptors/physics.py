"""Physics-inspired descriptors: Jung, Biroli & Berthier's GlassMLP input set (PRL 130,
238202 (2023); transferable version arXiv:2310.20252) and the simple baselines GlassBench
reports (local density DEN, potential energy EPOT, hexatic order psi6 in 2D, Tanaka's theta).

Energies come from :mod:`glassml.systems` (one source of truth for the potential):
``e_i = 1/2 sum_j V(r_ij)``, what LAMMPS' ``compute pe/atom`` reports.  Voronoi cells and
neighbors come from freud's Voronoi tessellation (voro++), periodic boxes only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import minimum_image
from glassml.structure.descriptors.base import Configuration, Descriptor, fmt


# ---------------------------------------------------------------- Voronoi tessellation


class VoronoiCells:
    """Periodic Voronoi tessellation of a configuration (freud / voro++).

    Attributes: ``volumes`` (N,) cell volumes (areas in 2D), ``surface`` (N,) cell surface
    areas (perimeters in 2D), ``i``, ``j`` (neighbor pairs, both directions, sorted),
    ``facets`` (facet areas, edge lengths in 2D) and ``vectors`` (float64 minimum-image
    ``r_j - r_i`` computed from the configuration itself).
    """

    def __init__(self, conf: Configuration):
        if not conf.periodic.all():
            raise GlassmlError("Voronoi cells need a fully periodic box")
        if lammps_loaded():
            # liblammps exports its own voro++ symbols, which clash with freud's copy and
            # crash the process (segmentation fault): tessellate in a fresh interpreter
            i, j, w, volumes, surface = freud_voronoi_in_subprocess(conf.box, conf.positions)
        else:
            i, j, w, volumes, surface = freud_voronoi(conf.box, conf.positions)
        n = conf.n_particles
        # facets a particle shares with its own periodic image (tiny boxes only)
        own = i == j
        i, j, w = i[~own], j[~own], w[~own]
        # one facet per pair: a pair seen through two images is merged (areas summed) ...
        i, j, w = _merge_pairs(i, j, w, np.add)
        # ... and the list is made symmetric: freud 3.4 occasionally lists a small facet for
        # only one of its two cells (seen for a 0.006 facet), which would make the surface
        # depend on the particle order
        i, j, w = _merge_pairs(np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([w, w]), np.maximum)
        self.surface = surface
        self.volumes = volumes
        self.i, self.j, self.facets = i, j, w
        self.vectors = conf.query.box.minimum_image(conf.positions[j] - conf.positions[i])
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n), out=self.offsets[1:])


def _merge_pairs(i, j, w, ufunc):
    """Sort pairs by (i, j) and combine the values of repeated pairs with ``ufunc``."""
    if i.size == 0:
        return i, j, w
    order = np.lexsort((j, i))
    i, j, w = i[order], j[order], w[order]
    first = np.ones(i.size, dtype=bool)
    first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
    starts = np.flatnonzero(first)
    return i[starts], j[starts], ufunc.reduceat(w, starts)


def lammps_loaded() -> bool:
    """Is the LAMMPS shared library mapped into this process?"""
    import sys

    if "lammps" not in sys.modules:
        return False
    try:
        with open("/proc/self/maps") as fh:
            return "liblammps" in fh.read()
    except OSError:  # pragma: no cover - not Linux
        return True


def freud_voronoi(box, positions):
    """freud's periodic Voronoi: (i, j, facet sizes, cell volumes, cell surfaces).

    freud 3.4 occasionally leaves a facet out of its neighbor list although the cell itself
    is right.  Every Voronoi cell obeys ``V_i = sum_j A_ij r_ij / (2 d)`` (pyramids on its
    facets, whose planes bisect the bonds); cells that break this identity by more than 1e-4
    get their surface from a local scipy/qhull tessellation instead.
    """
    import freud

    box = np.asarray(box, dtype=np.float64)
    dim = box.size
    if dim == 2:
        fbox = freud.box.Box(Lx=box[0], Ly=box[1], is2D=True)
        pts = np.c_[positions, np.zeros(len(positions))]
    else:
        fbox = freud.box.Box(Lx=box[0], Ly=box[1], Lz=box[2])
        pts = positions
    pts = fbox.wrap(np.asarray(pts, dtype=np.float64))
    vor = freud.locality.Voronoi()
    vor.compute((fbox, pts))
    nl = vor.nlist
    i = np.asarray(nl.query_point_indices, dtype=np.int64)
    j = np.asarray(nl.point_indices, dtype=np.int64)
    w = np.asarray(nl.weights, dtype=np.float64)
    volumes = np.asarray(vor.volumes, dtype=np.float64)
    n = len(volumes)
    r = np.linalg.norm(np.asarray(nl.vectors, dtype=np.float64), axis=1)
    pyramids = np.bincount(i, w * r, minlength=n) / (2 * dim)
    surface = np.bincount(i, w, minlength=n)
    bad = np.flatnonzero(np.abs(pyramids - volumes) > 1e-4 * volumes)
    for b in bad:
        surface[b] = _local_cell_surface(np.asarray(positions, dtype=np.float64), box, int(b))
    return i, j, w, volumes, surface


def _local_cell_surface(positions, box, b: int) -> float:
    """Surface (perimeter in 2D) of particle b's Voronoi cell from a local tessellation
    (scipy/qhull) of the particles around it, minimum-imaged; the radius grows until the
    cell is bounded and stable."""
    from scipy.spatial import ConvexHull, Voronoi

    n, dim = positions.shape
    vec = minimum_image(positions - positions[b], box)
    dist = np.linalg.norm(vec, axis=1)
    spacing = (np.prod(box) / n) ** (1.0 / dim)
    previous = None
    for factor in (3.0, 4.0, 5.0, 6.0):
        radius = min(factor * spacing, 0.5 * float(box.min()))
        local = np.flatnonzero(dist < radius)
        centre = int(np.flatnonzero(local == b)[0])
        vor = Voronoi(vec[local])
        region = vor.regions[vor.point_region[centre]]
        if -1 in region or not region:
            continue
        area = float(ConvexHull(vor.vertices[region]).area)
        if previous is not None and abs(area - previous) < 1e-12 * area:
            return area
        previous = area
        if radius >= 0.5 * float(box.min()):
            break
    if previous is None:  # pragma: no cover - a cell larger than half the box
        raise GlassmlError(f"cannot bound the Voronoi cell of particle {b}; the box is too small")
    return previous


def freud_voronoi_in_subprocess(box, positions):
    """:func:`freud_voronoi` in a separate Python process (arrays through a temporary file)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="glassml-voronoi-") as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(src, box=np.asarray(box, dtype=np.float64), positions=np.asarray(positions, dtype=np.float64))
        code = (
            "import sys, numpy as np\n"
            "from glassml.structure.descriptors.physics import freud_voronoi\n"
            "f = np.load(sys.argv[1])\n"
            "i, j, w, v, s = freud_voronoi(f['box'], f['positions'])\n"
            "np.savez(sys.argv[2], i=i, j=j, w=w, v=v, s=s)\n"
        )
        run = subprocess.run([sys.executable, "-c", code, str(src), str(dst)], capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"Voronoi subprocess failed: {run.stderr.strip()[-500:]}")
        with np.load(dst) as out:
            return out["i"], out["j"], out["w"], out["v"], out["s"]


class DelaunayNeighbors:
    """Periodic Delaunay (= Voronoi) neighbors from scipy's qhull, in double precision.

    Points within three mean spacings of a face get periodic images; edges with at least one
    original endpoint are kept and mapped back to the originals.  Attributes ``offsets``,
    ``j`` (CSR, sorted) and ``vectors`` (minimum-image ``r_j - r_i``).  Used by psi6 and
    Tanaka's theta rather than freud's neighbor list, which occasionally misses a facet.
    """

    def __init__(self, conf: Configuration):
        from scipy.spatial import Delaunay

        if not conf.periodic.all():
            raise GlassmlError("Delaunay neighbors need a fully periodic box")
        n, d = conf.n_particles, conf.dimension
        box = conf.box
        spacing = (np.prod(box) / n) ** (1.0 / d)
        margin = np.minimum(3.0 * spacing, box / 2)
        x = conf.query.box.wrap(conf.positions)
        pts, ids = [x], [np.arange(n)]
        shifts = np.stack(np.meshgrid(*[[-1, 0, 1]] * d, indexing="ij"), -1).reshape(-1, d)
        for sh in shifts:
            if not sh.any():
                continue
            y = x + sh * box
            near = np.all((y > -margin) & (y < box + margin), axis=1)
            pts.append(y[near])
            ids.append(np.flatnonzero(near))
        allp = np.concatenate(pts)
        owner = np.concatenate(ids)
        tri = Delaunay(allp)
        indptr, nbrs = tri.vertex_neighbor_vertices
        i = np.repeat(np.arange(n), np.diff(indptr[: n + 1]))
        j = owner[nbrs[: indptr[n]]]
        keep = i != j
        i, j = i[keep], j[keep]
        i, j, _ = _merge_pairs(i, j, np.zeros(i.size), np.add)
        self.i, self.j = i, j
        self.vectors = np.ascontiguousarray(conf.query.box.minimum_image(conf.positions[j] - conf.positions[i]))
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n), out=self.offsets[1:])


# ---------------------------------------------------------------- Jung et al.


class PhysicsInspired(Descriptor):
    """Jung, Biroli & Berthier's physics-inspired descriptors (PRL 130, 238202 (2023)).

    For every coarse-graining length L and every group g (each species, then all particles),
    with ``w_ij = exp(-r_ij / L)`` over ``j = i`` and all j of group g closer than ``cutoff``
    (``L = 0`` keeps only ``j = i``):

    * ``DEN``  ``rho_i(L; g) = sum_j w_ij``
    * ``EPOT`` ``E_i(L; g) = sum_j w_ij e_j / rho_i``        (e_j: potential energy of j)
    * ``CELL`` ``C_i(L; g) = sum_j w_ij c_j / rho_i``        (c_j: Voronoi perimeter in 2D, surface in 3D)
    * ``VAR``  ``sum_j w_ij (e_j - E_i)^2 / rho_i``          (local energy variance)

    This is the definition of partycls' ``PhysicsInspiredDescriptor`` (jung-descriptor branch).
    Where ``rho_i = 0`` (``L = 0`` and i not in g) the normalised observables are 0.
    Names ``{DEN,EPOT,CELL,VAR}_L{L}_{s<k>|all}``, ordered by L, then group, then observable.
    ``cutoff=None`` takes ``min(3 max(L), half the shortest box edge)``; the value used is
    in ``cutoff_used``.  Compute it on inherent states (``positions="inherent"`` in
    :func:`glassml.structure.describe`) as Jung et al. do.  Needs ``conf.model``.
    """

    needs_periodic_box = True
    observables = ("DEN", "EPOT", "CELL", "VAR")

    def __init__(self, lengths: Sequence[float] = (0, 1, 2, 3, 4, 5), cutoff: float | None = None):
        ls = sorted({float(x) for x in lengths})
        if not ls or ls[0] < 0:
            raise GlassmlError(f"coarse-graining lengths must be >= 0, got {list(lengths)}")
        super().__init__(lengths=ls, cutoff=None if cutoff is None else float(cutoff))
        self.cutoff_used: float | None = None

    def resolve_cutoff(self, conf: Configuration) -> float:
        c = self.params["cutoff"]
        if c is None:
            lmax = max(self.params["lengths"])
            c = conf.capped_cutoff(3.0 * lmax if lmax > 0 else 1.0)
        return conf.query.check_cutoff(c)

    def _compute(self, conf):
        from glassml.structure.kernels import exp_weighted_sums

        lengths = np.asarray(self.params["lengths"])
        k = conf.n_species
        e = conf.energies()
        c = conf.cached("voronoi", lambda: VoronoiCells(conf)).surface
        values = np.ascontiguousarray(np.c_[e, e * e, c])
        cutoff = self.resolve_cutoff(conf)
        self.cutoff_used = cutoff
        n = conf.n_particles
        sums = np.zeros((n, lengths.size, k + 1, 4))
        pos = lengths > 0
        if pos.any():
            import numba

            from glassml.structure.kernels import exp_weighted_sums_allpairs

            base_inv, powers = common_base(lengths[pos])
            nt = numba.get_num_threads()
            ball = (4.0 / 3.0 * np.pi * cutoff**3) if conf.dimension == 3 else np.pi * cutoff**2
            if ball >= 0.25 * float(np.prod(conf.box)):
                # the cutoff spans much of the box: visiting all pairs beats building a list
                sums[:, pos] = exp_weighted_sums_allpairs(conf.positions, conf.box, conf.periodic, cutoff, conf.types, k,
                                                          lengths[pos], values, nt, base_inv, powers)
            else:
                i, j, d = conf.query.half_pairs(cutoff)
                sums[:, pos] = exp_weighted_sums(i, j, d, conf.types, k, lengths[pos], values, nt, base_inv, powers)
        # the particle itself: weight 1 at every L, in its own species and in "all"
        own = np.c_[np.ones(n), values]
        idx = np.arange(n)
        sums[idx, :, conf.types, :] += own[:, None, :]
        sums[:, :, k, :] += own[:, None, :]
        rho = sums[..., 0]
        safe = np.where(rho > 0, rho, 1.0)
        mean_e = np.where(rho > 0, sums[..., 1] / safe, 0.0)
        var_e = np.where(rho > 0, np.maximum(sums[..., 2] / safe - mean_e**2, 0.0), 0.0)
        mean_c = np.where(rho > 0, sums[..., 3] / safe, 0.0)
        feats = np.stack([rho, mean_e, mean_c, var_e], axis=-1)  # (N, L, G, 4)
        groups = [f"s{s}" for s in range(k)] + ["all"]
        names = [f"{o}_L{fmt(L)}_{g}" for L in lengths for g in groups for o in self.observables]
        return feats.reshape(n, -1), names


def common_base(lengths: np.ndarray) -> tuple[float, np.ndarray]:
    """Write exp(-r/L_l) = exp(-r/M)^p_l with integer p_l <= 256 when the lengths allow it
    (e.g. L = 1..5: M = 60); else (0, zeros): one exponential per length."""
    from fractions import Fraction
    from math import gcd, lcm

    fr = [Fraction(float(x)).limit_denominator(1000) for x in lengths]
    if any(abs(float(f) - float(x)) > 1e-12 * max(1.0, float(x)) for f, x in zip(fr, lengths)):
        return 0.0, np.zeros(len(lengths), dtype=np.int64)
    num = 1
    den = 0
    for f in fr:
        num = lcm(num, f.numerator)
        den = gcd(den, f.denominator)
    m = Fraction(num, den)
    powers = [m / f for f in fr]
    if any(p.denominator != 1 or p > 256 for p in powers):
        return 0.0, np.zeros(len(lengths), dtype=np.int64)
    return 1.0 / float(m), np.array([int(p) for p in powers], dtype=np.int64)


# ---------------------------------------------------------------- baselines


class PotentialEnergy(Descriptor):
    """Per-particle potential energy ``e_i = 1/2 sum_j V(r_ij)`` (GlassBench's EPOT), from the
    model definitions of :mod:`glassml.systems`.  Name ``EPOT``."""

    def _compute(self, conf):
        return conf.energies()[:, None], ["EPOT"]


class LocalDensity(Descriptor):
    """Local density ``DEN_i = sum_{j != i} exp(-r_ij / L)`` over neighbors closer than
    ``cutoff``: Jung et al.'s coarse-grained density at one length (PRL 130, 238202 (2023)),
    without the self term.  Defaults: L = 1; cutoff 5, or just under half the box in boxes
    shorter than 10 (``cutoff=None``).  (GlassBench's exact DEN definition is unverified here.)"""

    def __init__(self, length: float = 1.0, cutoff: float | None = None):
        super().__init__(length=float(length), cutoff=None if cutoff is None else float(cutoff))

    def _compute(self, conf):
        p = self.params
        cutoff = conf.capped_cutoff(5.0) if p["cutoff"] is None else p["cutoff"]
        i, j, d = conf.query.half_pairs(cutoff)
        w = np.exp(-d / p["length"])
        n = conf.n_particles
        return (np.bincount(i, w, minlength=n) + np.bincount(j, w, minlength=n))[:, None], ["DEN"]


class Hexatic(Descriptor):
    """Bond-orientational order ``psi_k(i) = |1/n_i sum_j exp(i k theta_ij)|`` over the Voronoi
    (Delaunay) neighbors j of i (2D only; k = 6 by default: GlassBench's PSI6; Nelson &
    Halperin 1979)."""

    dimensions = (2,)
    needs_periodic_box = True

    def __init__(self, k: int = 6):
        super().__init__(k=int(k))

    def _compute(self, conf):
        nbrs = conf.cached("delaunay", lambda: DelaunayNeighbors(conf))
        offsets, vectors = nbrs.offsets, nbrs.vectors
        n = conf.n_particles
        owner = np.repeat(np.arange(n), np.diff(offsets))
        theta = np.arctan2(vectors[:, 1], vectors[:, 0])
        z = np.exp(1j * self.params["k"] * theta)
        num = np.bincount(owner, z.real, minlength=n) + 1j * np.bincount(owner, z.imag, minlength=n)
        cnt = np.bincount(owner, minlength=n)
        psi = np.where(cnt > 0, np.abs(num) / np.maximum(cnt, 1), 0.0)
        return psi[:, None], [f"PSI{self.params['k']}"]


class TanakaTheta(Descriptor):
    """Tanaka's structural order parameter Theta (Tong & Tanaka, PRX 8, 011041 (2018)).

    For each triangle (i, j, k) of the Delaunay triangulation around i,
    ``theta1`` is the angle jik of the configuration and ``theta2`` the angle the triangle
    would have if i, j, k touched as spheres of pair sizes sigma_ij, sigma_ik, sigma_jk
    (law of cosines); ``Theta_i = <|theta1 - theta2|>`` over the triangles around i.
    In 2D the triangles are consecutive Voronoi neighbors of i; in 3D (our generalisation)
    all pairs of Voronoi neighbors of i that are Voronoi neighbors of each other.
    Pair sizes are the model's sigma_ab (``sigma`` overrides with a (K, K) matrix).
    Neighbors are Delaunay (= Voronoi) neighbors (:class:`DelaunayNeighbors`).  Name ``TT``.
    """

    needs_periodic_box = True


    def __init__(self, sigma=None):
        super().__init__(sigma=None if sigma is None else np.asarray(sigma, dtype=float).tolist())

    def _sigma(self, conf):
        if self.params["sigma"] is not None:
            s = np.asarray(self.params["sigma"], dtype=float)
            if s.shape != (conf.n_species, conf.n_species):
                raise GlassmlError(f"sigma must be a ({conf.n_species}, {conf.n_species}) matrix")
            return s
        if conf.model is None:
            raise GlassmlError("Tanaka's theta needs pair sizes: pass model=... or sigma=...")
        if conf.model.polydisperse:
            raise GlassmlError("Tanaka's theta for polydisperse models needs per-particle sizes (not supported)")
        k = conf.n_species
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        return np.asarray(conf.model.pair_sigma(a, b), dtype=float)

    def _compute(self, conf):
        from glassml.structure.kernels import tanaka_theta

        sig = self._sigma(conf)
        nbrs = conf.cached("delaunay", lambda: DelaunayNeighbors(conf))
        theta = tanaka_theta(nbrs.offsets, nbrs.j, nbrs.vectors, conf.types, sig, conf.dimension == 2)
        return theta[:, None], ["TT"]
