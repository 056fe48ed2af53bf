"""Training loop shared by the graph learners: mini-batches, validation-only model selection,
checkpoints every epoch with resume, CPU or CUDA with mixed precision.

A graph learner takes configurations (:class:`glassml.structure.Configuration`) and one target
array (T, N) per configuration::

    est = BapstGNN(seed=0).fit(configurations, y, validation=(configurations_val, y_val))
    y_hat = est.predict(configurations_test)          # list of (T, N) arrays

Targets are standardised per time with the training set's type-A mean and standard deviation
(propensities grow by orders of magnitude along the time grid) and the loss is the mean squared
error on type-A particles, as in Bapst et al. (2020).  The weights kept at the end are those of
the epoch with the lowest validation loss; the test split is never seen.
"""

from __future__ import annotations

import abc
import hashlib
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.learn.base import NotFittedError, PropensityEstimator
from glassml.learn.features import pearson_columns
from glassml.learn.gnn.graphs import (DESCRIPTORS, Batch, Graph, check_targets, collate, configuration_graph, descriptor_set_of,
                                     node_inputs, random_cube_symmetry, random_rotation, resolve_descriptor_params)
from glassml.learn.gnn.networks import MeanOfNetworks
from glassml.structure import Configuration

CHECKPOINT_NAME = "checkpoint.pt"

#: defaults of the training parameters a ``size`` preset may set (used when left at None)
TRAINING_DEFAULTS: dict[str, Any] = {"epochs": 20, "lr": 1e-3, "grad_clip": 1.0, "schedule": "cosine", "warmup_epochs": 2, "ridge_inputs": ()}
#: learning-rate schedules: ``constant``; ``cosine`` (linear warm-up, then a cosine decay to
#: ``COSINE_FLOOR`` of the peak at the last epoch, set per step); ``plateau`` (warm-up, then the
#: rate is halved after ``PLATEAU_PATIENCE`` epochs without a better validation loss)
SCHEDULES = ("constant", "cosine", "plateau")
COSINE_FLOOR = 0.02
PLATEAU_PATIENCE = 3
#: floating-point precision of the network and its inputs
PRECISIONS = {"float32": torch.float32, "float64": torch.float64}

#: the inputs the benchmark presets give the graph learners (see ``GraphEstimator.preset_params``)
PRESET_INPUTS: dict[str, Any] = {"positions": "inherent", "node_keys": ("displacement", "potential_energy"), "reference_edges": True}
#: parameters that do not change the trained network: a checkpoint stays valid across them
_RESUMABLE = ("patience", "checkpoint_dir", "verbose", "device", "amp", "members")
#: the descriptor sets ``combined_ridge`` reads, for ``ridge_inputs``
COMBINED_SETS = ("boattini", "jung", "softness", "displacement")


