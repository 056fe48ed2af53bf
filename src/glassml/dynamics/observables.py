"""Collective observables of isoconfigurational dynamics: MSD, Fs(k, t), Q(t), alpha2,
chi4 (isoconfigurational and total), S4(q, t), G4(r, t), and a dynamic correlation length.

Functions take displacements ``disp`` (T, R, N, d) of one sample (R replicas or
trajectories) and an optional boolean particle ``mask`` (e.g. ``types == 0``).  Averages
are thermal averages pooled over replicas and selected particles.  :class:`Observables`
is the compute object that pools many samples (a dataset) and holds the named results.

Definitions (N = number of selected particles, <.> over replicas and samples):

* MSD(t) = <|Δr_i(t)|²>.
* alpha2(t) = d <|Δr|⁴> / ((d + 2) <|Δr|²>²) - 1 (Rahman 1964; d/(d+2) = 3/5 in 3D).
* Fs(k, t) = <cos(k·Δr_i(t))>, averaged over wave vectors of the periodic lattice with
  |k| in a shell around k (by default the first peak of S(k)).
* Q(t) = <w_i(t)>, w_i = Θ(a - |Δr_i|), a = 0.3 (self overlap).
* chi4_total(t) = N [<Q_r²> - <Q_r>²] over all replicas of all samples;
  chi4_iso(t) = N <Var_r Q_r>_samples, the isoconfigurational part (variance between the
  replicas of one configuration, averaged over configurations).  Q_r = (1/N) Σ_i w_i in
  replica r (Lacevic, Starr, Schrøder & Glotzer, JCP 119, 7372, 2003; Berthier et al.,
  Science 310, 1797, 2005; the iso/total split: Jack, Berthier & Garrahan and Berthier &
  Jack, PRE 76, 041509, 2007).
* S4(q, t) = (1/N) [<|W(q, t)|²> - |<W(q, t)>|²], W(q, t) = Σ_i w_i(t) exp(i q·r_i(0))
  (Lacevic et al. 2003; Flenner & Szamel, PRE 81, 031502, 2010); S4(q→0) = chi4_total.
  The isoconfigurational S4 subtracts the replica mean of W within each sample.
* G4(r, t) = [<Σ_{i≠j} w_i w_j δ_shell(r_ij(0))> - Q² <Σ_{i≠j} δ_shell(r_ij(0))>] / (N ρ V_shell(r))
  (Lacevic et al. 2003), the spatial correlation of overlap fluctuations.
* xi4(t): Ornstein-Zernike fit S4(q) = S4(0) / (1 + (q xi4)²) over q < q_fit
  (Flenner & Szamel 2010; Lacevic et al. 2003).

One definition each, under stable public names: the overlap w_i in :func:`self_overlap`,
Fs in :func:`self_intermediate_scattering_per_particle` (pooled by
:func:`self_intermediate_scattering`), alpha2 in :func:`non_gaussian_parameter`, chi4 of the
self overlap in :func:`susceptibilities` (one sample: :func:`chi4`), tau_alpha in
:func:`tau_alpha`; :class:`Observables` pools them over samples with the same helpers.
chi4 here is always the four-point susceptibility of the overlap of real trajectories; the
spread over configurations of a *propensity field* (measured or predicted), which the
benchmark scores, is a different quantity and lives with the scores (``glassml.bench``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassml.errors import GlassmlError


# ---------------------------------------------------------------------------- single sample
def _select(disp: np.ndarray, mask) -> np.ndarray:
    return disp if mask is None else disp[:, :, np.asarray(mask, bool)]


def _sq(disp):
    return np.einsum("trnk,trnk->trn", disp, disp)


def _overlap_weights(r2: np.ndarray, a: float) -> np.ndarray:
    """w_i = Θ(a - |Δr_i|) from squared displacements (any shape): the one overlap definition."""
    return r2 < a * a


def _non_gaussian(mean_r2: np.ndarray, mean_r4: np.ndarray, d: int) -> np.ndarray:
    """alpha2 = d <r⁴> / ((d+2) <r²>²) - 1 from the two moments: the one alpha2 definition."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return d * mean_r4 / ((d + 2) * mean_r2**2) - 1.0


def mean_square_displacement(disp: np.ndarray, mask=None) -> np.ndarray:
    """MSD(t) (T,) pooled over replicas and selected particles."""
    return _sq(_select(disp, mask)).mean(axis=(1, 2))


