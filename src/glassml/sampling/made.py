"""An autoregressive network (MADE) that proposes global moves for the Potts model.

The network writes a distribution over colourings as a product of conditionals,
``P_a(sigma) = prod_i P_a(sigma_i | sigma_1..sigma_{i-1})`` (Germain, Gregor, Murray &
Larochelle, *MADE: Masked Autoencoder for Distribution Estimation*, ICML 2015), so it can be
sampled exactly node after node and its log-probability evaluated in one pass.  As in
Ciarella, Trinquier, Weigt & Zamponi, Mach. Learn.: Sci. Technol. 4, 010501 (2023) (and
McNaughton et al., Phys. Rev. E 101, 053312 (2020)), it is trained by maximum likelihood on
configurations sampled at one temperature and then proposes independent configurations that
a Metropolis–Hastings test accepts with probability
``min(1, exp(-(E' - E)/T) P_a(sigma) / P_a(sigma'))``, which keeps the Boltzmann law exact
whatever the quality of the network.

Architecture here: one-hot input (N q), one masked hidden layer of ``hidden`` ReLU units and
a masked direct (input to output) connection that is the shallow "autoregressive Potts"
MADE, softmax over the q colours of each node.  ``direct=False`` drops the direct layer to
keep the network small for large N.
"""

from __future__ import annotations

import math

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.progress import ProgressBar


def _torch():
    require("torch", "learn", purpose="the MADE network")
    import torch

    return torch


