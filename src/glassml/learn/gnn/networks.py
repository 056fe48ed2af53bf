"""The torch networks behind the graph learners.

- :class:`EncodeProcessDecode`: the graph network of Bapst et al., "Unveiling the predictive
  power of static structure in glassy systems", Nat. Phys. 16, 448 (2020), with the optional edge
  decoder of BOTAN (Shiba, Hanai, Suzumura, Shimokawabe, J. Chem. Phys. 158, 084503 (2023)).
- :class:`EquivariantNet`: a rotation-equivariant network in the spirit of Pezzicoli, Charpiat
  and Landes, "Rotation-equivariant graph neural networks for learning glassy liquids
  representations", SciPost Phys. 16, 136 (2024): spherical-harmonic edge attributes,
  tensor-product convolutions with radial weights (e3nn), invariant read-out, one head per time.

Aggregation is a sum over incoming edges (:class:`Incidence`: sparse sums on a CPU, ``index_add_``
elsewhere), so permuting particles permutes the output and nothing else.  :class:`GraphNorm` normalises over
the nodes of each graph, after Cai et al., "GraphNorm: a principled approach to accelerating
graph neural network training", ICML 2021.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import torch
from torch import nn

from glassml.errors import require


def scatter_sum(values: torch.Tensor, index: torch.Tensor, n: int) -> torch.Tensor:
    """Sum rows of ``values`` (E, F) into ``n`` buckets given by ``index`` (E,)."""
    out = torch.zeros((n,) + values.shape[1:], dtype=values.dtype, device=values.device)
    return out.index_add_(0, index, values)


def sum_matrix(index: torch.Tensor, n: int, order: torch.Tensor | None = None) -> torch.Tensor:
    """The sparse (n, E) CSR matrix ``S`` with ``S[index[e], e] = 1``, so that ``S @ v`` sums the
    rows of ``v`` (E, F) into their buckets.  ``order`` is ``argsort(index)`` (stable) when known."""
    if order is None:
        order = torch.argsort(index, stable=True)
    crow = torch.zeros(n + 1, dtype=torch.int64, device=index.device)
    crow[1:] = torch.cumsum(torch.bincount(index, minlength=n), 0)
    values = torch.ones(index.shape[0], device=index.device)
    with warnings.catch_warnings():  # "sparse CSR support is in beta": the product used here is stable
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, order, values, size=(n, index.shape[0]), check_invariants=False)


class _SumInto(torch.autograd.Function):
    """``S @ values`` forward, ``grad[index]`` backward."""

    @staticmethod
    def forward(ctx, values, index, matrix):  # type: ignore[override]
        ctx.save_for_backward(index)
        return torch.sparse.mm(matrix, values)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        (index,) = ctx.saved_tensors
        return grad.index_select(0, index), None, None


class _Gather(torch.autograd.Function):
    """``x[index]`` forward, ``S @ grad`` backward."""

    @staticmethod
    def forward(ctx, x, index, matrix):  # type: ignore[override]
        ctx.matrix = matrix
        return x.index_select(0, index)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        return torch.sparse.mm(ctx.matrix, grad.contiguous()), None, None


class Incidence:
    """Which node each edge leaves (``sender``) and enters (``receiver``), with the sums and
    gathers message passing needs.

    On a CPU the sums over edges are products with sparse CSR matrices, which read the edge rows
    in order (when edges are sorted by receiver, as :func:`glassml.learn.gnn.graphs.neighbor_graph`
    returns them) instead of scattering them one by one; a gather's gradient is such a sum.
    On other devices they are ``index_add_`` and ``index_select``.  Both give the same numbers
    up to the order of floating-point additions.
    """

    def __init__(self, edge_index: torch.Tensor, n_nodes: int, *, receiver_order: torch.Tensor | None = None,
                 sender_order: torch.Tensor | None = None):
        self.sender = edge_index[0].contiguous()
        self.receiver = edge_index[1].contiguous()
        self.n_nodes = int(n_nodes)
        self.sparse = self.sender.device.type == "cpu"
        self._orders = {"receiver": receiver_order, "sender": sender_order}
        self._matrices: dict[tuple[str, torch.dtype], torch.Tensor] = {}

    def _matrix(self, side: str, dtype: torch.dtype) -> torch.Tensor:
        key = (side, dtype)
        if key not in self._matrices:
            m = sum_matrix(getattr(self, side), self.n_nodes, self._orders[side])
            self._matrices[key] = m if dtype == m.dtype else m.to(dtype)
        return self._matrices[key]

    def sum_at_receivers(self, values: torch.Tensor) -> torch.Tensor:
        """(N, F): the sum of the rows of ``values`` (E, F) over the edges entering each node."""
        if not self.sparse:
            return scatter_sum(values, self.receiver, self.n_nodes)
        return _SumInto.apply(values.contiguous(), self.receiver, self._matrix("receiver", values.dtype))

    def at_receivers(self, x: torch.Tensor) -> torch.Tensor:
        """(E, F): each edge's row of the node array ``x`` at its receiver."""
        return _Gather.apply(x, self.receiver, self._matrix("receiver", x.dtype)) if self.sparse else x.index_select(0, self.receiver)

    def at_senders(self, x: torch.Tensor) -> torch.Tensor:
        """(E, F): each edge's row of the node array ``x`` at its sender."""
        return _Gather.apply(x, self.sender, self._matrix("sender", x.dtype)) if self.sparse else x.index_select(0, self.sender)