def non_gaussian_parameter(disp: np.ndarray, mask=None) -> np.ndarray:
    """alpha2(t) (T,) = d <r⁴> / ((d+2) <r²>²) - 1, pooled over replicas and particles."""
    r2 = _sq(_select(disp, mask))
    return _non_gaussian(r2.mean(axis=(1, 2)), (r2**2).mean(axis=(1, 2)), disp.shape[-1])


def self_overlap(disp: np.ndarray, a: float = 0.3, mask=None) -> np.ndarray:
    """Per-replica overlap Q_r(t) (T, R) = (1/N) Σ_i Θ(a - |Δr_i|)."""
    return _overlap_weights(_sq(_select(disp, mask)), a).mean(axis=2)


def overlap(disp: np.ndarray, a: float = 0.3, mask=None) -> np.ndarray:
    """Q(t) (T,), the self overlap pooled over replicas."""
    return self_overlap(disp, a, mask).mean(axis=1)


def susceptibilities(overlaps, n_particles: int) -> tuple[np.ndarray, np.ndarray]:
    """(chi4_iso, chi4_total) (T,) from per-replica overlaps grouped by sample.

    Args:
        overlaps: one (T, R_c) array of Q_r(t) per sample c (:func:`self_overlap`).
        n_particles: N, the number of selected particles in each sample.

    chi4_total = N Var Q_r over all replicas of all samples; chi4_iso = N <Var_r Q_r>_c, the
    variance between the replicas of one configuration averaged over configurations.  This is
    the one definition of chi4 in glassml.dynamics; :class:`Observables` and :func:`chi4` use it.
    """
    q_all = np.concatenate(list(overlaps), axis=1)
    total = n_particles * q_all.var(axis=1)
    iso = n_particles * np.mean([q.var(axis=1) for q in overlaps], axis=0)
    return iso, total