class MADE:
    """Masked autoregressive network over N nodes with q colours (scikit-learn style estimator).

    Parameters
    ----------
    n_nodes, q:
        Size of the configurations and number of colours.
    hidden:
        Width of the masked hidden layer (0: none).
    direct:
        Keep the masked direct input-to-output layer (the shallow MADE).
    epochs, batch_size, learning_rate, weight_decay:
        Adam training by maximum likelihood.
    seed:
        Seed of the initial weights, the minibatches and the samples.

    Attributes (after :meth:`fit`)
    -------------------------------
    loss_:
        Mean negative log-likelihood per node of the training set after each epoch.
    """

    def __init__(self, n_nodes: int, q: int, hidden: int = 32, direct: bool = False, epochs: int = 40,
                 batch_size: int = 128, learning_rate: float = 3e-3, weight_decay: float = 0.0, seed: int = 0):
        self.n_nodes = n_nodes
        self.q = q
        self.hidden = hidden
        self.direct = direct
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed
        self._build()

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("n_nodes", "q", "hidden", "direct", "epochs", "batch_size", "learning_rate",
                                               "weight_decay", "seed")}

    def _build(self) -> None:
        torch = _torch()
        if self.hidden <= 0 and not self.direct:
            raise GlassmlError("a MADE needs a hidden layer or the direct layer")
        n, q, h = self.n_nodes, self.q, self.hidden
        gen = torch.Generator().manual_seed(int(self.seed))
        node_of = torch.arange(n).repeat_interleave(q)  # input/output unit -> node index 0..N-1
        self._node_of = node_of
        self.params: dict = {}
        if h > 0:
            # hidden unit k sees nodes < deg_k + 1; output node i sees hidden units with deg_k < i
            deg = torch.randint(0, max(n - 1, 1), (h,), generator=gen) if n > 1 else torch.zeros(h, dtype=torch.long)
            self._hidden_degree = deg
            self._mask1 = (node_of[None, :] <= deg[:, None]).float()  # (h, Nq)
            self._mask2 = (deg[None, :] < node_of[:, None]).float()  # (Nq, h)
            self.params["w1"] = (torch.randn(h, n * q, generator=gen) / math.sqrt(max(n, 1))).requires_grad_()
            self.params["b1"] = torch.zeros(h, requires_grad=True)
            self.params["w2"] = (torch.randn(n * q, h, generator=gen) / math.sqrt(h)).requires_grad_()
        if self.direct:
            self._mask_direct = (node_of[None, :] < node_of[:, None]).float()  # (Nq, Nq), strictly earlier nodes
            self.params["wd"] = torch.zeros(n * q, n * q, requires_grad=True)
        self.params["b2"] = torch.zeros(n * q, requires_grad=True)

    # ---------------------------------------------------------------- probabilities
    def _logits(self, onehot):
        """(B, N q) one-hot -> (B, N, q) conditional logits."""
        p = self.params
        out = p["b2"].expand(onehot.shape[0], -1)
        if self.hidden > 0:
            a = _torch().relu(onehot @ (p["w1"] * self._mask1).T + p["b1"])
            out = out + a @ (p["w2"] * self._mask2).T
        if self.direct:
            out = out + onehot @ (p["wd"] * self._mask_direct).T
        return out.reshape(-1, self.n_nodes, self.q)

    def _onehot(self, spins):
        torch = _torch()
        s = torch.as_tensor(np.asarray(spins, dtype=np.int64))
        return torch.nn.functional.one_hot(s, self.q).reshape(s.shape[0], -1).float(), s

    def log_prob(self, spins: np.ndarray) -> np.ndarray:
        """``log P_a(sigma)`` of each configuration (``(B, N)`` -> ``(B,)``)."""
        torch = _torch()
        with torch.no_grad():
            return self._log_prob_tensor(spins).numpy().astype(float)

    def _log_prob_tensor(self, spins):
        torch = _torch()
        x, s = self._onehot(spins)
        logp = torch.log_softmax(self._logits(x), dim=-1)
        return logp.gather(-1, s[..., None]).squeeze(-1).sum(-1)

    # ---------------------------------------------------------------- training
    def fit(self, spins: np.ndarray, show_progress: bool = False) -> "MADE":
        """Maximum-likelihood training (Adam) on configurations ``(M, N)``; returns self."""
        torch = _torch()
        x = np.asarray(spins)
        if x.ndim != 2 or x.shape[1] != self.n_nodes:
            raise GlassmlError(f"training configurations must have shape (M, {self.n_nodes}), got {x.shape}")
        opt = torch.optim.Adam(list(self.params.values()), lr=self.learning_rate, weight_decay=self.weight_decay)
        gen = np.random.default_rng(self.seed)
        self.loss_ = []
        with ProgressBar(show_progress, total=self.epochs, label=f"train MADE N={self.n_nodes}") as bar:
            for _ in range(self.epochs):
                order = gen.permutation(len(x))
                total = 0.0
                for start in range(0, len(x), self.batch_size):
                    batch = x[order[start: start + self.batch_size]]
                    loss = -self._log_prob_tensor(batch).mean() / self.n_nodes
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(batch)
                self.loss_.append(total / len(x))
                bar.advance()
        return self

    # ---------------------------------------------------------------- sampling
    def sample(self, n_samples: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` configurations node by node; returns ``(spins, log P_a)``.

        The hidden pre-activations are accumulated node by node, so a sample costs
        O(N (hidden + N if direct) q) per configuration.
        """
        torch = _torch()
        n, q, h = self.n_nodes, self.q, self.hidden
        gen = torch.Generator().manual_seed(int(self.seed if seed is None else seed))
        p = self.params
        with torch.no_grad():
            b = n_samples
            spins = torch.zeros(b, n, dtype=torch.long)
            logp = torch.zeros(b)
            if h > 0:
                w1 = (p["w1"] * self._mask1).T.reshape(n, q, h)  # per node, per colour contribution
                w2 = (p["w2"] * self._mask2).reshape(n, q, h)
                pre = p["b1"].expand(b, -1).clone()
            if self.direct:
                wd = (p["wd"] * self._mask_direct).reshape(n, q, n, q)  # [out node, out colour, in node, in colour]
                direct_acc = torch.zeros(b, n, q)
            b2 = p["b2"].reshape(n, q)
            for i in range(n):
                logits = b2[i].expand(b, -1).clone()
                if h > 0:
                    logits = logits + torch.relu(pre) @ w2[i].T
                if self.direct:
                    logits = logits + direct_acc[:, i]
                lp = torch.log_softmax(logits, dim=-1)
                choice = torch.multinomial(lp.exp(), 1, generator=gen).squeeze(-1)
                spins[:, i] = choice
                logp += lp.gather(-1, choice[:, None]).squeeze(-1)
                if h > 0:
                    pre += w1[i][choice]
                if self.direct:
                    direct_acc += wd[:, :, i, :].permute(2, 0, 1)[choice]
        return spins.numpy().astype(np.int8), logp.numpy().astype(float)

    def n_parameters(self) -> int:
        return int(sum(v.numel() for v in self.params.values()))


def metropolis_hastings_global(energies_current: np.ndarray, logpa_current: np.ndarray, energies_proposed: np.ndarray,
                               logpa_proposed: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """Acceptance mask of independent proposals: ``min(1, exp(-(E'-E)/T + log Pa(s) - log Pa(s')))``."""
    log_ratio = -(np.asarray(energies_proposed, float) - energies_current) / temperature + logpa_current - logpa_proposed
    return np.log(rng.random(len(log_ratio))) < log_ratio


class NetworkAssistedMC:
    """Metropolis–Hastings chains whose global moves are independent proposals of a trained MADE,
    interleaved with local sweeps (Ciarella et al. 2023).

    Parameters
    ----------
    graph, temperature:
        The Potts instance and the target temperature.
    network:
        A fitted :class:`MADE`.
    local_sweeps:
        Local Metropolis sweeps between two global proposals (0: global moves only).
    seed:
        Seed of proposals and accept/reject.

    Attributes (after :meth:`run`)
    ------------------------------
    spins_, energy_trace_ ((steps, R)), acceptance_ (fraction of global proposals accepted).
    """

    def __init__(self, graph, temperature: float, network: MADE, local_sweeps: int = 0, seed: int = 0):
        self.graph = graph
        self.temperature = temperature
        self.network = network
        self.local_sweeps = local_sweeps
        self.seed = seed

    def run(self, spins: np.ndarray, n_steps: int) -> "NetworkAssistedMC":
        from glassml.sampling.local import LocalMonteCarlo

        if not hasattr(self, "_rng"):  # streams continue from one run to the next
            self._rng = np.random.default_rng(self.seed)
            self._local = LocalMonteCarlo(self.graph, self.temperature, seed=self.seed + 1)
        rng, local = self._rng, self._local
        s = np.array(spins, dtype=np.int8, copy=True)
        e = self.graph.energy(s).astype(float)
        lpa = self.network.log_prob(s)
        accepted = 0
        trace = np.zeros((n_steps, len(s)))
        for t in range(n_steps):
            prop, lpa_prop = self.network.sample(len(s), seed=int(rng.integers(2**31)))
            e_prop = self.graph.energy(prop).astype(float)
            ok = metropolis_hastings_global(e, lpa, e_prop, lpa_prop, self.temperature, rng)
            s[ok], e[ok], lpa[ok] = prop[ok], e_prop[ok], lpa_prop[ok]
            accepted += int(ok.sum())
            if self.local_sweeps:
                local.run(s, self.local_sweeps, record=False)
                s = local.spins_
                e = local.energies_.astype(float)
                lpa = self.network.log_prob(s)
            trace[t] = e
        self.spins_ = s
        self.energy_trace_ = trace
        self.acceptance_ = accepted / max(1, n_steps * len(s))
        return self
