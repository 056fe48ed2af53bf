"""The softness analysis of stored trajectories, end to end: field, P_R(S, T), fits, model, report.

:class:`SoftnessAnalysis` takes datasets whose samples carry an equilibrium trajectory
(``trajectory`` (frames, N, d), unwrapped, and ``trajectory_times``; see the campaign options
``trajectory_every`` / ``trajectory_time``), one temperature per dataset (several datasets may
share one), and does what Schoenholz, Cubuk, Sussman, Kaxiras & Liu (Nat. Phys. 12, 469, 2016)
do:

1. p_hop over the window t_R and rearrangement events (p_hop > p_c; Candelier et al.,
   PRL 105, 135702, 2010), τα of each sample from F_s(q, t) of the chosen species;
2. ``frames_per_sample`` evenly spaced analysed frames per sample, the radial and angular
   structure functions of every particle there (the costly step, cached per sample);
3. the softness field: rearranging particles (p_hop > p_c at an analysed frame) against
   particles quiet over the preceding τα, balanced at each temperature, split into training,
   validation (C) and test (accuracy) examples, each balanced;
4. S of every particle of the species at every analysed frame; P_R(S, T): the fraction of
   the particles of a softness bin with an event peaking in the following window t_R;
5. the Arrhenius fits (:class:`SoftnessArrhenius`), T_x, the onset, the soft fraction (S > 0);
6. the dynamical model (:class:`~glassml.softness.model.SoftnessTrapModel`) with each
   temperature left out of the fit in turn, its τα beside MD's;
7. a report: ``softness.json`` and figures (P_R(S) at each T, Arrhenius lines, ΔE and ΔΣ
   against S, model against MD).

Steps 1–2 are cached per sample (``OUT/cache``, keyed by the parameters and the sample's
checksum), so an interrupted run resumes; every file is written atomically.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from glassml.errors import GlassmlError
from glassml.progress import ProgressBar, say
from glassml.softness.field import SoftnessField, balanced_sample, chance_level, training_labels
from glassml.softness.model import SoftnessTrapModel, calibrate
from glassml.softness.relaxation import SoftnessArrhenius, onset_temperature, rearrangement_probability

CACHE_VERSION = 2


@dataclass
class SampleRecord:
    """What one sample contributes (the cached arrays of steps 1–2)."""

    name: str
    temperature: float
    features: np.ndarray        # (F_a, N, F) float32 at the analysed frames
    labels: np.ndarray          # (F_a, N) +1 / -1 / 0
    rearranged: np.ndarray      # (F_a, N) bool: an event peaks in the following window
    species: np.ndarray         # (N,)
    tau_alpha: float            # from F_s(q, t), NaN if F_s stays above 1/e
    fs_times: np.ndarray
    fs: np.ndarray
    jump_scattering: np.ndarray  # (events,) <cos q·Δr> of each event's jump
    n_events: int
    n_frames: int


def _frame_step(times: np.ndarray, path: str) -> float:
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size < 2:
        raise GlassmlError(f"{path}: trajectory_times must list two or more frames")
    dt = np.diff(t)
    if np.any(dt <= 0) or np.ptp(dt) > 1e-6 * dt.mean():
        raise GlassmlError(f"{path}: trajectory frames must be equally spaced in time")
    return float(dt.mean())


def self_scattering_curve(trajectory: np.ndarray, box, mask, *, frame_time: float, wavenumber: float = 7.25,
                          n_lags: int = 40, origins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """F_s(q, t) of the masked particles over a trajectory, averaged over time origins and shell vectors."""
    from glassml.dynamics.observables import self_intermediate_scattering, shell_vectors

    x = np.asarray(trajectory)
    n = x.shape[0]
    kv = shell_vectors(np.asarray(box, dtype=float), wavenumber)
    lags = np.unique(np.geomspace(1, max(1, n // 2), n_lags).astype(np.int64))
    fs = np.empty(lags.size)
    for k, lag in enumerate(lags):
        start = np.unique(np.linspace(0, n - 1 - lag, min(origins, n - lag)).astype(np.int64))
        disp = (x[start + lag] - x[start]).astype(np.float64)[None]      # (1, origins, N, d)
        fs[k] = self_intermediate_scattering(disp, kv, mask=mask)[0]
    return lags * frame_time, fs


def _jump_scattering(x: np.ndarray, events, h: int, box, wavenumber: float) -> np.ndarray:
    """<cos q·Δr> of each event, Δr = mean position over the window's second half minus its first."""
    from glassml.dynamics.observables import shell_vectors

    if len(events) == 0:
        return np.zeros(0)
    kv = shell_vectors(np.asarray(box, dtype=float), wavenumber)
    peak, part = events.peak, events.particle
    a = np.mean([x[peak - h + j, part] for j in range(h + 1)], axis=0)
    b = np.mean([x[peak + j, part] for j in range(h + 1)], axis=0)
    return np.cos((b - a) @ kv.T).mean(axis=1)