def chi4(disp: np.ndarray, a: float = 0.3, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """(chi4_iso, chi4_total) (T,) of ONE sample's replicas, N Var_r Q_r (both equal for one
    sample; they differ once samples are pooled: :func:`susceptibilities`, :class:`Observables`)."""
    return susceptibilities([self_overlap(disp, a, mask)], _select(disp, mask).shape[2])


def lattice_vectors(box: np.ndarray, k_min: float, k_max: float, *, half: bool = True) -> np.ndarray:
    """Wave vectors 2π n / L of the periodic box with k_min <= |k| < k_max.

    With ``half`` only one of each ±k pair is kept (enough for quantities even in k).
    """
    box = np.asarray(box, dtype=float)
    d = box.size
    dk = 2 * np.pi / box
    nmax = np.floor(k_max / dk).astype(int)
    axes = [np.arange(-m, m + 1) for m in nmax]
    n = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    if half:  # keep n with the first non-zero component positive
        nz = n != 0
        first = np.argmax(nz, axis=1)
        sign = n[np.arange(len(n)), first]
        n = n[(sign > 0)]
    k = n * dk
    norm = np.linalg.norm(k, axis=1)
    keep = (norm >= k_min) & (norm < k_max)
    return k[keep]


def shell_vectors(box: np.ndarray, k: float, *, width: float | None = None, max_vectors: int = 60, seed: int = 0) -> np.ndarray:
    """Lattice wave vectors with | |q| - k | < width/2 (default width 2π/L_min), at most
    ``max_vectors`` of them (a seeded random subset)."""
    box = np.asarray(box, dtype=float)
    width = 2 * np.pi / box.min() if width is None else width
    vecs = lattice_vectors(box, max(k - width / 2, 1e-9), k + width / 2)
    if len(vecs) == 0:
        raise GlassmlError(f"no wave vector of the box lies within {width / 2:g} of k = {k:g}")
    if len(vecs) > max_vectors:
        vecs = vecs[np.sort(np.random.default_rng(seed).choice(len(vecs), max_vectors, replace=False))]
    return vecs


def self_intermediate_scattering_per_particle(disp: np.ndarray, kvectors: np.ndarray) -> np.ndarray:
    """(T, N): <cos(k·Δr_i)> over replicas and the given wave vectors, per particle."""
    kv = np.asarray(kvectors, dtype=float).T  # (d, K)
    t_, r_, n, d = disp.shape
    out = np.empty((t_, n))
    for t in range(t_):
        c = np.cos(disp[t].reshape(-1, d) @ kv)  # 2-D matmul: BLAS
        out[t] = c.reshape(r_, n, -1).mean(axis=(0, 2))
    return out


def self_intermediate_scattering(disp: np.ndarray, kvectors: np.ndarray, mask=None) -> np.ndarray:
    """Fs(k, t) (T,) = <cos(k·Δr_i)> over replicas, selected particles and the given wave vectors."""
    return self_intermediate_scattering_per_particle(_select(disp, mask), kvectors).mean(axis=1)


def static_structure_factor(positions: np.ndarray, box: np.ndarray, *, k_max: float = 12.0, mask=None, max_per_bin: int = 64, seed: int = 0):
    """S(k) = |Σ_j exp(i k·r_j)|² / N binned in shells of width 2π/L_min; returns (k, S)."""
    x = np.asarray(positions, dtype=float)
    if mask is not None:
        x = x[np.asarray(mask, bool)]
    box = np.asarray(box, dtype=float)
    dk = 2 * np.pi / box.min()
    vecs = lattice_vectors(box, dk * 0.999, k_max)
    norms = np.linalg.norm(vecs, axis=1)
    bins = np.floor(norms / dk + 0.5).astype(int)
    rng = np.random.default_rng(seed)
    chosen = []
    for b in np.unique(bins):
        idx = np.flatnonzero(bins == b)
        chosen.append(idx if idx.size <= max_per_bin else rng.choice(idx, max_per_bin, replace=False))
    idx = np.concatenate(chosen)
    vecs, norms, bins = vecs[idx], norms[idx], bins[idx]
    rho = np.exp(1j * (x @ vecs.T)).sum(axis=0)
    s = np.abs(rho) ** 2 / len(x)
    ub = np.unique(bins)
    k = np.array([norms[bins == b].mean() for b in ub])
    sk = np.array([s[bins == b].mean() for b in ub])
    return k, sk


def first_peak(k: np.ndarray, sk: np.ndarray, k_min: float = 2.0) -> float:
    """Wave number of the highest S(k) above k_min (the first, main peak of a liquid)."""
    sel = k > k_min
    return float(k[sel][np.argmax(sk[sel])])


def ornstein_zernike_fit(q: np.ndarray, s4: np.ndarray, q_fit: float = 2.0) -> tuple[float, float]:
    """Fit S4(q) = A / (1 + (q xi)²) for q < q_fit; returns (A, xi) (NaN if it fails).

    Linearised first guess 1/S4 = 1/A + (xi²/A) q², refined by least squares in S4.
    """
    from scipy.optimize import curve_fit

    sel = (q < q_fit) & np.isfinite(s4) & (s4 > 0)
    if sel.sum() < 3 or np.max(s4[sel]) < 1e-9:
        return float("nan"), float("nan")
    qs, ss = q[sel], s4[sel]
    slope, intercept = np.polyfit(qs**2, 1.0 / ss, 1)
    a0 = 1.0 / intercept if intercept > 0 else ss.max()
    xi0 = np.sqrt(max(slope * a0, 1e-6))
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (a, xi), _ = curve_fit(lambda q, a, xi: a / (1.0 + (q * xi) ** 2), qs, ss, p0=[a0, xi0], maxfev=10000)
    except Exception:
        return float("nan"), float("nan")
    return float(a), float(abs(xi))


def _binned_pair_products_py(w, i, j, b, n_bins):
    """out[t, b] = Σ_{pairs p in bin b} Σ_r w[t, i_p, r] w[t, j_p, r]; w is (T, N, R)."""
    out = np.zeros((w.shape[0], n_bins))
    for t in range(w.shape[0]):
        for p in range(i.shape[0]):
            acc = 0.0
            for r in range(w.shape[2]):
                acc += w[t, i[p], r] * w[t, j[p], r]
            out[t, b[p]] += acc
    return out


try:
    from numba import njit

    _binned_pair_products = njit(cache=True, nogil=True)(_binned_pair_products_py)
except ImportError:  # pragma: no cover - numba is a dependency
    _binned_pair_products = _binned_pair_products_py


# ---------------------------------------------------------------------------- pooled results
@dataclass
class Observables:
    """Compute object: collective observables pooled over the samples of a dataset.

    Results after :meth:`compute`, read as attributes: ``times``, ``msd``, ``alpha2``,
    ``fs``, ``overlap``, ``chi4_iso``, ``chi4_total``, ``q`` and ``s4_total``/``s4_iso``
    (T, n_q), ``r`` and ``g4`` (T, n_r), ``xi4`` and ``s4_zero`` (T,), ``fs_species``
    {species: (T,)}, ``msd_species``, ``tau_alpha`` {species: tau}, ``tau_alpha_selected``,
    ``k``, ``n_particles``, ``n_samples``, ``n_replicas``.

    Parameters
    ----------
    k: wave number of Fs; None = first peak of S(k) of the initial configurations
        (all particles, first sample).
    a: overlap length of Q, chi4, S4, G4.
    species: species whose particles enter (None = all); tau_alpha is also computed
        per species (``fs_species``).
    q_max: largest |q| of S4 (lattice vectors, binned in shells of 2π/L_min).
    q_fit: Ornstein-Zernike fit range q < q_fit.
    r_max: range of G4 (capped just below half the box).
    dr: bin width of G4.
    max_kvectors: at most this many wave vectors in the shell of Fs (a seeded subset).
    seed: seed of that subset and of the S(k) sampling.
    """

    k: float | None = None
    a: float = 0.3
    species: int | None = None
    q_max: float = 2.5
    q_fit: float = 2.0
    r_max: float = 5.0
    dr: float = 0.1
    max_kvectors: int = 60
    seed: int = 0
    results: dict = field(default_factory=dict, repr=False)

    def compute(self, samples) -> "Observables":
        """Pool the observables over an iterable of
        :class:`~glassml.dynamics.trajectory.Isoconfigurational` samples."""
        acc = None
        for iso in samples:
            acc = self._accumulate(iso, acc)
        if acc is None:
            raise GlassmlError("no samples to compute observables from")
        self._finalise(acc)
        return self

    def __getattr__(self, name):
        results = self.__dict__.get("results", {})
        if name in results:
            return results[name]
        raise AttributeError(name)

    # -------------------------------------------------------------- internals
    def _accumulate(self, iso, acc):
        disp, types = iso.displacements, iso.types
        mask = np.ones(iso.n_particles, bool) if self.species is None else types == self.species
        n = int(mask.sum())
        if n == 0:
            raise GlassmlError(f"no particles of species {self.species}")
        if acc is None:
            k = self.k
            if k is None:
                kk, sk = static_structure_factor(iso.initial_positions, iso.box, seed=self.seed)
                k = first_peak(kk, sk)
            qv = lattice_vectors(iso.box, 1e-9, self.q_max)
            dq = 2 * np.pi / iso.box.min()
            qbins = np.floor(np.linalg.norm(qv, axis=1) / dq + 0.5).astype(int)
            ub = np.unique(qbins)
            r_max = min(self.r_max, 0.999 * iso.box.min() / 2)
            acc = {
                "times": iso.times,
                "n": n,
                "box": iso.box,
                "k": float(k),
                "kvectors": shell_vectors(iso.box, k, max_vectors=self.max_kvectors, seed=self.seed),
                "qv": qv,
                "qbins": qbins,
                "qgroups": ub,
                "q": np.array([np.linalg.norm(qv[qbins == b], axis=1).mean() for b in ub]),
                "r_edges": np.arange(0.0, r_max + 1e-12, self.dr),
                "species": np.unique(types),
                "count": 0,
                "sum_r2": 0.0,
                "sum_r4": 0.0,
                "sum_fs": 0.0,
                "fs_species": {},
                "msd_species": {},
                "n_species": {},
                "fs_species_samples": {},
                "msd_species_samples": {},
                "Q": [],
                "sum_W": 0.0,
                "sum_W2": 0.0,
                "sum_W2_iso": 0.0,
                "n_W": 0,
                "ww_pairs": 0.0,
                "n_pairs": 0.0,
                "n_configs": 0,
                "replicas": [],
            }
        if iso.n_times != len(acc["times"]) or not np.allclose(iso.times, acc["times"]):
            raise GlassmlError("samples have different time grids")
        if n != acc["n"] or not np.allclose(iso.box, acc["box"]):
            raise GlassmlError(f"mismatched particle numbers or boxes between samples ({n} vs {acc['n']} selected particles)")
        r2_all = _sq(disp)  # (T, R, N)
        fs_all = self_intermediate_scattering_per_particle(disp, acc["kvectors"])  # (T, N)
        r2 = r2_all[:, :, mask]
        reps = disp.shape[1]
        acc["replicas"].append(reps)
        acc["count"] += reps * n
        acc["sum_r2"] = acc["sum_r2"] + r2.sum(axis=(1, 2))
        acc["sum_r4"] = acc["sum_r4"] + (r2**2).sum(axis=(1, 2))
        acc["sum_fs"] = acc["sum_fs"] + fs_all[:, mask].sum(axis=1) * reps
        for s in acc["species"]:
            m = types == s
            ns = int(m.sum()) * reps
            acc["fs_species"][int(s)] = acc["fs_species"].get(int(s), 0.0) + fs_all[:, m].sum(axis=1) * reps
            acc["msd_species"][int(s)] = acc["msd_species"].get(int(s), 0.0) + r2_all[:, :, m].sum(axis=(1, 2))
            acc["n_species"][int(s)] = acc["n_species"].get(int(s), 0) + ns
            acc["fs_species_samples"].setdefault(int(s), []).append(fs_all[:, m].mean(axis=1))
            acc["msd_species_samples"].setdefault(int(s), []).append(r2_all[:, :, m].mean(axis=(1, 2)))
        w = _overlap_weights(r2, self.a).astype(float)  # (T, R, n)
        acc["Q"].append(w.mean(axis=2))
        # S4: W(q) = Σ_i w_i exp(i q·r_i(0)), phases from the initial configuration
        phase = iso.initial_positions[mask] @ acc["qv"].T  # (n, n_q)
        w2d = w.reshape(-1, n)
        W = (w2d @ np.cos(phase) + 1j * (w2d @ np.sin(phase))).reshape(w.shape[0], reps, -1)  # (T, R, n_q)
        acc["sum_W"] = acc["sum_W"] + W.sum(axis=1)
        acc["sum_W2"] = acc["sum_W2"] + (np.abs(W) ** 2).sum(axis=1)
        acc["sum_W2_iso"] = acc["sum_W2_iso"] + reps * W.var(axis=1)  # Σ_r |W - <W>_r|²
        acc["n_W"] += reps
        acc["n_configs"] += 1
        # G4: pair products of overlaps binned by initial distance
        from glassml.dynamics.neighbors import pairs_within

        edges = acc["r_edges"]
        i, j, rij = pairs_within(iso.initial_positions[mask], iso.box, edges[-1])
        if i.size:
            b = np.minimum((np.linalg.norm(rij, axis=1) / self.dr).astype(int), len(edges) - 2)
            ww = _binned_pair_products(np.ascontiguousarray(np.swapaxes(w, 1, 2)), i, j, b, len(edges) - 1)
            acc["ww_pairs"] = acc["ww_pairs"] + 2.0 * ww  # ordered pairs i != j
            acc["n_pairs"] = acc["n_pairs"] + 2.0 * reps * np.bincount(b, minlength=len(edges) - 1)
        return acc

    def _finalise(self, acc):
        n = acc["n"]
        res = self.results
        res["times"] = np.asarray(acc["times"])
        res["k"] = acc["k"]
        res["kvectors"] = acc["kvectors"]
        res["n_particles"] = n
        res["n_samples"] = acc["n_configs"]
        res["n_replicas"] = int(min(acc["replicas"]))
        msd = acc["sum_r2"] / acc["count"]
        res["msd"] = msd
        d = len(acc["box"])
        res["alpha2"] = _non_gaussian(msd, acc["sum_r4"] / acc["count"], d)
        res["fs"] = acc["sum_fs"] / acc["count"]
        res["fs_species"] = {s: v / acc["n_species"][s] for s, v in acc["fs_species"].items()}
        res["msd_species"] = {s: v / acc["n_species"][s] for s, v in acc["msd_species"].items()}
        res["overlap"] = np.concatenate(acc["Q"], axis=1).mean(axis=1)  # over all replicas
        chi4_iso, res["chi4_total"] = susceptibilities(acc["Q"], n)
        res["chi4_iso"] = chi4_iso
        mean_w = acc["sum_W"] / acc["n_W"]
        s4_vec_total = (acc["sum_W2"] / acc["n_W"] - np.abs(mean_w) ** 2) / n
        s4_vec_iso = acc["sum_W2_iso"] / acc["n_W"] / n
        groups = acc["qgroups"]
        res["q"] = acc["q"]
        res["s4_total"] = np.stack([s4_vec_total[:, acc["qbins"] == b].mean(axis=1) for b in groups], axis=1)
        res["s4_iso"] = np.stack([s4_vec_iso[:, acc["qbins"] == b].mean(axis=1) for b in groups], axis=1)
        fits = [ornstein_zernike_fit(res["q"], s, self.q_fit) for s in res["s4_total"]]
        res["s4_zero"] = np.array([f[0] for f in fits])
        res["xi4"] = np.array([f[1] for f in fits])
        edges = acc["r_edges"]
        res["r"] = 0.5 * (edges[1:] + edges[:-1])
        volume = float(np.prod(acc["box"]))
        rho = n / volume
        shell = np.pi * (edges[1:] ** 2 - edges[:-1] ** 2) if d == 2 else 4 / 3 * np.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
        norm = n * rho * shell * acc["n_W"]
        q2 = res["overlap"][:, None] ** 2
        res["g4"] = (acc["ww_pairs"] - q2 * acc["n_pairs"][None]) / norm[None] if np.ndim(acc["ww_pairs"]) else np.zeros((len(msd), len(shell)))
        res["tau_alpha"] = {s: tau_alpha(res["times"], f) for s, f in res["fs_species"].items()}
        res["tau_alpha_selected"] = tau_alpha(res["times"], res["fs"])
        res["tau_alpha_error"] = {s: jackknife_error(np.array(f), lambda x: tau_alpha(res["times"], x))
                                  for s, f in acc["fs_species_samples"].items()}
        res["msd_species_samples"] = {s: np.array(m) for s, m in acc["msd_species_samples"].items()}
        res["chi4_peak"] = susceptibility_peak(res["times"], res["chi4_total"])

    def as_dict(self) -> dict:
        """Results as plain lists (JSON-ready)."""
        out = {}
        for key, v in self.results.items():
            if isinstance(v, np.ndarray):
                out[key] = v.tolist()
            elif isinstance(v, dict):
                out[key] = {str(s): (x.tolist() if isinstance(x, np.ndarray) else x) for s, x in v.items()}
            else:
                out[key] = v
        return out


def jackknife_error(per_sample: np.ndarray, estimator) -> float | None:
    """Jackknife standard error of ``estimator(mean over samples)`` from (S, ...) per-sample
    curves (Efron, The Jackknife, the Bootstrap and Other Resampling Plans, SIAM 1982): the
    estimate with each sample left out in turn.  None with fewer than two samples or where a
    leave-one-out estimate does not exist."""
    x = np.asarray(per_sample, float)
    n = len(x)
    if n < 2:
        return None
    total = x.sum(axis=0)
    est = [estimator((total - x[i]) / (n - 1)) for i in range(n)]
    if any(e is None or not np.isfinite(e) for e in est):
        return None
    est = np.array(est, float)
    return float(np.sqrt((n - 1) / n * np.sum((est - est.mean()) ** 2)))


def susceptibility_peak(times: np.ndarray, chi: np.ndarray) -> dict:
    """Height and time of the maximum of a susceptibility such as chi4(t): a parabola in ln t
    through the largest point and its neighbours (the largest point itself at the grid's ends)."""
    t = np.asarray(times, float)
    c = np.asarray(chi, float)
    k = int(np.nanargmax(c))
    if 0 < k < len(t) - 1:
        x = np.log(t[k - 1:k + 2])
        a, b, c0 = np.polyfit(x, c[k - 1:k + 2], 2)
        if a < 0:
            xm = -b / (2 * a)
            return {"time": float(np.exp(xm)), "height": float(c0 - b * b / (4 * a)), "at_edge": False}
    return {"time": float(t[k]), "height": float(c[k]), "at_edge": k in (0, len(t) - 1)}


def tau_alpha(times: np.ndarray, fs: np.ndarray, level: float = 1 / np.e) -> float | None:
    """tau_alpha: first time at which Fs drops below ``level`` (1/e), linear interpolation of
    Fs in log t between the bracketing points.  None if Fs never crosses ``level`` (or
    starts below it)."""
    times = np.asarray(times, float)
    fs = np.asarray(fs, float)
    below = np.flatnonzero(fs < level)
    if below.size == 0 or below[0] == 0:
        return None
    k = below[0]
    t0, t1, f0, f1 = times[k - 1], times[k], fs[k - 1], fs[k]
    if t0 <= 0:
        return float(t0 + (level - f0) * (t1 - t0) / (f1 - f0))
    lt = np.log(t0) + (level - f0) * (np.log(t1) - np.log(t0)) / (f1 - f0)
    return float(np.exp(lt))