def distance_basis(r: torch.Tensor, cutoff: float, n: int) -> torch.Tensor:
    """``n`` Gaussians of the distance ``r`` (E,), centred on 0 ... ``cutoff``, width the spacing: (E, n)."""
    centers = torch.linspace(0.0, cutoff, n, device=r.device, dtype=r.dtype)
    width = cutoff / max(n - 1, 1)
    return torch.exp(-0.5 * ((r[:, None] - centers) / width) ** 2)


class GraphNorm(nn.Module):
    """Centre and scale each channel over the nodes of each graph, then a learnt affine map.

    The statistics are those of the graph a node belongs to (``graph_index``), in training and
    evaluation alike, so a prediction never depends on the other graphs of a batch.  Summed
    messages differ from node to node by a few per cent of their mean (density fluctuations of a
    liquid); without this the network starts near a constant output and stays there for
    hundreds of steps.
    """

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, graph_index: torch.Tensor, n_graphs: int) -> torch.Tensor:
        count = scatter_sum(torch.ones_like(x[:, :1]), graph_index, n_graphs)
        mean = scatter_sum(x, graph_index, n_graphs) / count
        centred = x - mean.index_select(0, graph_index)
        var = scatter_sum(centred * centred, graph_index, n_graphs) / count
        return centred * torch.rsqrt(var + self.eps).index_select(0, graph_index) * self.weight + self.bias


class MLP(nn.Sequential):
    """Linear layers with ReLU between them (and after the last if ``activate_final``)."""

    def __init__(self, n_in: int, sizes: Sequence[int], activate_final: bool = True):
        layers: list[nn.Module] = []
        for k, n_out in enumerate(sizes):
            layers.append(nn.Linear(n_in, n_out))
            if k < len(sizes) - 1 or activate_final:
                layers.append(nn.ReLU())
            n_in = n_out
        super().__init__(*layers)


