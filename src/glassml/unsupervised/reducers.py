"""Dimensionality reduction of per-particle descriptors: standardised PCA and an autoencoder.

Both follow scikit-learn (``fit`` returns the reducer, ``transform`` gives the latent
coordinates, fitted attributes end in ``_``) and standardise every feature to zero mean and
unit variance first (the z-score of Coslovich, Jack & Paret, J. Chem. Phys. 157, 204503
(2022), and of partycls' ``ZScore``)::

    Z = StandardPCA(n_components=2).fit_transform(X)        # (N, 2)
    ae = Autoencoder(n_components=2, seed=0).fit(X)          # torch
    latent = ae.transform(X)

:class:`StandardPCA` is scikit-learn's :class:`~sklearn.decomposition.PCA` behind a
:class:`~sklearn.preprocessing.StandardScaler`; :class:`Autoencoder` is a small torch network.
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from glassml.errors import GlassmlError, require


def check_features(X, what: str = "features", *, min_rows: int = 2) -> np.ndarray:
    """``X`` as a finite (n, F) float64 array, or a :class:`GlassmlError` saying what is wrong."""
    try:
        a = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise GlassmlError(f"{what} must be numbers") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise GlassmlError(f"{what} must be an (N, F) array, one row per particle, got shape {a.shape}")
    if a.shape[0] < min_rows or a.shape[1] < 1:
        raise GlassmlError(f"{what} has {a.shape[0]} sample(s) and {a.shape[1]} feature(s) (shape {a.shape}): "
                           f"need at least {min_rows} rows and one column")
    bad = ~np.isfinite(a)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise GlassmlError(f"{what} hold NaN or infinite values in {rows.size} rows (first: row {int(rows[0])}); "
                           "recompute the descriptors or drop those particles")
    return a


def leading_coordinate(Z: np.ndarray) -> np.ndarray:
    """The first principal component of latent coordinates ``Z`` (n, c), as an (n,) array.

    The latent axes of an autoencoder are an arbitrary mixture; its *leading coordinate* is the
    direction of largest variance in the latent space (Coslovich, Jack & Paret 2022 compare it
    with the first principal component of the descriptors).  Its sign is arbitrary.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim == 1 or Z.shape[1] == 1:
        return Z.reshape(-1) - Z.mean()
    centred = Z - Z.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[0]


class StandardPCA(TransformerMixin, BaseEstimator):
    """Principal component analysis of standardised features (Pearson 1901; Hotelling 1933), as
    used on bond-orientational descriptors by Coslovich, Jack & Paret, J. Chem. Phys. 157,
    204503 (2022).

    Fitted attributes: ``mean_``, ``scale_``, ``components_`` (K, F),
    ``explained_variance_ratio_`` (K,), ``n_features_in_``.  The projection is computed with a
    full SVD (deterministic); the sign of each component is fixed so that its largest loading
    is positive.

    Parameters
    ----------
    n_components:
        Number of components kept (None: all).
    standardize:
        Scale every feature to zero mean and unit variance before the PCA (features of zero
        variance are only centred).
    """

    def __init__(self, n_components: int | None = 2, standardize: bool = True):
        self.n_components = n_components
        self.standardize = standardize

    def fit(self, X, y=None) -> "StandardPCA":
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        X = check_features(X)
        k = self.n_components
        if k is not None and not 1 <= int(k) <= min(X.shape):
            raise GlassmlError(f"PCA: n_components = {k} must lie in 1..{min(X.shape)} "
                               f"(the smaller of {X.shape[0]} particles and {X.shape[1]} features)")
        scaler = StandardScaler(with_std=bool(self.standardize)).fit(X)
        pca = PCA(n_components=None if k is None else int(k), svd_solver="full").fit(scaler.transform(X))
        comps = pca.components_.copy()
        signs = np.sign(comps[np.arange(comps.shape[0]), np.argmax(np.abs(comps), axis=1)])
        self.components_ = comps * signs[:, None]
        self.mean_ = scaler.mean_.copy()
        self.scale_ = (scaler.scale_ if self.standardize else np.ones(X.shape[1])).copy()
        self.explained_variance_ = pca.explained_variance_.copy()
        self.explained_variance_ratio_ = pca.explained_variance_ratio_.copy()
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """Latent coordinates (n, K): standardised ``X`` projected on the components."""
        self._check_fitted()
        X = check_features(X, min_rows=1)
        if X.shape[1] != self.n_features_in_:
            raise GlassmlError(f"PCA was fitted on {self.n_features_in_} features, got {X.shape[1]}")
        return ((X - self.mean_) / self.scale_) @ self.components_.T

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise GlassmlError("PCA: call fit before transform")

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "components_")


