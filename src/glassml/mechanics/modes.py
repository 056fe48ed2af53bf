"""The Hessian of a pair-potential glass, its low-frequency vibrational modes and a soft-spot field.

For a pair potential ``U = sum_{i<j} V(r_ij)`` the (i, j) block of the Hessian is
``-[V''(r) n n^T + V'(r)/r (1 - n n^T)]`` with ``n = r_ij / r``, and the diagonal block is minus
the sum of the off-diagonal ones.  ``V''`` is the analytic second derivative of
:meth:`glassml.systems.Model.pair_energy` (base potential plus the truncation polynomial).

The low-frequency modes are the lowest non-trivial eigenvectors, found by shift-invert Lanczos
(``scipy.sparse.linalg.eigsh``).  Their participation ratio ``P = (sum_i |e_i|^2)^2 / (N sum_i
|e_i|^4)`` (Bell & Dean, Discuss. Faraday Soc. 50, 55 (1970)) is ~1 for an extended mode and
~1/N for a mode on one particle.  The soft-spot field is the polarisation of the lowest modes,
``phi_i = sum_m |e_i^m|^2`` (Manning & Liu, PRL 107, 108302 (2011)).  All masses are taken equal
to one (true of the Kob–Andersen models), so the Hessian is the dynamical matrix and the
eigenvalues are squared frequencies.
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.geometry import Box, NeighborQuery


def hessian(model, positions, types, box, diameters=None):
    """The (N d, N d) Hessian of the potential energy as a ``scipy.sparse.csr_matrix``.

    Parameters
    ----------
    model: a :class:`~glassml.systems.Model`.
    positions: (N, d) positions.
    types: (N,) species.
    box: box lengths, a :class:`~glassml.geometry.Box` or a lower-triangular cell matrix.
    diameters: (N,) per-particle diameters of a polydisperse model.
    """
    from scipy import sparse

    x = np.asarray(positions, float)
    t = np.asarray(types)
    n, d = x.shape
    cell = Box.from_any(box, d)
    dia = None if diameters is None else np.asarray(diameters, float)
    rc = model.max_cutoff(dia) if model.polydisperse else model.max_cutoff()
    nb = NeighborQuery(x, cell).neighbors(rc)
    i, j, vec, r = nb.i, nb.j, nb.vectors, nb.distances
    si = None if dia is None else dia[i]
    sj = None if dia is None else dia[j]
    v1 = -model.pair_force_magnitude(r, t[i], t[j], si, sj)
    v2 = model.pair_curvature(r, t[i], t[j], si, sj)
    nn = vec[:, :, None] * vec[:, None, :] / (r * r)[:, None, None]
    eye = np.eye(d)[None]
    k = v2[:, None, None] * nn + (v1 / r)[:, None, None] * (eye - nn)  # stiffness of each pair
    a, b = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
    rows_off = (i[:, None, None] * d + a).ravel()
    cols_off = (j[:, None, None] * d + b).ravel()
    rows_diag = (i[:, None, None] * d + a).ravel()
    cols_diag = (i[:, None, None] * d + b).ravel()
    rows = np.concatenate([rows_off, rows_diag])
    cols = np.concatenate([cols_off, cols_diag])
    vals = np.concatenate([-k.ravel(), k.ravel()])
    return sparse.coo_matrix((vals, (rows, cols)), shape=(n * d, n * d)).tocsr()


def participation_ratio(modes: np.ndarray) -> np.ndarray:
    """Participation ratio of each mode of ``modes`` (M, N, d) (Bell & Dean 1970): 1/N to 1."""
    m = np.asarray(modes, float)
    w = np.einsum("mia,mia->mi", m, m)
    return w.sum(axis=1) ** 2 / (m.shape[1] * np.sum(w * w, axis=1))


class VibrationalModes:
    """The lowest non-trivial vibrational modes of an inherent state.

    Parameters
    ----------
    n_modes: number of modes kept (after the d zero-frequency translations).
    shift: shift-invert centre, slightly below zero so that ``H - shift`` is positive definite.
    n_soft: number of lowest modes summed into the soft-spot field.

    Attributes (after :meth:`compute`)
    ----------------------------------
    hessian_: the sparse Hessian.
    eigenvalues_: (M,) lowest non-trivial eigenvalues (squared frequencies, unit masses).
    frequencies_: (M,) ``sqrt(eigenvalues_)`` (negative for an unstable direction).
    modes_: (M, N, d) normalised eigenvectors.
    participation_ratio_: (M,).
    soft_spot_field_: (N,) ``sum_m |e_i^m|^2`` over the ``n_soft`` lowest modes.
    """

    def __init__(self, n_modes: int = 20, *, shift: float = -1e-3, n_soft: int = 10):
        self.n_modes = n_modes
        self.shift = shift
        self.n_soft = n_soft

    def compute(self, model, positions, types, box, diameters=None) -> "VibrationalModes":
        from scipy.sparse.linalg import eigsh

        x = np.asarray(positions, float)
        n, d = x.shape
        if int(self.n_modes) < 1 or int(self.n_soft) < 1:
            raise GlassmlError(f"need at least one mode, got n_modes={self.n_modes}, n_soft={self.n_soft}")
        n_trivial = d  # rigid translations of a periodic system
        k = min(int(self.n_modes) + n_trivial, n * d - 1)
        h = hessian(model, x, types, box, diameters)
        vals, vecs = eigsh(h, k=k, sigma=self.shift, which="LM")
        order = np.argsort(vals)
        vals, vecs = vals[order], vecs[:, order]
        # drop the translations: the eigenvectors with the largest overlap with uniform motion
        uniform = np.zeros((d, n * d))
        for a in range(d):
            uniform[a, a::d] = 1.0 / np.sqrt(n)
        overlap = np.linalg.norm(uniform @ vecs, axis=0)
        trivial = np.argsort(overlap)[-n_trivial:]
        keep = np.setdiff1d(np.arange(len(vals)), trivial)
        self.hessian_ = h
        self.eigenvalues_ = vals[keep]
        self.frequencies_ = np.sign(self.eigenvalues_) * np.sqrt(np.abs(self.eigenvalues_))
        self.modes_ = vecs[:, keep].T.reshape(-1, n, d)
        self.participation_ratio_ = participation_ratio(self.modes_)
        m = min(int(self.n_soft), len(keep))
        self.soft_spot_field_ = np.einsum("mia,mia->i", self.modes_[:m], self.modes_[:m])
        return self

    def summary(self) -> dict:
        """JSON-ready eigenvalues and participation ratios."""
        return {"eigenvalues": self.eigenvalues_.tolist(), "participation_ratio": self.participation_ratio_.tolist()}


def _pairs_of(h, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Interacting pairs (i < j) read off the sparsity of the Hessian."""
    coo = h.tocoo()
    i, j = coo.row // d, coo.col // d
    keep = i < j
    key = np.unique(i[keep] * h.shape[0] + j[keep])
    return key // h.shape[0], key % h.shape[0]


