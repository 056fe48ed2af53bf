"""Small synthetic systems shared by the tests, the examples and the documentation.

Two kinds, both written through :mod:`glassml.store` like any real dataset:

* :func:`tiny_sample` / :func:`tiny_dataset`: a handful of particles with random, unwrapped
  replica trajectories that leave the box — for the store, readers, writers and targets.
* :func:`propensity_dataset`: particles at random in a periodic square box whose propensity is
  a known function of local structure (neighbor counts in shells) plus noise.  The noise sets
  the true ceiling, which is measured and stored like a replica ceiling.  Learners must find
  the structure-to-mobility map; a test that they do can fail.

Nothing here is physics to be reported: these are fixtures with known answers.
"""

from __future__ import annotations

import os

import numpy as np

from glassml.store import Dataset

#: Shell radii of :func:`shell_counts`.
SHELLS = (0.6, 0.9, 1.2, 1.6, 2.2)


def tiny_sample(n: int = 9, d: int = 2, n_times: int = 3, n_replicas: int = 2, seed: int = 0,
                props: bool = True) -> dict[str, np.ndarray]:
    """A tiny random sample (GlassBench array names) with unwrapped trajectories that leave the box."""
    rng = np.random.default_rng(seed)
    box = np.linspace(4.0, 5.0, d)
    x0 = rng.uniform(-box / 2, box / 2, size=(n, d))
    steps = rng.normal(scale=1.5, size=(n_times, n_replicas, n, d)).cumsum(axis=0)
    arrays = {
        "types": np.arange(n, dtype=np.int64) % 3,
        "box": box,
        "initial_positions": x0,
        "initial_positions_inherent": x0 + rng.normal(scale=0.01, size=x0.shape),
        "times": np.logspace(-1, 2, n_times),
        "positions": x0 + steps,
    }
    if props:
        disp = np.linalg.norm(arrays["positions"] - x0, axis=-1).mean(axis=1)
        arrays["md_prop"] = disp
        arrays["bb_prop"] = disp / 2
    return arrays


def tiny_dataset(path: str | os.PathLike, n_samples: int = 3, seed: int = 0, **kw) -> Dataset:
    """A dataset of :func:`tiny_sample` samples; the last one is the test split, the rest train."""
    first = tiny_sample(**kw)
    ds = Dataset.create(path, model="test", dimension=first["box"].size, temperature=0.5, times=first["times"],
                        n_replicas=first["positions"].shape[1])
    for i in range(n_samples):
        ds.write_sample(f"s{i}", tiny_sample(seed=seed + i, **kw), seed=seed + i, save=False)
    names = ds.sample_names()
    ds.set_split(names[:-1], [], names[-1:], save=False)
    ds.save_manifest()
    return ds


def shell_counts(positions: np.ndarray, types: np.ndarray, box: float) -> np.ndarray:
    """(N, 2 * len(SHELLS)) counts of species-0 and species-1 neighbors within each shell radius."""
    from glassml.geometry import NeighborQuery

    nb = NeighborQuery(positions, box).neighbors(max(SHELLS))
    n = len(positions)
    feats = []
    for sp in (0, 1):
        other = types[nb.j] == sp
        for r in SHELLS:
            feats.append(np.bincount(nb.i[other & (nb.distances < r)], minlength=n).astype(float))
    return np.stack(feats, axis=1)


def mobility_from_structure(features: np.ndarray) -> np.ndarray:
    """The hidden structure-to-mobility map of :func:`propensity_dataset`: loose surroundings move more."""
    dens = features[:, 3] + 0.6 * features[:, 8]
    z = (dens - 7.0) / 2.5
    return np.exp(-0.8 * z) + 0.3 * np.tanh(features[:, 1] - 1.0)


