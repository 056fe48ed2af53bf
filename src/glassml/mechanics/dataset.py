"""Shear, modes, local yield stress and the indicator comparison of every sample of a dataset:
``DATASET/mechanics/<kind>/<sample>.npz``, ``DATASET/mechanics/compare.json`` and the report
section ``DATASET/report/mechanics/``.

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
from glassml.mechanics.aqs import AthermalQuasistaticShear, engine_for, inherent_state_of
from glassml.mechanics.modes import CubicMode, PseudoHarmonicMode, VibrationalModes
from glassml.mechanics.yield_stress import LocalYieldStress, grid_centres, nearest_probe_field
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


def _diameters(sample, model) -> np.ndarray | None:
    """The per-particle diameters of a polydisperse model's sample (``None`` for other models)."""
    if not model.polydisperse:
        return None
    if "diameters" not in sample.keys():
        name = getattr(sample, "path", getattr(sample, "name", "sample"))
        raise GlassmlError(f"{name}: model {model.name} is polydisperse but the sample has no 'diameters'")
    return np.asarray(sample["diameters"], float)


def _each_sample(ds: Dataset, model, kind: str, samples: Sequence[str] | None, force: bool, show_progress: bool,
                 compute: Callable[..., tuple[dict, dict]]) -> dict[str, dict]:
    """Run ``compute(x, types, box, diameters) -> (arrays, summary)`` on each sample's inherent state."""
    names = list(samples or ds.sample_names())
    for name in names:  # every sample is checked before any work starts
        inherent_state_of(ds[name])
        _diameters(ds[name], model)
    results = {}
    with ProgressBar(show_progress, total=len(names), label=kind) as bar:
        for name in names:
            out = Path(ds.path) / "mechanics" / kind / f"{name}.npz"
            if not (out.exists() and not force):
                arrays, results[name] = compute(*inherent_state_of(ds[name]), _diameters(ds[name], model))
                out.parent.mkdir(parents=True, exist_ok=True)
                write_npz(out, arrays)
            bar.advance()
    return results


def shear_dataset(dataset: Dataset | str | os.PathLike, *, strain_step: float = 1e-4, max_strain: float = 0.05,
                  max_events: int | None = None, force_tolerance: float = 1e-6, engine: str = "auto",
                  samples: Sequence[str] | None = None, force: bool = False,
                  show_progress: bool = True) -> dict[str, dict]:
    """AQS shear of each sample's inherent state (:class:`AthermalQuasistaticShear`; LAMMPS, or
    glassml's own FIRE for a polydisperse model); returns ``{sample: summary}`` of the samples
    computed in this call."""
    ds, model = _open(dataset)
    aqs = AthermalQuasistaticShear(strain_step=strain_step, max_strain=max_strain, force_tolerance=force_tolerance,
                                   max_events=max_events, engine=engine)
    aqs.check_parameters()
    engine_for(model, engine)

    def compute(x, t, b, dia):
        aqs.compute(model, x, t, b, diameters=dia)
        ev = aqs.events_
        arrays = {"strain": aqs.strain_, "stress": aqs.stress_, "energy": aqs.energy_,
                  "event_step": np.array([e.step for e in ev], dtype=np.int64),
                  "event_stress_drop": np.array([e.stress_drop for e in ev]),
                  "event_energy_drop": np.array([e.energy_drop for e in ev]),
                  "event_particle": np.array([e.particle for e in ev], dtype=np.int64),
                  "event_d2min": np.array([e.d2min for e in ev]).reshape(len(ev), len(x))}
        return arrays, aqs.summary()

    return _each_sample(ds, model, "shear", samples, force, show_progress, compute)


