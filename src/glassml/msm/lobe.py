"""The graph-network lobe of the VAMPnet: each particle's neighbourhood to a softmax over states.

The lobe is the graph dynamical network of Xie, France-Lanord, Wang, Shao-Horn and Grossman,
"Graph dynamical networks for unsupervised learning of atomic scale dynamics in materials",
Nat. Commun. 10, 2667 (2019), as used for glasses by Soltani, Sinclair and Rottler, "Exploring
glassy dynamics with Markov state models from graph dynamical neural networks", Phys. Rev. E
106, 025308 (2022):

- node features: a learnt embedding of the species;
- edge features: the pair distance expanded on Gaussians ``exp(-(r - mu_k)^2 / w^2)`` with
  centres ``mu_k`` spaced ``w`` apart from 0 to the cutoff;
- ``n_conv`` gated graph convolutions (the crystal-graph convolution of Xie and Grossman,
  PRL 120, 145301 (2018)), each
  ``v_i <- softplus(v_i + (1/n_i) sum_j sigmoid(z_ij W_f + b_f) * softplus(z_ij W_s + b_s))``
  with ``z_ij = v_i (+) v_j (+) u_ij`` and n_i the number of neighbours;
- a read-out MLP and a softmax over ``n_states`` per particle.

The graph of a frame comes from glassml's graph building
(:func:`glassml.learn.gnn.graphs.neighbor_graph`: every pair closer than ``cutoff`` under the
minimum image); frames are batched as disjoint graphs.  The batch normalisation of the original
is replaced by the mean over neighbours (the 1/n_i above), so that training and evaluation
compute the same function and the features stay of order one in dense liquids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from glassml.learn.gnn.graphs import neighbor_graph
from glassml.learn.gnn.networks import scatter_sum
from glassml.structure import Configuration


@dataclass
class FrameGraph:
    """One frame as a graph: directed pairs closer than the cutoff and their distances."""

    edge_index: np.ndarray  # (2, E) int64, sender then receiver
    distances: np.ndarray  # (E,) float32


def frame_graph(positions: np.ndarray, box: np.ndarray, types: np.ndarray, cutoff: float) -> FrameGraph:
    """The :class:`FrameGraph` of one configuration (glassml's neighbour query, minimum image)."""
    conf = Configuration(positions, box, types)
    edge_index, vectors = neighbor_graph(conf, cutoff, self_edges=False)
    return FrameGraph(edge_index, np.linalg.norm(vectors, axis=1).astype(np.float32))


@dataclass
class FrameBatch:
    """Several frames as one disjoint graph, and the particles whose states are scored."""

    types: torch.Tensor  # (B * N,)
    edge_index: torch.Tensor  # (2, E)
    distances: torch.Tensor  # (E,)
    selected: torch.Tensor  # (B * n_selected,) node indices whose outputs are returned

    def to(self, device=None, **kwargs) -> "FrameBatch":
        return FrameBatch(self.types.to(device), self.edge_index.to(device), self.distances.to(device), self.selected.to(device))


def collate_frames(graphs: Sequence[FrameGraph], types: np.ndarray, selected: np.ndarray) -> FrameBatch:
    """Concatenate frames of one system (same ``types``) into a :class:`FrameBatch`."""
    n = len(types)
    ei = np.concatenate([g.edge_index + k * n for k, g in enumerate(graphs)], axis=1)
    sel = np.concatenate([selected + k * n for k in range(len(graphs))])
    return FrameBatch(
        types=torch.as_tensor(np.tile(types, len(graphs))),
        edge_index=torch.as_tensor(ei),
        distances=torch.as_tensor(np.concatenate([g.distances for g in graphs])),
        selected=torch.as_tensor(sel),
    )


class GaussianExpansion(nn.Module):
    """Distances to ``exp(-(r - mu_k)^2 / w^2)`` on centres ``mu_k = 0, w, 2w, ..., cutoff``."""

    def __init__(self, cutoff: float, width: float):
        super().__init__()
        self.register_buffer("centres", torch.arange(0.0, cutoff + 1e-9, width))
        self.width = float(width)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return torch.exp(-((r[:, None] - self.centres[None]) ** 2) / self.width**2)


class GatedConvolution(nn.Module):
    """One gated graph convolution (Xie and Grossman 2018): ``softplus(v_i + mean_j gate * core)``."""

    def __init__(self, n_hidden: int, n_edge: int):
        super().__init__()
        self.linear = nn.Linear(2 * n_hidden + n_edge, 2 * n_hidden)
        self.n_hidden = n_hidden

    def forward(self, v: torch.Tensor, edge_index: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        sender, receiver = edge_index[0], edge_index[1]
        z = self.linear(torch.cat([v[sender], v[receiver], u], dim=1))
        gate, core = z.split(self.n_hidden, dim=1)
        message = torch.sigmoid(gate) * nn.functional.softplus(core)
        degree = scatter_sum(torch.ones_like(sender, dtype=v.dtype)[:, None], sender, v.shape[0]).clamp(min=1.0)
        return nn.functional.softplus(v + scatter_sum(message, sender, v.shape[0]) / degree)


class GraphDynamicalLobe(nn.Module):
    """Species embedding, Gaussian distances, ``n_conv`` gated convolutions, softmax over states.

    Parameters
    ----------
    n_species: number of species K (embedding rows).
    n_states: number of metastable states (softmax outputs).
    n_hidden: width of the node features and of the read-out.
    n_conv: number of graph convolutions (message-passing steps).
    cutoff: graph cutoff (the Gaussian centres span 0..cutoff).
    gaussian_width: spacing and width of the Gaussian distance expansion.
    """

    def __init__(self, n_species: int, n_states: int, *, n_hidden: int = 16, n_conv: int = 3, cutoff: float = 1.5,
                 gaussian_width: float = 0.1):
        super().__init__()
        self.embedding = nn.Embedding(int(n_species), int(n_hidden))
        self.expansion = GaussianExpansion(cutoff, gaussian_width)
        n_edge = int(self.expansion.centres.shape[0])
        self.convolutions = nn.ModuleList([GatedConvolution(int(n_hidden), n_edge) for _ in range(int(n_conv))])
        self.readout = nn.Sequential(nn.Linear(n_hidden, n_hidden), nn.Softplus(), nn.Linear(n_hidden, int(n_states)))

    def forward(self, batch: FrameBatch) -> torch.Tensor:
        """State probabilities (B * n_selected, n_states) of the selected particles."""
        v = self.embedding(batch.types)
        u = self.expansion(batch.distances.to(v.dtype))
        for conv in self.convolutions:
            v = conv(v, batch.edge_index, u)
        return torch.softmax(self.readout(v[batch.selected]), dim=1)