class SoftnessAnalysis:
    """Softness field, P_R(S, T), Arrhenius fits and the trap model on stored trajectories.

    Parameters
    ----------
    window:
        t_R in the trajectory's time units (an even number of frames).
    threshold:
        p_c (squared length); Schoenholz et al. use 0.2 for the Kob–Andersen liquid.
    species:
        the species analysed (KA: 0, the A particles, as in the papers).
    frames_per_sample:
        analysed frames per sample, evenly spaced (None: every frame where p_hop and the
        following window exist).
    n_per_class:
        at most this many rearranging and as many quiet examples per temperature.
    c_grid:
        the SVM's C values, chosen on the validation examples.
    n_bins, min_count:
        softness bins of P_R between the 0.5 % and 99.5 % quantiles of S; bins with fewer than
        ``min_count`` particles at a temperature are left out of the fits there.
    wavenumber:
        q of F_s(q, t) for τα (7.25 for KA A particles).
    seed:
        seed of the balanced sampling, the example split, the SVM and the model's Monte Carlo.
    show_progress:
        progress bars and stage messages on stderr.
    """

    def __init__(self, window: float = 2.0, threshold: float = 0.2, species: int = 0,
                 frames_per_sample: int | None = 60, n_per_class: int = 400,
                 c_grid: Sequence[float] = (0.001, 0.01, 0.1, 1.0, 10.0), n_bins: int = 16, min_count: int = 100,
                 wavenumber: float = 7.25, descriptors=None, seed: int = 0, show_progress: bool = True):
        self.window = window
        self.threshold = threshold
        self.species = species
        self.frames_per_sample = frames_per_sample
        self.n_per_class = n_per_class
        self.c_grid = c_grid
        self.n_bins = n_bins
        self.min_count = min_count
        self.wavenumber = wavenumber
        self.descriptors = descriptors
        self.seed = seed
        self.show_progress = show_progress

    # ------------------------------------------------------------------ steps 1-2
    def _descriptors(self, box):
        from glassml.structure import AngularStructure, RadialStructure
        from glassml.structure.descriptors.softness import radial_bounds_for_box

        if self.descriptors is not None:
            return list(self.descriptors)
        return [RadialStructure(bounds=tuple(radial_bounds_for_box(box))), AngularStructure()]

    def _key(self, sha: str, box) -> str:
        desc = [(type(d).__name__, d.params) for d in self._descriptors(box)]
        payload = json.dumps([CACHE_VERSION, sha, float(self.window), float(self.threshold), int(self.species),
                              self.frames_per_sample, float(self.wavenumber), desc], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def describe_sample(self, sample, temperature: float, cache: Path | None = None, sha: str = "") -> SampleRecord:
        """Steps 1–2 for one stored sample (read from ``cache`` when it holds them)."""
        from glassml.dynamics.rearrangements import events_from_phop, phop
        from glassml.store.npzio import load_arrays, write_npz
        from glassml.structure import Configuration

        where = str(getattr(sample, "path", sample.name))
        if "trajectory" not in sample.keys():
            raise GlassmlError(f"{where}: no 'trajectory' array; simulate with the campaign options "
                               "trajectory_every and trajectory_time")
        box, types = np.asarray(sample["box"]), np.asarray(sample["types"])
        key = self._key(sha, box)
        path = None if cache is None else cache / f"{sample.name}-T{temperature:g}-{key}.npz"
        if path is not None and path.exists():
            d = load_arrays(path)
            one = lambda k: np.asarray(d[k]).reshape(-1)[0]  # noqa: E731
            return SampleRecord(sample.name, temperature, d["features"], d["labels"], d["rearranged"].astype(bool),
                                types, float(one("tau_alpha")), d["fs_times"], d["fs"], d["jump_scattering"],
                                int(one("n_events")), int(one("n_frames")))
        x = np.asarray(sample["trajectory"], dtype=np.float64)
        dt = _frame_step(sample["trajectory_times"], where)
        w = self.window / dt
        if abs(w - round(w)) > 1e-6 or round(w) < 2 or round(w) % 2:
            raise GlassmlError(f"{where}: the window {self.window:g} is not an even number of frames "
                               f"(frames are {dt:g} apart)")
        w = int(round(w))
        h = w // 2
        mask = types == self.species
        if not mask.any():
            raise GlassmlError(f"{where}: no particle of species {self.species}")
        if x.shape[0] < 2 * w + 2:
            raise GlassmlError(f"{where}: {x.shape[0]} frames are too few for the window of {w} frames "
                               f"(p_hop and the following window need at least {2 * w + 2})")
        try:
            p = phop(x, w)
        except GlassmlError as exc:
            raise GlassmlError(f"{where}: {exc}") from None
        ev = events_from_phop(p, self.threshold, first_frame=h, window=w, n_frames=x.shape[0])
        fs_t, fs = self_scattering_curve(x, box, mask, frame_time=dt, wavenumber=self.wavenumber)
        from glassml.dynamics.observables import tau_alpha

        tau = tau_alpha(fs_t, fs)
        tau = float("nan") if tau is None else float(tau)
        history = max(1, int(round((tau if np.isfinite(tau) else fs_t[-1]) / dt)))
        labels_all = training_labels(p, ev, history=history, first_frame=h, positives="active")
        last = x.shape[0] - 1 - h - w            # a following window of w frames must hold p_hop
        valid = np.arange(h, last + 1)
        if self.frames_per_sample is not None and valid.size > self.frames_per_sample:
            valid = np.unique(np.linspace(h, last, int(self.frames_per_sample)).round().astype(np.int64))
        rearranged = np.zeros((valid.size, x.shape[1]), dtype=bool)
        for k, f in enumerate(valid):
            m = (ev.peak > f) & (ev.peak <= f + w)
            rearranged[k, ev.particle[m]] = True
        descriptors = self._descriptors(box)
        feats = None
        for k, f in enumerate(valid):
            conf = Configuration(x[f], box, types=types)
            row = np.concatenate([d.compute(conf) for d in descriptors], axis=1).astype(np.float32)
            if feats is None:
                feats = np.empty((valid.size,) + row.shape, dtype=np.float32)
            feats[k] = row
        jump = _jump_scattering(x, ev, h, box, self.wavenumber)
        rec = SampleRecord(sample.name, temperature, feats, labels_all[valid - h], rearranged, types, tau, fs_t, fs,
                           jump, len(ev), x.shape[0])
        if path is not None:
            write_npz(path, {"features": rec.features, "labels": rec.labels, "rearranged": rec.rearranged,
                             "tau_alpha": np.float64(tau), "fs_times": fs_t, "fs": fs, "jump_scattering": jump,
                             "n_events": np.int64(len(ev)), "n_frames": np.int64(x.shape[0]), "frames": valid})
        return rec

    # ------------------------------------------------------------------ all steps
    def run(self, datasets, out: str | Path | None = None) -> "SoftnessAnalysis":
        """Analyse ``datasets`` (paths or :class:`~glassml.store.Dataset`); write the report to ``out``."""
        from glassml.store.dataset import Dataset

        out = None if out is None else Path(out)
        cache = None if out is None else out / "cache"
        opened = []
        for d in datasets:
            ds = d if isinstance(d, Dataset) else Dataset.open(d)
            t = ds.manifest.get("temperature")
            if t is None:
                raise GlassmlError(f"{ds.path}: the manifest records no temperature")
            opened.append((ds, float(t)))
        temps = sorted({t for _, t in opened})
        if len(temps) < 2:
            raise GlassmlError(f"{opened[0][0].path}: the Arrhenius fit needs datasets at two or more temperatures, "
                               f"got {len(temps)} (T = {', '.join(f'{t:g}' for t in temps)})")
        todo = [(ds, t, s) for ds, t in opened for s in ds]
        self._check_rearrangements(todo, cache)
        records: dict[float, list[SampleRecord]] = {t: [] for t in temps}
        with ProgressBar(self.show_progress, total=len(todo), label="softness: p_hop, τα, descriptors") as bar:
            for ds, t, s in todo:
                sha = ds.manifest["samples"].get(s.name, {}).get("sha256", "")
                records[t].append(self.describe_sample(s, t, cache, sha))
                bar.advance()
        self.temperatures_ = np.array(temps)
        self._records = records
        self._train_field()
        self._probabilities()
        self._fit()
        self._model()
        if out is not None:
            self.write_report(out)
        return self

    def _check_rearrangements(self, todo, cache: Path | None) -> None:
        """Before the costly descriptors: every temperature must have at least one rearrangement."""
        from glassml.dynamics.rearrangements import phop

        found: dict[float, bool] = {}
        names: dict[float, list[str]] = {}
        for ds, t, s in todo:
            names.setdefault(t, []).append(s.name)
            if found.get(t):
                continue
            if cache is not None and any(cache.glob(f"{s.name}-T{t:g}-*.npz")):
                found[t] = True      # described before, with these or other parameters: checked later
                continue
            if "trajectory" not in s.keys():
                raise GlassmlError(f"{s.path}: no 'trajectory' array; simulate with the campaign options "
                                   "trajectory_every and trajectory_time")
            x = np.asarray(s["trajectory"], dtype=np.float64)
            w = int(round(self.window / _frame_step(s["trajectory_times"], str(s.path))))
            if w >= 2 and w % 2 == 0 and x.shape[0] >= 2 * w + 2:
                mask = np.asarray(s["types"]) == self.species
                found[t] = bool(np.any(phop(x[:, mask], w) > self.threshold))
        for t, ok in found.items():
            if not ok:
                raise GlassmlError(f"T = {t:g} ({', '.join(names[t])}): no rearrangements found with "
                                   f"p_c = {self.threshold:g}; lower the threshold or use a longer trajectory")

    def _pooled(self, t: float, name: str) -> np.ndarray:
        return np.concatenate([getattr(r, name) for r in self._records[t]], axis=0)

    def _train_field(self) -> None:
        feats, ys, temps_of = [], [], []
        for i, t in enumerate(self.temperatures_):
            lab = self._pooled(t, "labels")
            species = np.concatenate([np.broadcast_to(r.species == self.species, r.labels.shape) for r in self._records[t]])
            pos = int(((lab == 1) & species).sum())
            if pos == 0:
                names = ", ".join(r.name for r in self._records[t])
                raise GlassmlError(f"T = {t:g} ({names}): no rearrangements found with p_c = {self.threshold:g}; "
                                   "lower the threshold or use a longer trajectory")
            neg = int(((lab == -1) & species).sum())
            n = min(pos, neg, int(self.n_per_class))
            if n == 0:
                continue
            rows, parts, y = balanced_sample(lab, n, seed=self.seed + i, mask=species)
            feats.append(self._pooled(t, "features")[rows, parts].astype(np.float64))
            ys.append(y)
            temps_of.append(np.full(y.size, t))
        X, y, tt = np.concatenate(feats), np.concatenate(ys), np.concatenate(temps_of)
        rng = np.random.default_rng(self.seed)
        part = np.empty(y.size, dtype=np.int64)     # 3/5 train, 1/5 validation, 1/5 test, within each class
        for label in (-1, 1):
            idx = np.flatnonzero(y == label)
            part[idx[rng.permutation(idx.size)]] = np.arange(idx.size) % 5
        tr, va, te = part < 3, part == 3, part == 4
        self.field_ = SoftnessField(c_grid=self.c_grid, seed=self.seed).fit(X[tr], y[tr], validation=(X[va], y[va]))
        self.examples_ = {"train": int(tr.sum()), "validation": int(va.sum()), "test": int(te.sum())}
        self.test_accuracy_ = self.field_.score(X[te], y[te])
        self.chance_level_ = chance_level(y[te])
        self.test_accuracy_by_temperature_ = {float(t): self.field_.score(X[te & (tt == t)], y[te & (tt == t)])
                                              for t in self.temperatures_ if np.any(te & (tt == t))
                                              and np.unique(y[te & (tt == t)]).size == 2}

    def _softness(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """S and rearranged flags of every particle of the species at every analysed frame at T."""
        s, r = [], []
        for rec in self._records[t]:
            m = rec.species == self.species
            f = rec.features[:, m]
            s.append(self.field_.softness(f.reshape(-1, f.shape[-1]).astype(np.float64)))
            r.append(rec.rearranged[:, m].ravel())
        return np.concatenate(s), np.concatenate(r)

    def _probabilities(self) -> None:
        self.softness_ = {float(t): self._softness(t) for t in self.temperatures_}
        pooled = np.concatenate([s for s, _ in self.softness_.values()])
        lo, hi = np.quantile(pooled, [0.005, 0.995])
        self.edges_ = np.linspace(lo, hi, int(self.n_bins) + 1)
        prob, counts = [], []
        for t in self.temperatures_:
            s, r = self.softness_[float(t)]
            if not r.any():
                raise GlassmlError(f"T = {t:g}: no rearrangements found with p_c = {self.threshold:g}; "
                                   "lower the threshold or use a longer trajectory")
            pr = rearrangement_probability(s, r, self.edges_)
            prob.append(pr.probability)
            counts.append(pr.counts)
        self.centres_ = 0.5 * (self.edges_[1:] + self.edges_[:-1])
        self.probability_ = np.array(prob)
        self.counts_ = np.array(counts)
        self.soft_fraction_ = {float(t): float(np.mean(self.softness_[float(t)][0] > 0)) for t in self.temperatures_}
        self.mean_softness_ = {float(t): float(np.mean(self.softness_[float(t)][0])) for t in self.temperatures_}
        self.tau_alpha_ = {}
        for t in self.temperatures_:
            taus = [r.tau_alpha for r in self._records[t]]
            self.tau_alpha_[float(t)] = float(np.nanmean(taus)) if np.any(np.isfinite(taus)) else float("nan")

    def _masked_probability(self, keep: np.ndarray | None = None):
        p = np.where(self.counts_ >= self.min_count, self.probability_, np.nan)
        n = self.counts_.astype(np.float64)
        if keep is None:
            return self.temperatures_, p, n
        return self.temperatures_[keep], p[keep], n[keep]

    def _fit(self) -> None:
        t, p, n = self._masked_probability()
        if not np.any(np.isfinite(p) & (p > 0)):
            raise GlassmlError(f"no softness bin holds {self.min_count} particles with a rearrangement at any temperature: "
                               "use fewer bins, a lower min_count or more frames")
        self.arrhenius_ = SoftnessArrhenius().fit(t, self.centres_, np.nan_to_num(p, nan=0.0), np.where(np.isnan(p), 0, n))
        self.onset_ = onset_temperature(t, self.centres_, np.nan_to_num(p, nan=0.0), np.where(np.isnan(p), 0, n))

    def _jump(self, temps) -> float:
        j = np.concatenate([r.jump_scattering for t in temps for r in self._records[float(t)]])
        return float(np.clip(np.mean(j), 0.0, 0.99)) if j.size else 0.0

    def _model_tau(self, model: SoftnessTrapModel, t: float, seed: int) -> float:
        s = self.softness_[float(t)][0]
        if s.size > 20000:
            s = np.random.default_rng(seed).choice(s, 20000, replace=False)
        return model.relax(s, t, seed=seed).tau

    def _model(self) -> None:
        """Leave each temperature out of the fit in turn; predict its τα from its softness distribution."""
        temps = self.temperatures_
        self.model_ = []
        if temps.size < 3:
            self.model_note_ = "the model needs three or more temperatures (two to fit, one to predict)"
            return
        self.model_note_ = ""
        for k, t_out in enumerate(temps):
            keep = np.arange(temps.size) != k
            t, p, n = self._masked_probability(keep)
            try:
                fit = SoftnessArrhenius().fit(t, self.centres_, np.nan_to_num(p, nan=0.0), np.where(np.isnan(p), 0, n))
            except GlassmlError as exc:
                self.model_.append({"temperature": float(t_out), "error": str(exc)})
                continue
            model = SoftnessTrapModel.from_arrhenius(fit, window=float(self.window), jump_scattering=self._jump(t))
            tau_fit = [self._model_tau(model, float(tj), self.seed) for tj in t]
            c, scatter = calibrate(tau_fit, [self.tau_alpha_[float(tj)] for tj in t])
            tau_pred = c * self._model_tau(model, float(t_out), self.seed)
            md = self.tau_alpha_[float(t_out)]
            self.model_.append({"temperature": float(t_out), "fitted_on": [float(v) for v in t],
                                "jump_scattering": model.jump_scattering, "scale": c, "calibration_scatter": scatter,
                                "tau_alpha_model": tau_pred, "tau_alpha_md": md,
                                "ratio": tau_pred / md if np.isfinite(md) and md > 0 else None})

    # ------------------------------------------------------------------ report
    def summary(self) -> dict:
        """The analysis' numbers as a JSON-ready dict."""
        from glassml.jsonutil import finite_json

        fit = self.arrhenius_.summary()
        return finite_json({
            "temperatures": self.temperatures_.tolist(),
            "parameters": {"window": self.window, "threshold": self.threshold, "species": self.species,
                           "frames_per_sample": self.frames_per_sample, "n_per_class": self.n_per_class,
                           "wavenumber": self.wavenumber, "seed": self.seed},
            "samples": {f"{t:g}": [{"name": r.name, "frames": r.n_frames, "events": r.n_events, "tau_alpha": r.tau_alpha}
                                   for r in self._records[float(t)]] for t in self.temperatures_},
            "field": {"C": self.field_.C_, "validation_accuracy": {f"{k:g}": v for k, v in self.field_.validation_accuracy_.items()},
                      "test_accuracy": self.test_accuracy_, "chance_level": self.chance_level_,
                      "test_accuracy_by_temperature": {f"{k:g}": v for k, v in self.test_accuracy_by_temperature_.items()},
                      "examples": self.examples_, "descriptors": int(self.field_.coef_.size)},
            "tau_alpha_md": {f"{k:g}": v for k, v in self.tau_alpha_.items()},
            "soft_fraction": {f"{k:g}": v for k, v in self.soft_fraction_.items()},
            "mean_softness": {f"{k:g}": v for k, v in self.mean_softness_.items()},
            "probability": {"edges": self.edges_.tolist(), "softness": self.centres_.tolist(),
                            "probability": self.probability_.tolist(), "counts": self.counts_.tolist()},
            "arrhenius": fit,
            "onset_temperature": self.onset_.temperature, "onset_extrapolated": self.onset_.extrapolated,
            "model": self.model_, "model_note": self.model_note_,
        })

    def write_report(self, out: str | Path) -> Path:
        """Write ``softness.json``, ``softness.npz`` (S of every analysed particle) and the figures to ``out/report``."""
        from glassml.jsonutil import dumps
        from glassml.softness.plots import plot_report
        from glassml.store.npzio import atomic_write_bytes, write_npz

        folder = Path(out) / "report"
        folder.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        summary["figures"] = [p.name for p in plot_report(self, folder)]
        atomic_write_bytes(folder / "softness.json", dumps(summary).encode())
        write_npz(folder / "softness.npz", {f"softness_T{t:g}": s.astype(np.float32) for t, (s, _) in self.softness_.items()}
                  | {f"rearranged_T{t:g}": r for t, (_, r) in self.softness_.items()})
        say(self.show_progress, f"report: {folder}")
        return folder
