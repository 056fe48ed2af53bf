"""Force inference for active particles: a graph network trained on one-frame displacements.

After Ruiz-García, Barriuso Gutiérrez, Alexander, Aarts, Ghiringhelli and Valeriani,
*Discovering dynamic laws from observations: the case of self-propelled, interacting
colloids*, Phys. Rev. E 109, 064611 (2024) (ActiveNet).  Each frame is a graph whose nodes are
particles and whose edges join particles closer than a cutoff.  The network predicts each
particle's velocity over one frame interval,

    v_i = mu [F_a n_i + sum_j f(|r_ij|) rhat_ij],        dtheta_i/dt = omega,

with an edge network ``f`` (a multilayer perceptron of the distance alone, so each pair
force lies along ``rhat_ij`` and ``f_ij = -f_ji``: Newton's third law holds by
construction), a one-body active term along the orientation ``n_i`` and a torque head
``omega``.  It is trained by mean-square error against the observed ``Delta r / Delta t``
and ``Delta theta / Delta t`` (the Brownian noise has zero mean, so the loss is minimal at the
true drift); the epoch with the lowest loss on validation trajectories is kept (model
selection on trajectories never trained on).  The noise amplitudes follow from the
residuals: ``D_t = <|Delta r - v Delta t|^2> / (4 Delta t)`` and
``D_r = <(Delta theta - omega Delta t)^2> / (2 Delta t)``.

Only ``mu F`` is observable from positions; forces are reported in units of the given
``mobility`` (1 by default, as in the simulations here).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from glassml.active.tracks import Tracks
from glassml.errors import GlassmlError, require
from glassml.geometry import NeighborQuery
from glassml.progress import ProgressBar


@dataclass
class TransitionGraph:
    """One-frame transitions of a set of tracks as a batch of graphs (numpy).

    Nodes are (particle, frame) pairs seen in the frame and the next one; edges join a node
    to every particle closer than ``cutoff`` in the same frame (both directions are present).
    """

    velocity: np.ndarray  # (M, 2) Delta r / Delta t
    heading: np.ndarray  # (M, 2) n_i at the start of the interval
    spin: np.ndarray  # (M,) Delta theta / Delta t
    node_frame: np.ndarray  # (M,) graph (frame) index of each node
    node_next: np.ndarray  # (M,) the same particle's transition in the next frame, -1 if none
    edge_node: np.ndarray  # (E,) node the pair force acts on
    edge_vector: np.ndarray  # (E, 2) r_i - r_j
    edge_distance: np.ndarray  # (E,)
    edge_frame: np.ndarray  # (E,)
    dt: float
    cutoff: float

    @property
    def n_nodes(self) -> int:
        return int(self.velocity.shape[0])

    @property
    def n_graphs(self) -> int:
        return int(self.node_frame.max() + 1) if self.n_nodes else 0

    @staticmethod
    def concatenate(graphs: Sequence["TransitionGraph"]) -> "TransitionGraph":
        if not graphs:
            raise GlassmlError("no tracks to learn from")
        dts = np.array([g.dt for g in graphs])
        if np.any(np.abs(dts - dts[0]) > 0.01 * dts[0]):
            raise GlassmlError(f"tracks have different frame intervals ({dts.min():g} to {dts.max():g}); resample them to one rate")
        node_off, frame_off = 0, 0
        parts: dict[str, list] = {k: [] for k in ("velocity", "heading", "spin", "node_frame", "node_next", "edge_node",
                                                  "edge_vector", "edge_distance", "edge_frame")}
        for g in graphs:
            for k in ("velocity", "heading", "spin", "edge_vector", "edge_distance"):
                parts[k].append(getattr(g, k))
            parts["node_frame"].append(g.node_frame + frame_off)
            parts["edge_frame"].append(g.edge_frame + frame_off)
            parts["edge_node"].append(g.edge_node + node_off)
            parts["node_next"].append(np.where(g.node_next >= 0, g.node_next + node_off, -1))
            node_off += g.n_nodes
            frame_off += g.n_graphs
        return TransitionGraph(**{k: np.concatenate(v) for k, v in parts.items()}, dt=float(dts[0]), cutoff=graphs[0].cutoff)


def transition_graph(tracks: Tracks, cutoff: float) -> TransitionGraph:
    """The one-frame transitions of ``tracks`` with their neighbor graphs within ``cutoff``."""
    if not (np.isfinite(cutoff) and cutoff > 0):
        raise GlassmlError(f"cutoff must be positive, got {cutoff}")
    x, th = tracks.positions, tracks.orientations
    dt = tracks.frame_interval
    vel, head, spin, nframe = [], [], [], []
    enode, evec, edist, eframe = [], [], [], []
    node_off = 0
    nxt: list[np.ndarray] = []
    previous = np.full(tracks.n_particles, -1)  # node index of each particle's transition in the frame before
    previous_off = 0
    for t in range(tracks.n_frames - 1):
        seen = np.isfinite(th[t]) & np.all(np.isfinite(x[t]), axis=1)
        valid = seen & np.isfinite(th[t + 1]) & np.all(np.isfinite(x[t + 1]), axis=1)
        nodes = np.flatnonzero(valid)
        if nodes.size == 0:
            previous = np.full(tracks.n_particles, -1)
            continue
        node_index = np.full(tracks.n_particles, -1)
        node_index[nodes] = np.arange(nodes.size) + node_off
        linked = (previous >= 0) & (node_index >= 0)
        if linked.any():  # previous holds the nodes of the block appended last (reset after an empty frame)
            nxt[-1][previous[linked] - previous_off] = node_index[linked]
        nxt.append(np.full(nodes.size, -1))
        previous_off = node_off
        previous = node_index
        vel.append((x[t + 1, nodes] - x[t, nodes]) / dt)
        head.append(np.column_stack([np.cos(th[t, nodes]), np.sin(th[t, nodes])]))
        spin.append((th[t + 1, nodes] - th[t, nodes]) / dt)
        nframe.append(np.full(nodes.size, len(nframe)))
        present = np.flatnonzero(seen)
        i, j, vec, d = _pairs(x[t, present], tracks.box, cutoff)
        i, j = present[i], present[j]
        # vec = r_j - r_i: the force on i is along r_i - r_j = -vec, on j along +vec
        for a, sign in ((i, -1.0), (j, 1.0)):
            keep = node_index[a] >= 0
            enode.append(node_index[a[keep]])
            evec.append(sign * vec[keep])
            edist.append(d[keep])
            eframe.append(np.full(int(keep.sum()), len(nframe) - 1))
        node_off += nodes.size
    if not vel:
        raise GlassmlError("no particle is seen in two consecutive frames", tracks.source)
    cat = np.concatenate
    enode = cat(enode).astype(np.int64)
    order = np.argsort(enode, kind="stable")  # edges grouped by the node they act on
    return TransitionGraph(cat(vel), cat(head), cat(spin), cat(nframe), cat(nxt), enode[order], cat(evec).reshape(-1, 2)[order],
                           cat(edist)[order], cat(eframe)[order], dt, float(cutoff))


def _pairs(x: np.ndarray, box, cutoff: float):
    """Pairs within ``cutoff``: (i, j, r_j - r_i, distance); open edges when ``box`` is None."""
    if len(x) < 2:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros((0, 2)), np.zeros(0)
    if box is None:
        lo = x.min(axis=0)
        span = x.max(axis=0) - lo + 2 * cutoff + 1.0
        q = NeighborQuery(x - lo + cutoff, span, periodic=False)
    else:
        q = NeighborQuery(x, box)
    return q.half_pairs(cutoff, return_vectors=True, check_overlap=False)


def _torch():
    require("torch", "learn", purpose="active force inference")
    import torch

    return torch


def rbf_centres(r_min: float, cutoff: float, n_basis: int) -> tuple[np.ndarray, float]:
    """Centres and width of the Gaussian radial basis of the edge network on ``[r_min, cutoff]``."""
    centres = np.linspace(r_min, cutoff, n_basis)
    return centres, float(centres[1] - centres[0]) if n_basis > 1 else float(cutoff - r_min)


def rbf_features(r: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    """Gaussian radial basis ``exp(-((r - c_k) / w)^2)``, (len(r), K)."""
    return np.exp(-(((np.asarray(r)[:, None] - centres[None, :]) / width) ** 2))


def build_network(centres, width: float, hidden: int = 32, n_layers: int = 2, force_scale: float = 1.0):
    """The ActiveNet module: edge network ``f(r)``, active force ``F_a`` and torque head ``omega``.

    The edge network embeds the distance in a Gaussian radial basis (as SchNet does) and reads
    the force out through a linear layer plus a multilayer perceptron (``n_layers`` hidden
    layers of ``hidden`` SiLU units; ``n_layers = 0``: the linear read-out alone).  The MLP's
    last layer starts at zero, so the network starts from the linear read-out's warm start.
    """
    torch = _torch()
    nn = torch.nn

    class ActiveNet(nn.Module):
        """Velocity and spin of every node from its orientation and its neighbors' distances."""

        def __init__(self):
            super().__init__()
            self.register_buffer("centres", torch.as_tensor(np.asarray(centres), dtype=torch.float32))
            self.width = float(width)
            k = len(centres)
            self.linear = nn.Linear(k, 1, bias=False)
            layers: list[Any] = []
            w = k
            for _ in range(n_layers):
                layers += [nn.Linear(w, hidden), nn.SiLU()]
                w = hidden
            if n_layers:
                last = nn.Linear(w, 1)
                nn.init.zeros_(last.weight)
                nn.init.zeros_(last.bias)
                layers.append(last)
                self.mlp = nn.Sequential(*layers)
            else:
                self.mlp = None
            self.active_force = nn.Parameter(torch.zeros(()))
            self.omega = nn.Parameter(torch.zeros(()))
            self.force_scale = float(force_scale)

        def pair_force(self, r):
            """Radial pair force (positive: repulsive) at distances ``r``."""
            z = torch.exp(-(((r.unsqueeze(-1) - self.centres) / self.width) ** 2))
            out = self.linear(z)
            if self.mlp is not None:
                out = out + self.mlp(z)
            return out.squeeze(-1) * self.force_scale

        def forward(self, heading, edge_node, edge_vector, edge_distance, n_nodes: int):
            f = self.pair_force(edge_distance)
            contrib = (f / edge_distance).unsqueeze(-1) * edge_vector
            pair = torch.zeros((n_nodes, 2), dtype=heading.dtype).index_add_(0, edge_node, contrib)
            force = self.active_force * self.force_scale * heading + pair
            return force, self.omega * torch.ones(n_nodes, dtype=heading.dtype)

    return ActiveNet()