def third_order_contraction(model, positions, types, box, z: np.ndarray, diameters=None, eps: float = 1e-4) -> np.ndarray:
    """The third derivative of the energy contracted twice with the direction ``z`` ((N d,) or
    (N, d)), as the central difference ``(H(x + eps z) - H(x - eps z)) z / (2 eps)`` of the
    Hessian; returns (N d,).  Its dot product with ``z`` is the cubic coefficient ``tau``."""
    x = np.asarray(positions, float)
    zr = np.asarray(z, float).reshape(x.shape)
    hp = hessian(model, x + eps * zr, types, box, diameters)
    hm = hessian(model, x - eps * zr, types, box, diameters)
    return (hp @ zr.ravel() - hm @ zr.ravel()) / (2 * eps)


def _barrier(kappa: float, tau: float) -> float:
    """``2 kappa^3 / (3 tau^2)``, the barrier of the cubic expansion along a unit direction."""
    return 2 * kappa**3 / (3 * tau**2) if tau != 0 else float("inf")


def _project(z: np.ndarray, d: int) -> np.ndarray:
    """``z`` without its rigid translation, normalised."""
    z = z.reshape(-1, d) - z.reshape(-1, d).mean(axis=0)
    return (z / np.linalg.norm(z)).ravel()


class PseudoHarmonicMode:
    """A quasi-localised mode from the harmonic cost function of Richard, Kapteijns, Giannini,
    Manning & Lerner, PRL 126, 015501 (2021).

    The cost is ``C(z) = (H:zz)^2 / sum_<ij> (z_ij . z_ij)^2`` over unit, translation-free
    directions ``z`` (``z_ij = z_j - z_i`` over interacting pairs); it is small for a soft
    direction concentrated on a few bonds.  Minima are reached by the paper's fixed-point map
    ``z <- H^+ zeta(z) / |H^+ zeta(z)|``, with ``zeta`` the gradient of the denominator,
    ``zeta_j = sum_i 4 |z_ij|^2 z_ij``; ``H^+`` is applied by conjugate gradients.

    The stiffness is ``kappa = H:zz``; the cubic coefficient ``tau = U''':zzz`` (a central
    difference of ``H:zz`` along ``z``) gives the barrier estimate ``Delta E = 2 kappa^3 / (3 tau^2)``
    of the cubic expansion along the mode.

    Parameters
    ----------
    tol: stop when the map moves ``z`` by less than this (norm per sqrt(N d)).
    max_iterations: map iterations.

    Attributes (after :meth:`compute`)
    ----------------------------------
    mode_: (N, d) unit mode; stiffness_ (kappa); cubic_ (tau); barrier_ (Delta E); cost_ (C);
    converged_, n_iterations_; participation_ratio_.
    """

    def __init__(self, tol: float = 1e-9, max_iterations: int = 2000):
        self.tol = tol
        self.max_iterations = max_iterations

    @staticmethod
    def cost(h, z: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], d: int) -> float:
        zz = z.reshape(-1, d)
        zij = zz[pairs[1]] - zz[pairs[0]]
        kappa = float(z @ (h @ z))
        return kappa * kappa / float(np.sum(np.einsum("pa,pa->p", zij, zij) ** 2))

    def compute(self, model, positions, types, box, start=None, diameters=None) -> "PseudoHarmonicMode":
        """Iterate from ``start`` ((N, d); default: the lowest non-trivial harmonic mode)."""
        from scipy.sparse.linalg import cg

        x = np.asarray(positions, float)
        n, d = x.shape
        h = hessian(model, x, types, box, diameters)
        pairs = _pairs_of(h, d)
        if start is None:
            start = VibrationalModes(n_modes=1).compute(model, x, types, box, diameters).modes_[0]
        z = _project(np.asarray(start, float).ravel(), d)
        converged, it = False, 0
        for it in range(1, int(self.max_iterations) + 1):
            zz = z.reshape(-1, d)
            zij = zz[pairs[1]] - zz[pairs[0]]
            g = 4 * np.einsum("pa,pa->p", zij, zij)[:, None] * zij
            zeta = np.zeros((n, d))
            np.add.at(zeta, pairs[1], g)
            np.add.at(zeta, pairs[0], -g)
            y, info = cg(h, zeta.ravel(), x0=z, rtol=1e-12, atol=0.0, maxiter=20 * n * d)
            new = _project(y, d)
            if new @ z < 0:
                new = -new
            step = np.linalg.norm(new - z) / np.sqrt(n * d)
            z = new
            if step < self.tol:
                converged = True
                break
        self.mode_ = z.reshape(n, d)
        self.stiffness_ = float(z @ (h @ z))
        self.cubic_ = float(z @ third_order_contraction(model, x, types, box, z, diameters))
        self.barrier_ = _barrier(self.stiffness_, self.cubic_)
        self.cost_ = self.cost(h, z, pairs, d)
        self.converged_ = converged
        self.n_iterations_ = it
        self.participation_ratio_ = float(participation_ratio(self.mode_[None])[0])
        return self


