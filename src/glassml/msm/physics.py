"""The physics of the learnt state map: Voronoi volumes, spatial correlations, tau_alpha.

Following Soltani, Sinclair and Rottler, Phys. Rev. E 106, 025308 (2022):

- **Voronoi volume** of each particle (freud's :class:`freud.locality.Voronoi`, periodic box;
  an area in 2D), and its **scaled excess**
  ``v_i = (V_i - <V>_{s_i}) / <V>_{s_i}``: the excess of a particle's volume over the mean
  volume of its species in the same frame, in units of that mean, which removes the trivial
  difference between large and small species;
- the Pearson **correlation** of a state probability with either volume;
- the **spatial correlation** of the state map
  ``C(r) = <dp_i dp_j>_{|r_ij| in bin} / <dp^2>``, ``dp = p - <p>``, over pairs of selected
  particles, and its **correlation length** ``xi`` from a fit ``C(r) ~ A exp(-r / xi)`` (ln C,
  weighted by C) over the bins from ``r_min`` up to the first bin where C is no longer positive;
- **tau_alpha** of the same trajectory from the self-intermediate scattering function averaged
  over time origins (:func:`glassml.dynamics.observables.self_intermediate_scattering`, the
  1/e crossing of :func:`glassml.dynamics.observables.tau_alpha`).
"""

from __future__ import annotations

import numpy as np

from glassml.errors import GlassmlError
from glassml.msm.trajectory import Trajectory


def voronoi_volumes(positions: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(N,) Voronoi cell volumes (areas in 2D) of a periodic configuration, from freud."""
    import freud

    x = np.asarray(positions, dtype=float)
    box = np.asarray(box, dtype=float).reshape(-1)
    d = x.shape[1]
    fbox = freud.box.Box.from_box(box) if d == 3 else freud.box.Box.from_box([box[0], box[1]], dimensions=2)
    pts = np.zeros((len(x), 3), dtype=np.float32)
    pts[:, :d] = x - box * np.floor(x / box) - box / 2  # freud's box spans [-L/2, L/2)
    # rounding to float32 can put a coordinate on +L/2, outside the box, where voro++ crashes
    pts = np.asarray(fbox.wrap(pts), dtype=np.float32)
    return np.asarray(freud.locality.Voronoi().compute((fbox, pts)).volumes, dtype=float).copy()


def scaled_excess_volumes(volumes: np.ndarray, types: np.ndarray) -> np.ndarray:
    """``(V_i - <V>_s) / <V>_s`` with ``<V>_s`` the mean volume of particle i's species s in the
    same frame; ``volumes`` is (N,) or (F, N)."""
    v = np.asarray(volumes, dtype=float)
    types = np.asarray(types)
    out = np.empty_like(v)
    for s in np.unique(types):
        m = types == s
        mean = v[..., m].mean(axis=-1, keepdims=True)
        out[..., m] = (v[..., m] - mean) / mean
    return out


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equally shaped arrays (flattened)."""
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else float("nan")


def state_map_correlation(positions: np.ndarray, box: np.ndarray, values: np.ndarray, *, r_max: float | None = None,
                          dr: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``(r, C(r))`` of per-particle values over one or several frames.

    Args:
        positions: (N, d) or (F, N, d) positions of the particles that carry ``values``.
        box: (d,) box lengths.
        values: (N,) or (F, N), e.g. the probability of one state.
        r_max: largest distance (default: half the shortest box length).
        dr: bin width.
    """
    from glassml.geometry import neighbors

    x = np.asarray(positions, dtype=float)
    v = np.asarray(values, dtype=float)
    if x.ndim == 2:
        x, v = x[None], v[None]
    box = np.asarray(box, dtype=float).reshape(-1)
    r_max = float(box.min() / 2) if r_max is None else float(r_max)
    if r_max > box.min() / 2 + 1e-12:
        raise GlassmlError(f"r_max {r_max:g} exceeds half the box ({box.min() / 2:g})")
    edges = np.arange(0.0, r_max + 1e-12, dr)
    num = np.zeros(len(edges) - 1)
    cnt = np.zeros(len(edges) - 1)
    dv = v - v.mean()
    var = float((dv**2).mean())
    if var <= 0:
        raise GlassmlError("the state map is uniform: its spatial correlation is undefined")
    for f in range(len(x)):
        nb = neighbors(x[f], box, r_max * (1 - 1e-9))
        b = np.minimum((nb.distances / dr).astype(int), len(num) - 1)
        np.add.at(num, b, dv[f, nb.i] * dv[f, nb.j])
        np.add.at(cnt, b, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = num / cnt / var
    return 0.5 * (edges[1:] + edges[:-1]), c


def correlation_length(r: np.ndarray, c: np.ndarray, *, r_min: float = 0.8) -> float:
    """``xi`` of ``C(r) ~ A exp(-r / xi)`` fitted (least squares on ln C, each bin weighted by C)
    from ``r_min`` to the first bin where C is no longer positive; NaN when fewer than three bins
    qualify."""
    r, c = np.asarray(r, float), np.asarray(c, float)
    keep = (r >= r_min) & np.isfinite(c)
    r, c = r[keep], c[keep]
    bad = np.flatnonzero(c <= 0)
    if bad.size:
        r, c = r[: bad[0]], c[: bad[0]]
    if len(r) < 3:
        return float("nan")
    slope, _ = np.polyfit(r, np.log(c), 1, w=c)  # weights c: the error of ln C grows as 1/C
    return float(-1.0 / slope) if slope < 0 else float("inf")


def relaxation_time(traj: Trajectory, *, k: float | None = None, species: int | None = 0, n_lags: int = 24,
                    n_origins: int = 50) -> tuple[float | None, np.ndarray, np.ndarray]:
    """``(tau_alpha, times, Fs)`` of one trajectory: Fs(k, t) averaged over time origins and the
    particles of ``species``, at ``k`` (default 2 pi / sigma_AA ~ 7.25 in 3D KA, 6.9 in 2D)."""
    from glassml.dynamics.observables import self_intermediate_scattering, shell_vectors, tau_alpha

    k = (7.25 if traj.dimension == 3 else 6.9) if k is None else float(k)
    f = traj.n_frames
    lags = np.unique(np.round(np.geomspace(1, f - 1, n_lags)).astype(int))
    kv = shell_vectors(traj.box, k)
    mask = None if species is None else traj.types == species
    fs = np.empty(len(lags))
    for a, lag in enumerate(lags):
        origins = np.unique(np.linspace(0, f - 1 - lag, min(n_origins, f - lag)).astype(int))
        disp = (traj.positions[origins + lag] - traj.positions[origins])[None]  # (1, R, N, d)
        fs[a] = self_intermediate_scattering(disp, kv, mask)[0]
    times = lags * traj.frame_interval
    return tau_alpha(times, fs), times, fs