class EncodeProcessDecode(nn.Module):
    """Bapst et al.'s graph network (encode, process n_steps times with skip input, decode).

    - Encoder: independent MLPs on node features (one-hot species plus extra scalars) and on
      edge features (relative vectors), each of sizes ``mlp_sizes`` (paper: 64, 64).
    - Core, shared across the ``n_steps`` recurrences (paper: 7): its input at every step is
      the current latent graph concatenated with the encoded one.  Edge update
      ``e' = MLP([e, h_receiver, h_sender])``; node update ``h' = MLP([sum of incoming e', h])``.
    - Node decoder MLP ``mlp_sizes + (n_out,)``: one output per time (multi-head) where the
      paper trained one network per time.
    - Edge decoder (BOTAN) MLP ``mlp_sizes + (n_edge_out,)`` on the final edge latents.
    """

    def __init__(self, n_node_in: int, n_edge_in: int, n_out: int, *, mlp_sizes: Sequence[int] = (64, 64), n_steps: int = 7,
                 n_edge_out: int = 0, message_scale: float = 1.0, norm: str = "none"):
        super().__init__()
        h = int(mlp_sizes[-1])
        self.latent = h
        self.n_steps = int(n_steps)
        self.message_scale = float(message_scale)
        self.node_encoder = MLP(n_node_in, mlp_sizes)
        self.edge_encoder = MLP(n_edge_in, mlp_sizes)
        self.edge_core = MLP(3 * 2 * h, mlp_sizes)
        self.node_core = MLP(h + 2 * h, mlp_sizes)
        self.node_decoder = MLP(h, tuple(mlp_sizes) + (n_out,), activate_final=False)
        self.edge_decoder = MLP(h, tuple(mlp_sizes) + (n_edge_out,), activate_final=False) if n_edge_out else None
        if norm not in ("none", "graph"):
            raise ValueError(f"norm must be 'none' or 'graph', got {norm!r}")
        # normalisation of the summed messages over the nodes of each graph, one per step
        self.message_norms = nn.ModuleList([GraphNorm(h) for _ in range(self.n_steps)]) if norm == "graph" else None

    def _normalise(self, summed: torch.Tensor, step: int, graph_index: torch.Tensor | None) -> torch.Tensor:
        """The summed messages of ``step`` scaled, then normalised per graph with ``norm="graph"``."""
        agg = summed * self.message_scale
        if self.message_norms is None:
            return agg
        n = agg.shape[0]
        if graph_index is None:
            graph_index = torch.zeros(n, dtype=torch.long, device=agg.device)
        return self.message_norms[step](agg, graph_index, int(graph_index.max()) + 1 if n else 1)

    def forward(self, nodes: torch.Tensor, edges: torch.Tensor, edge_index: torch.Tensor,
                graph_index: torch.Tensor | None = None, incidence: Incidence | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Node (N, n_out) and edge (E, n_edge_out) outputs (``incidence``: that of ``edge_index``,
        built here when not given).

        The first layer of the edge core acts on ``[e, e0, hc_receiver, hc_sender]``; it is
        applied piece by piece, ``W_e e + W_0 e0 + (W_r hc)[receiver] + (W_s hc)[sender]``, so
        the node terms are computed once per node and gathered, not once per edge, and the
        (E, 6h) concatenation is never built.  The result equals :meth:`forward_reference`
        to float rounding.
        """
        inc = incidence if incidence is not None else Incidence(edge_index, nodes.shape[0])
        h = self.latent
        h0 = self.node_encoder(nodes)
        e0 = self.edge_encoder(edges)
        first = self.edge_core[0]
        w_e, w_0, w_r, w_s = first.weight.split([h, h, 2 * h, 2 * h], dim=1)
        e0_term = torch.nn.functional.linear(e0, w_0, first.bias)
        h, e = h0, e0
        for step in range(self.n_steps):
            hc = torch.cat([h, h0], dim=-1)
            node_terms = torch.nn.functional.linear(hc, torch.cat([w_r, w_s], dim=0))
            to_r, to_s = node_terms.chunk(2, dim=1)
            z = torch.addmm(e0_term, e, w_e.t()) + inc.at_receivers(to_r) + inc.at_senders(to_s)
            for layer in list(self.edge_core)[1:]:
                z = layer(z)
            e = z
            h = self.node_core(torch.cat([self._normalise(inc.sum_at_receivers(e), step, graph_index), hc], dim=-1))
        node_out = self.node_decoder(h)
        edge_out = self.edge_decoder(e) if self.edge_decoder is not None else None
        return node_out, edge_out

    def forward_reference(self, nodes: torch.Tensor, edges: torch.Tensor, edge_index: torch.Tensor,
                          graph_index: torch.Tensor | None = None, incidence: Incidence | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The same function computed the direct way (one (E, 6h) concatenation per step, gathers
        by indexing and sums by ``index_add_``; ``incidence`` is ignored); kept to check
        :meth:`forward` and to time it against."""
        sender, receiver = edge_index[0], edge_index[1]
        n = nodes.shape[0]
        h0 = self.node_encoder(nodes)
        e0 = self.edge_encoder(edges)
        h, e = h0, e0
        for step in range(self.n_steps):
            hc = torch.cat([h, h0], dim=-1)
            ec = torch.cat([e, e0], dim=-1)
            e = self.edge_core(torch.cat([ec, hc[receiver], hc[sender]], dim=-1))
            h = self.node_core(torch.cat([self._normalise(scatter_sum(e, receiver, n), step, graph_index), hc], dim=-1))
        node_out = self.node_decoder(h)
        edge_out = self.edge_decoder(e) if self.edge_decoder is not None else None
        return node_out, edge_out


class EquivariantNet(nn.Module):
    """SE(3)-equivariant message passing (e3nn) with invariant per-time outputs.

    Each layer: ``h_i <- Gate(Linear(sum_j TP(h_j, Y(r_ij); R(|r_ij|)) / sqrt(z)) + SelfLinear(h_i))``
    where ``Y`` are spherical harmonics up to ``lmax``, ``R`` an MLP on a Gaussian radial basis
    with a smooth cutoff (per-edge tensor-product weights), ``z`` the mean number of neighbors,
    and the gate multiplies each l > 0 feature by a sigmoid of a learned scalar.  The read-out
    MLP sees only the scalar (l = 0) channels of the last layer, so predictions are invariant
    under rotations, reflections and translations.  Inputs are the species (one-hot) and
    optional per-particle scalars such as the local potential energy, as in Pezzicoli et al.,
    followed by ``n_vector_in`` per-particle vectors (3 components each), which rotate with the
    configuration.
    """

    def __init__(
        self,
        n_node_in: int,
        n_out: int,
        *,
        n_vector_in: int = 0,
        cutoff: float = 2.0,
        lmax: int = 2,
        scalars: int = 16,
        vectors: int = 8,
        n_layers: int = 4,
        n_basis: int = 10,
        radial_hidden: int = 16,
        head_sizes: Sequence[int] = (32,),
        avg_neighbors: float = 40.0,
        norm: str = "none",
        reference_spread: float | None = None,
    ):
        super().__init__()
        require("e3nn", "learn", purpose="the SE(3) graph learner")
        from e3nn import o3
        from e3nn.nn import BatchNorm, FullyConnectedNet, Gate

        self.cutoff = float(cutoff)
        self.n_basis = int(n_basis)
        self.lmax = int(lmax)
        self.avg_neighbors = float(avg_neighbors)
        # with a reference spread, each edge also carries the pair's vector in the reference
        # positions, seen by the radial MLPs through invariants only (see edge_scalars)
        self.reference_spread = None if reference_spread is None else float(reference_spread)
        n_radial_in = self.n_basis if self.reference_spread is None else 2 * self.n_basis + 2
        self.irreps_sh = o3.Irreps.spherical_harmonics(self.lmax)
        self.sh = o3.SphericalHarmonics(self.irreps_sh, normalize=True, normalization="component")
        # scalar inputs, then n_vector_in polar vectors (l = 1, odd), e.g. a displacement
        irreps_in = o3.Irreps(f"{n_node_in}x0e" + (f" + {n_vector_in}x1o" if n_vector_in else ""))
        gated = o3.Irreps([(vectors, (l, (-1) ** l)) for l in range(1, self.lmax + 1)])
        act_scalars = o3.Irreps(f"{scalars}x0e")
        self.self_links = nn.ModuleList()
        self.radials = nn.ModuleList()
        self.tps = nn.ModuleList()
        self.linears = nn.ModuleList()
        self.gates = nn.ModuleList()
        if norm not in ("none", "batch"):
            raise ValueError(f"norm must be 'none' or 'batch', got {norm!r}")
        # equivariant batch normalisation of the aggregated messages (e3nn): scalars centred and
        # scaled over the nodes of the batch, l > 0 features scaled by their mean norm
        self.norms = nn.ModuleList() if norm == "batch" else None
        irreps = irreps_in
        for _ in range(int(n_layers)):
            gate = Gate(act_scalars, [torch.nn.functional.silu], o3.Irreps(f"{gated.num_irreps}x0e"), [torch.sigmoid], gated)
            # uvu tensor product: each input channel times each harmonic, weights from the radial MLP
            irreps_mid, instructions = [], []
            for i, (mul, ir_in) in enumerate(irreps):
                for j, (_, ir_sh) in enumerate(self.irreps_sh):
                    for ir_out in ir_in * ir_sh:
                        if ir_out in gate.irreps_in:
                            k = len(irreps_mid)
                            irreps_mid.append((mul, ir_out))
                            instructions.append((i, j, k, "uvu", True))
            irreps_mid = o3.Irreps(irreps_mid)
            tp = o3.TensorProduct(irreps, self.irreps_sh, irreps_mid, instructions, shared_weights=False, internal_weights=False)
            self.tps.append(tp)
            self.radials.append(FullyConnectedNet([n_radial_in, radial_hidden, tp.weight_numel], torch.nn.functional.silu))
            self.linears.append(o3.Linear(irreps_mid, gate.irreps_in))
            self.self_links.append(o3.Linear(irreps, gate.irreps_in))
            self.gates.append(gate)
            if self.norms is not None:
                self.norms.append(BatchNorm(gate.irreps_in))
            irreps = gate.irreps_out
        self.irreps_out = irreps
        n_scalar_out = sum(mul for mul, ir in irreps if ir.l == 0 and ir.p == 1)
        self.head = MLP(n_scalar_out, tuple(head_sizes) + (n_out,), activate_final=False)

    def envelope(self, r: torch.Tensor) -> torch.Tensor:
        """A smooth factor, 1 at r = 0 and vanishing with its slope at the cutoff."""
        x = (r / self.cutoff).clamp(max=1.0)
        return 0.5 * (torch.cos(torch.pi * x) + 1.0)

    def radial_basis(self, r: torch.Tensor) -> torch.Tensor:
        """Gaussians on [0, cutoff] times a smooth envelope vanishing at the cutoff."""
        return distance_basis(r, self.cutoff, self.n_basis) * self.envelope(r)[:, None] * self.n_basis**0.5

    def edge_scalars(self, vectors: torch.Tensor, reference: torch.Tensor | None) -> torch.Tensor:
        """The radial MLPs' input: :meth:`radial_basis` of each edge's length and, with reference
        vectors, the Gaussians of the reference length, the change of the pair vector along the
        edge and its size across it (in units of ``reference_spread``), all times the envelope
        of the edge's own length.  Every entry is invariant under rotations and reflections."""
        r = vectors.norm(dim=1)
        rb = self.radial_basis(r)
        if reference is None:
            return rb
        change = reference - vectors
        along = (change * vectors).sum(dim=1) / r.clamp(min=1e-12)
        across = (change.pow(2).sum(dim=1) - along.pow(2)).clamp(min=0.0).sqrt()
        extra = torch.cat([distance_basis(reference.norm(dim=1), self.cutoff, self.n_basis) * self.n_basis**0.5,
                           torch.stack([along, across], dim=1) / self.reference_spread], dim=1)
        return torch.cat([rb, extra * self.envelope(r)[:, None]], dim=1)

    def forward(self, nodes: torch.Tensor, edges: torch.Tensor, edge_index: torch.Tensor,
                graph_index: torch.Tensor | None = None, incidence: Incidence | None = None) -> tuple[torch.Tensor, None]:
        """Per-node outputs (N, n_out); ``edges`` holds each edge's vector (E, d), followed by the
        same pair's reference vector (E, 2d) when the network was built with a reference spread."""
        inc = incidence if incidence is not None else Incidence(edge_index, nodes.shape[0])
        reference = None
        if self.reference_spread is not None:
            if edges.shape[1] not in (4, 6):
                raise ValueError(f"a network with reference edges takes (E, 2d) edge inputs, got {tuple(edges.shape)}")
            edges, reference = edges.chunk(2, dim=1)
        if edges.shape[1] == 2:  # a 2D system lives in the z = 0 plane
            edges = torch.cat([edges, torch.zeros_like(edges[:, :1])], dim=1)
            if reference is not None:
                reference = torch.cat([reference, torch.zeros_like(reference[:, :1])], dim=1)
        y = self.sh(edges)
        rb = self.edge_scalars(edges, reference)
        h = nodes
        norm = self.avg_neighbors**-0.5
        for k, (tp, radial, linear, self_link, gate) in enumerate(zip(self.tps, self.radials, self.linears, self.self_links, self.gates)):
            messages = tp(inc.at_senders(h), y, radial(rb))
            agg = linear(inc.sum_at_receivers(messages) * norm)
            if self.norms is not None:
                agg = self.norms[k](agg)
            h = gate(agg + self_link(h))
        scalars = h[:, self._scalar_slice()]
        return self.head(scalars), None

    def _scalar_slice(self) -> slice:
        # the Gate puts its activated scalars first
        start, stop = 0, 0
        for mul, ir in self.irreps_out:
            if ir.l == 0 and ir.p == 1:
                stop += mul * ir.dim
            else:
                break
        return slice(start, stop)


class MeanOfNetworks(nn.ModuleList):
    """Several networks of one architecture whose outputs are averaged: a seed ensemble
    (Lakshminarayanan, Pritzel & Blundell, "Simple and scalable predictive uncertainty
    estimation using deep ensembles", NeurIPS 2017).

    The forward pass takes what each member takes and returns the element-wise mean of their
    outputs (a tensor, or a tuple of tensors and Nones, as the members return).  Attributes that
    are not submodules (``cutoff``, ``edge_basis``...) are read from the first member.
    """

    def forward(self, *args, **kwargs):  # type: ignore[override]
        outputs = [member(*args, **kwargs) for member in self]
        if isinstance(outputs[0], tuple):
            return tuple(None if parts[0] is None else torch.stack(parts).mean(dim=0) for parts in zip(*outputs))
        return torch.stack(outputs).mean(dim=0)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            members = self.__dict__["_modules"]
            if not members:
                raise
            return getattr(members["0"], name)
