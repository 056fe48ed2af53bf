"""Shear and modes of every sample of a dataset: ``DATASET/mechanics/<kind>/<sample>.npz``.

Each sample's inherent state is checked before any work starts; a sample whose file exists is
skipped unless ``force`` (so an interrupted run resumes); every file is written aside and
renamed (:func:`glassml.store.npzio.write_npz`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.mechanics.aqs import AthermalQuasistaticShear, inherent_state_of
from glassml.mechanics.modes import PseudoHarmonicMode, VibrationalModes
from glassml.progress import ProgressBar
from glassml.store import Dataset
from glassml.store.npzio import write_npz
from glassml.systems import get_model


def _open(dataset: Dataset | str | os.PathLike) -> tuple[Dataset, Any]:
    ds = dataset if isinstance(dataset, Dataset) else Dataset.open(dataset)
    name = ds.model.get("name")
    if not name:
        raise GlassmlError("the manifest names no model", ds.path)
    return ds, get_model(name)


def _each_sample(ds: Dataset, kind: str, samples: Sequence[str] | None, force: bool, show_progress: bool,
                 compute: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[dict, dict]]) -> dict[str, dict]:
    """Run ``compute(x, types, box) -> (arrays, summary)`` on each sample's inherent state."""
    names = list(samples or ds.sample_names())
    for name in names:  # every sample is checked before any work starts
        inherent_state_of(ds[name])
    results = {}
    with ProgressBar(show_progress, total=len(names), label=kind) as bar:
        for name in names:
            out = Path(ds.path) / "mechanics" / kind / f"{name}.npz"
            if not (out.exists() and not force):
                arrays, results[name] = compute(*inherent_state_of(ds[name]))
                out.parent.mkdir(parents=True, exist_ok=True)
                write_npz(out, arrays)
            bar.advance()
    return results


def shear_dataset(dataset: Dataset | str | os.PathLike, *, strain_step: float = 1e-4, max_strain: float = 0.05,
                  max_events: int | None = None, force_tolerance: float = 1e-6, samples: Sequence[str] | None = None,
                  force: bool = False, show_progress: bool = True) -> dict[str, dict]:
    """AQS shear of each sample's inherent state (:class:`AthermalQuasistaticShear`); returns
    ``{sample: summary}`` of the samples computed in this call."""
    ds, model = _open(dataset)
    aqs = AthermalQuasistaticShear(strain_step=strain_step, max_strain=max_strain, force_tolerance=force_tolerance,
                                   max_events=max_events)
    aqs.check_parameters()

    def compute(x, t, b):
        aqs.compute(model, x, t, b)
        ev = aqs.events_
        arrays = {"strain": aqs.strain_, "stress": aqs.stress_, "energy": aqs.energy_,
                  "event_step": np.array([e.step for e in ev], dtype=np.int64),
                  "event_stress_drop": np.array([e.stress_drop for e in ev]),
                  "event_energy_drop": np.array([e.energy_drop for e in ev]),
                  "event_particle": np.array([e.particle for e in ev], dtype=np.int64),
                  "event_d2min": np.array([e.d2min for e in ev]).reshape(len(ev), len(x))}
        return arrays, aqs.summary()

    return _each_sample(ds, "shear", samples, force, show_progress, compute)


def modes_dataset(dataset: Dataset | str | os.PathLike, *, n_modes: int = 20, n_soft: int = 10,
                  pseudo_harmonic: bool = True, samples: Sequence[str] | None = None, force: bool = False,
                  show_progress: bool = True) -> dict[str, dict]:
    """Lowest modes, participation ratios and soft-spot field (:class:`VibrationalModes`) and,
    with ``pseudo_harmonic``, the quasi-localised mode (:class:`PseudoHarmonicMode`) of each
    sample's inherent state; returns ``{sample: summary}`` of the samples computed in this call."""
    ds, model = _open(dataset)
    vm = VibrationalModes(n_modes=n_modes, n_soft=n_soft)

    def compute(x, t, b):
        vm.compute(model, x, t, b)
        arrays = {"eigenvalues": vm.eigenvalues_, "modes": vm.modes_,
                  "participation_ratio": vm.participation_ratio_, "soft_spot_field": vm.soft_spot_field_}
        summary = vm.summary()
        if pseudo_harmonic:
            pm = PseudoHarmonicMode().compute(model, x, t, b, start=vm.modes_[0])
            arrays.update(pseudo_harmonic_mode=pm.mode_, pseudo_harmonic_stiffness=pm.stiffness_,
                          pseudo_harmonic_cubic=pm.cubic_, pseudo_harmonic_barrier=pm.barrier_)
            summary.update(kappa=pm.stiffness_, tau=pm.cubic_, barrier=pm.barrier_, converged=pm.converged_)
        return arrays, summary

    return _each_sample(ds, "modes", samples, force, show_progress, compute)