class CubicMode:
    """A quasi-localised mode of the cubic expansion: the nonlinear glassy mode of Gartner &
    Lerner, SciPost Phys. 1, 016 (2016).

    Along a unit direction ``z`` the energy is ``kappa s^2 / 2 + tau s^3 / 6`` to third order,
    with ``kappa = H:zz`` and ``tau`` the third derivative contracted with ``z`` three times, so
    the barrier is ``b(z) = 2 kappa^3 / (3 tau^2)``.  The cubic modes are the directions where
    ``b`` is stationary; they solve ``H z = (kappa / tau) T(z)``, with ``T(z)`` the third
    derivative contracted twice (:func:`third_order_contraction`).  Here ``b`` is minimised over
    unit, translation-free directions by L-BFGS from a soft start (the pseudo-harmonic mode by
    default), which lands on the cubic mode of that soft spot, the mode Richard et al.
    (PRL 126, 015501 (2021)) compare the pseudo-harmonic one with.

    Parameters
    ----------
    tol: stop when the relative residual ``|H z - (kappa / tau) T(z)| / |H z|`` is below this.
    max_iterations: L-BFGS iterations.

    Attributes (after :meth:`compute`)
    ----------------------------------
    mode_: (N, d) unit mode; stiffness_ (kappa); cubic_ (tau); barrier_ (``2 kappa^3 / 3 tau^2``);
    residual_: the relative residual above (0 on an exact cubic mode);
    converged_ (residual below ``tol``), n_iterations_; participation_ratio_.
    """

    def __init__(self, tol: float = 1e-4, max_iterations: int = 2000):
        self.tol = tol
        self.max_iterations = max_iterations

    def compute(self, model, positions, types, box, start=None, diameters=None) -> "CubicMode":
        """Minimise from ``start`` ((N, d); default: the mode of :class:`PseudoHarmonicMode`)."""
        from scipy.optimize import minimize

        x = np.asarray(positions, float)
        n, d = x.shape
        h = hessian(model, x, types, box, diameters)
        if start is None:
            start = PseudoHarmonicMode().compute(model, x, types, box, diameters=diameters).mode_

        def parts(z):
            u = _project(z, d)
            hu = h @ u
            t = third_order_contraction(model, x, types, box, u, diameters)
            return u, hu, t, float(u @ hu), float(u @ t)

        def barrier_and_gradient(z):
            u, hu, t, kappa, tau = parts(z)
            g = 4 * kappa**2 / tau**2 * hu - 4 * kappa**3 / tau**3 * t  # d b / d u
            g -= (g @ u) * u  # b does not depend on |z|: only the tangential part counts
            g = (g.reshape(-1, d) - g.reshape(-1, d).mean(axis=0)).ravel() / np.linalg.norm(z)
            return _barrier(kappa, tau), g

        res = minimize(barrier_and_gradient, _project(np.asarray(start, float).ravel(), d), jac=True,
                       method="L-BFGS-B", options={"maxiter": int(self.max_iterations), "gtol": 0.0, "ftol": 0.0})
        u, hu, t, kappa, tau = parts(res.x)
        self.mode_ = u.reshape(n, d)
        self.stiffness_ = kappa
        self.cubic_ = tau
        self.barrier_ = _barrier(kappa, tau)
        self.residual_ = float(np.linalg.norm(hu - kappa / tau * t) / np.linalg.norm(hu))
        self.converged_ = self.residual_ < self.tol
        self.n_iterations_ = int(res.nit)
        self.participation_ratio_ = float(participation_ratio(self.mode_[None])[0])
        return self
