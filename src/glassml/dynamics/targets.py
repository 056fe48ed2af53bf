"""Per-particle (and per-pair) targets of isoconfigurational dynamics, and their replica ceiling.

Every function takes the displacements ``disp`` (T, R, N, d) of R isoconfigurational
replicas (see :mod:`glassml.dynamics.trajectory`) and returns either a per-replica
quantity (T, R, ...) or its isoconfigurational mean (T, ...), the *propensity*
(Widmer-Cooper, Harrowell & Fynewever, PRL 93, 135701, 2004).

Targets (GlassBench names where they exist; Jung et al., "Roadmap on machine learning
glassy dynamics", arXiv 2311.14752):

``md_prop``  displacement propensity  <|r_i(t) - r_i(0)|>_iso.
``cr_prop``  cage-relative displacement propensity <|Δr_i - (1/n_i) Σ_{j∈N_i} Δr_j|>_iso,
             N_i = the initial neighbors of i (below).  Removes the collective
             long-wavelength (Mermin-Wagner) displacements that blur plain displacements
             in 2D (Illing et al., PNAS 114, 1856, 2017; Vivek, Kelleher, Chaikin & Weeks,
             PNAS 114, 1850, 2017; used for 2D targets by Jung, Biroli & Berthier,
             PRL 130, 238202, 2023).  A particle without initial neighbors keeps its plain
             displacement.
``bb_prop``  bond-breaking propensity <1 - n_i(t)/n_i(0)>_iso: the fraction of the initial
             neighbors that have moved beyond ``broken * sigma_ij`` (Yamamoto & Onuki,
             PRE 58, 3515, 1998; Guiselin, Scalliet & Berthier, Nat. Phys. 18, 468, 2022;
             Jung, Biroli & Berthier 2023).  Sign: glassml stores the fraction LOST, which
             grows with mobility like md_prop; the bond-breaking correlation C_B^i = n_i(t)/n_i(0)
             is 1 - bb_prop.  A particle without initial neighbors gets 0.
``ov_prop``  overlap mobility <Θ(|Δr_i| - a)>_iso, one minus the per-particle self overlap
             q_i(t) with a = 0.3 (Lacevic, Starr, Schrøder & Glotzer, JCP 119, 7372, 2003).
``edge_prop`` BOTAN's edge target: the replica-averaged change of pair distance
             <|r_ij(t)| - |r_ij(0)|>_iso for AA pairs closer than 1.35 at t = 0 (Shiba,
             Hanai, Suzumura & Shimokawabe, JCP 158, 084503, 2023), stored with ``edge_index``.

Initial neighbors: i and j are neighbors when r_ij(0) < ``shell * sigma_ij`` in the initial
(thermal) configuration, shell = 1.485 by default, with a bond broken at time t when
r_ij(t) > ``broken * sigma_ij``, broken = 1.7: two distances, so that a neighbor vibrating
across the shell edge does not count as a broken bond (the construction of Guiselin, Scalliet
& Berthier and of Jung, Biroli & Berthier).  The stored copies of those papers did not expose
the numbers, so they were checked against the data instead: on GlassBench's KA2D T = 0.23
configuration the pair distribution of r_ij / sigma_ij, pooled over species pairs, has its
first minimum at 1.43 (thermal) and 1.48 (inherent), and on KA3D T = 0.6 at 1.45
(tests/validation/test_dynamics_glassbench.py); both are parameters recorded with every dataset.

Replica ceiling: with R replicas the measured propensity carries noise, which bounds the
Pearson correlation any predictor can reach.  Split the replicas into two halves of h = R//2,
correlate the two half-propensities over type-A particles pooled over samples (r_h,
averaged over several splits), extrapolate the reliability to R replicas with the
Spearman-Brown formula rho_R = k r_h / (1 + (k - 1) r_h), k = R / h, and report
ceiling = sqrt(rho_R), the expected correlation between the noise-free propensity and the
R-replica measurement (GlassBench reports such an upper bound next to every score).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from glassml.dynamics.neighbors import PairDiameters, pairs_within

#: Order of the targets in the per-sample ``target_split_stats`` array.
CEILING_TARGETS = ("md_prop", "cr_prop", "bb_prop", "ov_prop", "edge_prop")


@dataclass(frozen=True)
class TargetParameters:
    """Parameters of the targets; recorded in the manifest with every dataset.

    shell: initial neighbors have r_ij(0) < shell * sigma_ij (cage and bonds).
    broken: a bond is broken when r_ij(t) > broken * sigma_ij.
    overlap_a: overlap length a of the overlap mobility.
    edge_cutoff: BOTAN edges join particles of species ``edge_species`` closer than this.
    edge_species: species of both ends of an edge (0 = A).
    n_splits: number of replica half-splits averaged in the ceiling (the first is
        first half vs second half, the others random with ``seed``).
    seed: seed of the random half-splits.
    """

    shell: float = 1.485
    broken: float = 1.7
    overlap_a: float = 0.3
    edge_cutoff: float = 1.35
    edge_species: int = 0
    n_splits: int = 8
    seed: int = 20231124

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------- neighbors
def initial_neighbors(initial_positions: np.ndarray, types: np.ndarray, box: np.ndarray, sigma, shell: float = 1.485):
    """Pairs i < j with r_ij(0) < shell * sigma_ij.

    ``sigma`` is a (K, K) species table or a :class:`PairDiameters`.
    Returns ``(i, j, rij0, sigma_ij)`` with ``rij0 = x_j - x_i`` (minimum image).
    """
    pair = sigma if isinstance(sigma, PairDiameters) else PairDiameters(sigma, types)
    i, j, rij = pairs_within(initial_positions, box, shell * pair.max)
    s = pair(i, j)
    keep = np.einsum("pk,pk->p", rij, rij) < (shell * s) ** 2
    return i[keep], j[keep], rij[keep], s[keep]


def edge_pairs(initial_positions: np.ndarray, types: np.ndarray, box: np.ndarray, cutoff: float = 1.35, species: int = 0):
    """BOTAN edges: pairs i < j, both of ``species``, with r_ij(0) < cutoff. Returns (i, j, rij0)."""
    i, j, rij = pairs_within(initial_positions, box, cutoff)
    keep = (types[i] == species) & (types[j] == species)
    return i[keep], j[keep], rij[keep]


def _incidence(i: np.ndarray, j: np.ndarray, n: int) -> sp.csr_matrix:
    """(N, P) matrix with a 1 at (i_p, p) and (j_p, p)."""
    p = np.arange(i.size)
    rows = np.concatenate([i, j])
    cols = np.concatenate([p, p])
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, i.size))


def neighbor_counts(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """Number of initial neighbors of each particle."""
    return np.bincount(i, minlength=n) + np.bincount(j, minlength=n)


# ---------------------------------------------------------------------------- per replica
def displacement_magnitudes(disp: np.ndarray) -> np.ndarray:
    """|Δr_i| per replica, (T, R, N)."""
    return np.sqrt(np.einsum("trnk,trnk->trn", disp, disp))


def cage_relative_displacements(disp: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Δr_i minus the mean displacement of i's initial neighbors, (T, R, N, d).

    Particles without neighbors keep their own displacement.
    """
    t_, r_, n, d = disp.shape
    counts = neighbor_counts(i, j, n).astype(float)
    inv = np.divide(1.0, counts, out=np.zeros(n), where=counts > 0)
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    mean_op = sp.csr_matrix((inv[rows], (rows, cols)), shape=(n, n))
    flat = np.moveaxis(disp, 2, 0).reshape(n, -1)  # (N, T*R*d)
    cage = np.moveaxis((mean_op @ flat).reshape(n, t_, r_, d), 0, 2)
    return disp - cage