def _normal_equations(g: TransitionGraph, centres: np.ndarray, width: float, mobility: float, chunk: int = 200_000):
    """``A^T A`` and ``A^T b`` of the linear read-out problem ``v / mu = F_a n + sum_j w . phi(r_ij) rhat_ij``."""
    k = len(centres)
    ata = np.zeros((k + 1, k + 1))
    atb = np.zeros(k + 1)
    n0 = 0
    bounds = np.searchsorted(g.edge_node, np.arange(0, g.n_nodes + chunk, chunk))
    for c in range(len(bounds) - 1):
        n1 = min(n0 + chunk, g.n_nodes)
        if n0 >= n1:
            break
        e = slice(bounds[c], bounds[c + 1])
        feats = np.zeros((n1 - n0, 2, k + 1))
        feats[:, :, 0] = g.heading[n0:n1]
        unit = g.edge_vector[e] / g.edge_distance[e][:, None]
        phi = rbf_features(g.edge_distance[e], centres, width)
        local = g.edge_node[e] - n0  # sorted: sum each node's edges with reduceat
        if local.size:
            starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
            contrib = (unit[:, :, None] * phi[:, None, :]).reshape(len(local), -1)
            total = np.zeros((len(local) + 1, contrib.shape[1]))
            np.cumsum(contrib, axis=0, out=total[1:])
            ends = np.r_[starts[1:], len(local)]
            feats[local[starts], :, 1:] = (total[ends] - total[starts]).reshape(len(starts), 2, k)
        a = feats.reshape(-1, k + 1)
        ata += a.T @ a
        atb += a.T @ (g.velocity[n0:n1].reshape(-1) / mobility)
        n0 = n1
    return ata, atb