class Autoencoder(TransformerMixin, BaseEstimator):
    """A neural-network autoencoder with a small bottleneck, after Boattini, Marín-Aguilar,
    Mitra, Foffi, Smallenburg & Filion, "Autonomously revealing hidden local structures in
    supercooled liquids", Nat. Commun. 11, 5479 (2020), used again by Coslovich, Jack & Paret,
    J. Chem. Phys. 157, 204503 (2022).

    Architecture (the paper's): standardised input of F features -> a fully connected hidden
    layer of ``hidden`` units (default 10 F) with tanh -> a linear bottleneck of
    ``n_components`` units (the latent coordinates) -> a hidden layer of ``hidden`` units with
    tanh -> a linear output of F features.  Loss: the mean squared reconstruction error plus
    the weight-decay term ``weight_decay * sum(w^2)`` over the weights (not the biases).
    Trained with Adam on mini-batches for ``epochs`` passes.  (The paper's own weight-decay
    strength and training schedule could not be checked here; the defaults are ours and are
    sized to train in seconds on a CPU.)

    Fitted attributes: ``mean_``, ``scale_``, ``weights_`` (list of (W, b) float32 arrays, in
    layer order), ``loss_curve_`` (loss per epoch), ``n_features_in_``.
    Needs torch (the ``learn`` extra).

    Parameters
    ----------
    n_components:
        Bottleneck dimension (the latent space).
    hidden:
        Units of each hidden layer (None: 10 times the number of features).
    weight_decay:
        L2 penalty on the weights.
    epochs, batch_size, learning_rate:
        Training schedule (Adam).
    standardize:
        z-score the features first.
    seed:
        Seed of the weights and of the batch order: the same seed gives the same latents.
    """

    def __init__(self, n_components: int = 2, hidden: int | None = None, weight_decay: float = 1e-5, epochs: int = 100,
                 batch_size: int = 256, learning_rate: float = 1e-3, standardize: bool = True, seed: int = 0):
        self.n_components = n_components
        self.hidden = hidden
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.standardize = standardize
        self.seed = seed

    # ------------------------------------------------------------------ network
    def _layer_sizes(self, n_features: int) -> list[int]:
        h = int(self.hidden) if self.hidden is not None else 10 * n_features
        return [n_features, h, int(self.n_components), h, n_features]

    @staticmethod
    def _network(sizes: Sequence[int]):
        import torch

        layers: list[Any] = []
        for k in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[k], sizes[k + 1]))
            if k in (0, 2):  # tanh after each hidden layer; bottleneck and output are linear
                layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)

    def _linear_layers(self, net) -> list:
        import torch

        return [m for m in net if isinstance(m, torch.nn.Linear)]

    # ------------------------------------------------------------------ scikit-learn API
    def fit(self, X, y=None) -> "Autoencoder":
        require("torch", purpose="the autoencoder")
        import torch

        X = check_features(X)
        c = int(self.n_components)
        if not 1 <= c <= X.shape[1]:
            raise GlassmlError(f"autoencoder: n_components = {c} must lie in 1..{X.shape[1]} (the number of features)")
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            raise GlassmlError("autoencoder: epochs and batch_size must be at least 1")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0) if self.standardize else np.ones(X.shape[1])
        Z = torch.as_tensor((X - self.mean_) / self.scale_, dtype=torch.float32)
        gen = torch.Generator().manual_seed(int(self.seed))
        with _torch_seed(int(self.seed)):
            net = self._network(self._layer_sizes(X.shape[1]))
        weights = [m.weight for m in self._linear_layers(net)]
        opt = torch.optim.Adam(net.parameters(), lr=float(self.learning_rate))
        n, bs = Z.shape[0], min(int(self.batch_size), Z.shape[0])
        decay = float(self.weight_decay)
        curve = []
        for _ in range(int(self.epochs)):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for start in range(0, n, bs):
                batch = Z[order[start:start + bs]]
                opt.zero_grad()
                mse = torch.mean((net(batch) - batch) ** 2)
                loss = mse + decay * sum(torch.sum(w * w) for w in weights)
                loss.backward()
                opt.step()
                total += mse.item() * batch.shape[0]
            curve.append(total / n)
        self.loss_curve_ = np.asarray(curve)
        self.weights_ = [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in self._linear_layers(net)]
        self.n_features_in_ = X.shape[1]
        return self

    def _forward(self, X, upto: int) -> np.ndarray:
        """Standardised X through the first ``upto`` linear layers (2: the bottleneck, 4: the output)."""
        if not hasattr(self, "weights_"):
            raise GlassmlError("autoencoder: call fit (or load) before transform")
        X = check_features(X, min_rows=1)
        if X.shape[1] != self.n_features_in_:
            raise GlassmlError(f"autoencoder was fitted on {self.n_features_in_} features, got {X.shape[1]}")
        a = ((X - self.mean_) / self.scale_).astype(np.float32)
        for k, (w, b) in enumerate(self.weights_[:upto]):
            a = a @ w.T + b
            if k in (0, 2):
                a = np.tanh(a)
        return a.astype(np.float64)

    def transform(self, X) -> np.ndarray:
        """Latent coordinates (n, n_components): the bottleneck activations."""
        return self._forward(X, 2)

    def reconstruct(self, X) -> np.ndarray:
        """The network's reconstruction of ``X``, in the original (unstandardised) units."""
        return self._forward(X, 4) * self.scale_ + self.mean_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "weights_")

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted autoencoder to one ``.npz`` (atomically); :meth:`load` reads it back."""
        from glassml.store.npzio import write_npz

        if not hasattr(self, "weights_"):
            raise GlassmlError("autoencoder: fit it before saving")
        arrays: dict[str, np.ndarray] = {"mean": self.mean_, "scale": self.scale_, "loss_curve": self.loss_curve_}
        for k, (w, b) in enumerate(self.weights_):
            arrays[f"w{k}"], arrays[f"b{k}"] = w, b
        meta = {"class": "Autoencoder", "params": self.get_params(), "n_features_in": int(self.n_features_in_)}
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        write_npz(path, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Autoencoder":
        """An autoencoder saved by :meth:`save`; it gives the same latents bit for bit."""
        from glassml.store.npzio import load_arrays

        arrays = load_arrays(path)
        if "__meta__" not in arrays:
            raise GlassmlError("not a saved glassml autoencoder", path)
        meta = json.loads(arrays["__meta__"].tobytes().decode())
        if meta.get("class") != "Autoencoder":
            raise GlassmlError("not a saved glassml autoencoder", path)
        ae = cls(**meta["params"])
        ae.mean_, ae.scale_, ae.loss_curve_ = arrays["mean"], arrays["scale"], arrays["loss_curve"]
        ae.weights_ = [(arrays[f"w{k}"], arrays[f"b{k}"]) for k in range(4)]
        ae.n_features_in_ = int(meta["n_features_in"])
        return ae


class _torch_seed:
    """Seed torch's global generator for the weight initialisation, restoring its state after."""

    def __init__(self, seed: int):
        self.seed = seed

    def __enter__(self):
        import torch

        self._state = torch.random.get_rng_state()
        torch.manual_seed(self.seed)

    def __exit__(self, *exc):
        import torch

        torch.random.set_rng_state(self._state)
