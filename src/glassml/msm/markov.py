"""The Markov model of the learnt states: transition matrix, implied timescales, CK test.

Every particle's sequence of state probabilities is one trajectory of the coarse-grained
dynamics.  Two estimates of the transition matrix at lag tau, both from deeptime:

- **soft** (the VAMPnet's own Koopman matrix, Mardt et al., Nat. Commun. 9, 5 (2018)):
  ``T = C00^-1 C0t`` from the instantaneous and time-lagged covariances of the probabilities
  (:class:`deeptime.covariance.Covariance`, no mean removed, symmetrised so that T is
  reversible); with softmax outputs T is row-stochastic;
- **hard**: each particle assigned to a discrete state (:func:`hard_assignments`), then deeptime's reversible
  maximum-likelihood MSM (:class:`deeptime.markov.msm.MaximumLikelihoodMSM`), with deeptime's
  implied timescales and Chapman–Kolmogorov test
  (:func:`deeptime.util.validation.implied_timescales`, ``MarkovStateModel.ck_test``).

Implied timescales are ``t_i = -tau / ln |lambda_i|`` for the eigenvalues ``lambda_i`` of T;
``t2`` is the slowest one (Soltani, Sinclair and Rottler, Phys. Rev. E 106, 025308 (2022)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError


def _require_deeptime() -> None:
    from glassml.errors import require

    require("deeptime", "msm", purpose="Markov state models")


def particle_trajectories(probabilities) -> list[np.ndarray]:
    """One (F, n_states) float64 array per particle from (F, N, n) arrays (or a list of them)."""
    arrays = [probabilities] if isinstance(probabilities, np.ndarray) else list(probabilities)
    out = []
    for p in arrays:
        p = np.asarray(p, dtype=np.float64)
        if p.ndim != 3 or p.shape[2] < 2:
            raise GlassmlError(f"state probabilities must be (frames, particles, states >= 2), got {p.shape}")
        out.extend(np.ascontiguousarray(p[:, i]) for i in range(p.shape[1]))
    return out


def _check_lag(lag: int, trajs: Sequence[np.ndarray]) -> int:
    lag = int(lag)
    longest = max(len(t) for t in trajs)
    if lag < 1 or lag >= longest:
        raise GlassmlError(f"lag {lag} frames must lie between 1 and {longest - 1} (the trajectory has {longest} frames)")
    return lag


def soft_transition_matrix(probabilities, lag: int) -> np.ndarray:
    """The reversible (n, n) transition matrix ``C00^-1 C0t`` of the state probabilities at ``lag`` frames."""
    _require_deeptime()
    from deeptime.covariance import Covariance

    trajs = particle_trajectories(probabilities)
    lag = _check_lag(lag, trajs)
    cov = Covariance(lagtime=lag, compute_c00=True, compute_c0t=True, remove_data_mean=False, reversible=True,
                     bessels_correction=False).fit(trajs).fetch_model()
    c00, c0t = np.asarray(cov.cov_00), np.asarray(cov.cov_0t)
    return np.real(np.linalg.solve(c00, c0t))


def timescales_of(matrix: np.ndarray, lag: float) -> np.ndarray:
    """Implied timescales ``-lag / ln |lambda_i|`` of the non-stationary eigenvalues, slowest first."""
    ev = np.sort(np.abs(np.linalg.eigvals(np.asarray(matrix, float))))[::-1][1:]
    with np.errstate(divide="ignore"):
        return np.where(ev > 0, -float(lag) / np.log(np.clip(ev, 1e-300, 1 - 1e-15)), 0.0)


def hard_assignments(probabilities, *, max_samples: int = 200_000, seed: int = 0) -> list[np.ndarray]:
    """One int32 sequence of discrete states per particle.

    The VAMP score is blind to invertible linear maps of the outputs, so a trained lobe's
    probabilities need not be saturated and their argmax can put every particle in one state.
    The states are therefore the clusters of deeptime's k-means (``n_states`` clusters) in the
    probability simplex, each cluster labelled with the state its centre favours most (a
    one-to-one matching); for saturated outputs this is the argmax.
    """
    _require_deeptime()
    from deeptime.clustering import KMeans
    from scipy.optimize import linear_sum_assignment

    trajs = particle_trajectories(probabilities)
    n = trajs[0].shape[1]
    rows = np.concatenate(trajs)
    rng = np.random.default_rng(seed)
    fit_rows = rows[rng.choice(len(rows), max_samples, replace=False)] if len(rows) > max_samples else rows
    km = KMeans(n_clusters=n, init_strategy="kmeans++", fixed_seed=int(seed) + 1, max_iter=200).fit(fit_rows).fetch_model()
    centres = np.asarray(km.cluster_centers)
    cluster, state = linear_sum_assignment(-(centres - centres.mean(axis=0)))
    relabel = np.empty(n, dtype=np.int32)
    relabel[cluster] = state
    return [relabel[km.transform(p)].astype(np.int32) for p in trajs]


def hard_msm(dtrajs: Sequence[np.ndarray], lag: int, *, reversible: bool = True):
    """deeptime's maximum-likelihood MSM of discrete per-particle trajectories at ``lag`` frames."""
    _require_deeptime()
    from deeptime.markov import TransitionCountEstimator
    from deeptime.markov.msm import MaximumLikelihoodMSM

    dtrajs = [np.asarray(d, dtype=np.int32) for d in dtrajs]
    lag = _check_lag(lag, dtrajs)
    counts = TransitionCountEstimator(lagtime=lag, count_mode="sliding").fit(dtrajs).fetch_model()
    if counts.n_states < 2 or np.count_nonzero(counts.count_matrix.sum(axis=1)) < 2:
        raise GlassmlError("the learnt states collapsed to one: every particle sits in the same state")
    return MaximumLikelihoodMSM(reversible=reversible, lagtime=lag).fit(counts).fetch_model()


