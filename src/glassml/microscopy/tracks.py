"""Linking detections into tracks, drift subtraction, and tracks into a glassml dataset.

Linking is trackpy's (``trackpy.link``: J. C. Crocker and D. G. Grier, J. Colloid Interface
Sci. 179, 298 (1996)), with a search range and a memory (frames a particle may vanish for).
Drift is the mean displacement of the particles present in consecutive frames, summed over
frames (``trackpy.compute_drift``); subtracting it removes a stage drift, and with it any
collective motion of the field of view (as in experiments on colloidal glasses).

A glassml dataset from tracks holds one sample (``tracks``) of the particles followed through
every frame, as one trajectory (R = 1): ``initial_positions`` the first frame,
``positions`` (T-1, 1, N, 2) the others, in length units (``pixel_size`` length units per
pixel, e.g. particle diameters), ``times`` in frames × ``frame_interval``.  Frames a particle
was missing from (``memory``) are filled by linear interpolation.  The ``box`` is the field of
view; it is not periodic.  Species are unknown from images: ``types`` are all 0.
"""

from __future__ import annotations

import os

import numpy as np

from glassml.errors import GlassmlError, require


def detections_table(frames: list[dict[str, np.ndarray]]):
    """A pandas DataFrame (frame, x, y, signal, uncertainty) from per-frame detections."""
    require("pandas", "microscopy", purpose="linking")
    import pandas as pd

    parts = []
    for k, d in enumerate(frames):
        df = pd.DataFrame({c: np.asarray(v) for c, v in d.items()})
        df.insert(0, "frame", k)
        parts.append(df)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["frame", "x", "y"])


def link(detections, search_range: float, memory: int = 0):
    """Link a detections table into tracks (trackpy); adds a ``particle`` column."""
    require("trackpy", "microscopy", purpose="linking")
    import trackpy

    if not search_range > 0:
        raise GlassmlError(f"search range must be positive, got {search_range}")
    if memory < 0:
        raise GlassmlError(f"memory must be >= 0, got {memory}")
    trackpy.quiet()
    if len(detections) == 0:
        raise GlassmlError("no detections to link")
    return trackpy.link(detections, search_range, memory=int(memory), t_column="frame")


def drift(tracks, smoothing: int = 0) -> np.ndarray:
    """(T, 2) cumulative drift (x, y) of the field of view, zero at the first frame (trackpy ``compute_drift``)."""
    require("trackpy", "microscopy", purpose="drift subtraction")
    import trackpy

    frames = np.arange(int(tracks["frame"].min()), int(tracks["frame"].max()) + 1)
    d = trackpy.compute_drift(tracks, smoothing=smoothing, pos_columns=["x", "y"])
    d = d.reindex(frames).interpolate().fillna(0.0)
    out = d[["x", "y"]].to_numpy()
    return out - out[0]


def subtract_drift(tracks, drift_xy: np.ndarray):
    """Tracks with the drift of their frame subtracted (a copy)."""
    t = tracks.copy()
    f = t["frame"].to_numpy().astype(int) - int(t["frame"].min())
    t["x"] = t["x"].to_numpy() - drift_xy[f, 0]
    t["y"] = t["y"].to_numpy() - drift_xy[f, 1]
    return t


def complete_tracks(tracks, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(T, M, 2) positions of the M particles followed from the first to the last frame, gaps
    filled by linear interpolation, and their particle ids (M,)."""
    ids, xs = [], []
    for pid, g in tracks.groupby("particle"):
        f = g["frame"].to_numpy().astype(int)
        if f.min() != 0 or f.max() != n_frames - 1:
            continue
        order = np.argsort(f)
        f = f[order]
        full = np.arange(n_frames)
        x = np.interp(full, f, g["x"].to_numpy()[order])
        y = np.interp(full, f, g["y"].to_numpy()[order])
        ids.append(pid)
        xs.append(np.stack([x, y], -1))
    if not xs:
        return np.zeros((n_frames, 0, 2)), np.zeros(0, int)
    return np.stack(xs, axis=1), np.asarray(ids)


def tracks_to_dataset(path: str | os.PathLike, tracks, n_frames: int, shape: tuple[int, int], *,
                      pixel_size: float = 1.0, frame_interval: float = 1.0, times: np.ndarray | None = None,
                      force: bool = False, record: dict | None = None):
    """Write the complete tracks as a glassml dataset (see the module docstring); returns it.

    ``times`` (n_frames,) overrides ``frame_interval`` (frame k at times[k] - times[0]).
    """
    from glassml.store import Dataset

    xy, ids = complete_tracks(tracks, n_frames)
    if xy.shape[1] == 0:
        raise GlassmlError("no particle is followed through every frame; raise the search range or memory")
    if n_frames < 2:
        raise GlassmlError("a dataset of tracks needs at least two frames")
    pos = xy * float(pixel_size)
    t = (np.arange(n_frames) * float(frame_interval)) if times is None else np.asarray(times, float) - float(times[0])
    box = np.array([shape[1], shape[0]], float) * float(pixel_size)
    ds = Dataset.create(path, model={"name": "microscopy", "periodic": False}, dimension=2, temperature=None,
                        times=t[1:], n_replicas=1, force=force,
                        microscopy={"pixel_size": float(pixel_size), "frame_interval": float(frame_interval),
                                    "n_tracks": int(xy.shape[1]), **(record or {})})
    arrays = {
        "types": np.zeros(xy.shape[1], np.int64),
        "box": box,
        "initial_positions": pos[0],
        "times": t[1:],
        "positions": pos[1:, None],
        "particle": ids.astype(np.int64),
    }
    ds.write_sample("tracks", arrays, save=False)
    ds.set_split(["tracks"], [], [], save=False)
    ds.save_manifest()
    return ds
