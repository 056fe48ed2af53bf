"""A rotation-equivariant graph network (e3nn) as a glassml estimator.

F. S. Pezzicoli, G. Charpiat, F. P. Landes, "Rotation-equivariant graph neural networks for
learning glassy liquids representations", SciPost Phys. 16, 136 (2024); code at
doi:10.5281/zenodo.10805522.  The ideas taken from the paper: edges within a cutoff carry
spherical harmonics of the relative direction and a radial basis of the distance; layers are
tensor-product convolutions whose weights are functions of the distance; the read-out is
invariant and predicts every time at once (one head per time); inputs are thermal or inherent
positions, optionally with the local potential energy (``node_keys=["potential_energy"]``).
The exact widths, depth and radial basis below are this implementation's choices, not the
paper's.

The prediction is exactly invariant (to float rounding) under rotations, reflections,
translations and permutations of the particles, so no augmentation is needed.  A 2D system is
embedded in the z = 0 plane.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Sequence

import torch

from glassml.learn.base import register
from glassml.learn.gnn.base import GraphEstimator
from glassml.learn.gnn.networks import EquivariantNet


@register("se3")
class EquivariantGNN(GraphEstimator):
    """SE(3)-equivariant GNN; see the module docstring.

    Model parameters: ``lmax`` (highest spherical harmonic; default 1), ``scalars`` /
    ``vectors`` (channels of l = 0 and of each l > 0 in the hidden features; 32 and 8), ``n_layers``
    (default 4), ``n_basis`` (radial Gaussians), ``radial_hidden`` (width of the radial MLP),
    ``head_sizes`` (default (32,)), ``norm`` (``"none"``, default, or ``"batch"``: e3nn's
    equivariant batch normalisation after each convolution), ``cutoff`` (default 1.5, the first
    neighbour shell; 2.0 with ``size="paper"``), ``reference_edges`` (on a graph of relaxed
    positions, the radial weights of each edge also see invariants of the same pair's vector in
    the thermal positions: its length, and its change along and across the edge; default
    False), ``displacement_vector`` (each particle's vector from its relaxed position to its
    thermal one as an l = 1 input beside the scalars; default False); the default learning
    rate is 1e-2 (warm-up and cosine decay); ``size="paper"`` sets paper-scale values of
    those left at None.  ``augment`` defaults to False (the network is invariant).  The
    training parameters are those of :class:`~glassml.learn.gnn.base.GraphEstimator`.
    """

    self_edges: ClassVar[bool] = False
    model_defaults: ClassVar[dict[str, Any]] = {"lmax": 1, "n_layers": 4, "head_sizes": (32,), "norm": "none", "lr": 1e-2, "cutoff": 1.5, "scalars": 32}
    size_presets: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {},
        # paper-scale (depth 8, l up to 3, ~54k parameters, below Bapst's ~70k); widths are ours
        "paper": {"lmax": 3, "n_layers": 8, "head_sizes": (32, 32), "epochs": 300, "cutoff": 2.0, "scalars": 16},
    }

    def __init__(
        self,
        *,
        lmax: int | None = None,
        scalars: int | None = None,
        vectors: int = 8,
        n_layers: int | None = None,
        n_basis: int = 10,
        radial_hidden: int = 16,
        head_sizes: Sequence[int] | None = None,
        norm: str | None = None,
        cutoff: float | None = None,
        reference_edges: bool = False,
        displacement_vector: bool = False,
        size: str | None = None,
        epochs: int | None = None,
        batch_size: int = 2,
        lr: float | None = None,
        grad_clip: float | None = None,
        weight_decay: float = 0.0,
        patience: int | None = None,
        augment: bool = False,
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
        super().__init__(size=size, epochs=epochs, batch_size=batch_size, lr=lr, grad_clip=grad_clip, weight_decay=weight_decay,
                         patience=patience, augment=augment, species_weights=species_weights, positions=positions, node_keys=node_keys,
                         ridge_inputs=ridge_inputs, ridge_folds=ridge_folds,
                         reference_edges=reference_edges, device=device, amp=amp, schedule=schedule, warmup_epochs=warmup_epochs, precision=precision,
                         checkpoint_dir=checkpoint_dir, members=members, verbose=verbose, seed=seed)
        self.lmax = lmax
        self.scalars = scalars
        self.vectors = vectors
        self.n_layers = n_layers
        self.n_basis = n_basis
        self.radial_hidden = radial_hidden
        self.head_sizes = head_sizes
        self.norm = norm
        self.cutoff = cutoff
        self.displacement_vector = displacement_vector

    def build_network(self) -> torch.nn.Module:
        p = self._resolved()
        return EquivariantNet(
            (getattr(self, "n_types_", None) or 2) + self.n_node_scalars(),
            getattr(self, "n_times_", None) or 1,
            n_vector_in=1 if self.displacement_vector else 0,
            cutoff=float(p["cutoff"]),
            lmax=int(p["lmax"]),
            scalars=int(p["scalars"]),
            vectors=int(p["vectors"]),
            n_layers=int(p["n_layers"]),
            n_basis=int(p["n_basis"]),
            radial_hidden=int(p["radial_hidden"]),
            head_sizes=tuple(int(h) for h in p["head_sizes"]),
            avg_neighbors=float(getattr(self, "graph_stats_", {}).get("avg_neighbors", 40.0)),
            norm=str(p["norm"]),
            # the rms change of a pair vector, measured in fit; the 0.1 only stands in for it
            # when an unfitted network is built (e.g. to count parameters)
            reference_spread=float(getattr(self, "graph_stats_", {}).get("reference_spread", 0.1)) if self.reference_edges else None,
        )

    @property
    def uses_reference_shift(self) -> bool:
        return bool(self.displacement_vector)

    def node_inputs(self, batch) -> torch.Tensor:
        """The scalar inputs, followed with ``displacement_vector`` by each particle's vector to
        its thermal position in units of its rms over the training graphs (an l = 1 input; a 2D
        vector gets z = 0)."""
        scalars = super().node_inputs(batch)
        if not self.displacement_vector:
            return scalars
        u = batch.reference_shift / float(self.graph_stats_["shift_spread"])
        if u.shape[1] == 2:
            u = torch.cat([u, torch.zeros_like(u[:, :1])], dim=1)
        return torch.cat([scalars, u], dim=1)

    def edge_inputs(self, batch) -> torch.Tensor:
        """Each edge's vector, followed with ``reference_edges`` by the same pair's vector in the
        thermal (reference) positions; the network turns the second into invariants."""
        if not self.reference_edges:
            return batch.edge_vectors
        return torch.cat([batch.edge_vectors, batch.reference_vectors], dim=1)
