"""BOTAN, the bond-targeting network, as a glassml estimator.

H. Shiba, M. Hanai, T. Suzumura, T. Shimokawabe, "BOTAN: BOnd TArgeting Network for prediction of
slow glassy dynamics by machine learning relative motion", J. Chem. Phys. 158, 084503 (2023).

Bapst et al.'s encode-process-decode network with a second decoder on the edges, trained on the
replica-averaged change of pair distance ``<|r_ij(t)| - |r_ij(0)|>_iso`` in addition to the
particle propensity.  The pair target is computed in ``fit`` from the replica trajectories
(``trajectories=``, one (T, R, N, d) array of unwrapped positions per configuration) with
:mod:`glassml.dynamics`, for the pairs i < j closer than ``edge_cutoff`` (1.35) in the thermal
configuration: the configuration's ``reference`` positions when it holds a relaxed state
(inherent or cage), else its positions.  Loss ``p * MSE_node + (1 - p) * MSE_edge`` with
``p = 0.4``; with ``edge_pretrain_epochs > 0`` the first epochs train on the edge loss alone.
The node loss is on type-A particles; the edge loss on AA pairs (``edge_pairs="AA"``, the
paper's choice) or on every pair (``"all"``) that is also an edge of the graph.  The edge
prediction for the pair {i, j} is the mean of the decoder outputs on i->j and j->i, so it does
not depend on the order of the pair.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.learn.base import register
from glassml.learn.gnn.bapst import BapstGNN
from glassml.learn.gnn.graphs import Batch, Graph, locate_pairs
from glassml.structure import Configuration


@register("botan")
class BOTAN(BapstGNN):
    """BOTAN (Shiba et al. 2023); see the module docstring.

    Extra parameters: ``p`` (node weight of the loss, 0.4), ``edge_pretrain_epochs`` (0),
    ``edge_pairs`` (``"AA"`` or ``"all"``), ``edge_cutoff`` (pairs closer than this at t = 0
    carry the pair target, 1.35).  Extra fitted attributes: ``edge_mean_``, ``edge_std_`` (T,).
    """

    n_edge_outputs: ClassVar[bool] = True
    needs_trajectories: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = BapstGNN.requires + ("positions",)

    def __init__(
        self,
        *,
        p: float = 0.4,
        edge_pretrain_epochs: int = 0,
        edge_pairs: str = "AA",
        edge_cutoff: float = 1.35,
        mlp_sizes: Sequence[int] | None = None,
        n_steps: int | None = None,
        aggregation: str | None = None,
        edge_basis: int | None = None,
        norm: str | None = None,
        cutoff: float | None = None,
        reference_edges: bool = False,
        size: str | None = None,
        epochs: int | None = None,
        batch_size: int = 2,
        lr: float | None = None,
        grad_clip: float | None = None,
        weight_decay: float = 0.0,
        patience: int | None = None,
        augment: bool = True,
        species_weights: Sequence[float] | None = None,
        positions: str = "thermal",
        node_keys: Sequence[str] = (),
        ridge_inputs: Sequence[str] | None = None,
        ridge_folds: int = 4,
        device: str = "auto",
        amp: str | bool = "auto",
        schedule: str | None = None,
        warmup_epochs: int | None = None,
        precision: str = "float32",
        checkpoint_dir: str | os.PathLike | None = None,
        members: int = 1,
        verbose: bool = False,
        seed: int = 0,
    ):
        super().__init__(mlp_sizes=mlp_sizes, n_steps=n_steps, aggregation=aggregation, edge_basis=edge_basis, norm=norm, cutoff=cutoff, reference_edges=reference_edges, size=size, epochs=epochs, batch_size=batch_size, lr=lr,
                         grad_clip=grad_clip, weight_decay=weight_decay, patience=patience, augment=augment, species_weights=species_weights, positions=positions,
                         node_keys=node_keys, ridge_inputs=ridge_inputs, ridge_folds=ridge_folds, device=device, amp=amp, schedule=schedule, warmup_epochs=warmup_epochs, precision=precision, checkpoint_dir=checkpoint_dir, members=members, verbose=verbose, seed=seed)
        self.p = p
        self.edge_pretrain_epochs = edge_pretrain_epochs
        self.edge_pairs = edge_pairs
        self.edge_cutoff = edge_cutoff

    # ------------------------------------------------------------------ the pair target
    def _thermal_positions(self, conf: Configuration) -> np.ndarray:
        if conf.reference is not None:
            return conf.reference
        if self.positions != "thermal":
            raise GlassmlError(f"BOTAN with positions={self.positions!r} needs the thermal positions as the configuration's reference (Configuration(..., reference=initial_positions))")
        return conf.positions

    def target_pairs(self, conf: Configuration) -> tuple[np.ndarray, np.ndarray]:
        """The pairs i < j that carry the pair target, (2, E), and their vectors r_j - r_i at t = 0."""
        from glassml.dynamics.neighbors import pairs_within
        from glassml.dynamics.targets import edge_pairs

        if self.edge_pairs not in ("AA", "all"):
            raise GlassmlError(f"edge_pairs must be 'AA' or 'all', got {self.edge_pairs!r}")
        x0 = self._thermal_positions(conf)
        if self.edge_pairs == "AA":
            i, j, rij = edge_pairs(x0, conf.types, conf.box, float(self.edge_cutoff), 0)
        else:
            i, j, rij = pairs_within(x0, conf.box, float(self.edge_cutoff))
        return np.stack([i, j]).astype(np.int64), rij

    def edge_targets(self, conf: Configuration, trajectory: np.ndarray, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """BOTAN's pair target of one configuration: ``(pairs (2, E), <|r_ij(t)| - |r_ij(0)|>_iso (T, E))``.

        ``trajectory``: (T, R, N, d) unwrapped replica positions (a single time may be (R, N, d)).
        """
        from glassml.dynamics.targets import edge_propensity
        from glassml.dynamics.trajectory import displacements

        traj = np.asarray(trajectory, dtype=np.float64)
        if traj.ndim == 3:
            traj = traj[None]
        n, d = conf.n_particles, conf.dimension
        if traj.ndim != 4 or traj.shape[2:] != (n, d) or traj.shape[1] == 0:
            raise GlassmlError(f"trajectory of configuration {index} must have shape (T, R, {n}, {d}), got {np.shape(trajectory)}")
        if not np.all(np.isfinite(traj)):
            raise GlassmlError(f"trajectory of configuration {index} holds non-finite values")
        pairs, rij0 = self.target_pairs(conf)
        disp = displacements(self._thermal_positions(conf), traj, conf.box)
        return pairs, edge_propensity(disp, pairs[0], pairs[1], rij0)

    def prepare_edge_targets(self, graphs: list[Graph], configurations: Sequence[Configuration], trajectories, train: bool) -> None:
        if trajectories is None:
            which = "trajectories=" if train else "validation=(configurations, y, trajectories)"
            raise GlassmlError(f"BOTAN computes its pair target from the replica trajectories: pass them as {which}")
        trajectories = list(trajectories)
        if len(trajectories) != len(configurations):
            raise GlassmlError(f"{len(configurations)} configurations but {len(trajectories)} trajectories")
        for k, (g, conf, traj) in enumerate(zip(graphs, configurations, trajectories)):
            pairs, y = self.edge_targets(conf, traj, k)
            if y.shape[0] != self.n_times_:
                raise GlassmlError(f"trajectory of configuration {k} has {y.shape[0]} times but the targets have {self.n_times_}")
            fwd = locate_pairs(g.edge_index, g.n_nodes, pairs)
            rev = locate_pairs(g.edge_index, g.n_nodes, pairs[::-1])
            keep = (fwd >= 0) & (rev >= 0) & (pairs[0] != pairs[1])
            g.edge_target_index, g.edge_target_reverse, g.edge_target = fwd[keep], rev[keep], y[:, keep]
        if train:
            ye = np.concatenate([g.edge_target for g in graphs], axis=1)
            if ye.shape[1] == 0:
                raise GlassmlError(f"no pair closer than edge_cutoff={self.edge_cutoff} is an edge of the training graphs; check edge_pairs and the cutoffs")
            self.edge_mean_ = ye.mean(axis=1)
            self.edge_std_ = np.where(ye.std(axis=1) > 0, ye.std(axis=1), 1.0)
        for g in graphs:
            g.edge_target = (g.edge_target - self.edge_mean_[:, None]) / self.edge_std_[:, None]

    # ------------------------------------------------------------------ loss and prediction
    @staticmethod
    def _pair_prediction(edge_pred: torch.Tensor, forward: torch.Tensor, reverse: torch.Tensor) -> torch.Tensor:
        return 0.5 * (edge_pred[forward] + edge_pred[reverse])

    def loss_terms(self, batch: Batch, node_pred, edge_pred, epoch):
        edge_loss = ((self._pair_prediction(edge_pred, batch.edge_target_index, batch.edge_target_reverse) - batch.edge_target) ** 2).mean()
        if epoch is not None and epoch < int(self.edge_pretrain_epochs):
            return edge_loss
        p = float(self.p)
        return p * self.node_loss(batch, node_pred) + (1.0 - p) * edge_loss

    def predict_edges(self, configurations: Sequence[Configuration], pairs: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
        """Predicted pair target (T, E) of each configuration on ``pairs`` (one (2, E) array per
        configuration; default: :meth:`target_pairs`), NaN for pairs that are not edges of the
        graph (farther apart than the cutoff)."""
        configurations = list(configurations)
        if pairs is not None and len(pairs) != len(configurations):
            raise GlassmlError(f"{len(configurations)} configurations but {len(pairs)} pair arrays")
        out = []
        for k, (conf, (_, g, e)) in enumerate(zip(configurations, self._raw_predict(configurations))):
            ij = self.target_pairs(conf)[0] if pairs is None else np.asarray(pairs[k], dtype=np.int64)
            if ij.ndim != 2 or ij.shape[0] != 2:
                raise GlassmlError(f"pairs of configuration {k} must have shape (2, E), got {ij.shape}")
            fwd = locate_pairs(g.edge_index, g.n_nodes, ij)
            rev = locate_pairs(g.edge_index, g.n_nodes, ij[::-1])
            ok = (fwd >= 0) & (rev >= 0)
            pred = np.full((self.n_times_, ij.shape[1]), np.nan)
            pred[:, ok] = (0.5 * (e[fwd[ok]] + e[rev[ok]])).T * self.edge_std_[:, None] + self.edge_mean_[:, None]
            out.append(pred)
        return out

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, Any]:
        state = super()._state()
        state.update(edge_mean=np.asarray(self.edge_mean_), edge_std=np.asarray(self.edge_std_))
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        self.edge_mean_, self.edge_std_ = np.asarray(state["edge_mean"]), np.asarray(state["edge_std"])