def broken_bond_fractions(disp: np.ndarray, i: np.ndarray, j: np.ndarray, rij0: np.ndarray, sigma_ij: np.ndarray, broken: float = 1.7) -> np.ndarray:
    """Fraction of each particle's initial neighbors farther than broken * sigma_ij, (T, R, N).

    The pair vector at time t is r_ij(0) + Δr_j - Δr_i, exact for unwrapped displacements.
    Particles without initial neighbors get 0.
    """
    t_, r_, n, d = disp.shape
    counts = neighbor_counts(i, j, n).astype(float)
    inv = np.divide(1.0, counts, out=np.zeros(n), where=counts > 0)
    inc = _incidence(i, j, n)
    limit2 = (broken * sigma_ij) ** 2
    out = np.empty((t_, r_, n))
    for t in range(t_):
        rt = rij0[None] + disp[t][:, j] - disp[t][:, i]  # (R, P, d)
        lost = (np.einsum("rpk,rpk->rp", rt, rt) > limit2[None]).astype(float)  # (R, P)
        out[t] = (inc @ lost.T).T * inv[None]
    return out


def overlap_mobilities(disp: np.ndarray, a: float = 0.3) -> np.ndarray:
    """Θ(|Δr_i| - a) per replica, (T, R, N): 1 where the particle left its overlap sphere."""
    return (np.einsum("trnk,trnk->trn", disp, disp) > a * a).astype(float)


