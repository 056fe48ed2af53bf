"""Tracks of active particles: positions and orientations per frame, from a dataset or a file.

:class:`Tracks` is what force inference reads: ``positions`` (T, N, 2) and ``orientations``
(T, N) with NaN where a particle is not seen, the frame ``times`` (T,), and the periodic box
(or None for a field of view with open edges).  :func:`read_tracks` takes trackpy's
DataFrame layout (columns ``x``, ``y``, ``frame``, ``particle``) or a CSV file of it, with an
orientation column (``orientation``, ``theta`` or ``angle``, radians).

Bad input is refused with one line naming the file and the problem:

* no orientation column, or a NaN orientation: active-force inference needs the swimming
  direction; it is not inferred from the displacements (at one frame interval they are
  dominated by translational noise);
* a gap inside a track (a particle missing from some frames between its first and last):
  link with ``memory=0`` or split the track into two particle ids;
* frames of inconsistent rate: missing frame numbers, or a ``time`` column whose spacing
  varies by more than 1 %;
* duplicate (frame, particle) rows.

Particles entering or leaving the field of view (tracks that start late or end early) are
kept: a transition is used only where the particle is seen in both frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassml.errors import GlassmlError, require

ORIENTATION_COLUMNS = ("orientation", "theta", "angle")


@dataclass
class Tracks:
    """Positions and orientations of N particles over T frames.

    Attributes
    ----------
    positions: (T, N, 2) unwrapped positions, NaN where the particle is not seen.
    orientations: (T, N) unwrapped angles (radians), NaN where not seen.
    times: (T,) frame times, uniformly spaced.
    box: (2,) periodic box lengths, or None for open edges.
    particles: (N,) particle labels.
    source: where the tracks came from (for messages).
    """

    positions: np.ndarray
    orientations: np.ndarray
    times: np.ndarray
    box: np.ndarray | None = None
    particles: np.ndarray | None = None
    source: str = "tracks"

    def __post_init__(self):
        self.positions = np.asarray(self.positions, dtype=float)
        self.orientations = np.asarray(self.orientations, dtype=float)
        self.times = np.asarray(self.times, dtype=float)
        t, n = self.orientations.shape if self.orientations.ndim == 2 else (-1, -1)
        if self.positions.shape != (t, n, 2) or self.times.shape != (t,):
            raise GlassmlError(f"tracks need positions (T, N, 2), orientations (T, N) and times (T,); got "
                               f"{self.positions.shape}, {self.orientations.shape}, {self.times.shape}", self.source)
        if t < 2:
            raise GlassmlError(f"tracks need at least 2 frames, got {t}", self.source)
        if self.particles is None:
            self.particles = np.arange(n)
        if self.box is not None:
            self.box = np.asarray(self.box, dtype=float).reshape(2)
        check_frame_rate(self.times, self.source)

    @property
    def n_frames(self) -> int:
        return int(self.times.shape[0])

    @property
    def n_particles(self) -> int:
        return int(self.positions.shape[1])

    @property
    def frame_interval(self) -> float:
        return float(np.mean(np.diff(self.times)))

    def subsample(self, every: int = 1, n_frames: int | None = None) -> "Tracks":
        """Every ``every``-th frame (a longer frame interval), optionally only the first ``n_frames``."""
        sl = slice(0, None if n_frames is None else n_frames * every, every)
        return Tracks(self.positions[sl], self.orientations[sl], self.times[sl], self.box, self.particles, self.source)

    def with_noise(self, sigma: float, seed: int = 0) -> "Tracks":
        """The same tracks with Gaussian localisation noise of standard deviation ``sigma`` on each coordinate."""
        rng = np.random.default_rng(seed)
        noisy = self.positions + rng.normal(0.0, sigma, self.positions.shape)
        return Tracks(noisy, self.orientations, self.times, self.box, self.particles, self.source)


def check_frame_rate(times: np.ndarray, source: str = "tracks", rtol: float = 0.01) -> float:
    """The frame interval of ``times``; a one-line error if it is not uniform to ``rtol``."""
    dt = np.diff(np.asarray(times, dtype=float))
    if not np.all(np.isfinite(dt)) or np.any(dt <= 0):
        raise GlassmlError("frame times must increase strictly", source)
    mean = float(np.median(dt))
    bad = np.flatnonzero(np.abs(dt - mean) > rtol * mean)
    if bad.size:
        k = int(bad[0])
        raise GlassmlError(f"inconsistent frame rate: frames are {mean:.6g} apart but {dt[k]:.6g} between frames "
                           f"{k} and {k + 1}; resample the tracks to one frame rate", source)
    return mean


def tracks_from_sample(sample, replica: int = 0) -> Tracks:
    """The tracks of one dataset sample (``positions`` (T, R, N, 2), ``orientations`` (T, R, N))."""
    if "orientations" not in sample:
        raise GlassmlError("sample has no 'orientations'; active-force inference needs the particles' orientations", sample.path)
    return Tracks(sample["positions"][:, replica], sample["orientations"][:, replica], sample["times"], sample["box"],
                  source=str(sample.path))


def tracks_from_dataset(dataset, part: str | None = None) -> list[Tracks]:
    """Tracks of every sample of a dataset (or of one split part: ``train``, ``val``, ``test``)."""
    samples = list(dataset) if part is None else dataset.samples_in(part)
    return [tracks_from_sample(s) for s in samples]


def _frame_table(source: Any):
    require("pandas", "active", purpose="reading tracks")
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source, "tracks"
    path = Path(source)
    if not path.exists():
        raise GlassmlError("does not exist", path)
    try:
        if path.suffix in (".parquet", ".pq"):
            return pd.read_parquet(path), str(path)
        return pd.read_csv(path), str(path)
    except (ValueError, OSError, ImportError) as exc:
        raise GlassmlError(f"cannot read the tracks table ({exc})", path) from None


def read_tracks(source: Any, *, frame_interval: float | None = None, box=None, orientation: str | None = None,
                degrees: bool = False) -> Tracks:
    """Tracks from trackpy's DataFrame layout, or a CSV/Parquet file of it.

    Parameters
    ----------
    source: a pandas DataFrame or a path. Columns ``x``, ``y``, ``frame`` and ``particle``, an
        orientation column, and optionally ``time``.
    frame_interval: time between frames (needed when there is no ``time`` column).
    box: periodic box lengths (2,), or None for open edges (a microscope's field of view).
    orientation: the orientation column (default: the first of ``orientation``, ``theta``, ``angle``).
    degrees: the orientation is in degrees.
    """
    df, where = _frame_table(source)
    missing = [c for c in ("x", "y", "frame", "particle") if c not in df.columns]
    if missing:
        raise GlassmlError(f"tracks lack the column(s) {', '.join(missing)} (trackpy layout: x, y, frame, particle)", where)
    col = orientation or next((c for c in ORIENTATION_COLUMNS if c in df.columns), None)
    if col is None or col not in df.columns:
        raise GlassmlError("tracks have no orientation column (orientation, theta or angle); active-force inference "
                           "needs each particle's swimming direction and does not guess it from displacements", where)
    if df.empty:
        raise GlassmlError("tracks table is empty", where)
    values = df[["x", "y", col]].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        what = "orientation" if bad[row, 2] else "position"
        raise GlassmlError(f"row {row} (frame {df['frame'].iloc[row]}, particle {df['particle'].iloc[row]}) has a missing "
                           f"{what}; {int(bad.any(axis=1).sum())} rows are incomplete: drop or fill them", where)
    frames_raw = df["frame"].to_numpy()
    if not np.all(np.equal(np.mod(frames_raw, 1), 0)):
        raise GlassmlError("'frame' must hold whole frame numbers", where)
    frames_raw = frames_raw.astype(np.int64)
    if df.duplicated(["frame", "particle"]).any():
        row = int(np.flatnonzero(df.duplicated(["frame", "particle"]).to_numpy())[0])
        raise GlassmlError(f"particle {df['particle'].iloc[row]} appears twice in frame {frames_raw[row]}", where)
    frames = np.unique(frames_raw)
    if np.any(np.diff(frames) != 1):
        k = int(np.flatnonzero(np.diff(frames) != 1)[0])
        raise GlassmlError(f"inconsistent frame rate: frames {frames[k] + 1}..{frames[k + 1] - 1} are missing between "
                           f"frame {frames[k]} and {frames[k + 1]}; resample the tracks to one frame rate", where)
    labels, pidx = np.unique(df["particle"].to_numpy(), return_inverse=True)
    t_idx = frames_raw - frames[0]
    T, N = len(frames), len(labels)
    pos = np.full((T, N, 2), np.nan)
    ang = np.full((T, N), np.nan)
    pos[t_idx, pidx] = values[:, :2]
    ang[t_idx, pidx] = np.deg2rad(values[:, 2]) if degrees else values[:, 2]
    seen = np.isfinite(ang)
    first = seen.argmax(axis=0)
    last = T - 1 - seen[::-1].argmax(axis=0)
    span = np.arange(T)[:, None]
    gaps = (span >= first) & (span <= last) & ~seen
    if gaps.any():
        t, p = np.argwhere(gaps)[0]
        raise GlassmlError(f"particle {labels[p]} has a gap: it is missing from frame {frames[t]} inside its track "
                           f"(frames {frames[first[p]]}..{frames[last[p]]}); link with memory=0 or split the track", where)
    ang = _unwrap_columns(ang)
    if "time" in df.columns:
        tt = df.groupby("frame")["time"].agg(["min", "max"])
        if np.any(np.abs(tt["max"] - tt["min"]) > 1e-9 * np.maximum(1.0, np.abs(tt["max"]))):
            raise GlassmlError("'time' differs between rows of the same frame", where)
        times = tt["min"].to_numpy(dtype=float)
        if frame_interval is not None and abs(check_frame_rate(times, where) - frame_interval) > 0.01 * frame_interval:
            raise GlassmlError(f"frame_interval {frame_interval} disagrees with the 'time' column", where)
    else:
        if frame_interval is None:
            raise GlassmlError("tracks have no 'time' column: give the frame interval (--frame-interval)", where)
        if not (np.isfinite(frame_interval) and frame_interval > 0):
            raise GlassmlError(f"frame interval must be positive, got {frame_interval}", where)
        times = (frames - frames[0]) * float(frame_interval)
    return Tracks(pos, ang, times, box, labels, where)


def _unwrap_columns(ang: np.ndarray) -> np.ndarray:
    """Unwrap each particle's angle in time over the frames where it is seen (no gaps inside)."""
    out = ang.copy()
    for p in range(ang.shape[1]):
        seen = np.isfinite(ang[:, p])
        if seen.sum() > 1:
            out[seen, p] = np.unwrap(ang[seen, p])
    return out


def tracks_to_frame(tracks: Tracks):
    """trackpy's DataFrame layout (``frame``, ``particle``, ``x``, ``y``, ``orientation``, ``time``) of ``tracks``."""
    require("pandas", "active", purpose="writing tracks")
    import pandas as pd

    t, n = tracks.orientations.shape
    frame = np.repeat(np.arange(t), n)
    particle = np.tile(np.asarray(tracks.particles), t)
    seen = np.isfinite(tracks.orientations).ravel()
    return pd.DataFrame({"frame": frame[seen], "particle": particle[seen],
                         "x": tracks.positions[..., 0].ravel()[seen], "y": tracks.positions[..., 1].ravel()[seen],
                         "orientation": tracks.orientations.ravel()[seen], "time": np.repeat(tracks.times, n)[seen]})


def write_tracks(tracks: Tracks, path: str | os.PathLike) -> Path:
    """Write ``tracks`` as a CSV in trackpy's layout (atomically)."""
    from glassml.store.npzio import atomic_write_bytes

    path = Path(path)
    atomic_write_bytes(path, tracks_to_frame(tracks).to_csv(index=False).encode())
    return path
