"""Training loop shared by the graph learners: mini-batches, validation-only model selection,
checkpoints every epoch with resume, CPU or CUDA with mixed precision.

Targets are standardised per time with the training set's type-A mean and standard deviation
(propensities grow by orders of magnitude along the time grid) and the loss is the mean squared
error on type-A particles, as in Bapst et al. (2020).  The weights kept at the end are those of
the epoch with the lowest validation loss; the test split is never seen.
"""

from __future__ import annotations

import abc

import io
import json
import math
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from glassml.errors import GlassmlError
from glassml.learn.base import Estimator
from glassml.learn.gnn.graphs import Batch, Graph, build_sample_graph, collate, random_cube_symmetry, random_rotation
from glassml.store.dataset import Sample

CHECKPOINT_NAME = "checkpoint.pt"


def resolve_device(device: str) -> torch.device:
    """``"auto"`` picks CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise GlassmlError(f"device {device!r} asked for but CUDA is not available; use device='cpu'")
    return dev


def count_parameters(module: torch.nn.Module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


class GraphEstimator(Estimator):
    """Common machinery; subclasses define the network, the graph and (optionally) edge targets.

    Parameters (all keyword, JSON values, stored with the model)
    ----------
    epochs: maximum number of passes over the training set.
    batch_size: configurations per mini-batch.
    lr: Adam learning rate.  grad_clip: gradient-norm clip (Bapst et al.: 1.0).
    patience: stop after this many epochs without a better validation loss (None: never).
    augment: apply a random cube rotation/reflection to each training graph (Bapst et al.).
    positions: input positions, ``thermal`` | ``inherent`` | ``cage``.
    node_keys: extra per-particle input arrays of the sample, standardised with the training
        statistics; ``"potential_energy"`` is computed from the dataset's model when not stored.
    device: ``auto`` | ``cpu`` | ``cuda`` | ``cuda:0`` ...; amp: mixed precision on CUDA (``auto`` = on when on CUDA).
    checkpoint_dir: if set, the full training state is written there after every epoch, and a
        later ``fit`` with the same directory resumes from it.
    """

    #: (name, default) of the parameters every graph learner takes
    common_defaults: dict[str, Any] = {
        "epochs": 20,
        "batch_size": 2,
        "lr": 1e-3,
        "grad_clip": 1.0,
        "weight_decay": 0.0,
        "patience": None,
        "augment": True,
        "positions": "thermal",
        "node_keys": [],
        "device": "auto",
        "amp": "auto",
        "checkpoint_dir": None,
        "verbose": False,
    }
    #: model-specific defaults, and named size presets (``size="paper"``)
    model_defaults: dict[str, Any] = {}
    #: parameters the benchmark runner uses per simulation preset (``glassml.bench.run``)
    #: ``quick`` keeps the whole main job within its ~5 minute budget on 2 cores: the graph
    #: models get a few epochs only there, so their quick scores are not their capacity.
    preset_params: dict[str, dict[str, Any]] = {"quick": {"epochs": 4}, "small": {"epochs": 40, "patience": 10}}
    size_presets: dict[str, dict[str, Any]] = {}
    self_edges: bool = False

    requires = ("types", "box", "initial_positions")

    def __init__(self, seed: int = 0, **params: Any):
        known = set(self.common_defaults) | set(self.model_defaults) | {"size"}
        unknown = set(params) - known
        if unknown:
            raise GlassmlError(f"{type(self).__name__}: unknown parameter(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        super().__init__(seed=seed, **params)
        size = params.get("size")
        if size is not None and size not in self.size_presets:
            raise GlassmlError(f"unknown size {size!r}; use one of {', '.join(self.size_presets)}")
        self.hp: dict[str, Any] = {**self.common_defaults, **self.model_defaults, **(self.size_presets.get(size, {}) if size else {})}
        self.hp.update({k: v for k, v in params.items() if k != "size"})
        self.net: torch.nn.Module | None = None
        self.n_types: int | None = None
        self.n_times: int | None = None
        self.dimension: int | None = None
        self.target_mean: np.ndarray | None = None
        self.target_std: np.ndarray | None = None
        self.node_mean: np.ndarray | None = None
        self.node_std: np.ndarray | None = None
        self.history: list[dict[str, float]] = []
        #: statistics of the training graphs the network is built with (e.g. mean neighbour count)
        self.graph_stats: dict[str, float] = {}

    # ------------------------------------------------------------------ subclass hooks
    @abc.abstractmethod
    def build_network(self) -> torch.nn.Module:
        """The torch module of this architecture, sized from ``self.params``."""

    def edge_features(self, edge_vectors: torch.Tensor) -> torch.Tensor:
        return edge_vectors

    def prepare_edge_targets(self, graphs: list[Graph], samples: Sequence[Sample], train: bool) -> None:
        """Attach edge targets (BOTAN); nothing by default."""

    def loss_terms(self, batch: Batch, node_pred: torch.Tensor, edge_pred: torch.Tensor | None, epoch: int | None) -> torch.Tensor:
        """The training loss at ``epoch`` (``None``: the loss used for validation)."""
        return self.node_loss(batch, node_pred)

    # ------------------------------------------------------------------ graphs
    def sample_graph(self, sample: Sample, target: str | None) -> Graph:
        """The sample's graph, with extra node inputs standardised by the training statistics."""
        g = build_sample_graph(
            sample, cutoff=float(self.hp["cutoff"]), self_edges=self.self_edges, positions=self.hp["positions"], node_keys=tuple(self.hp["node_keys"]), target=target
        )
        if self.node_mean is not None:
            g.node_scalars = (g.node_scalars - self.node_mean) / self.node_std
        return g

    def node_inputs(self, batch: Batch) -> torch.Tensor:
        if int(batch.types.max()) >= self.n_types:
            raise GlassmlError(f"a sample holds species {int(batch.types.max())} but the model was trained on {self.n_types} species")
        onehot = torch.nn.functional.one_hot(batch.types, self.n_types).to(batch.edge_vectors.dtype)
        return torch.cat([onehot, batch.node_scalars], dim=1)

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.net(self.node_inputs(batch), self.edge_features(batch.edge_vectors), batch.edge_index)

    def node_loss(self, batch: Batch, node_pred: torch.Tensor) -> torch.Tensor:
        mask = batch.types == 0
        return ((node_pred[mask].float() - batch.target[mask]) ** 2).mean()

    # ------------------------------------------------------------------ fit
    def _standardise(self, graphs: list[Graph]) -> None:
        for g in graphs:
            g.target = (g.target - self.target_mean[:, None]) / self.target_std[:, None]

    def _prepare(self, samples: Sequence[Sample], target: str, train: bool) -> list[Graph]:
        if train:
            self.node_mean = self.node_std = None
        graphs = [self.sample_graph(s, target) for s in samples]
        if train:
            xs = np.concatenate([g.node_scalars for g in graphs])
            self.node_mean = xs.mean(axis=0)
            self.node_std = np.where(xs.std(axis=0) > 0, xs.std(axis=0), 1.0)
            for g in graphs:
                g.node_scalars = (g.node_scalars - self.node_mean) / self.node_std
            self.n_times = graphs[0].target.shape[0]
            self.dimension = graphs[0].edge_vectors.shape[1]
            self.n_types = int(max(g.types.max() for g in graphs)) + 1
            ya = np.concatenate([g.target[:, g.types == 0] for g in graphs], axis=1)
            if ya.shape[1] == 0:
                raise GlassmlError("no type-A (species 0) particles in the training samples; the loss is defined on them")
            self.target_mean = ya.mean(axis=1)
            self.target_std = np.where(ya.std(axis=1) > 0, ya.std(axis=1), 1.0)
            n_edges = sum(g.edge_index.shape[1] for g in graphs)
            self.graph_stats = {"avg_neighbours": n_edges / sum(g.n_nodes for g in graphs)}
        for g, s in zip(graphs, samples):
            if g.target.shape[0] != self.n_times:
                raise GlassmlError(f"target has {g.target.shape[0]} times but the training targets have {self.n_times}", s.path)
            if g.edge_vectors.shape[1] != self.dimension:
                raise GlassmlError(f"sample is {g.edge_vectors.shape[1]}-D but the model is {self.dimension}-D", s.path)
        self._standardise(graphs)
        self.prepare_edge_targets(graphs, samples, train)
        return graphs

    def _amp(self, device: torch.device) -> bool:
        """Mixed precision (float16 autocast + gradient scaling) only ever on CUDA."""
        amp = self.hp["amp"]
        if amp not in ("auto", "on", "off", True, False):
            raise GlassmlError(f"amp must be 'auto', 'on' or 'off', got {amp!r}")
        return device.type == "cuda" and amp in ("auto", "on", True)

    def fit(self, train: Sequence[Sample], val: Sequence[Sample], target: str = "md_prop") -> "GraphEstimator":
        if len(train) == 0:
            raise GlassmlError("no training samples")
        hp = self.hp
        torch.manual_seed(self.seed)
        device = resolve_device(hp["device"])
        use_amp = self._amp(device)
        self.target = target
        train_graphs = self._prepare(train, target, train=True)
        val_graphs = self._prepare(val, target, train=False) if len(val) else []
        self.net = self.build_network().to(device)
        optimiser = torch.optim.Adam(self.net.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"])
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        rng = np.random.default_rng(self.seed)
        start_epoch, best = 0, {"loss": math.inf, "epoch": -1, "state": None}
        self.history = []
        ckpt_path = Path(hp["checkpoint_dir"]) / CHECKPOINT_NAME if hp["checkpoint_dir"] else None
        if ckpt_path is not None and ckpt_path.exists():
            start_epoch, best, rng = self._load_checkpoint(ckpt_path, optimiser, scaler, device)
        self.info_.update(n_parameters=count_parameters(self.net), device=str(device), amp=use_amp, target=target)
        waited = 0 if best["epoch"] < 0 else start_epoch - 1 - best["epoch"]
        for epoch in range(start_epoch, hp["epochs"]):
            t0 = time.perf_counter()
            train_loss = self._run_epoch(train_graphs, optimiser, scaler, rng, device, use_amp, epoch)
            val_loss = self._evaluate(val_graphs, device, use_amp) if val_graphs else self._evaluate(train_graphs, device, use_amp)
            record = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "seconds": time.perf_counter() - t0}
            self.history.append(record)
            if hp["verbose"]:
                print(f"[{self.name}] epoch {epoch}: train {train_loss:.4f} val {val_loss:.4f} ({record['seconds']:.2f} s)", flush=True)
            if val_loss < best["loss"]:
                best = {"loss": val_loss, "epoch": epoch, "state": _cpu_state(self.net)}
                waited = 0
            else:
                waited += 1
            if ckpt_path is not None:
                self._save_checkpoint(ckpt_path, epoch, optimiser, scaler, rng, best)
            if hp["patience"] is not None and waited >= int(hp["patience"]):
                break
        if best["state"] is not None:
            self.net.load_state_dict(best["state"])
        self.info_.update(best_epoch=best["epoch"], best_val_loss=float(best["loss"]), epochs_run=len(self.history))
        self.info_["epoch_seconds"] = [round(r["seconds"], 4) for r in self.history]
        return self

    def _batches(self, graphs: list[Graph], rng: np.random.Generator | None) -> list[list[Graph]]:
        order = rng.permutation(len(graphs)) if rng is not None else np.arange(len(graphs))
        b = max(1, int(self.hp["batch_size"]))
        return [[graphs[k] for k in order[i : i + b]] for i in range(0, len(graphs), b)]

    def _run_epoch(self, graphs, optimiser, scaler, rng, device, use_amp, epoch) -> float:
        self.net.train()
        total, count = 0.0, 0
        for group in self._batches(graphs, rng):
            transforms = [random_cube_symmetry(rng, self.dimension) for _ in group] if self.hp["augment"] else None
            batch = collate(group, device, transforms=transforms)
            optimiser.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            loss = self.loss_terms(batch, node_pred.float(), None if edge_pred is None else edge_pred.float(), epoch)
            scaler.scale(loss).backward()
            if self.hp["grad_clip"]:
                scaler.unscale_(optimiser)
                torch.nn.utils.clip_grad_norm_(self.net.parameters(), float(self.hp["grad_clip"]))
            scaler.step(optimiser)
            scaler.update()
            total += float(loss.detach()) * len(group)
            count += len(group)
        return total / count

    @torch.no_grad()
    def _evaluate(self, graphs, device, use_amp) -> float:
        """Mean loss over ``graphs`` in evaluation mode (the full loss, whatever the epoch)."""
        self.net.eval()
        total, count = 0.0, 0
        for group in self._batches(graphs, None):
            batch = collate(group, device)
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            loss = self.loss_terms(batch, node_pred.float(), None if edge_pred is None else edge_pred.float(), None)
            total += float(loss) * len(group)
            count += len(group)
        return total / count

    # ------------------------------------------------------------------ checkpoints
    def _save_checkpoint(self, path: Path, epoch, optimiser, scaler, rng, best) -> None:
        state = {
            "epoch": epoch,
            "model": self.net.state_dict(),
            "optimiser": optimiser.state_dict(),
            "scaler": scaler.state_dict(),
            "rng": json.dumps(rng.bit_generator.state),
            "torch_rng": torch.get_rng_state(),
            "best_loss": best["loss"],
            "best_epoch": best["epoch"],
            "best_state": best["state"],
            "history": json.dumps(self.history),
            "fingerprint": self._fingerprint(),
        }
        buf = io.BytesIO()
        torch.save(state, buf)
        from glassml.store.npzio import atomic_write_bytes

        atomic_write_bytes(path, buf.getvalue())

    def _fingerprint(self) -> str:
        keep = {k: v for k, v in self.hp.items() if k not in ("epochs", "patience", "checkpoint_dir", "verbose", "device", "amp")}
        return json.dumps({"name": self.name, "seed": self.seed, "hp": keep, "target": self.target}, sort_keys=True, default=str)

    def _load_checkpoint(self, path: Path, optimiser, scaler, device):
        try:
            state = torch.load(path, map_location=device, weights_only=True)
        except Exception as exc:  # a file we did not write, or a truncated one
            raise GlassmlError(f"cannot read checkpoint ({exc}); delete it to start afresh", path) from None
        if state.get("fingerprint") != self._fingerprint():
            raise GlassmlError("checkpoint was written by a different model, seed or configuration; use another checkpoint_dir or delete it", path)
        self.net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["torch_rng"])
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads(state["rng"])
        self.history = json.loads(state["history"])
        best = {"loss": float(state["best_loss"]), "epoch": int(state["best_epoch"]), "state": state["best_state"]}
        if best["state"] is not None:
            best["state"] = {k: v.cpu() for k, v in best["state"].items()}
        return int(state["epoch"]) + 1, best, rng

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if self.net is None:
            raise GlassmlError(f"{type(self).__name__} is not fitted; call fit() or load() first")

    @torch.no_grad()
    def _raw_predict(self, samples: Sequence[Sample], rotations: Sequence[np.ndarray | None] | None = None) -> list[tuple[np.ndarray, Graph, np.ndarray | None]]:
        self._check_fitted()
        device = next(self.net.parameters()).device
        use_amp = self._amp(device)
        self.net.eval()
        out = []
        for k, s in enumerate(samples):
            g = self.sample_graph(s, None)
            if g.edge_vectors.shape[1] != self.dimension:
                raise GlassmlError(f"sample is {g.edge_vectors.shape[1]}-D but the model is {self.dimension}-D", s.path)
            batch = collate([g], device, transforms=None if rotations is None else [rotations[k]])
            with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
                node_pred, edge_pred = self.forward(batch)
            y = node_pred.double().cpu().numpy().T * self.target_std[:, None] + self.target_mean[:, None]
            e = None if edge_pred is None else edge_pred.double().cpu().numpy()
            out.append((y, g, e))
        return out

    def predict(self, samples: Sequence[Sample]) -> list[np.ndarray]:
        """One (T, N) prediction per sample, in the units of the training target."""
        return [y for y, _, _ in self._raw_predict(samples)]

    def rotation_sensitivity(self, samples: Sequence[Sample], n_rotations: int = 4, seed: int = 0) -> float:
        """How much a random rotation of the input changes the prediction: the root-mean-square
        change divided by the standard deviation of the prediction (type A, all times pooled).

        Zero for an exactly invariant model; Bapst's GNN and BOTAN see raw relative vectors and
        only learn the symmetry through augmentation.
        """
        rng = np.random.default_rng(seed)
        base = self.predict(samples)
        diffs, spread = [], []
        for _ in range(n_rotations):
            rots = [random_rotation(rng, self.dimension) for _ in samples]
            for (y, g, _), y0 in zip(self._raw_predict(samples, rots), base):
                a = g.types == 0
                diffs.append(((y - y0)[:, a] ** 2).ravel())
                spread.append(y0[:, a])
        pooled = np.concatenate([s.ravel() for s in spread])
        return float(np.sqrt(np.concatenate(diffs).mean()) / (pooled.std() or 1.0))

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, Any]:
        self._check_fitted()
        state: dict[str, Any] = {f"net.{k}": v.detach().cpu().numpy() for k, v in self.net.state_dict().items()}
        state.update(
            hp=self.hp, graph_stats=self.graph_stats, n_types=self.n_types, n_times=self.n_times, dimension=self.dimension, target=self.target, history=self.history,
            target_mean=np.asarray(self.target_mean), target_std=np.asarray(self.target_std),
            node_mean=np.asarray(self.node_mean), node_std=np.asarray(self.node_std),
        )
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        self.hp = dict(state["hp"])
        self.graph_stats = dict(state["graph_stats"])
        self.n_types, self.n_times, self.dimension = int(state["n_types"]), int(state["n_times"]), int(state["dimension"])
        self.target, self.history = state["target"], list(state["history"])
        self.target_mean, self.target_std = np.asarray(state["target_mean"]), np.asarray(state["target_std"])
        self.node_mean, self.node_std = np.asarray(state["node_mean"]), np.asarray(state["node_std"])
        device = resolve_device(self.hp["device"])
        net = self.build_network()
        sd = {k[4:]: torch.as_tensor(np.asarray(v)) for k, v in state.items() if k.startswith("net.")}
        net.load_state_dict(sd)
        self.net = net.to(device)

    def n_parameters(self) -> int:
        """Number of trainable parameters of the network (built if need be)."""
        return count_parameters(self.net if self.net is not None else self.build_network())


def _cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
