"""A VAMPnet with a graph-network lobe: per-particle metastable states learnt from trajectories.

VAMPnets (Mardt, Pasquali, Wu and Noé, "VAMPnets for deep learning of molecular kinetics",
Nat. Commun. 9, 5 (2018)) train a network chi(x) -> softmax over n states by maximising the
VAMP-2 score of the pairs (chi(x_t), chi(x_{t+tau})); the score and the optimisation step are
deeptime's (:class:`deeptime.decomposition.deep.VAMPNet`, ``score_method="VAMP2"``).  Here, as
in the graph dynamical networks of Xie et al. (Nat. Commun. 10, 2667 (2019)) and in Soltani,
Sinclair and Rottler (Phys. Rev. E 106, 025308 (2022)), x is one particle's neighbourhood in a
frame and every particle of every frame pair is one sample: the lobe
(:class:`~glassml.msm.lobe.GraphDynamicalLobe`) maps a whole frame to the state probabilities of
each particle, and (particle i at t, particle i at t + tau) are the VAMP pairs.

VAMPnets converge to the slow subspace only part of the time, so the estimator trains
``n_seeds`` networks from different initialisations and keeps the one with the best VAMP-2
score on held-out frames (the last ``validation_fraction`` of every trajectory), each at its
best epoch.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.msm.trajectory import Trajectory
from glassml.progress import ProgressBar


def _torch():
    from glassml.errors import require

    require("torch", purpose="the graph VAMPnet")
    require("deeptime", "msm", purpose="the graph VAMPnet")
    import torch

    return torch


class GraphVAMPNet:
    """Learn per-particle metastable states from trajectories (deeptime's VAMPNet, graph lobe).

    Parameters
    ----------
    lag: lag time tau in frames.
    n_states: number of states (softmax outputs), at least 2.
    n_hidden, n_conv, cutoff, gaussian_width: the lobe (:class:`~glassml.msm.lobe.GraphDynamicalLobe`).
    species: the species whose particles are scored (None: all); the graph always holds every particle.
    n_epochs: passes over the training pairs per seed.
    batch_frames: frame pairs per optimisation step (each holds every selected particle).
    learning_rate: Adam step size.
    n_seeds: independent initialisations; the best by validation VAMP-2 is kept.
    validation_fraction: fraction of the frames at the end of each trajectory held out.
    seed: seed of everything random (initialisation, batch order).
    epsilon: regularisation of deeptime's VAMP score.

    Fitted attributes
    -----------------
    lobe_: the trained torch module; n_species_: K; validation_score_: best validation VAMP-2
    (its maximum is n_states, 1 from the constant function); seed_scores_: best validation
    score of each seed; best_seed_: the index of the kept seed; history_: per-seed list of
    (epoch, train score, validation score).
    """

    def __init__(self, lag: int = 1, n_states: int = 2, *, n_hidden: int = 16, n_conv: int = 3, cutoff: float = 1.5,
                 gaussian_width: float = 0.1, species: Sequence[int] | None = None, n_epochs: int = 20,
                 batch_frames: int = 8, learning_rate: float = 1e-3, n_seeds: int = 3, validation_fraction: float = 0.2,
                 seed: int = 0, epsilon: float = 1e-6):
        self.lag = lag
        self.n_states = n_states
        self.n_hidden = n_hidden
        self.n_conv = n_conv
        self.cutoff = cutoff
        self.gaussian_width = gaussian_width
        self.species = species
        self.n_epochs = n_epochs
        self.batch_frames = batch_frames
        self.learning_rate = learning_rate
        self.n_seeds = n_seeds
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.epsilon = epsilon

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep: bool = True) -> dict:
        keys = ("lag", "n_states", "n_hidden", "n_conv", "cutoff", "gaussian_width", "species", "n_epochs",
                "batch_frames", "learning_rate", "n_seeds", "validation_fraction", "seed", "epsilon")
        return {k: getattr(self, k) for k in keys}

    def set_params(self, **params) -> "GraphVAMPNet":
        for k, v in params.items():
            if k not in self.get_params():
                raise GlassmlError(f"GraphVAMPNet has no parameter {k!r}")
            setattr(self, k, v)
        return self

    def _check_params(self) -> None:
        if int(self.n_states) != self.n_states or self.n_states < 2:
            raise GlassmlError(f"a Markov state model needs at least 2 states, got {self.n_states}")
        if int(self.lag) != self.lag or self.lag < 1:
            raise GlassmlError(f"lag must be a positive whole number of frames, got {self.lag}")
        if not 0 < self.validation_fraction < 1:
            raise GlassmlError(f"validation fraction must lie in (0, 1), got {self.validation_fraction}")
        if self.n_seeds < 1 or self.n_epochs < 1 or self.batch_frames < 1:
            raise GlassmlError("n_seeds, n_epochs and batch_frames must be at least 1")
        if not (self.cutoff > 0 and self.gaussian_width > 0):
            raise GlassmlError("cutoff and gaussian_width must be positive")

    def selected_particles(self, types: np.ndarray) -> np.ndarray:
        """Indices of the particles whose states are learnt (the chosen species, or all)."""
        types = np.asarray(types)
        if self.species is None:
            return np.arange(len(types))
        sel = np.flatnonzero(np.isin(types, np.asarray(list(self.species))))
        if sel.size == 0:
            raise GlassmlError(f"no particle of species {list(self.species)} in the trajectory")
        return sel

    # ------------------------------------------------------------------ graphs
    def _graphs(self, traj: Trajectory, show_progress: bool = False) -> list:
        from glassml.msm.lobe import frame_graph

        out = []
        with ProgressBar(show_progress, traj.n_frames, f"graphs {traj.name}") as bar:
            for f in range(traj.n_frames):
                out.append(frame_graph(traj.wrapped(f), traj.box, traj.types, self.cutoff))
                bar.advance()
        return out

    def _new_lobe(self, n_species: int):
        from glassml.msm.lobe import GraphDynamicalLobe

        return GraphDynamicalLobe(n_species, int(self.n_states), n_hidden=int(self.n_hidden), n_conv=int(self.n_conv),
                                  cutoff=float(self.cutoff), gaussian_width=float(self.gaussian_width))

    # ------------------------------------------------------------------ fit
    def fit(self, trajectories: Trajectory | Sequence[Trajectory], *, show_progress: bool = False) -> "GraphVAMPNet":
        """Train on every (t, t + lag) frame pair of the trajectories; keep the best of ``n_seeds``."""
        torch = _torch()
        from deeptime.decomposition.deep import VAMPNet, vamp_score

        from glassml.msm.lobe import collate_frames

        self._check_params()
        trajs = [trajectories] if isinstance(trajectories, Trajectory) else list(trajectories)
        if not trajs:
            raise GlassmlError("no trajectories to learn from")
        lag = int(self.lag)
        train, val = [], []  # (trajectory index, frame t)
        for k, tr in enumerate(trajs):
            if lag >= tr.n_frames:
                raise GlassmlError(f"{tr.name}: lag {lag} frames is longer than the trajectory ({tr.n_frames} frames)")
            split = int(round(tr.n_frames * (1 - self.validation_fraction)))
            train += [(k, t) for t in range(0, split - lag)]
            val += [(k, t) for t in range(split, tr.n_frames - lag)]
        if len(train) < 2 or len(val) < 1:
            raise GlassmlError(f"too few frames for lag {lag}: {len(train)} training and {len(val)} validation frame pairs; "
                               f"need at least {lag + 2} frames before and {lag + 1} after the validation split "
                               f"(validation fraction {self.validation_fraction:g})")
        self.n_species_ = int(max(int(tr.types.max()) for tr in trajs) + 1)
        graphs = [self._graphs(tr, show_progress) for tr in trajs]
        selected = [self.selected_particles(tr.types) for tr in trajs]

        def batch(pairs, shift):
            by_traj: dict[int, list[int]] = {}
            for k, t in pairs:
                by_traj.setdefault(k, []).append(t + shift)
            parts = [collate_frames([graphs[k][t] for t in ts], trajs[k].types, selected[k]) for k, ts in by_traj.items()]
            if len(parts) == 1:
                return parts[0]
            return _concat(parts, [len(trajs[k].types) * len(ts) for k, ts in by_traj.items()])

        val_0, val_t = batch(val, 0), batch(val, lag)
        rng = np.random.default_rng(self.seed)
        seeds = rng.integers(0, 2**31 - 1, size=int(self.n_seeds))
        self.seed_scores_, self.history_ = [], []
        best_state, best_score = None, -np.inf
        steps = int(np.ceil(len(train) / self.batch_frames))
        total = int(self.n_seeds) * int(self.n_epochs) * steps
        with ProgressBar(show_progress, total, "VAMPnet training") as bar:
            for s, seed_s in enumerate(seeds):
                torch.manual_seed(int(seed_s))
                order_rng = np.random.default_rng(int(seed_s))
                lobe = self._new_lobe(self.n_species_)
                vnet = VAMPNet(lobe, learning_rate=float(self.learning_rate), score_method="VAMP2", epsilon=float(self.epsilon),
                               dtype=np.float32)
                seed_best, seed_state, history = -np.inf, None, []
                for epoch in range(int(self.n_epochs)):
                    order = order_rng.permutation(len(train))
                    scores = []
                    for b in range(steps):
                        pairs = [train[i] for i in order[b * self.batch_frames:(b + 1) * self.batch_frames]]
                        vnet.partial_fit((batch(pairs, 0), batch(pairs, lag)))
                        scores.append(vnet.train_scores[-1, 1])
                        bar.advance()
                    with torch.no_grad():
                        lobe.eval()
                        score = float(vamp_score(lobe(val_0), lobe(val_t), method="VAMP2", epsilon=float(self.epsilon),
                                                 mode="regularize"))
                    history.append((epoch, float(np.mean(scores)), score))
                    if np.isfinite(score) and score > seed_best:
                        seed_best, seed_state = score, copy.deepcopy(lobe.state_dict())
                self.seed_scores_.append(float(seed_best))
                self.history_.append(history)
                if seed_state is not None and seed_best > best_score:
                    best_score, best_state, self.best_seed_ = seed_best, seed_state, s
        if best_state is None:
            raise GlassmlError("VAMPnet training diverged for every seed (non-finite validation score); "
                               "try a smaller learning rate")
        if best_score < 1.0 + 1e-3:
            raise GlassmlError(f"VAMPnet training found no slow process (best validation VAMP-2 {best_score:.4f}, "
                               "1 is the constant function): the states collapsed to one; try more epochs or seeds, "
                               "another learning rate, or a shorter lag")
        self.lobe_ = self._new_lobe(self.n_species_).float()
        self.lobe_.load_state_dict(best_state)
        self.lobe_.eval()
        self.validation_score_ = float(best_score)
        self._canonical_order([self._forward(graphs[k], trajs[k].types, selected[k]) for k in range(len(trajs))])
        return self

    def _forward(self, graphs, types, selected, chunk: int = 16) -> np.ndarray:
        """(F, n_selected, n_states) outputs of the fitted lobe on prepared frame graphs."""
        torch = _torch()
        from glassml.msm.lobe import collate_frames

        out = np.empty((len(graphs), len(selected), int(self.n_states)), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(graphs), chunk):
                part = graphs[start:start + chunk]
                out[start:start + len(part)] = self.lobe_(collate_frames(part, types, selected)).numpy().reshape(len(part), len(selected), -1)
        return out

    def _canonical_order(self, outputs: list) -> None:
        """Permute the outputs so that state 0 is the most populated over all frames (a label-free
        convention): populations of the discrete states of :func:`glassml.msm.markov.hard_assignments`."""
        torch = _torch()
        from glassml.msm.markov import hard_assignments

        labels = np.concatenate([np.ravel(x) for x in hard_assignments(outputs)])
        counts = np.bincount(labels, minlength=int(self.n_states))
        order = np.argsort(-counts, kind="stable")
        last = self.lobe_.readout[-1]
        with torch.no_grad():
            last.weight.copy_(last.weight[torch.as_tensor(order)])
            last.bias.copy_(last.bias[torch.as_tensor(order)])

    # ------------------------------------------------------------------ use
    def _check_fitted(self) -> None:
        if not hasattr(self, "lobe_"):
            raise GlassmlError("this GraphVAMPNet is not fitted yet: call fit() or load()")

    def transform(self, trajectory: Trajectory, *, chunk: int = 16, show_progress: bool = False) -> np.ndarray:
        """State probabilities (F, n_selected, n_states) of the selected particles in every frame."""
        self._check_fitted()
        if int(trajectory.types.max()) >= self.n_species_:
            raise GlassmlError(f"{trajectory.name}: species {int(trajectory.types.max())} was not seen in training")
        graphs = self._graphs(trajectory, show_progress)
        return self._forward(graphs, trajectory.types, self.selected_particles(trajectory.types), chunk)

    def save(self, path) -> Path:
        """Write parameters, fitted attributes and weights to ``path`` (atomically)."""
        torch = _torch()
        from glassml.store.npzio import atomic_write_bytes
        import io

        self._check_fitted()
        params = self.get_params()
        if params["species"] is not None:
            params["species"] = [int(s) for s in params["species"]]
        state = {"params": params, "n_species": self.n_species_, "validation_score": self.validation_score_,
                 "seed_scores": self.seed_scores_, "best_seed": self.best_seed_, "history": self.history_,
                 "weights": self.lobe_.state_dict()}
        buf = io.BytesIO()
        torch.save(state, buf)
        path = Path(path)
        atomic_write_bytes(path, buf.getvalue())
        return path

    @classmethod
    def load(cls, path) -> "GraphVAMPNet":
        """A fitted estimator read back from :meth:`save`."""
        torch = _torch()
        path = Path(path)
        if not path.is_file():
            raise GlassmlError(f"{path}: no saved VAMPnet here")
        try:
            state = torch.load(path, weights_only=True)
        except Exception as exc:  # a truncated or foreign file
            raise GlassmlError(f"{path}: not a saved VAMPnet ({type(exc).__name__})") from None
        est = cls(**state["params"])
        est.n_species_ = int(state["n_species"])
        est.validation_score_ = float(state["validation_score"])
        est.seed_scores_ = list(state["seed_scores"])
        est.best_seed_ = int(state["best_seed"])
        est.history_ = state["history"]
        est.lobe_ = est._new_lobe(est.n_species_).float()
        est.lobe_.load_state_dict(state["weights"])
        est.lobe_.eval()
        return est


def _concat(parts, n_nodes):
    """Join :class:`~glassml.msm.lobe.FrameBatch` es of different systems into one."""
    torch = _torch()
    from glassml.msm.lobe import FrameBatch

    offsets = np.concatenate([[0], np.cumsum(n_nodes)[:-1]])
    return FrameBatch(
        types=torch.cat([p.types for p in parts]),
        edge_index=torch.cat([p.edge_index + int(o) for p, o in zip(parts, offsets)], dim=1),
        distances=torch.cat([p.distances for p in parts]),
        selected=torch.cat([p.selected + int(o) for p, o in zip(parts, offsets)]),
    )