@dataclass
class MarkovAnalysis:
    """What :func:`analyse` returns (times in the units of ``frame_interval``).

    Attributes
    ----------
    lag: the model lag in frames; frame_interval: time per frame.
    soft_matrix: (n, n) soft transition matrix at ``lag``; hard_matrix: deeptime MSM's.
    stationary: (n,) stationary populations of the hard MSM.
    t2_soft, t2_hard: slowest implied timescale of each.
    lags: (L,) lags in frames of the implied-timescale scan; its_soft, its_hard: (L, n - 1).
    ck_lags, ck_predicted, ck_estimated: deeptime's CK test, (K,) lags and (K, n, n) arrays.
    """

    lag: int
    frame_interval: float
    soft_matrix: np.ndarray
    hard_matrix: np.ndarray
    stationary: np.ndarray
    t2_soft: float
    t2_hard: float
    lags: np.ndarray
    its_soft: np.ndarray
    its_hard: np.ndarray
    ck_lags: np.ndarray
    ck_predicted: np.ndarray
    ck_estimated: np.ndarray
    extras: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        def j(a):
            return np.asarray(a, float).tolist()

        dt = self.frame_interval
        return {"lag_frames": self.lag, "lag_time": self.lag * dt, "frame_interval": dt,
                "soft_transition_matrix": j(self.soft_matrix), "hard_transition_matrix": j(self.hard_matrix),
                "stationary_distribution": j(self.stationary), "t2_soft": self.t2_soft * dt, "t2_hard": self.t2_hard * dt,
                "its_lag_times": j(self.lags * dt), "its_soft": j(self.its_soft * dt), "its_hard": j(self.its_hard * dt),
                "ck_lag_times": j(self.ck_lags * dt), "ck_predicted": j(self.ck_predicted), "ck_estimated": j(self.ck_estimated)}


def scan_lags(lag: int, n_frames: int, n: int = 8) -> np.ndarray:
    """Up to ``n`` lags (frames) from 1 to ``min(4 lag, n_frames / 2)``, log-spaced, always including ``lag``."""
    top = max(2, min(4 * int(lag), n_frames // 2))
    lags = np.unique(np.concatenate([np.round(np.geomspace(1, top, n)).astype(int), [int(lag)]]))
    return lags[(lags >= 1) & (lags < n_frames)]


def analyse(probabilities, lag: int, *, frame_interval: float = 1.0, lags: Sequence[int] | None = None,
            ck_steps: int = 5) -> MarkovAnalysis:
    """Transition matrices, t2, the implied-timescale scan and the CK test of state probabilities.

    Args:
        probabilities: (F, N, n) state probabilities, or a list of such arrays (trajectories).
        lag: the model lag in frames.
        frame_interval: time per frame (only stored; everything here is in frames).
        lags: lags of the implied-timescale scan (default :func:`scan_lags`).
        ck_steps: the CK test compares T(lag)^k with T(k lag) for k = 1..ck_steps (where the
            trajectories are long enough).
    """
    _require_deeptime()
    from deeptime.util.validation import implied_timescales

    trajs = particle_trajectories(probabilities)
    n_states = trajs[0].shape[1]
    n_frames = max(len(t) for t in trajs)
    lag = _check_lag(lag, trajs)
    dtrajs = hard_assignments(probabilities)
    soft = soft_transition_matrix(probabilities, lag)
    model = hard_msm(dtrajs, lag)
    lags = scan_lags(lag, n_frames) if lags is None else np.asarray(sorted(set(int(x) for x in lags)))
    its_soft = np.array([_pad(timescales_of(soft_transition_matrix(probabilities, int(k)), k), n_states - 1)
                         for k in lags])
    hard_models = [hard_msm(dtrajs, int(k)) for k in lags]
    its = implied_timescales(hard_models)
    its_hard = np.array([_pad(its.timescales_for_process(i) if i < its.max_n_processes else np.full(len(lags), np.nan), len(lags))
                         for i in range(n_states - 1)]).T
    ck_lags = [lag * k for k in range(1, ck_steps + 1) if lag * k < n_frames]
    ck_models = [hard_msm(dtrajs, k) for k in ck_lags]
    if model.n_states == n_states and all(m.n_states == n_states for m in ck_models):
        ck = model.ck_test(ck_models, n_metastable_sets=n_states, include_lag0=False)
        ck_pred, ck_est = np.real(np.asarray(ck.predictions)), np.real(np.asarray(ck.estimates))
    else:  # a state unvisited at some lag: the test is undefined there
        ck_pred = ck_est = np.full((len(ck_lags), n_states, n_states), np.nan)
    stationary = np.full(n_states, np.nan)
    stationary[model.count_model.state_symbols] = model.stationary_distribution
    hard_matrix = np.full((n_states, n_states), np.nan)
    sym = model.count_model.state_symbols
    hard_matrix[np.ix_(sym, sym)] = model.transition_matrix
    return MarkovAnalysis(lag=lag, frame_interval=float(frame_interval), soft_matrix=soft, hard_matrix=hard_matrix,
                          stationary=stationary, t2_soft=float(timescales_of(soft, lag)[0]),
                          t2_hard=float(model.timescales(1)[0]) if model.n_states > 1 else float("nan"),
                          lags=np.asarray(lags), its_soft=its_soft, its_hard=its_hard, ck_lags=np.asarray(ck_lags),
                          ck_predicted=ck_pred, ck_estimated=ck_est)


def _pad(a: np.ndarray, n: int) -> np.ndarray:
    a = np.asarray(a, float).reshape(-1)
    return np.concatenate([a, np.full(max(0, n - len(a)), np.nan)])[:n]