def pair_distance_changes(disp: np.ndarray, i: np.ndarray, j: np.ndarray, rij0: np.ndarray) -> np.ndarray:
    """|r_ij(t)| - |r_ij(0)| per replica, (T, R, E) (BOTAN's edge quantity)."""
    r0 = np.sqrt(np.einsum("pk,pk->p", rij0, rij0))
    out = np.empty(disp.shape[:2] + (i.size,))
    for t in range(disp.shape[0]):
        rt = rij0[None] + disp[t][:, j] - disp[t][:, i]
        out[t] = np.sqrt(np.einsum("rpk,rpk->rp", rt, rt)) - r0[None]
    return out


# ---------------------------------------------------------------------------- propensities
def displacement_propensity(disp: np.ndarray) -> np.ndarray:
    """md_prop (T, N): isoconfigurational mean of |Δr_i|."""
    return displacement_magnitudes(disp).mean(axis=1)


def cage_relative_propensity(disp: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """cr_prop (T, N): isoconfigurational mean of the cage-relative displacement magnitude."""
    return displacement_magnitudes(cage_relative_displacements(disp, i, j)).mean(axis=1)


def bond_breaking_propensity(disp, i, j, rij0, sigma_ij, broken: float = 1.7) -> np.ndarray:
    """bb_prop (T, N): isoconfigurational mean of the fraction of initial neighbors lost."""
    return broken_bond_fractions(disp, i, j, rij0, sigma_ij, broken).mean(axis=1)


def overlap_mobility(disp: np.ndarray, a: float = 0.3) -> np.ndarray:
    """ov_prop (T, N): fraction of replicas in which the particle moved farther than a."""
    return overlap_mobilities(disp, a).mean(axis=1)


def edge_propensity(disp, i, j, rij0) -> np.ndarray:
    """edge_prop (T, E): replica mean of the change of pair distance."""
    return pair_distance_changes(disp, i, j, rij0).mean(axis=1)


# ---------------------------------------------------------------------------- ceiling
def half_splits(n_replicas: int, n_splits: int = 8, seed: int = 20231124) -> list[tuple[np.ndarray, np.ndarray]]:
    """Disjoint replica halves of size R//2: first vs second half, then random splits."""
    h = n_replicas // 2
    if h < 1:
        return []
    out = [(np.arange(h), np.arange(h, 2 * h))]
    rng = np.random.default_rng(seed)
    for _ in range(max(0, n_splits - 1)):
        perm = rng.permutation(n_replicas)
        out.append((np.sort(perm[:h]), np.sort(perm[h : 2 * h])))
    return out


def split_half_stats(per_replica: np.ndarray, mask: np.ndarray | None, splits) -> np.ndarray:
    """Sufficient statistics of the split-half correlation, (n_splits, T, 6).

    ``per_replica`` is (T, R, M); ``mask`` selects the M entries that count (type-A
    particles).  The six numbers are n, Σa, Σb, Σa², Σb², Σab over the selected entries of
    the two half-propensities a and b; summing them over samples gives the pooled Pearson
    correlation (:func:`pooled_pearson`).
    """
    x = per_replica if mask is None else per_replica[:, :, mask]
    out = np.zeros((len(splits), x.shape[0], 6))
    for s, (ha, hb) in enumerate(splits):
        a = x[:, ha].mean(axis=1)
        b = x[:, hb].mean(axis=1)
        out[s, :, 0] = a.shape[1]
        out[s, :, 1] = a.sum(axis=1)
        out[s, :, 2] = b.sum(axis=1)
        out[s, :, 3] = (a * a).sum(axis=1)
        out[s, :, 4] = (b * b).sum(axis=1)
        out[s, :, 5] = (a * b).sum(axis=1)
    return out


def pooled_pearson(stats: np.ndarray) -> np.ndarray:
    """Pearson correlation from summed statistics (..., 6); NaN where a variance vanishes."""
    n, sa, sb, saa, sbb, sab = np.moveaxis(stats, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sab - sa * sb / n
        va = saa - sa * sa / n
        vb = sbb - sb * sb / n
        r = cov / np.sqrt(va * vb)
    return np.where((va > 1e-300) & (vb > 1e-300), r, np.nan)


def replica_ceiling(stats: np.ndarray, n_replicas: int) -> tuple[np.ndarray, np.ndarray]:
    """(split-half r_h, ceiling) per time from summed stats (n_splits, T, 6).

    r_h is averaged over the splits; ceiling = sqrt(k r_h / (1 + (k - 1) r_h)), k = R / (R//2)
    (Spearman-Brown), clipped at 0 for a negative r_h.
    """
    per_split = pooled_pearson(stats)
    r = np.full(stats.shape[1], np.nan)
    ok = np.isfinite(per_split).any(axis=0) if stats.shape[0] else np.zeros(stats.shape[1], bool)
    if ok.any():
        r[ok] = np.nanmean(per_split[:, ok], axis=0)
    k = n_replicas / (n_replicas // 2) if n_replicas >= 2 else np.nan
    rho = k * r / (1.0 + (k - 1.0) * r)
    with np.errstate(invalid="ignore"):
        ceiling = np.sqrt(np.clip(rho, 0.0, None))
    return r, ceiling


# ---------------------------------------------------------------------------- one sample
def sample_targets(iso, sigma, params: TargetParameters = TargetParameters(), diameters: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """All targets of one :class:`~glassml.dynamics.trajectory.Isoconfigurational` sample.

    Returns the arrays compute_targets stores: ``md_prop``, ``cr_prop``, ``bb_prop``,
    ``ov_prop`` (T, N); ``edge_index`` (2, E), ``edge_prop`` (T, E); ``neighbor_count`` (N,);
    ``target_split_stats`` (len(CEILING_TARGETS), n_splits, T, 6).
    """
    disp, types = iso.displacements, iso.types
    pair = sigma if isinstance(sigma, PairDiameters) else PairDiameters(sigma, types, diameters)
    i, j, rij0, sij = initial_neighbors(iso.initial_positions, types, iso.box, pair, params.shell)
    ei, ej, erij = edge_pairs(iso.initial_positions, types, iso.box, params.edge_cutoff, params.edge_species)
    per = {
        "md_prop": displacement_magnitudes(disp),
        "cr_prop": displacement_magnitudes(cage_relative_displacements(disp, i, j)),
        "bb_prop": broken_bond_fractions(disp, i, j, rij0, sij, params.broken),
        "ov_prop": overlap_mobilities(disp, params.overlap_a),
        "edge_prop": pair_distance_changes(disp, ei, ej, erij),
    }
    splits = half_splits(iso.n_replicas, params.n_splits, params.seed)
    mask_a = types == 0
    stats = np.zeros((len(CEILING_TARGETS), len(splits), iso.n_times, 6))
    for k, name in enumerate(CEILING_TARGETS):
        if splits:
            stats[k] = split_half_stats(per[name], None if name == "edge_prop" else mask_a, splits)
    out = {name: v.mean(axis=1) for name, v in per.items()}
    out["edge_index"] = np.stack([ei, ej]).astype(np.int64)
    out["neighbor_count"] = neighbor_counts(i, j, iso.n_particles).astype(np.int64)
    out["target_split_stats"] = stats
    return out