def modes_dataset(dataset: Dataset | str | os.PathLike, *, n_modes: int = 20, n_soft: int = 10,
                  pseudo_harmonic: bool = True, cubic: bool = True, samples: Sequence[str] | None = None,
                  force: bool = False, show_progress: bool = True) -> dict[str, dict]:
    """Lowest modes, participation ratios and soft-spot field (:class:`VibrationalModes`) and,
    with ``pseudo_harmonic``, the quasi-localised mode (:class:`PseudoHarmonicMode`) and, with
    ``cubic`` as well, the cubic mode grown from it (:class:`CubicMode`) of each sample's inherent
    state; returns ``{sample: summary}`` of the samples computed in this call."""
    ds, model = _open(dataset)
    vm = VibrationalModes(n_modes=n_modes, n_soft=n_soft)

    def compute(x, t, b, dia):
        vm.compute(model, x, t, b, dia)
        arrays = {"eigenvalues": vm.eigenvalues_, "modes": vm.modes_,
                  "participation_ratio": vm.participation_ratio_, "soft_spot_field": vm.soft_spot_field_}
        summary = vm.summary()
        if pseudo_harmonic:
            pm = PseudoHarmonicMode().compute(model, x, t, b, start=vm.modes_[0], diameters=dia)
            arrays.update(pseudo_harmonic_mode=pm.mode_, pseudo_harmonic_stiffness=pm.stiffness_,
                          pseudo_harmonic_cubic=pm.cubic_, pseudo_harmonic_barrier=pm.barrier_)
            summary.update(kappa=pm.stiffness_, tau=pm.cubic_, barrier=pm.barrier_, converged=pm.converged_)
            if cubic:
                cm = CubicMode().compute(model, x, t, b, start=pm.mode_, diameters=dia)
                arrays.update(cubic_mode=cm.mode_, cubic_stiffness=cm.stiffness_, cubic_cubic=cm.cubic_,
                              cubic_barrier=cm.barrier_)
                summary.update(cubic_kappa=cm.stiffness_, cubic_tau=cm.cubic_, cubic_barrier=cm.barrier_,
                               cubic_converged=cm.converged_,
                               cubic_overlap=float(abs(cm.mode_.ravel() @ pm.mode_.ravel())))
        return arrays, summary

    return _each_sample(ds, model, "modes", samples, force, show_progress, compute)


def yield_stress_dataset(dataset: Dataset | str | os.PathLike, *, radius: float = 3.0, n_directions: int = 4,
                         strain_step: float = 2e-3, max_strain: float = 0.2, spacing: float | None = None,
                         stress_drop_threshold: float = 1e-3, force_tolerance: float = 1e-6, engine: str = "auto",
                         samples: Sequence[str] | None = None, force: bool = False,
                         show_progress: bool = True) -> dict[str, dict]:
    """Local yield stress field (:class:`LocalYieldStress`) of each sample's inherent state on a
    probe grid; returns ``{sample: summary}`` of the samples computed in this call.  Every sample's
    box is checked against the region before any work starts.  ``engine``: as
    :class:`LocalYieldStress` (``auto``: glassml's own FIRE for a polydisperse model, LAMMPS
    otherwise)."""
    ds, model = _open(dataset)
    lys = LocalYieldStress(radius=radius, n_directions=n_directions, strain_step=strain_step, max_strain=max_strain,
                           spacing=spacing, stress_drop_threshold=stress_drop_threshold,
                           force_tolerance=force_tolerance, engine=engine)
    lys.check_parameters()
    engine_for(model, engine)
    names = list(samples or ds.sample_names())
    n_probes = {}
    for name in names:  # every sample is checked before any work starts
        _, _, b = inherent_state_of(ds[name])
        _diameters(ds[name], model)
        try:
            lys.check_parameters(b, model.max_cutoff())
        except GlassmlError as exc:
            raise GlassmlError(f"{name}: {exc}") from None
        n_probes[name] = len(grid_centres(b, spacing if spacing is not None else radius)) * int(n_directions)
    results = {}
    with ProgressBar(show_progress, total=sum(n_probes.values()), label="local yield stress probes") as bar:
        for name in names:
            out = Path(ds.path) / "mechanics" / "yield_stress" / f"{name}.npz"
            if out.exists() and not force:
                bar.advance(n_probes[name])
                continue
            x, t, b = inherent_state_of(ds[name])
            lys.compute(model, x, t, b, diameters=_diameters(ds[name], model), bar=bar)
            arrays = {"centres": lys.centres_, "angles": lys.angles_, "n_inner": lys.n_inner_,
                      "residual_stress": lys.residual_stress_, "yield_stress": lys.yield_stress_,
                      "yield_strain": lys.yield_strain_, "threshold": lys.threshold_,
                      "minimum_threshold": lys.minimum_threshold_, "stress_drop": lys.stress_drop_,
                      "radius": np.array(float(radius))}
            out.parent.mkdir(parents=True, exist_ok=True)
            write_npz(out, arrays)
            results[name] = lys.summary()
    return results


