"""BOTAN, the bond-targeting network, as a glassml estimator.

H. Shiba, M. Hanai, T. Suzumura, T. Shimokawabe, "BOTAN: BOnd TArgeting Network for prediction of
slow glassy dynamics by machine learning relative motion", J. Chem. Phys. 158, 084503 (2023).

Bapst et al.'s encode-process-decode network with a second decoder on the edges, trained on the
replica-averaged change of pair distance (the sample arrays ``edge_index`` (2, E) and
``edge_prop`` (T, E), written by :mod:`glassml.dynamics`) in addition to the particle
propensity.  Loss ``p * MSE_node + (1 - p) * MSE_edge`` with ``p = 0.4``; with
``edge_pretrain_epochs > 0`` the first epochs train on the edge loss alone.  The node loss is on
type-A particles; the edge loss on AA pairs (``edge_pairs="AA"``, the paper's choice) or on every
stored pair (``"all"``) that is also an edge of the graph.  The edge prediction for the pair
{i, j} is the mean of the decoder outputs on i->j and j->i, so it does not depend on the order
of the pair.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.learn.base import register
from glassml.learn.gnn.bapst import BapstGNN
from glassml.learn.gnn.graphs import Batch, Graph, locate_pairs
from glassml.store.dataset import Sample


@register("botan")
class BOTAN(BapstGNN):
    """BOTAN (Shiba et al. 2023); see the module docstring.

    Extra parameters: ``p`` (node weight of the loss, 0.4), ``edge_pretrain_epochs`` (0),
    ``edge_pairs`` (``"AA"`` or ``"all"``), ``edge_target`` (array name, ``"edge_prop"``).
    """

    n_edge_outputs = True
    model_defaults = {**BapstGNN.model_defaults, "p": 0.4, "edge_pretrain_epochs": 0, "edge_pairs": "AA", "edge_target": "edge_prop"}
    size_presets = BapstGNN.size_presets
    requires = BapstGNN.requires + ("edge_index", "edge_prop")

    def prepare_edge_targets(self, graphs: list[Graph], samples: Sequence[Sample], train: bool) -> None:
        key = self.hp["edge_target"]
        if self.hp["edge_pairs"] not in ("AA", "all"):
            raise GlassmlError(f"edge_pairs must be 'AA' or 'all', got {self.hp['edge_pairs']!r}")
        for g, s in zip(graphs, samples):
            if key not in s or "edge_index" not in s:
                raise GlassmlError(f"BOTAN needs the pair target '{key}' and 'edge_index'; compute them with glassml.dynamics first", s.path)
            pairs = np.asarray(s["edge_index"], dtype=np.int64)
            y = np.asarray(s[key], dtype=np.float64)
            if pairs.ndim != 2 or pairs.shape[0] != 2 or y.shape != (self.n_times, pairs.shape[1]):
                raise GlassmlError(f"'edge_index' must be (2, E) and '{key}' ({self.n_times}, E); got {pairs.shape} and {y.shape}", s.path)
            fwd = locate_pairs(g.edge_index, g.n_nodes, pairs)
            rev = locate_pairs(g.edge_index, g.n_nodes, pairs[::-1])
            keep = (fwd >= 0) & (rev >= 0) & (pairs[0] != pairs[1])
            if self.hp["edge_pairs"] == "AA":
                keep &= (g.types[pairs[0]] == 0) & (g.types[pairs[1]] == 0)
            g.edge_target_index, g.edge_target_reverse, g.edge_target = fwd[keep], rev[keep], y[:, keep]
        if train:
            ye = np.concatenate([g.edge_target for g in graphs], axis=1)
            if ye.shape[1] == 0:
                raise GlassmlError("no stored pair of the training samples is an edge of the graph; check 'edge_index' and the cutoff")
            self.edge_mean = ye.mean(axis=1)
            self.edge_std = np.where(ye.std(axis=1) > 0, ye.std(axis=1), 1.0)
        for g in graphs:
            g.edge_target = (g.edge_target - self.edge_mean[:, None]) / self.edge_std[:, None]

    @staticmethod
    def _pair_prediction(edge_pred: torch.Tensor, forward: torch.Tensor, reverse: torch.Tensor) -> torch.Tensor:
        return 0.5 * (edge_pred[forward] + edge_pred[reverse])

    def loss_terms(self, batch: Batch, node_pred, edge_pred, epoch):
        edge_loss = ((self._pair_prediction(edge_pred, batch.edge_target_index, batch.edge_target_reverse) - batch.edge_target) ** 2).mean()
        if epoch is not None and epoch < int(self.hp["edge_pretrain_epochs"]):
            return edge_loss
        p = float(self.hp["p"])
        return p * self.node_loss(batch, node_pred) + (1.0 - p) * edge_loss

    def predict_edges(self, samples: Sequence[Sample]) -> list[np.ndarray]:
        """Predicted pair target (T, E) on each sample's ``edge_index`` (NaN for pairs that are
        not edges of the graph, i.e. farther apart than the cutoff)."""
        out = []
        for s, (_, g, e) in zip(samples, self._raw_predict(samples)):
            pairs = np.asarray(s["edge_index"], dtype=np.int64)
            fwd = locate_pairs(g.edge_index, g.n_nodes, pairs)
            rev = locate_pairs(g.edge_index, g.n_nodes, pairs[::-1])
            ok = (fwd >= 0) & (rev >= 0)
            pred = np.full((self.n_times, pairs.shape[1]), np.nan)
            pred[:, ok] = (0.5 * (e[fwd[ok]] + e[rev[ok]])).T * self.edge_std[:, None] + self.edge_mean[:, None]
            out.append(pred)
        return out

    def _state(self):
        state = super()._state()
        state.update(edge_mean=np.asarray(self.edge_mean), edge_std=np.asarray(self.edge_std))
        return state

    def _set_state(self, state):
        super()._set_state(state)
        self.edge_mean, self.edge_std = np.asarray(state["edge_mean"]), np.asarray(state["edge_std"])
