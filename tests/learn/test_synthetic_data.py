"""The synthetic propensity dataset of glassml.data: its target really depends on structure."""

from __future__ import annotations

import numpy as np

from glassml.data import mobility_from_structure, propensity_dataset, shell_counts
from glassml.geometry import NeighborQuery


def test_synthetic_target_depends_on_structure(tmp_path):
    ds = propensity_dataset(tmp_path / "d", n_samples=3)
    s = ds.samples_in("train")[0]
    r = np.corrcoef(mobility_from_structure(s["desc_boattini"]), s["md_prop"][1])[0, 1]
    assert r > 0.5
    assert all(0.5 < c < 1 for c in ds.manifest["targets"]["md_prop"]["ceiling"])


def test_shell_counts_match_a_brute_force_count():
    rng = np.random.default_rng(3)
    box = 9.0
    pos = rng.uniform(0, box, (60, 2))
    types = (rng.random(60) < 0.4).astype(np.int64)
    d = pos[None, :, :] - pos[:, None, :]
    d -= box * np.round(d / box)
    r = np.sqrt((d ** 2).sum(-1))
    np.fill_diagonal(r, np.inf)
    counts = shell_counts(pos, types, box)
    assert counts[:, 2].tolist() == ((r < 1.2) & (types[None, :] == 0)).sum(1).tolist()
    assert counts[:, 9].tolist() == ((r < 2.2) & (types[None, :] == 1)).sum(1).tolist()
    assert NeighborQuery(pos, box).neighbors(2.2).n_pairs == int((r < 2.2).sum())