INDICATORS = ("local yield stress, loading direction", "local yield stress, weakest direction",
              "quasi-localised mode", "low-mode participation", "local potential energy", "softness", "random",
              "cubic mode")
REPORT_DIR = Path("report") / "mechanics"


def _weakness(threshold: np.ndarray) -> np.ndarray:
    """``-threshold`` with probes that never yielded ranked below all others."""
    t = np.asarray(threshold, float)
    finite = t[np.isfinite(t)]
    fill = (finite.max() + 1.0) if finite.size else 0.0
    return -np.where(np.isfinite(t), t, fill)


def sample_indicators(model, x, types, box, modes: dict | None, yield_stress: dict | None,
                      diameters: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-particle indicators of one inherent state (larger = predicted weaker)."""
    out: dict[str, np.ndarray] = {}
    if yield_stress is not None:
        c = yield_stress["centres"]
        out[INDICATORS[0]] = nearest_probe_field(x, box, c, _weakness(yield_stress["threshold"][:, 0]))
        if yield_stress["threshold"].shape[1] > 1:
            out[INDICATORS[1]] = nearest_probe_field(x, box, c, _weakness(yield_stress["minimum_threshold"]))
    if modes is not None:
        if "pseudo_harmonic_mode" in modes:
            pm = np.asarray(modes["pseudo_harmonic_mode"])
            out[INDICATORS[2]] = np.einsum("ia,ia->i", pm, pm)
        if "cubic_mode" in modes:
            cm = np.asarray(modes["cubic_mode"])
            out[INDICATORS[7]] = np.einsum("ia,ia->i", cm, cm)
        out[INDICATORS[3]] = np.asarray(modes["soft_spot_field"], float)
    out[INDICATORS[4]] = model.potential_energy_per_particle(x, types, box, diameters)
    return out


def _load(path: Path) -> dict | None:
    if not path.exists():
        return None
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def compare_dataset(dataset: Dataset | str | os.PathLike, *, fraction: float = 0.05, softness: bool = True,
                    seed: int = 0, samples: Sequence[str] | None = None, force: bool = False,
                    show_progress: bool = True) -> dict:
    """Score every indicator on where the first plastic event of each sample's AQS shear happens.

    Needs ``glassml mechanics shear`` for every sample (the first event's D²min); uses the modes
    and local yield stress of the samples that have them.  Per sample the indicators are kept in
    ``DATASET/mechanics/indicators/<sample>.npz`` (reused unless ``force`` or one of the sample's
    shear, modes or yield-stress files is newer); the table (ROC AUC
    and percentile rank of the event's centre, mean ± standard error over samples) goes to
    ``DATASET/mechanics/compare.json`` and, with figures, to ``DATASET/report/mechanics/``.
    """
    from glassml.mechanics.compare import cross_fitted_softness, event_auc, rank_percentile, summarise_scores

    ds, model = _open(dataset)
    root = Path(ds.path) / "mechanics"
    names = list(samples or ds.sample_names())
    missing = [n for n in names if not (root / "shear" / f"{n}.npz").exists()]
    if missing:
        raise GlassmlError(f"{ds.path}: no AQS shear for {', '.join(missing[:5])}; run glassml mechanics shear first")
    rng = np.random.default_rng(seed)
    used, fields, events, per_sample, skipped = [], [], [], {}, []
    with ProgressBar(show_progress, total=len(names), label="indicators") as bar:
        for name in names:
            shear = _load(root / "shear" / f"{name}.npz")
            if len(shear["event_step"]) == 0:
                skipped.append(name)
                bar.advance()
                continue
            x, t, b = inherent_state_of(ds[name])
            cache = root / "indicators" / f"{name}.npz"
            sources = [root / k / f"{name}.npz" for k in ("shear", "modes", "yield_stress")]
            stale = force or not cache.exists() or any(
                f.exists() and f.stat().st_mtime_ns > cache.stat().st_mtime_ns for f in sources)
            ind = None if stale else _load(cache)
            if ind is None:
                ind = sample_indicators(model, x, t, b, _load(root / "modes" / f"{name}.npz"),
                                        _load(root / "yield_stress" / f"{name}.npz"), _diameters(ds[name], model))
                if softness:
                    from glassml.structure import Configuration
                    from glassml.structure.sets import compute_set

                    ind["descriptors"] = compute_set("softness", Configuration(x, b, t, n_species=model.n_species))[0]
                cache.parent.mkdir(parents=True, exist_ok=True)
                write_npz(cache, {k.replace(" ", "_").replace(",", ""): v for k, v in ind.items()})
            else:
                ind = {k: ind[k.replace(" ", "_").replace(",", "")] for k in (*INDICATORS, "descriptors")
                       if k.replace(" ", "_").replace(",", "") in ind}
            ind[INDICATORS[6]] = rng.random(len(x))
            used.append((name, x, t, b))
            fields.append(ind)
            events.append((np.asarray(shear["event_d2min"][0], float), int(shear["event_particle"][0]),
                           float(shear["strain"][shear["event_step"][0]])))
            bar.advance()
    if not used:
        raise GlassmlError(f"{ds.path}: no sample has a plastic event; shear further (--max-strain)")
    notes = []
    if softness:
        try:
            soft = cross_fitted_softness([f["descriptors"] for f in fields], [u[2] for u in used],
                                         [e[0] for e in events], seed=seed)
            for f, s in zip(fields, soft):
                f[INDICATORS[5]] = s
        except GlassmlError as exc:
            notes.append(f"softness left out: {exc}")
    auc: dict[str, list[float]] = {k: [] for k in INDICATORS}
    rank: dict[str, list[float]] = {k: [] for k in INDICATORS}
    for (name, *_), f, (d2, centre, strain) in zip(used, fields, events):
        row = {"first_event_strain": strain, "event_particle": centre}
        for k in INDICATORS:
            if k in f:
                auc[k].append(event_auc(f[k], d2, fraction))
                rank[k].append(rank_percentile(f[k], centre))
                row[k] = {"auc": auc[k][-1], "rank": rank[k][-1]}
        per_sample[name] = row
    auc = {k: v for k, v in auc.items() if v}
    rank = {k: v for k, v in rank.items() if v}
    result = {"dataset": str(ds.path), "n_samples": len(used), "samples_without_event": skipped,
              "fraction": fraction, "seed": seed, "auc": summarise_scores(auc), "rank": summarise_scores(rank),
              "per_sample": per_sample, "notes": notes}
    from glassml.mechanics.report import write_report

    result["report"] = str(write_report(Path(ds.path) / REPORT_DIR, result, used, fields, events, fraction))
    _write_json(root / "compare.json", result)
    return result


def _write_json(path: Path, obj) -> None:
    import json

    from glassml.jsonutil import json_default
    from glassml.store.npzio import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(obj, indent=2, default=json_default).encode())
