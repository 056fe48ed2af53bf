"""Synthetic but physical-enough datasets for the learn/bench tests, built through glassml.store.

Particles are placed at random in a periodic square box; every descriptor set is computed from
those positions (neighbour counts per species in several shells, a real local-structure
measure), and the propensity at each time is a known function of local density plus noise.
The noise level fixes the true ceiling, which is measured and stored like a replica ceiling.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from glassml.store import Dataset
from glassml.structure.descriptors.base import Configuration
from glassml.structure.descriptors.displacement import RelaxationDisplacement

SHELLS = (0.6, 0.9, 1.2, 1.6, 2.2)


def shell_counts(pos: np.ndarray, types: np.ndarray, box: float) -> np.ndarray:
    """(N, 2*len(SHELLS)) neighbour counts within each radius, for species 0 and 1 neighbours."""
    tree = cKDTree(pos % box, boxsize=box)
    feats = []
    for sp in (0, 1):
        other = cKDTree((pos % box)[types == sp], boxsize=box)
        for r in SHELLS:
            counts = np.array([len(x) for x in tree.query_ball_tree(other, r)], dtype=float)
            feats.append(counts - (types == sp) * 1.0)  # do not count oneself
    return np.stack(feats, axis=1)


def latent(feats: np.ndarray) -> np.ndarray:
    """Structure -> mobility: loose surroundings move more (a nonlinear combination)."""
    dens = feats[:, 3] + 0.6 * feats[:, 8]
    z = (dens - 7.0) / 2.5
    return np.exp(-0.8 * z) + 0.3 * np.tanh(feats[:, 1] - 1.0)


def make_dataset(path: Path, *, n_samples: int = 10, n: int = 160, temperature: float = 0.5, n_times: int = 4,
                 seed: int = 0, noise: float = 0.35, targets: bool = True, cage: bool = True) -> Dataset:
    rng = np.random.default_rng(seed)
    box = float(np.sqrt(n / 1.0))
    times = np.logspace(-1, n_times - 2, n_times)
    ds = Dataset.create(path, model="synthetic-2d", dimension=2, temperature=temperature, times=times, n_replicas=8)
    names, ceil_num = [], []
    for i in range(n_samples):
        pos = rng.uniform(0, box, (n, 2))
        types = (rng.random(n) < 0.3).astype(np.int64)
        feats = shell_counts(pos, types, box)
        arrays = {"types": types, "box": np.array([box, box]), "initial_positions": pos,
                  "desc_boattini": feats, "desc_softness": feats[:, :8], "desc_jung": np.log1p(feats)}
        ipos = pos + rng.normal(0, 0.05, pos.shape)  # a stand-in "inherent structure" near the thermal one
        arrays["initial_positions_inherent"] = ipos
        arrays["desc_displacement"] = RelaxationDisplacement().compute(
            Configuration(ipos % box, box, types, reference=pos % box))
        if cage:
            cpos = pos + rng.normal(0, 0.05, pos.shape)
            arrays["initial_positions_cage"] = cpos
            arrays["desc_boattini_cage"] = shell_counts(cpos, types, box)
        if targets:
            clean = np.stack([(1 + k) * (1 + 0.4 * latent(feats) * (1 + 0.3 * k)) for k in range(n_times)])
            noisy = clean + noise * (1 + k_axis(n_times))[:, None] * rng.normal(size=clean.shape)
            arrays["md_prop"] = noisy
            ceil_num.append((clean, noisy, types))
        name = f"s{i:03d}"
        ds.write_sample(name, arrays, seed=seed * 1000 + i, save=False)
        names.append(name)
    n_tr = max(2, int(0.6 * n_samples))
    n_va = max(1, int(0.2 * n_samples))
    ds.set_split(names[:n_tr], names[n_tr : n_tr + n_va], names[n_tr + n_va :], save=False)
    ds.manifest["descriptors"] = {k: {"names": [f"f{j}" for j in range(10)]} for k in ("boattini", "softness", "jung")}
    if targets:
        ceiling = []
        for k in range(n_times):
            a = np.concatenate([c[k][t == 0] for c, _, t in ceil_num])
            b = np.concatenate([x[k][t == 0] for _, x, t in ceil_num])
            ceiling.append(float(np.corrcoef(a, b)[0, 1]))
        ds.manifest["targets"]["md_prop"] = {"definition": "synthetic: known function of local density plus noise",
                                             "ceiling": ceiling}
    ds.save_manifest()
    return Dataset.open(path)


def k_axis(n_times: int) -> np.ndarray:
    return np.arange(n_times, dtype=float)


def test_synthetic_target_depends_on_structure(tmp_path):
    ds = make_dataset(tmp_path / "d", n_samples=3)
    s = ds.samples_in("train")[0]
    r = np.corrcoef(latent(s["desc_boattini"]), s["md_prop"][1])[0, 1]
    assert r > 0.5
    assert all(0.5 < c < 1 for c in ds.manifest["targets"]["md_prop"]["ceiling"])