def resolve_device(device: str) -> torch.device:
    """``"auto"`` picks CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise GlassmlError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise GlassmlError(f"device {device!r} asked for but CUDA is not available; use device='cpu'")
    return dev


def count_parameters(module: torch.nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


class GraphEstimator(PropensityEstimator):
    """Common machinery; subclasses define the network, the graph and (optionally) edge targets.

    Parameters (keyword only; stored unchanged, so ``get_params``/``clone`` work)
    ----------
    size: named size preset (``"small"``, the default, or ``"paper"``); it gives the value of
        every parameter below that is left at None.
    epochs: maximum number of passes over the training set (default 20).
    batch_size: configurations per mini-batch.
    lr: peak Adam learning rate (1e-3 unless the learner sets its own: Bapst and BOTAN 3e-3,
        SE(3) 1e-2).  grad_clip: gradient-norm clip (Bapst et al.: 1.0;
        0 for none).  weight_decay: Adam weight decay.
    patience: stop after this many epochs without a better validation loss (None: never).
    schedule: learning-rate schedule, ``cosine`` (default), ``plateau`` or ``constant``
        (:data:`SCHEDULES`); warmup_epochs: epochs of linear warm-up from lr/10 (default 2).
    precision: ``float32`` (default) or ``float64`` for the network and its inputs.
    augment: apply a random cube rotation/reflection to each training graph (Bapst et al.).
    species_weights: weight of each species' mean squared error in the loss (None: type A
        only, as in Bapst et al.; e.g. ``(1, 1)`` trains on both species of a binary mixture).
    positions: which positions the configurations hold, ``thermal`` | ``inherent`` | ``cage``.
        The learner reads whatever positions its configurations carry; this declares which
        ones the caller must give (the benchmark builds them from the matching sample array).
    node_keys: extra per-particle inputs computed from each configuration, standardised with the
        training statistics; ``"potential_energy"`` (half of each pair energy, from the
        configuration's ``model``), ``"displacement"`` (log distance from the thermal position
        to the relaxed one), ``"displacement_L2"`` (that averaged over neighbours with weights
        exp(-r/2); any length), ``"descriptors:<set>"`` (every feature of a registered descriptor
        set, :mod:`glassml.structure.sets`, e.g. ``descriptors:jung``, computed on the set's
        default positions: the graph's own, or the thermal reference of a relaxed graph; its
        data-dependent parameters are resolved on the first training configuration).
    reference_edges: on a graph of relaxed positions, each edge also carries the vector of the
        same pair in the thermal (reference) positions; each network reads it in its own way.
    ridge_inputs: descriptor sets whose per-species ridge prediction of the target at every
        time becomes T more node inputs: stacked generalisation (Wolpert, Neural Networks 5, 241
        (1992)).  None by default; the stacked learners of :mod:`glassml.learn.gnn.stacked` read
        :data:`COMBINED_SETS`, the sets of ``combined_ridge``.  On the
        training configurations the predictions are cross-fitted over ``ridge_folds`` folds of
        configurations (each from a ridge that did not see it), so the network learns from
        predictions as good as those it gets at test time; the ridge strength is chosen on the
        validation configurations (a held-out fifth of the training ones without them), and the
        ridge kept for prediction is fitted on all training configurations (``ridge_``).
    device: ``auto`` | ``cpu`` | ``cuda`` | ``cuda:0`` ...; amp: mixed precision on CUDA
        (``auto`` = on when on CUDA, ``on``, ``off``).
    checkpoint_dir: if set (a string or a path), the full training state is written there
        after every epoch, and a later ``fit`` with the same directory, parameters and data
        resumes from it.
    members: number of networks trained from seeds ``seed``, ``seed + 1``, ..., each with its
        own epoch selected on validation; the prediction is their mean (a seed ensemble,
        Lakshminarayanan, Pritzel & Blundell, NeurIPS 2017).  Training costs ``members`` times
        one network's; with ``checkpoint_dir`` each member has its folder ``member<k>``.
    verbose: print one line per epoch.  seed: seeds torch and numpy (initialisation, batches,
        augmentation).

    Fitted attributes: ``net_`` (the torch module), ``n_types_``, ``n_times_``, ``dimension_``,
    ``target_mean_``/``target_std_`` (T,), ``node_mean_``/``node_std_`` (S,), ``graph_stats_``,
    ``history_`` (one record per epoch), ``info_``.
    """

    kind: ClassVar[str] = "graph"
    requires: ClassVar[tuple[str, ...]] = ("types", "box", "initial_positions")
    #: parameters the benchmark runner uses per simulation preset (``glassml.bench.run``): the
    #: graph is built on the inherent structure, each particle also carries its distance to
    #: its thermal position and its potential energy there, and each edge the pair's thermal
    #: vector (:data:`PRESET_INPUTS`: part of what ``combined_ridge`` sees; on ``small`` it
    #: raises Bapst's score at tau_alpha from 0.40 to 0.55 and SE(3)'s to 0.57, while no
    #: training parameter moved it by more than 0.02); ``quick``: 20 epochs, ``small``: 60.
    preset_params: ClassVar[dict[str, dict[str, Any]]] = {"quick": {"epochs": 20, **PRESET_INPUTS},
                                                          "small": {"epochs": 60, **PRESET_INPUTS}}
    #: model defaults of the parameters left at None, and the named size presets over them
    model_defaults: ClassVar[dict[str, Any]] = {}
    size_presets: ClassVar[dict[str, dict[str, Any]]] = {"small": {}}
    self_edges: ClassVar[bool] = False

    def __init__(
        self,
        *,
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
        reference_edges: bool = False,
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
        self.size = size
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.grad_clip = grad_clip
        self.weight_decay = weight_decay
        self.patience = patience
        self.augment = augment
        self.species_weights = species_weights
        self.positions = positions
        self.node_keys = node_keys
        self.reference_edges = reference_edges
        self.ridge_inputs = ridge_inputs
        self.ridge_folds = ridge_folds
        self.device = device
        self.amp = amp
        self.schedule = schedule
        self.warmup_epochs = warmup_epochs
        self.precision = precision
        self.checkpoint_dir = checkpoint_dir
        self.members = members
        self.verbose = verbose
        self.seed = seed

    # ------------------------------------------------------------------ parameters
    def _resolved(self) -> dict[str, Any]:
        """The parameters with those left at None taken from the size preset (or the defaults)."""
        if self.size is not None and self.size not in self.size_presets:
            raise GlassmlError(f"unknown size {self.size!r}; use one of {', '.join(self.size_presets)}")
        defaults = {**TRAINING_DEFAULTS, **self.model_defaults, **self.size_presets.get(self.size or "small", {})}
        p = self.get_params(deep=False)
        for key, value in defaults.items():
            if p.get(key) is None:
                p[key] = value
        for name in ("node_keys", "ridge_inputs"):
            keys = p[name]
            p[name] = (keys,) if isinstance(keys, str) else tuple(keys)
        if p["ridge_inputs"] and (isinstance(p["ridge_folds"], bool) or not isinstance(p["ridge_folds"], (int, np.integer))
                                  or p["ridge_folds"] < 2):
            raise GlassmlError(f"ridge_folds must be an integer of at least 2, got {p['ridge_folds']!r}")
        from glassml.store import POSITIONS

        if p["species_weights"] is not None and (len(p["species_weights"]) == 0 or min(float(w) for w in p["species_weights"]) < 0):
            raise GlassmlError(f"species_weights must be non-negative numbers, one per species, got {p['species_weights']!r}")
        if p["schedule"] not in SCHEDULES:
            raise GlassmlError(f"unknown schedule {p['schedule']!r}; use one of {', '.join(SCHEDULES)}")
        if p["precision"] not in PRECISIONS:
            raise GlassmlError(f"unknown precision {p['precision']!r}; use one of {', '.join(PRECISIONS)}")
        if isinstance(p["members"], bool) or not isinstance(p["members"], (int, np.integer)) or p["members"] < 1:
            raise GlassmlError(f"members must be a positive integer, got {p['members']!r}")
        if p["positions"] not in POSITIONS:
            raise GlassmlError(f"unknown positions {p['positions']!r}; use one of {', '.join(POSITIONS)}")
        return p

    # ------------------------------------------------------------------ subclass hooks
    @property
    def uses_reference_shift(self) -> bool:
        """Whether the graphs carry each particle's vector to its thermal position (SE(3)'s
        ``displacement_vector``)."""
        return False

    @abc.abstractmethod
    def build_network(self) -> torch.nn.Module:
        """The torch module of this architecture, sized from the parameters and fitted shapes."""

    def n_node_scalars(self) -> int:
        """Columns of the per-particle inputs beside the species: one per node key, or per
        feature of a ``descriptors:<set>`` key, whose width is known once fitted."""
        mean = getattr(self, "node_mean_", None)
        if mean is not None:
            return int(np.size(mean))
        p = self._resolved()
        if any(descriptor_set_of(k) is not None for k in p["node_keys"]):
            raise GlassmlError("the width of descriptor-set node inputs is known only after fit; fit the model first")
        return len(p["node_keys"]) + (getattr(self, "n_times_", None) or 1) * bool(p["ridge_inputs"])

    def edge_features(self, edge_vectors: torch.Tensor) -> torch.Tensor:
        return edge_vectors

    def edge_inputs(self, batch: Batch) -> torch.Tensor:
        """The edge input of the network: :meth:`edge_features` of the edge vectors."""
        return self.edge_features(batch.edge_vectors)

    def prepare_edge_targets(self, graphs: list[Graph], configurations: Sequence[Configuration], trajectories, train: bool) -> None:
        """Attach edge targets (BOTAN); nothing by default."""

    def loss_terms(self, batch: Batch, node_pred: torch.Tensor, edge_pred: torch.Tensor | None, epoch: int | None) -> torch.Tensor:
        """The training loss at ``epoch`` (``None``: the loss used for validation)."""
        return self.node_loss(batch, node_pred)

    # ------------------------------------------------------------------ graphs
    def to_graph(self, conf: Configuration, target: np.ndarray | None = None, ridge: np.ndarray | None = None) -> Graph:
        """The graph of one configuration, with extra node inputs standardised by the training
        statistics (once fitted).  With ``ridge_inputs`` the ridge prediction (T, N) is appended:
        ``ridge`` when given (the cross-fitted one of a training configuration), else that of
        the fitted ``ridge_``."""
        p = self._resolved()
        g = configuration_graph(conf, cutoff=float(p["cutoff"]), self_edges=self.self_edges, node_keys=p["node_keys"], target=target,
                                reference_vectors=bool(self.reference_edges), reference_shift=self.uses_reference_shift,
                                positions=p["positions"], descriptor_params=getattr(self, "descriptor_params_", None))
        if p["ridge_inputs"]:
            if ridge is None:
                ridge = self.ridge_prediction(conf)
            g.node_scalars = np.concatenate([g.node_scalars, np.asarray(ridge, dtype=np.float64).T], axis=1)
        if getattr(self, "node_mean_", None) is not None:
            g.node_scalars = (g.node_scalars - self.node_mean_) / self.node_std_
        return g

    # ------------------------------------------------------------------ stacked ridge
    def descriptor_rows(self, conf: Configuration) -> np.ndarray:
        """The (N, F) features of the ``ridge_inputs`` descriptor sets of one configuration."""
        p = self._resolved()
        keys = [DESCRIPTORS + name for name in p["ridge_inputs"]]
        return node_inputs(conf, keys, positions=p["positions"], descriptor_params=getattr(self, "descriptor_params_", None))

    def ridge_prediction(self, conf: Configuration) -> np.ndarray:
        """The fitted ridge's (T, N) prediction for one configuration."""
        ridge = getattr(self, "ridge_", None)
        if ridge is None:
            raise NotFittedError(f"{type(self).__name__} with ridge_inputs is not fitted; call fit() or load() first")
        return ridge.predict(self.descriptor_rows(conf), species=conf.types).T

    def _fit_ridge(self, configurations, y, val_confs, val_y, p: dict[str, Any]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Fit ``ridge_`` on all training configurations; return the cross-fitted (T, N)
        prediction of each (see ``ridge_inputs``) and ``ridge_``'s prediction of each
        validation configuration."""
        from glassml.learn.linear import SpeciesRidge

        n = len(configurations)
        if n < 2:
            raise GlassmlError("ridge_inputs needs at least 2 training configurations for its cross-fitted predictions")

        def rows(confs, ys):
            x = [self.descriptor_rows(c) for c in confs]
            return (np.concatenate(x), np.concatenate([np.asarray(t, dtype=np.float64).T for t in ys]),
                    np.concatenate([c.types for c in confs]), np.repeat(np.arange(len(confs)), [c.n_particles for c in confs]))

        X, Y, species, groups = rows(configurations, y)
        validation = rows(val_confs, val_y) if len(val_confs) else None

        def fit(keep: np.ndarray) -> SpeciesRidge:
            m = np.isin(groups, keep)
            return SpeciesRidge(refit=False, seed=int(p["seed"])).fit(X[m], Y[m], species=species[m], groups=groups[m],
                                                                      validation=validation)

        self.ridge_ = fit(np.arange(n))
        out = np.empty_like(Y)
        for fold in np.array_split(np.arange(n), min(int(p["ridge_folds"]), n)):
            m = np.isin(groups, fold)
            out[m] = fit(np.setdiff1d(np.arange(n), fold)).predict(X[m], species=species[m])
        cross = [out[groups == k].T for k in range(n)]
        if validation is None:
            return cross, []
        on_val = self.ridge_.predict(validation[0], species=validation[2])
        return cross, [on_val[validation[3] == k].T for k in range(len(val_confs))]

    def node_inputs(self, batch: Batch) -> torch.Tensor:
        if int(batch.types.max()) >= self.n_types_:
            raise GlassmlError(f"a configuration holds species {int(batch.types.max())} but the model was trained on {self.n_types_} species")
        onehot = torch.nn.functional.one_hot(batch.types, self.n_types_).to(batch.edge_vectors.dtype)
        return torch.cat([onehot, batch.node_scalars], dim=1)

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.net_(self.node_inputs(batch), self.edge_inputs(batch), batch.edge_index, batch.graph_index,
                         batch.incidence)

    def node_loss(self, batch: Batch, node_pred: torch.Tensor) -> torch.Tensor:
        """Mean squared error on type-A particles, or with ``species_weights`` the weighted mean
        over species of each species' mean squared error (species absent from the batch skipped)."""
        err = (node_pred.to(batch.target.dtype) - batch.target) ** 2
        weights = self.species_weights
        if weights is None:
            return err[batch.types == 0].mean()
        total = weight_sum = 0.0
        for species, w in enumerate(weights):
            mask = batch.types == species
            if float(w) > 0 and bool(mask.any()):
                total = total + float(w) * err[mask].mean()
                weight_sum += float(w)
        if weight_sum == 0:
            raise GlassmlError(f"species_weights {list(weights)} give no weight to any species present in the batch")
        return total / weight_sum

    # ------------------------------------------------------------------ fit
    def _standardise(self, graphs: list[Graph]) -> None:
        for g in graphs:
            g.target = (g.target - self.target_mean_[:, None]) / self.target_std_[:, None]

    def _prepare(self, configurations: Sequence[Configuration], y: Sequence[np.ndarray], trajectories, train: bool,
                 ridge: list[np.ndarray] | None = None) -> list[Graph]:
        """The standardised graphs of ``configurations``; ``ridge``: their ridge predictions
        (T, N) when ``ridge_inputs`` are on (the training statistics are set when ``train``)."""
        if len(y) != len(configurations):
            raise GlassmlError(f"{len(configurations)} configurations but {len(y)} target arrays")
        if train:
            self.node_mean_ = self.node_std_ = None
        graphs = []
        for k, conf in enumerate(configurations):
            graphs.append(self.to_graph(conf, check_targets(y[k], conf.n_particles, k), None if ridge is None else ridge[k]))
        if train:
            xs = np.concatenate([g.node_scalars for g in graphs])
            self.node_mean_ = xs.mean(axis=0)
            self.node_std_ = np.where(xs.std(axis=0) > 0, xs.std(axis=0), 1.0)
            for g in graphs:
                g.node_scalars = (g.node_scalars - self.node_mean_) / self.node_std_
            self.n_times_ = graphs[0].target.shape[0]
            self.dimension_ = graphs[0].edge_vectors.shape[1]
            self.n_types_ = int(max(g.types.max() for g in graphs)) + 1
            ya = np.concatenate([g.target[:, g.types == 0] for g in graphs], axis=1)
            if ya.shape[1] == 0:
                raise GlassmlError("no type-A (species 0) particles in the training configurations; the loss is defined on them")
            self.target_mean_ = ya.mean(axis=1)
            self.target_std_ = np.where(ya.std(axis=1) > 0, ya.std(axis=1), 1.0)
            n_edges = sum(g.edge_index.shape[1] for g in graphs)
            self.graph_stats_ = {"avg_neighbors": n_edges / sum(g.n_nodes for g in graphs)}
            if all(g.reference_vectors is not None for g in graphs):
                # rms change of a pair vector between the reference and the graph's positions
                change = np.concatenate([g.reference_vectors - g.edge_vectors for g in graphs])
                self.graph_stats_["reference_spread"] = float(np.sqrt((change**2).sum(axis=1).mean())) or 1.0
            if all(g.reference_shift is not None for g in graphs):
                shift = np.concatenate([g.reference_shift for g in graphs])
                self.graph_stats_["shift_spread"] = float(np.sqrt((shift**2).sum(axis=1).mean())) or 1.0
        for k, g in enumerate(graphs):
            if g.target.shape[0] != self.n_times_:
                raise GlassmlError(f"target of configuration {k} has {g.target.shape[0]} times but the training targets have {self.n_times_}")
            if g.edge_vectors.shape[1] != self.dimension_:
                raise GlassmlError(f"configuration {k} is {g.edge_vectors.shape[1]}-D but the model is {self.dimension_}-D")
        self._standardise(graphs)
        self.prepare_edge_targets(graphs, configurations, trajectories, train)
        return graphs

    def _amp(self, device: torch.device) -> bool:
        """Mixed precision (float16 autocast + gradient scaling) only ever on CUDA."""
        amp = self.amp
        if amp not in ("auto", "on", "off", True, False):
            raise GlassmlError(f"amp must be 'auto', 'on' or 'off', got {amp!r}")
        return device.type == "cuda" and amp in ("auto", "on", True)

    @staticmethod
    def _validation(validation) -> tuple[list, list, Any]:
        if validation is None:
            return [], [], None
        if not isinstance(validation, (tuple, list)) or len(validation) not in (2, 3):
            raise GlassmlError("validation must be (configurations, y) or (configurations, y, trajectories)")
        confs, ys = list(validation[0]), list(validation[1])
        return confs, ys, (validation[2] if len(validation) == 3 else None)

    def fit(self, configurations: Sequence[Configuration], y: Sequence[np.ndarray], *, validation=None, trajectories=None) -> "GraphEstimator":
        """Train on ``configurations`` with one (T, N) target array each; select the epoch on
        ``validation = (configurations_val, y_val[, trajectories_val])`` (the training loss in
        evaluation mode when there is none).

        ``trajectories``: one (T, R, N, d) array of unwrapped replica positions per
        configuration, for learners with ``needs_trajectories`` (ignored by the others).
        With ``members`` > 1 the networks are trained one after the other, member k from seed
        ``seed + k``, each with its own epoch selected on validation.
        """
        configurations, y = list(configurations), list(y)
        if len(configurations) == 0:
            raise GlassmlError("no training configurations")
        val_confs, val_y, val_traj = self._validation(validation)
        p = self._resolved()
        device = resolve_device(p["device"])
        use_amp = self._amp(device)
        for conf in configurations + val_confs:
            if not isinstance(conf, Configuration):
                raise GlassmlError(f"graph learners take glassml.structure.Configuration objects, got {type(conf).__name__}")
        self.ridge_ = None  # _prepare(train=True) resets the node statistics
        keys = [*p["node_keys"], *(DESCRIPTORS + name for name in p["ridge_inputs"])]
        self.descriptor_params_ = resolve_descriptor_params(configurations[0], keys, p["positions"])
        ridge, val_ridge = self._fit_ridge(configurations, y, val_confs, val_y, p) if p["ridge_inputs"] else (None, None)
        train_graphs = self._prepare(configurations, y, trajectories, train=True, ridge=ridge)
        val_graphs = self._prepare(val_confs, val_y, val_traj, train=False, ridge=val_ridge) if len(val_confs) else []
        n_members = int(p["members"])
        ckpt_root = Path(p["checkpoint_dir"]) if p["checkpoint_dir"] else None
        members, histories, bests = [], [], []
        for k in range(n_members):
            member = k if n_members > 1 else None
            ckpt_dir = ckpt_root / f"member{k}" if ckpt_root is not None and member is not None else ckpt_root
            net, best = self._fit_member({**p, "seed": int(self.seed) + k}, member, train_graphs, val_graphs, device, use_amp, ckpt_dir)
            members.append(net)
            histories.append(self.history_ if member is None else [{**r, "member": k} for r in self.history_])
            bests.append(best)
        self.net_ = members[0] if len(members) == 1 else MeanOfNetworks(members)
        self.history_ = [r for h in histories for r in h]
        self.info_ = {"seed": int(self.seed), "members": len(members), "n_parameters": count_parameters(self.net_),
                      "device": str(device), "amp": use_amp, "n_train": len(train_graphs), "n_val": len(val_graphs),
                      "best_epochs": [b["epoch"] for b in bests], "best_epoch": int(np.median([b["epoch"] for b in bests])),
                      "best_val_loss": float(np.mean([b["loss"] for b in bests])), "epochs_run": len(self.history_),
                      "epoch_seconds": [round(r["seconds"], 4) for r in self.history_]}
        if self.ridge_ is not None:
            self.info_["ridge"] = self.ridge_.info_
        return self

    def _fit_member(self, p: dict[str, Any], member: int | None, train_graphs, val_graphs, device, use_amp, ckpt_dir: Path | None):
        """Train one network (``member`` of an ensemble, None alone) from seed ``p["seed"]``; it returns the network at its best
        validation epoch and that epoch's record, and leaves the epochs in ``history_``."""
        torch.manual_seed(int(p["seed"]))
        self.net_ = self.build_network().to(device=device, dtype=PRECISIONS[p["precision"]])
        optimiser = torch.optim.Adam(self.net_.parameters(), lr=float(p["lr"]), weight_decay=float(p["weight_decay"]))
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        rng = np.random.default_rng(int(p["seed"]))
        start_epoch, best = 0, {"loss": math.inf, "epoch": -1, "state": None}
        self._lr_factor = 1.0
        self.history_ = []
        ckpt_path = ckpt_dir / CHECKPOINT_NAME if ckpt_dir is not None else None
        fingerprint = self._fingerprint(p, train_graphs + val_graphs) if ckpt_path is not None else ""
        if ckpt_path is not None and ckpt_path.exists():
            start_epoch, best, rng = self._load_checkpoint(ckpt_path, optimiser, scaler, device, fingerprint)
        waited = 0 if best["epoch"] < 0 else start_epoch - 1 - best["epoch"]
        for epoch in range(start_epoch, int(p["epochs"])):
            t0 = time.perf_counter()
            train_loss = self._run_epoch(train_graphs, optimiser, scaler, rng, device, use_amp, epoch, p)
            val_loss, val_pearson = self._evaluate(val_graphs or train_graphs, device, use_amp, p)
            record = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_pearson": val_pearson,
                      "seconds": time.perf_counter() - t0, "lr": float(optimiser.param_groups[0]["lr"])}
            self.history_.append(record)
            if p["verbose"]:
                label = "" if member is None else f" member {member}"
                print(f"[{self.name}{label}] epoch {epoch}: train {train_loss:.4f} val {val_loss:.4f} "
                      f"Pearson(A) {np.nanmean(np.array(val_pearson, dtype=float)):.3f} ({record['seconds']:.2f} s)", flush=True)
            if val_loss < best["loss"]:
                best = {"loss": val_loss, "epoch": epoch, "state": _cpu_state(self.net_)}
                waited = 0
            else:
                waited += 1
                if p["schedule"] == "plateau" and epoch >= int(p["warmup_epochs"]) and waited % PLATEAU_PATIENCE == 0:
                    self._lr_factor *= 0.5
            if ckpt_path is not None:
                ckpt_path.parent.mkdir(parents=True, exist_ok=True)
                self._save_checkpoint(ckpt_path, epoch, optimiser, scaler, rng, best, fingerprint)
            if p["patience"] is not None and waited >= int(p["patience"]):
                break
        if best["state"] is not None:
            self.net_.load_state_dict(best["state"])
        return self.net_, best

    @staticmethod
    def _batches(graphs: list[Graph], rng: np.random.Generator | None, batch_size: int) -> list[list[Graph]]:
        order = rng.permutation(len(graphs)) if rng is not None else np.arange(len(graphs))
        b = max(1, int(batch_size))
        return [[graphs[k] for k in order[i : i + b]] for i in range(0, len(graphs), b)]

    def _run_epoch(self, graphs, optimiser, scaler, rng, device, use_amp, epoch, p) -> float:
        self.net_.train()
        total, count = 0.0, 0
        groups = self._batches(graphs, rng, p["batch_size"])
        dtype = PRECISIONS[p["precision"]]
        for step, group in enumerate(groups):
            for param_group in optimiser.param_groups:
                param_group["lr"] = float(p["lr"]) * self.learning_rate_factor(epoch + step / len(groups), p)
            transforms = [random_cube_symmetry(rng, self.dimension_) for _ in group] if p["augment"] else None
            batch = collate(group, device, transforms=transforms, dtype=dtype)
            optimiser.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            loss = self.loss_terms(batch, node_pred.to(dtype), None if edge_pred is None else edge_pred.to(dtype), epoch)
            scaler.scale(loss).backward()
            if p["grad_clip"]:
                scaler.unscale_(optimiser)
                torch.nn.utils.clip_grad_norm_(self.net_.parameters(), float(p["grad_clip"]))
            scaler.step(optimiser)
            scaler.update()
            total += float(loss.detach()) * len(group)
            count += len(group)
        return total / count

    def learning_rate_factor(self, epoch: float, p: dict[str, Any] | None = None) -> float:
        """The learning rate at (fractional) ``epoch`` over the peak ``lr``: linear warm-up from
        0.1 over ``warmup_epochs``, then constant, cosine decay to :data:`COSINE_FLOOR` at the
        last epoch, or the current plateau factor."""
        p = self._resolved() if p is None else p
        warm = float(p["warmup_epochs"])
        if epoch < warm:
            return 0.1 + 0.9 * epoch / warm
        if p["schedule"] == "cosine":
            span = max(float(p["epochs"]) - warm, 1.0)
            x = min((epoch - warm) / span, 1.0)
            return COSINE_FLOOR + (1.0 - COSINE_FLOOR) * 0.5 * (1.0 + math.cos(math.pi * x))
        if p["schedule"] == "plateau":
            return getattr(self, "_lr_factor", 1.0)
        return 1.0

    @torch.no_grad()
    def _evaluate(self, graphs, device, use_amp, p) -> tuple[float, list[float]]:
        """Mean loss over ``graphs`` in evaluation mode (the full loss, whatever the epoch) and the
        Pearson correlation of the type-A predictions, pooled over the graphs, at each time."""
        self.net_.eval()
        total, count = 0.0, 0
        dtype = PRECISIONS[p["precision"]]
        preds, targets = [], []
        for group in self._batches(graphs, None, p["batch_size"]):
            batch = collate(group, device, dtype=dtype)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            loss = self.loss_terms(batch, node_pred.to(dtype), None if edge_pred is None else edge_pred.to(dtype), None)
            total += float(loss) * len(group)
            count += len(group)
            a = batch.types == 0
            preds.append(node_pred[a].double().cpu().numpy())
            targets.append(batch.target[a].double().cpu().numpy())
        r = pearson_columns(np.concatenate(preds), np.concatenate(targets))
        return total / count, [None if np.isnan(v) else round(float(v), 6) for v in r]

    # ------------------------------------------------------------------ checkpoints
    def _fingerprint(self, p: dict[str, Any], graphs: Sequence[Graph]) -> str:
        """What a checkpoint must match to be resumed: the learner, its parameters (those that
        change the trained network) and the training and validation data."""
        digest = hashlib.blake2b(digest_size=16)
        for g in graphs:
            for a in (g.types, g.edge_index, g.edge_vectors, g.node_scalars, g.target, g.edge_target, g.reference_vectors, g.reference_shift):
                if a is not None:
                    digest.update(np.ascontiguousarray(a).tobytes())
        keep = {k: v for k, v in p.items() if k not in _RESUMABLE}
        return json.dumps({"name": self.name, "params": keep, "data": digest.hexdigest()}, sort_keys=True, default=str)

    def _save_checkpoint(self, path: Path, epoch, optimiser, scaler, rng, best, fingerprint: str) -> None:
        state = {
            "epoch": epoch,
            "model": self.net_.state_dict(),
            "optimiser": optimiser.state_dict(),
            "scaler": scaler.state_dict(),
            "rng": json.dumps(rng.bit_generator.state),
            "torch_rng": torch.get_rng_state(),
            "best_loss": best["loss"],
            "lr_factor": self._lr_factor,
            "best_epoch": best["epoch"],
            "best_state": best["state"],
            "history": json.dumps(self.history_),
            "fingerprint": fingerprint,
        }
        buf = io.BytesIO()
        torch.save(state, buf)
        from glassml.store.npzio import atomic_write_bytes

        atomic_write_bytes(path, buf.getvalue())

    def _load_checkpoint(self, path: Path, optimiser, scaler, device, fingerprint: str):
        try:
            state = torch.load(path, map_location=device, weights_only=True)
        except Exception as exc:  # a file we did not write, or a truncated one
            raise GlassmlError(f"cannot read checkpoint ({exc}); delete it to start afresh", path) from None
        if state.get("fingerprint") != fingerprint:
            raise GlassmlError("checkpoint was written by a different model, seed, configuration or data; use another checkpoint_dir or delete it", path)
        self.net_.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["torch_rng"])
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads(state["rng"])
        self.history_ = json.loads(state["history"])
        best = {"loss": float(state["best_loss"]), "epoch": int(state["best_epoch"]), "state": state["best_state"]}
        self._lr_factor = float(state["lr_factor"])
        if best["state"] is not None:
            best["state"] = {k: v.cpu() for k, v in best["state"].items()}
        return int(state["epoch"]) + 1, best, rng

    # ------------------------------------------------------------------ predict
    def __sklearn_is_fitted__(self) -> bool:
        return getattr(self, "net_", None) is not None

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() or load() first")

    @torch.no_grad()
    def _raw_predict(self, configurations: Sequence[Configuration], rotations: Sequence[np.ndarray | None] | None = None) -> list[tuple[np.ndarray, Graph, np.ndarray | None]]:
        self._check_fitted()
        device = next(self.net_.parameters()).device
        use_amp = self._amp(device)
        self.net_.eval()
        out = []
        for k, conf in enumerate(configurations):
            if not isinstance(conf, Configuration):
                raise GlassmlError(f"graph learners take glassml.structure.Configuration objects, got {type(conf).__name__}")
            g = self.to_graph(conf)
            if g.edge_vectors.shape[1] != self.dimension_:
                raise GlassmlError(f"configuration {k} is {g.edge_vectors.shape[1]}-D but the model is {self.dimension_}-D")
            dtype = next(self.net_.parameters()).dtype
            batch = collate([g], device, transforms=None if rotations is None else [rotations[k]], dtype=dtype)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            y = node_pred.double().cpu().numpy().T * self.target_std_[:, None] + self.target_mean_[:, None]
            e = None if edge_pred is None else edge_pred.double().cpu().numpy()
            out.append((y, g, e))
        return out

    def predict(self, configurations: Sequence[Configuration]) -> list[np.ndarray]:
        """One (T, N) prediction per configuration, in the units of the training target."""
        return [y for y, _, _ in self._raw_predict(configurations)]

    def rotation_sensitivity(self, configurations: Sequence[Configuration], n_rotations: int = 4, seed: int = 0) -> float:
        """How much a random rotation of the input changes the prediction: the root-mean-square
        change divided by the standard deviation of the prediction (type A, all times pooled).

        Zero for an exactly invariant model; Bapst's GNN and BOTAN see raw relative vectors and
        only learn the symmetry through augmentation.
        """
        rng = np.random.default_rng(seed)
        base = self.predict(configurations)
        diffs, spread = [], []
        for _ in range(n_rotations):
            rots = [random_rotation(rng, self.dimension_) for _ in configurations]
            for (y, g, _), y0 in zip(self._raw_predict(configurations, rots), base):
                a = g.types == 0
                diffs.append(((y - y0)[:, a] ** 2).ravel())
                spread.append(y0[:, a])
        pooled = np.concatenate([s.ravel() for s in spread])
        return float(np.sqrt(np.concatenate(diffs).mean()) / (pooled.std() or 1.0))

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, Any]:
        self._check_fitted()
        state: dict[str, Any] = {f"net.{k}": v.detach().cpu().numpy() for k, v in self.net_.state_dict().items()}
        state.update(
            graph_stats=self.graph_stats_, n_types=self.n_types_, n_times=self.n_times_, dimension=self.dimension_, history=self.history_,
            target_mean=np.asarray(self.target_mean_), target_std=np.asarray(self.target_std_),
            node_mean=np.asarray(self.node_mean_), node_std=np.asarray(self.node_std_),
            descriptor_params=getattr(self, "descriptor_params_", None) or {},
        )
        if getattr(self, "ridge_", None) is not None:
            state.update({f"ridge.{k}": v for k, v in self.ridge_._state().items()})
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        self.graph_stats_ = dict(state["graph_stats"])
        self.n_types_, self.n_times_, self.dimension_ = int(state["n_types"]), int(state["n_times"]), int(state["dimension"])
        self.history_ = list(state["history"])
        self.target_mean_, self.target_std_ = np.asarray(state["target_mean"]), np.asarray(state["target_std"])
        self.node_mean_, self.node_std_ = np.asarray(state["node_mean"]), np.asarray(state["node_std"])
        self.descriptor_params_ = dict(state.get("descriptor_params") or {})
        ridge = {k[len("ridge."):]: v for k, v in state.items() if k.startswith("ridge.")}
        self.ridge_ = None
        if ridge:
            from glassml.learn.linear import SpeciesRidge

            self.ridge_ = SpeciesRidge()
            self.ridge_._set_state(ridge)
        device = resolve_device(self.device)
        net = self._network().to(dtype=PRECISIONS[self._resolved()["precision"]])
        sd = {k[4:]: torch.as_tensor(np.asarray(v)) for k, v in state.items() if k.startswith("net.")}
        net.load_state_dict(sd)
        self.net_ = net.to(device)

    def n_parameters(self) -> int:
        """Number of trainable parameters of the network (built with default shapes if unfitted)."""
        net = getattr(self, "net_", None)
        return count_parameters(net if net is not None else self._network())

    def _network(self) -> torch.nn.Module:
        """A freshly built network, or ``members`` of them averaged."""
        m = int(self._resolved()["members"])
        return self.build_network() if m == 1 else MeanOfNetworks([self.build_network() for _ in range(m)])


def _cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