class ForceInference:
    """Learn the active force, the pair force, the spin and the noise of active particles from tracks.

    The ActiveNet of Ruiz-García et al., Phys. Rev. E 109, 064611 (2024) (see the module
    docstring).  Scikit-learn conventions: parameters in the constructor, :meth:`fit` returns
    the estimator, fitted attributes end in ``_``.

    Parameters
    ----------
    cutoff: edges join particles closer than this (choose it beyond the interaction range).
    n_basis: number of Gaussian radial basis functions of the edge network, or several
        candidates: the one whose least-squares read-out has the lowest validation loss is
        kept (with ``ridges``, the model selection of the warm start).
    hidden, n_layers: width and depth of the pair-force MLP.
    epochs: training epochs (passes over the training frames).
    batch_frames: frames per gradient step.
    learning_rate: Adam's learning rate (decayed by 10 over training).
    mobility: ``mu``; forces are the learnt velocities divided by it.
    localisation_noise: estimate D_t with the covariance of successive residuals (Vestergaard,
        Blainey and Flyvbjerg, PRE 89, 022726 (2014)), unbiased by static localisation error,
        and report that error in ``localisation_error_``.
    seed: seed of the initial weights and the batch order.

    Attributes
    ----------
    active_force_, omega_, translational_diffusion_, rotational_diffusion_: the recovered
        coefficients; each has a standard error in ``*_error_`` (from the residuals, for
        independent one-frame increments).
    distance_range_: (r_min, r_max) the pair distances the data sample (1st percentile to cutoff).
    n_basis_, ridge_: the basis size and ridge chosen; ``basis_scores_`` the validation score
        (loss up to a constant) of each candidate size.
    history_: per-epoch training and validation loss; ``best_epoch_`` the one kept.
    network_: the trained torch module.
    """

    def __init__(self, cutoff: float = 2.5, n_basis: int | Sequence[int] = (8, 16, 32), hidden: int = 32, n_layers: int = 2, epochs: int = 10,
                 batch_frames: int = 16, learning_rate: float = 1e-3, ridges: Sequence[float] = (1e-8, 1e-6, 1e-4, 1e-2),
                 mobility: float = 1.0, localisation_noise: bool = False, seed: int = 0):
        self.cutoff = cutoff
        self.n_basis = n_basis
        self.hidden = hidden
        self.n_layers = n_layers
        self.epochs = epochs
        self.batch_frames = batch_frames
        self.learning_rate = learning_rate
        self.ridges = ridges
        self.mobility = mobility
        self.localisation_noise = localisation_noise
        self.seed = seed

    _PARAMS = ("cutoff", "n_basis", "hidden", "n_layers", "epochs", "batch_frames", "learning_rate", "ridges", "mobility",
               "localisation_noise", "seed")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> "ForceInference":
        for k, v in params.items():
            if k not in self._PARAMS:
                raise GlassmlError(f"ForceInference has no parameter {k!r}")
            setattr(self, k, v)
        return self

    # ------------------------------------------------------------------ data
    def _graph(self, tracks) -> TransitionGraph:
        items = [tracks] if isinstance(tracks, (Tracks, TransitionGraph)) else list(tracks)
        graphs = [t if isinstance(t, TransitionGraph) else transition_graph(t, self.cutoff) for t in items]
        return TransitionGraph.concatenate(graphs)

    @staticmethod
    def _tensors(g: TransitionGraph, torch):
        as_t = lambda a, dt=torch.float32: torch.as_tensor(np.ascontiguousarray(a), dtype=dt)  # noqa: E731
        return {"velocity": as_t(g.velocity), "heading": as_t(g.heading), "spin": as_t(g.spin),
                "edge_node": as_t(g.edge_node, torch.int64), "edge_vector": as_t(g.edge_vector),
                "edge_distance": as_t(g.edge_distance)}

    def _loss(self, net, data, nodes: slice, edges: slice, spin_weight: float):
        """Mean-square velocity error plus weighted spin error over a contiguous batch of frames."""
        local = data["edge_node"][edges] - nodes.start
        force, spin = net(data["heading"][nodes], local, data["edge_vector"][edges], data["edge_distance"][edges],
                          nodes.stop - nodes.start)
        err_v = ((self.mobility * force - data["velocity"][nodes]) ** 2).sum(-1).mean()
        err_s = ((spin - data["spin"][nodes]) ** 2).mean()
        return err_v + spin_weight * err_s

    def _warm_start(self, g: TransitionGraph, gv: TransitionGraph | None, centres, width) -> tuple[np.ndarray, float, float]:
        """Least-squares linear read-out, the ridge chosen on the validation frames; (coefficients,
        ridge, validation score: the validation loss up to a constant)."""
        ata, atb = _normal_equations(g, centres, width, self.mobility)
        if gv is not None:
            vta, vtb = _normal_equations(gv, centres, width, self.mobility)
        scale = np.trace(ata) / len(atb)
        best, best_x, best_ridge = np.inf, None, None
        for ridge in self.ridges:
            reg = ridge * scale * np.eye(len(atb))
            reg[0, 0] = 0.0  # the active force is not shrunk
            try:
                x = np.linalg.solve(ata + reg, atb)
            except np.linalg.LinAlgError:
                continue
            m, mb = (vta, vtb) if gv is not None else (ata, atb)
            score = float(x @ m @ x - 2 * x @ mb)  # validation loss up to a constant
            if score < best:
                best, best_x, best_ridge = score, x, float(ridge)
        if best_x is None:
            raise GlassmlError("the pair-force basis is degenerate on these tracks; use a smaller n_basis or more frames")
        return best_x, best_ridge, best

    # ------------------------------------------------------------------ fit
    def fit(self, tracks, validation=None, *, show_progress: bool = False) -> "ForceInference":
        """Train on ``tracks`` (a :class:`Tracks`, a list of them, or a :class:`TransitionGraph`);
        select the basis size and ridge of the warm start and the training epoch by the loss on
        ``validation`` (else on the training data, which favours the largest basis)."""
        torch = _torch()
        if not (self.mobility > 0):
            raise GlassmlError(f"mobility must be positive, got {self.mobility}")
        sizes = [int(self.n_basis)] if np.isscalar(self.n_basis) else [int(k) for k in self.n_basis]
        if not sizes or min(sizes) < 2:
            raise GlassmlError(f"n_basis must be at least 2 (or a list of such sizes), got {self.n_basis}")
        g = self._graph(tracks)
        gv = self._graph(validation) if validation is not None else None
        if g.edge_distance.size == 0:
            raise GlassmlError(f"no two particles come closer than the cutoff {self.cutoff}: there is no pair force to learn")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        r_min = float(np.min(g.edge_distance))
        best_score = np.inf
        self.basis_scores_ = {}
        for size in sizes:  # the basis size, like the ridge, is chosen on the validation trajectories
            c, w = rbf_centres(r_min, float(self.cutoff), size)
            x, ridge, score = self._warm_start(g, gv, c, w)
            self.basis_scores_[size] = score
            if score < best_score:
                best_score, coef, self.ridge_, centres, width, self.n_basis_ = score, x, ridge, c, w, size
        force_scale = max(float(np.max(np.abs(coef))), 1e-12)
        net = build_network(centres, width, self.hidden, self.n_layers, force_scale)
        with torch.no_grad():
            net.active_force.fill_(coef[0] / force_scale)
            net.linear.weight.copy_(torch.as_tensor(coef[1:] / force_scale, dtype=torch.float32)[None])
            net.omega.fill_(float(np.mean(g.spin)))
        spin_weight = float(np.var(g.velocity) / max(np.var(g.spin), 1e-300))
        data = self._tensors(g, torch)
        vdata = self._tensors(gv, torch) if gv is not None else None
        vall = (slice(0, gv.n_nodes), slice(0, len(gv.edge_node))) if gv is not None else None
        params = [p for n, p in net.named_parameters() if n != "omega"]
        opt = torch.optim.Adam(params, lr=self.learning_rate)
        # nodes and edges are stored frame by frame: a batch is a contiguous run of frames
        cuts = np.arange(0, g.n_graphs, max(1, int(self.batch_frames)))
        node_bounds = np.append(np.searchsorted(g.node_frame, cuts), g.n_nodes)
        edge_bounds = np.append(np.searchsorted(g.edge_frame, cuts), len(g.edge_node))
        n_batches = len(cuts)

        def evaluate() -> dict[str, float]:
            with torch.no_grad():
                rec = {"train": float(self._loss(net, data, slice(0, g.n_nodes), slice(0, len(g.edge_node)), spin_weight))}
                if vdata is not None:
                    rec["val"] = float(self._loss(net, vdata, *vall, spin_weight))
            return rec

        history = [{"epoch": 0, **evaluate()}]
        best = history[0].get("val", history[0]["train"])
        best_state, best_epoch = copy.deepcopy(net.state_dict()), 0
        start = time.perf_counter()
        with ProgressBar(show_progress, self.epochs, "active force inference") as bar:
            for epoch in range(1, int(self.epochs) + 1):
                for b in rng.permutation(n_batches):
                    nodes = slice(int(node_bounds[b]), int(node_bounds[b + 1]))
                    edges = slice(int(edge_bounds[b]), int(edge_bounds[b + 1]))
                    if nodes.stop == nodes.start:
                        continue
                    opt.zero_grad()
                    loss = self._loss(net, data, nodes, edges, spin_weight)
                    loss.backward()
                    opt.step()
                rec = {"epoch": epoch, **evaluate()}
                history.append(rec)
                score = rec.get("val", rec["train"])
                if score < best:
                    best, best_epoch = score, epoch
                    best_state = copy.deepcopy(net.state_dict())
                bar.advance()
        self.train_seconds_ = time.perf_counter() - start
        self.seconds_per_epoch_ = self.train_seconds_ / max(int(self.epochs), 1)
        net.load_state_dict(best_state)
        self.network_ = net.eval()
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.frame_interval_ = g.dt
        self._coefficients(g)
        d = g.edge_distance
        self.distance_range_ = (float(np.percentile(d, 1.0)), float(self.cutoff))
        self.pair_distances_ = np.asarray(d[:: max(1, d.size // 200000)])
        return self

    def _predict_graph(self, g: TransitionGraph) -> tuple[np.ndarray, np.ndarray]:
        torch = _torch()
        data = self._tensors(g, torch)
        with torch.no_grad():
            force, spin = self.network_(data["heading"], data["edge_node"], data["edge_vector"], data["edge_distance"], g.n_nodes)
        return self.mobility * force.numpy(), spin.numpy()

    def _coefficients(self, g: TransitionGraph) -> None:
        v, _ = self._predict_graph(g)
        dt = g.dt
        res = (g.velocity - v) * dt  # displacement residuals
        m = g.n_nodes
        self.active_force_ = float(self.network_.active_force.detach()) * self.network_.force_scale
        msd1 = float(np.mean(np.sum(res**2, axis=1)))
        self.translational_diffusion_ = msd1 / (4 * dt)
        self.localisation_error_ = 0.0
        if self.localisation_noise:
            # Vestergaard, Blainey and Flyvbjerg, PRE 89, 022726 (2014): successive increments of one
            # particle share its localisation error, <res_n . res_n+1> = -2 sigma^2 (two axes)
            linked = np.flatnonzero(g.node_next >= 0)
            if linked.size == 0:
                raise GlassmlError("the localisation-noise correction needs particles seen in three successive frames")
            cov = float(np.mean(np.sum(res[linked] * res[g.node_next[linked]], axis=1)))
            self.translational_diffusion_ = (msd1 + 2 * cov) / (4 * dt)
            self.localisation_error_ = float(np.sqrt(max(-cov / 2, 0.0)))
        along = np.sum(res * g.heading, axis=1) / dt
        self.active_force_error_ = float(np.std(along) / np.sqrt(m) / self.mobility)
        self.translational_diffusion_error_ = self.translational_diffusion_ / np.sqrt(m) * (np.sqrt(3.0) if self.localisation_noise else 1.0)
        rot = spin_estimates(g.spin, dt)  # the torque head is the constant mean spin: the same estimates
        for name in ("omega", "rotational_diffusion"):
            setattr(self, name + "_", rot[name])
            setattr(self, name + "_error_", rot[name + "_error"])

    # ------------------------------------------------------------------ results
    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise GlassmlError("ForceInference is not fitted yet: call fit(tracks) first")

    def pair_force(self, r) -> np.ndarray:
        """The learnt radial pair force ``f(r)`` (positive: repulsive) at distances ``r``."""
        self._check_fitted()
        torch = _torch()
        r = np.asarray(r, dtype=float)
        with torch.no_grad():
            return self.network_.pair_force(torch.as_tensor(r, dtype=torch.float32)).numpy() / self.mobility

    def predict(self, tracks) -> tuple[np.ndarray, np.ndarray]:
        """Predicted velocities (M, 2) and spins (M,) of every transition of ``tracks``."""
        self._check_fitted()
        return self._predict_graph(self._graph(tracks))

    def coefficients(self) -> dict[str, dict[str, float]]:
        """``{name: {"value": ..., "error": ...}}`` for F_a, omega, D_t and D_r."""
        self._check_fitted()
        out = {}
        for name in ("active_force", "omega", "translational_diffusion", "rotational_diffusion"):
            out[name] = {"value": getattr(self, name + "_"), "error": getattr(self, name + "_error_")}
        return out

    def save(self, path) -> None:
        """Write the fitted network and coefficients to ``path`` (a torch file, atomically)."""
        self._check_fitted()
        torch = _torch()
        import io

        from glassml.store.npzio import atomic_write_bytes

        buf = io.BytesIO()
        state = {"params": self.get_params(), "state": self.network_.state_dict(), "width": self.network_.width,
                 "centres": self.network_.centres.numpy(), "ridge": self.ridge_, "basis_scores": self.basis_scores_,
                 "localisation_error": self.localisation_error_,
                 "force_scale": self.network_.force_scale, "frame_interval": self.frame_interval_,
                 "coefficients": self.coefficients(), "distance_range": list(self.distance_range_),
                 "history": self.history_, "best_epoch": self.best_epoch_, "pair_distances": self.pair_distances_}
        torch.save(state, buf)
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path) -> "ForceInference":
        """Read an estimator written by :meth:`save`."""
        torch = _torch()
        try:
            state = torch.load(path, weights_only=False)
        except (OSError, RuntimeError, EOFError) as exc:
            raise GlassmlError(f"not a saved force-inference model ({exc})", path) from None
        est = cls(**state["params"])
        net = build_network(state["centres"], state["width"], est.hidden, est.n_layers, state["force_scale"])
        net.load_state_dict(state["state"])
        est.network_ = net.eval()
        est.frame_interval_ = state["frame_interval"]
        est.ridge_ = state["ridge"]
        est.n_basis_ = len(state["centres"])
        est.basis_scores_ = state.get("basis_scores", {})
        est.localisation_error_ = state["localisation_error"]
        for name, rec in state["coefficients"].items():
            setattr(est, name + "_", rec["value"])
            setattr(est, name + "_error_", rec["error"])
        est.distance_range_ = tuple(state["distance_range"])
        est.history_ = state["history"]
        est.best_epoch_ = state["best_epoch"]
        est.pair_distances_ = state["pair_distances"]
        return est


def spin_estimates(spin: np.ndarray, dt: float) -> dict[str, float]:
    """``omega``, ``D_r`` and their standard errors from one-frame angular velocities ``Delta theta / Delta t``.

    ``omega`` is the mean spin (the maximum-likelihood drift of a rotational Brownian motion:
    only the total turn and the total time observed matter, so its standard error is
    ``sqrt(2 D_r / (N T))`` for N particles followed for T, whatever the frame interval);
    ``D_r = <(Delta theta - omega Delta t)^2> / (2 Delta t)`` with error ``D_r sqrt(2 / M)`` for M
    transitions.  :class:`ForceInference`'s torque head is this constant.
    """
    spin = np.asarray(spin, dtype=float).ravel()
    m = spin.size
    if m == 0:
        raise GlassmlError("no orientation is seen in two consecutive frames")
    omega = float(np.mean(spin))
    dr = float(np.mean(((spin - omega) * dt) ** 2) / (2 * dt))
    return {"omega": omega, "omega_error": float(np.std(spin) / np.sqrt(m)), "rotational_diffusion": dr,
            "rotational_diffusion_error": dr * float(np.sqrt(2.0 / m))}


def rotational_estimates(tracks) -> dict[str, float]:
    """:func:`spin_estimates` of a :class:`Tracks` (or a list of them, one frame interval), from the
    orientations alone: what :class:`ForceInference` reports for ``omega`` and ``D_r`` on the same
    tracks, without building the neighbor graphs (cheap on long runs)."""
    items = [tracks] if isinstance(tracks, Tracks) else list(tracks)
    if not items:
        raise GlassmlError("no tracks")
    dt = items[0].frame_interval
    if any(abs(t.frame_interval - dt) > 0.01 * dt for t in items):
        raise GlassmlError("tracks have different frame intervals; resample them to one rate")
    spins = []
    for t in items:
        th, x = t.orientations, t.positions
        seen = np.isfinite(th) & np.all(np.isfinite(x), axis=-1)
        both = seen[:-1] & seen[1:]
        spins.append(((th[1:] - th[:-1]) / t.frame_interval)[both])
    return spin_estimates(np.concatenate(spins), dt)


def relative_l2(learnt, true) -> float:
    """``||learnt - true|| / ||true||`` over the given samples."""
    learnt, true = np.asarray(learnt, dtype=float), np.asarray(true, dtype=float)
    return float(np.linalg.norm(learnt - true) / np.linalg.norm(true))


def pair_force_error(estimator: ForceInference, law, n_points: int = 200, r_min: float | None = None) -> float:
    """Relative L2 distance between the learnt and the true pair force over the sampled range
    ``[r_min, min(cutoff, law cutoff)]`` (``r_min``: the 1st percentile of sampled distances)."""
    lo = estimator.distance_range_[0] if r_min is None else r_min
    hi = min(estimator.cutoff, law.cutoff)
    r = np.linspace(lo, hi, n_points, endpoint=False)
    return relative_l2(estimator.pair_force(r), law.force(r))
