"""Transfer across temperatures: one learner trained at several temperatures, with T as an input.

Jung, Biroli and Berthier (arXiv 2310.20252, "Dynamic heterogeneity at the experimental glass
transition predicted by transferable machine learning") make GlassMLP transferable by giving
it the temperature as an input and training it on several temperatures at once; the network
then predicts the propensity at a temperature it never saw, each temperature at its own
tau_alpha.  :func:`temperature_transfer` does that on glassml datasets (one per temperature,
the ``jung`` descriptors computed, the target at every time): the rows of every training rung
carry the rung's T beside the descriptors and the target at that rung's tau_alpha; model
selection and early stopping use the validation splits of the training rungs only; the held-out
rung's test split is scored, type-A Pearson at its tau_alpha.  Beside it, in the same call:

* ``nearest``: a plain GlassMLP trained at the training rung closest in T (no T input), the
  per-rung model a user would otherwise transfer;
* ``own``: a plain GlassMLP trained on the held-out rung's own train split, the reference a
  transferable model tries to approach without that data;
* the chi4 of each prediction field (:func:`glassml.bench.score.propensity_chi4`) beside MD's.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from glassml.bench import adapter
from glassml.bench.run import check_split, check_targets, tau_alpha_index
from glassml.bench.score import pooled_metric, propensity_chi4
from glassml.errors import GlassmlError
from glassml.store import Dataset, Sample


def _rows(samples: Sequence[Sample], est: Any, target: str, tau: int, temperature: float | None, offset: int):
    """Descriptor rows (with a T column when ``temperature`` is given), the target at ``tau``,
    species and configuration ids (shifted by ``offset`` so rungs never share one)."""
    inp = adapter.feature_inputs(samples, est, target)
    X = inp.X if temperature is None else np.column_stack([inp.X, np.full(len(inp.X), float(temperature))])
    return X, inp.y[:, tau:tau + 1], inp.species, inp.groups + offset


def _stack(parts):
    return tuple(np.concatenate(col, axis=0) for col in zip(*parts))


def _score(est: Any, ds: Dataset, target: str, tau: int, temperature: float | None) -> dict[str, Any]:
    test = ds.samples_in("test")
    X, _, s, g = _rows(test, est, target, tau, temperature, 0)
    pred = adapter.split_rows(est.predict(X, species=s), test)
    trues = [np.asarray(x[target], float)[tau:tau + 1] for x in test]
    types = [np.asarray(x["types"]) for x in test]
    return {"pearson_tau": float(pooled_metric(pred, trues, types)[0]),
            "chi4_pred": float(propensity_chi4(pred, types)[0]), "chi4_md": float(propensity_chi4(trues, types)[0])}


def temperature_transfer(datasets: Sequence[str | Dataset], held_out: float, *, target: str = "md_prop", seed: int = 0,
                         params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train GlassMLP with T as an input on every rung but ``held_out`` and score it there.

    Args:
        datasets: one dataset per temperature (distinct ``temperature`` in the manifests), each
            with train/val/test splits, ``target`` and the ``jung`` descriptors.
        held_out: the temperature whose rung is left out of training and scored.
        target: the per-particle target (default ``md_prop``).
        seed: seed of the networks.
        params: GlassMLP parameters (e.g. ``{"widths": (16,), "max_epochs": 200}``).

    Returns:
        JSON-ready: ``held_out``, ``train_temperatures``, and for ``transferable``, ``nearest``
        and ``own`` the Pearson at the held-out rung's tau_alpha with chi4 of the predictions
        and of MD.
    """
    from glassml.learn.glassmlp import GlassMLP

    dss = [d if isinstance(d, Dataset) else Dataset.open(d) for d in datasets]
    temps = [ds.manifest.get("temperature") for ds in dss]
    if None in temps or len(set(temps)) != len(temps):
        raise GlassmlError(f"datasets need distinct temperatures in their manifests, got {temps}")
    if len(dss) < 3:
        raise GlassmlError(f"temperature transfer needs at least 3 datasets (2 to train, 1 held out), got {len(dss)}")
    if not any(np.isclose(t, held_out) for t in temps):
        raise GlassmlError(f"no dataset at the held-out temperature {held_out:g} (have {', '.join(f'{t:g}' for t in temps)})")
    for ds in dss:
        check_split(ds)
        check_targets(ds, target)
    kw = {"seed": seed, **(params or {})}
    probe = GlassMLP(**kw)
    taus = [tau_alpha_index(ds, target)[0] for ds in dss]
    k_out = int(np.argmin([abs(t - held_out) for t in temps]))
    train_idx = [k for k in range(len(dss)) if k != k_out]
    parts = {"train": [], "val": []}
    offset = 0
    for k in train_idx:
        for part in parts:
            samples = dss[k].samples_in(part)
            if not samples:
                raise GlassmlError(f"rung T={temps[k]:g} has no {part} samples", dss[k].path)
            parts[part].append(_rows(samples, probe, target, taus[k], temps[k], offset))
            offset += len(samples)
    X, y, s, g = _stack(parts["train"])
    Xv, yv, sv, gv = _stack(parts["val"])
    transferable = GlassMLP(**kw).fit(X, y, species=s, groups=g, validation=(Xv, yv, sv, gv))
    out: dict[str, Any] = {"held_out": float(temps[k_out]), "train_temperatures": [float(temps[k]) for k in train_idx],
                           "tau_index": taus[k_out], "model": "glassmlp", "params": {k: v for k, v in kw.items()}}
    out["transferable"] = _score(transferable, dss[k_out], target, taus[k_out], temps[k_out])

    def plain(k: int) -> GlassMLP:
        tr = _rows(dss[k].samples_in("train"), probe, target, taus[k], None, 0)
        va = _rows(dss[k].samples_in("val"), probe, target, taus[k], None, 0)
        return GlassMLP(**kw).fit(tr[0], tr[1], species=tr[2], groups=tr[3], validation=va)

    nearest = min(train_idx, key=lambda k: abs(temps[k] - temps[k_out]))
    out["nearest"] = {"trained_at": float(temps[nearest]), **_score(plain(nearest), dss[k_out], target, taus[k_out], None)}
    out["own"] = _score(plain(k_out), dss[k_out], target, taus[k_out], None)
    return out