def propensity_dataset(path: str | os.PathLike, *, n_samples: int = 10, n: int = 160, temperature: float = 0.5,
                       n_times: int = 4, seed: int = 0, noise: float = 0.35, targets: bool = True,
                       cage: bool = True) -> Dataset:
    """A 2D dataset whose propensity ``md_prop`` is a known function of local structure plus noise.

    Every descriptor array the learners read is present (``desc_boattini``, ``desc_softness``,
    ``desc_jung``, ``desc_displacement`` and, with ``cage``, ``desc_boattini_cage``), computed
    from the positions; the split is 60/20/20 %; the manifest records the true ceiling.
    """
    from glassml.geometry import wrap
    from glassml.structure import Configuration
    from glassml.structure.descriptors.displacement import RelaxationDisplacement

    rng = np.random.default_rng(seed)
    box = float(np.sqrt(n / 1.0))
    times = np.logspace(-1, n_times - 2, n_times)
    ds = Dataset.create(path, model="synthetic-2d", dimension=2, temperature=temperature, times=times, n_replicas=8)
    names, ceil_num = [], []
    growth = np.arange(n_times, dtype=float)
    for i in range(n_samples):
        pos = rng.uniform(0, box, (n, 2))
        types = (rng.random(n) < 0.3).astype(np.int64)
        feats = shell_counts(pos, types, box)
        arrays = {"types": types, "box": np.array([box, box]), "initial_positions": pos,
                  "desc_boattini": feats, "desc_softness": feats[:, :8], "desc_jung": np.log1p(feats)}
        ipos = pos + rng.normal(0, 0.05, pos.shape)  # a stand-in "inherent structure" near the thermal one
        arrays["initial_positions_inherent"] = ipos
        arrays["desc_displacement"] = RelaxationDisplacement().compute(
            Configuration(wrap(ipos, box), box, types, reference=wrap(pos, box)))
        if cage:
            cpos = pos + rng.normal(0, 0.05, pos.shape)
            arrays["initial_positions_cage"] = cpos
            arrays["desc_boattini_cage"] = shell_counts(cpos, types, box)
        if targets:
            clean = np.stack([(1 + k) * (1 + 0.4 * mobility_from_structure(feats) * (1 + 0.3 * k)) for k in range(n_times)])
            noisy = clean + noise * (1 + growth)[:, None] * rng.normal(size=clean.shape)
            arrays["md_prop"] = noisy
            ceil_num.append((clean, noisy, types))
        name = f"s{i:03d}"
        ds.write_sample(name, arrays, seed=seed * 1000 + i, save=False)
        names.append(name)
    n_tr = max(2, int(0.6 * n_samples))
    n_va = max(1, int(0.2 * n_samples))
    ds.set_split(names[:n_tr], names[n_tr: n_tr + n_va], names[n_tr + n_va:], save=False)
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


def spaced_points(rng: np.random.Generator, n: int, box, min_distance: float = 0.8) -> np.ndarray:
    """``n`` points in a periodic orthorhombic ``box``, no two closer than ``min_distance``
    (random sequential addition; slow near jamming, meant for small test systems)."""
    box = np.asarray(box, dtype=float)
    pts = np.empty((0, len(box)))
    while len(pts) < n:
        p = rng.uniform(0, 1, size=len(box)) * box
        d = pts - p
        d -= box * np.round(d / box)
        if not len(pts) or np.einsum("ij,ij->i", d, d).min() > min_distance**2:
            pts = np.vstack([pts, p])
    return pts


def jittered_lattice(n: int = 300, seed: int = 0, model: str = "ka3d", jitter: float = 0.15):
    """``(box, positions, types)``: a jittered simple-cubic arrangement of ``n`` particles at the
    model's density, species in the model's proportions and randomly placed, centred on 0.

    Not an equilibrated liquid; a dense, disordered input for descriptors and energies.
    """
    from glassml.systems import get_model

    m = get_model(model)
    box = m.box_for(n)
    d = len(box)
    g = int(np.ceil(n ** (1 / d)))
    a = box[0] / g
    grid = np.stack(np.meshgrid(*[np.arange(g)] * d, indexing="ij"), -1).reshape(-1, d)[:n] * a
    rng = np.random.default_rng(seed)
    pos = grid + rng.uniform(-jitter, jitter, grid.shape) - box / 2
    return box, pos, rng.permutation(m.types_for(n))


def random_walk(seed: int = 0, n: int = 80, n_replicas: int = 4, n_times: int = 3, box: float = 7.0):
    """``(x0, displacements, box)``: ``n`` particles at random in a periodic cube and Gaussian
    random-walk displacements (T, R, N, 3) of step 0.25, for observables with known limits."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(0, box, (n, 3))
    steps = rng.normal(0, 0.25, (n_times, n_replicas, n, 3))
    return x0, np.cumsum(steps, axis=0), np.full(3, box)


def isoconfigurational(x0: np.ndarray, displacements: np.ndarray, box, types=None, times=None):
    """An :class:`glassml.dynamics.Isoconfigurational` ensemble from initial positions and
    displacements (T, R, N, d); species 0 and times 1..T unless given."""
    from glassml.dynamics import from_arrays

    t = np.arange(1, displacements.shape[0] + 1, dtype=float) if times is None else times
    types = np.zeros(len(x0), np.int64) if types is None else types
    return from_arrays({"types": types, "box": box, "initial_positions": x0,
                        "positions": x0[None, None] + displacements, "times": t})
