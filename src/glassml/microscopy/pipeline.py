"""The file-based pipeline behind ``glassml microscopy``: render, locate, link, track.

Every stage writes one file per frame (or one per stage) atomically and skips what is already
on disk, so an interrupted run resumes where it stopped and a crash never loses finished
frames.  A stage records its parameters in a JSON file beside its output; running it again
with other parameters is an error unless ``force`` is given.

Layout::

    RENDER/                       render_stack(...)
      render.json                 microscope, source, seed, frame times, pixel size
      truth.npz                   true_xy (T, N, 2) pixels, times, types, origin
      frames/frame_000000.tif     one TIFF per frame
    LOCATE/                       locate_stack(...)
      locate.json                 localiser and its fitted parameters
      lodestar.pt                 the trained network (LodeSTAR only)
      detections/frame_000000.npz x, y, signal, uncertainty of each frame
      detections.npz              all frames together (frame column)
    LINK/                         link_stack(...)
      link.json, tracks.npz, drift.npy, dataset/ (a glassml dataset of the tracks)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError
from glassml.microscopy.render import Microscope, frame_rng, particle_heights, trajectory_frames
from glassml.microscopy.stack import FrameStack, frame_name, write_frame
from glassml.progress import ProgressBar, say
from glassml.store.npzio import atomic_write_bytes, load_arrays, write_npz

RENDER_JSON = "render.json"
LOCATE_JSON = "locate.json"
LINK_JSON = "link.json"


def _write_json(path: Path, record: dict) -> None:
    atomic_write_bytes(path, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GlassmlError(f"cannot read ({exc})", path) from None


def _check_same(path: Path, old: dict, new: dict, keys, force: bool) -> None:
    changed = [k for k in keys if old.get(k) != new.get(k)]
    if changed and not force:
        raise GlassmlError(f"was made with other settings ({', '.join(changed)}); use another output folder "
                           "or pass --force to start again", path)


# ---------------------------------------------------------------------- render
def load_trajectory(source: str | os.PathLike, sample: str | None = None) -> tuple[str, dict]:
    """``(name, arrays)`` of one sample of a glassml dataset or of a file ``glassml convert`` reads."""
    from glassml.store import Dataset, read_any

    if Dataset.is_dataset(source):
        ds = Dataset.open(source)
        names = ds.sample_names()
        if not names:
            raise GlassmlError("dataset has no samples", source)
        name = sample or names[0]
        s = ds[name]
        arrays = s.arrays(["initial_positions", "positions", "box", "types"])
        times = ds.manifest.get("times")
        arrays["times"] = s["times"] if "times" in s else (np.asarray(times, float) if times is not None else None)
        return name, arrays
    samples, _meta = read_any(source)
    names = [n for n, _ in samples]
    pick = sample or names[0]
    for n, arrays in samples:
        if n == pick:
            return n, dict(arrays)
    raise GlassmlError(f"no sample named {pick!r} (have {', '.join(names[:5])})", source)


def render_stack(source: str | os.PathLike, out: str | os.PathLike, microscope: Microscope, *, sample: str | None = None,
                 replica: int = 0, seed: int = 0, max_frames: int | None = None, force: bool = False,
                 show_progress: bool = True) -> dict:
    """Render one replica of a dataset sample into ``out`` (see the module docstring); resumable."""
    name, arrays = load_trajectory(source, sample)
    for key in ("initial_positions", "positions", "box"):
        if arrays.get(key) is None:
            raise GlassmlError(f"sample {name!r} has no '{key}' to render", source)
    frames, times, lo, hi = trajectory_frames(arrays["initial_positions"], arrays["positions"], arrays["box"],
                                              arrays.get("times"), replica)
    if max_frames is not None:
        frames, times = frames[:max_frames], times[:max_frames]
    origin, shape = microscope.field_of_view(lo, hi)
    out = Path(out)
    record = {"source": str(source), "sample": name, "replica": int(replica), "seed": int(seed),
              "microscope": microscope.to_dict(), "n_frames": len(frames), "shape": list(shape),
              "origin": origin.tolist(), "pixel_size": microscope.pixel_size, "times": times.tolist()}
    rpath = out / RENDER_JSON
    if rpath.exists():
        _check_same(rpath, _read_json(rpath), record, ("source", "sample", "replica", "seed", "microscope", "n_frames", "shape"), force)
    elif out.exists() and any(out.iterdir()) and not force:
        raise GlassmlError("exists and is not a render folder; choose another output folder", out)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(rpath, record)
    types = np.asarray(arrays.get("types"), np.int64) if arrays.get("types") is not None else np.zeros(frames.shape[1], np.int64)
    heights = particle_heights(frames.shape[1], microscope, seed) if frames.shape[-1] == 2 else None
    focal = 0.5 * (lo[2] + hi[2]) if frames.shape[-1] == 3 else None
    true_xy = np.stack([_true_xy(microscope, frames, k, origin) for k in range(len(frames))])
    write_npz(out / "truth.npz", {"true_xy": true_xy, "times": times, "types": types, "origin": origin})
    fdir = out / "frames"
    fdir.mkdir(exist_ok=True)
    todo = [k for k in range(len(frames)) if force or not (fdir / frame_name(k)).exists()]
    say(show_progress and len(todo) < len(frames), f"resuming: {len(frames) - len(todo)} of {len(frames)} frames on disk")
    from glassml.microscopy.render import render_frame

    with ProgressBar(show_progress, total=len(frames), label="render", done=len(frames) - len(todo)) as bar:
        for k in todo:
            image, _ = render_frame(microscope, frames, k, origin, shape, seed, heights=heights, focal_plane=focal)
            write_frame(fdir / frame_name(k), image)
            bar.advance()
    return record


def _true_xy(microscope: Microscope, frames: np.ndarray, k: int, origin: np.ndarray) -> np.ndarray:
    xy = microscope.to_pixels(frames[k], origin)
    if microscope.blur_steps > 1 and microscope.exposure > 0:
        nxt = frames[k + 1] if k + 1 < len(frames) else frames[k] + (frames[k] - frames[k - 1] if k > 0 else 0.0)
        xy = xy + 0.5 * microscope.exposure * (microscope.to_pixels(nxt, origin) - xy)
    return xy


def read_render(folder: str | os.PathLike) -> tuple[dict, dict] | None:
    """``(render.json record, truth arrays)`` of a render folder, or None if ``folder`` is not one."""
    folder = Path(folder)
    if not (folder / RENDER_JSON).is_file() or not (folder / "truth.npz").is_file():
        return None
    return _read_json(folder / RENDER_JSON), load_arrays(folder / "truth.npz")


def frames_path(path: str | os.PathLike) -> Path:
    """The frames of ``path``: a render folder's ``frames/``, a folder of TIFFs, or a TIFF stack."""
    path = Path(path)
    if (path / RENDER_JSON).is_file() and (path / "frames").is_dir():
        return path / "frames"
    return path


# ---------------------------------------------------------------------- locate
def make_locator(name: str, width: float, seed: int = 0, **options):
    """A fresh localiser by name: ``trackpy`` or ``lodestar``."""
    if name == "trackpy":
        from glassml.microscopy.trackpy_locator import TrackpyLocator

        return TrackpyLocator(width=width, **options)
    if name == "lodestar":
        from glassml.microscopy.lodestar import LodeSTAR

        return LodeSTAR(width=width, seed=seed, **options)
    raise GlassmlError(f"unknown localiser {name!r}; choose trackpy or lodestar")


def _save_locator(locator, out: Path) -> dict:
    state = locator.params()
    if state["name"] == "lodestar":
        import io

        import torch

        buffer = io.BytesIO()
        torch.save(locator.model_.state_dict(), buffer)
        atomic_write_bytes(out / "lodestar.pt", buffer.getvalue())
        state["margin"] = locator.margin_
        state["threshold_"] = locator.threshold_
        state["vote_count_"] = locator.vote_count_
        state["channels"] = locator.channels
    return state


def _restore_locator(state: dict, out: Path, seed: int):
    loc = make_locator(state["name"], state["width"], seed=seed)
    if state["name"] == "trackpy":
        loc.diameter_, loc.separation_, loc.minmass_ = int(state["diameter"]), float(state["separation"]), float(state["minmass"])
        return loc
    import torch

    from glassml.microscopy.lodestar import _Net

    loc.channels = int(state["channels"])
    loc.augment = int(state["augment"])
    loc.model_ = _Net.build(loc.channels)
    try:
        loc.model_.load_state_dict(torch.load(out / "lodestar.pt", weights_only=True))
    except (OSError, RuntimeError) as exc:
        raise GlassmlError(f"cannot load the trained network ({exc}); pass --force to train again", out / "lodestar.pt") from None
    loc.model_.eval()
    loc.margin_, loc.threshold_, loc.vote_count_ = int(state["margin"]), float(state["threshold_"]), float(state["vote_count_"])
    return loc


def locate_stack(source: str | os.PathLike, out: str | os.PathLike, *, method: str = "trackpy", width: float | None = None,
                 seed: int = 0, force: bool = False, show_progress: bool = True, options: dict | None = None) -> dict:
    """Locate particles in every frame of ``source`` into ``out`` (module docstring); resumable.

    ``width``: the spots' Gaussian width in pixels; read from ``render.json`` when ``source`` is a
    render folder.  ``options`` go to the localiser's constructor.
    """
    source = Path(source)
    rendered = read_render(source)
    if width is None:
        if rendered is None:
            raise GlassmlError("give the spot width in pixels (--width): no render.json beside the frames", source)
        from glassml.microscopy.optics import make_psf

        psf = rendered[0]["microscope"]["psf"]
        width = make_psf(psf["kind"], psf["size"]).width
    if not width > 0:
        raise GlassmlError(f"spot width must be positive, got {width}")
    stack = FrameStack(frames_path(source))
    out = Path(out)
    record = {"frames": str(frames_path(source).resolve()), "method": method, "width": float(width), "seed": int(seed),
              "options": options or {}, "n_frames": len(stack), "shape": list(stack.shape)}
    lpath = out / LOCATE_JSON
    old = _read_json(lpath) if lpath.exists() else None
    if old is not None:
        _check_same(lpath, old, record, ("frames", "method", "width", "seed", "options", "n_frames", "shape"), force)
    elif out.exists() and any(out.iterdir()) and not force:
        raise GlassmlError("exists and is not a locate folder; choose another output folder", out)
    out.mkdir(parents=True, exist_ok=True)
    ddir = out / "detections"
    ddir.mkdir(exist_ok=True)
    if old is not None and not force and "locator" in old:
        locator = _restore_locator(old["locator"], out, seed)
    else:
        locator = make_locator(method, width, seed=seed, **(options or {}))
        say(show_progress, f"fitting the {method} localiser on the first frames")
        locator.fit(stack)
        record["locator"] = _save_locator(locator, out)
        _write_json(lpath, record)
    record["locator"] = (old or record).get("locator", record.get("locator"))

    def fpath(k):
        return ddir / frame_name(k).replace(".tif", ".npz")

    todo = [k for k in range(len(stack)) if force or not fpath(k).exists()]
    say(show_progress and len(todo) < len(stack), f"resuming: {len(stack) - len(todo)} of {len(stack)} frames located")
    with ProgressBar(show_progress, total=len(stack), label=f"locate ({method})", done=len(stack) - len(todo)) as bar:
        for k in todo:
            write_npz(fpath(k), locator.locate(stack[k]))
            bar.advance()
    stack.close()
    per_frame = [load_arrays(fpath(k)) for k in range(len(stack))]
    combined = {c: np.concatenate([d[c] for d in per_frame]) for c in per_frame[0]}
    combined["frame"] = np.concatenate([np.full(len(d["x"]), k) for k, d in enumerate(per_frame)])
    write_npz(out / "detections.npz", combined)
    record["n_detections"] = int(len(combined["x"]))
    return record


def read_detections(folder: str | os.PathLike) -> list[dict[str, np.ndarray]]:
    """Per-frame detections of a locate folder."""
    folder = Path(folder)
    if not (folder / "detections.npz").is_file():
        raise GlassmlError("not a finished locate folder (no detections.npz); run glassml microscopy locate", folder)
    d = load_arrays(folder / "detections.npz")
    rec = _read_json(folder / LOCATE_JSON)
    return [{c: v[d["frame"] == k] for c, v in d.items() if c != "frame"} for k in range(int(rec["n_frames"]))]


# ---------------------------------------------------------------------- link
def search_range_rule(detections: dict[str, np.ndarray]) -> float:
    """Default search range: half the median nearest-neighbour distance of the first frame's detections
    (a particle of a glass moves far less than that between frames, and no neighbour is closer)."""
    from scipy.spatial import cKDTree

    xy = np.c_[detections["x"], detections["y"]]
    if len(xy) < 2:
        raise GlassmlError("fewer than two detections in the first frame: give --search-range")
    dist, _ = cKDTree(xy).query(xy, k=2)
    return float(0.5 * np.median(dist[:, 1]))


def link_stack(locate_dir: str | os.PathLike, out: str | os.PathLike, *, search_range: float | None = None, memory: int = 0,
               subtract: bool = True, pixel_size: float | None = None, frame_interval: float | None = None,
               force: bool = False, show_progress: bool = True) -> dict:
    """Link a locate folder's detections, subtract drift and write the tracks and their dataset into ``out``."""
    from glassml.microscopy.tracks import detections_table, drift, link, subtract_drift, tracks_to_dataset

    locate_dir = Path(locate_dir)
    per_frame = read_detections(locate_dir)
    rec = _read_json(locate_dir / LOCATE_JSON)
    frames_dir = Path(rec["frames"])
    rendered = read_render(frames_dir.parent) if frames_dir.name == "frames" else None
    times = None
    if pixel_size is None:
        pixel_size = float(rendered[0]["pixel_size"]) if rendered else 1.0
    if frame_interval is None and rendered:
        times = np.asarray(rendered[0]["times"], float)
    sr = float(search_range) if search_range is not None else search_range_rule(per_frame[0])
    out = Path(out)
    record = {"locate": str(locate_dir.resolve()), "search_range": sr, "memory": int(memory), "drift": bool(subtract),
              "pixel_size": float(pixel_size), "frame_interval": None if frame_interval is None else float(frame_interval)}
    lpath = out / LINK_JSON
    if lpath.exists():
        _check_same(lpath, _read_json(lpath), record, ("locate", "search_range", "memory", "drift", "pixel_size", "frame_interval"), force)
        force = True  # the same settings: redo (linking is one step, not per frame)
    elif out.exists() and any(out.iterdir()) and not force:
        raise GlassmlError("exists and is not a link folder; choose another output folder", out)
    out.mkdir(parents=True, exist_ok=True)
    say(show_progress, f"linking {sum(len(d['x']) for d in per_frame)} detections in {len(per_frame)} frames "
                       f"(search range {sr:.3g} px, memory {memory})")
    tracks = link(detections_table(per_frame), sr, memory)
    d = drift(tracks) if subtract else np.zeros((len(per_frame), 2))
    if subtract:
        tracks = subtract_drift(tracks, d)
    write_npz(out / "tracks.npz", {c: tracks[c].to_numpy().astype(float if c != "particle" else np.int64)
                                   for c in ("frame", "x", "y", "signal", "uncertainty", "particle")})
    write_npz(out / "drift.npz", {"drift": d})
    ds = tracks_to_dataset(out / "dataset", tracks, len(per_frame), tuple(rec["shape"]), pixel_size=pixel_size,
                           frame_interval=1.0 if frame_interval is None else frame_interval, times=times, force=True,
                           record={"search_range": sr, "memory": int(memory), "drift_subtracted": bool(subtract),
                                   "localiser": rec.get("method")})
    record["n_tracks"] = int(ds["tracks"]["types"].shape[0])
    record["n_particles_linked"] = int(tracks["particle"].nunique())
    record["dataset"] = str(ds.path)
    _write_json(lpath, record)
    return record


# ---------------------------------------------------------------------- track
def is_trajectory(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a trajectory to render (a dataset or a non-TIFF file), not frames."""
    from glassml.store import Dataset

    p = Path(path)
    if Dataset.is_dataset(p):
        return True
    return p.is_file() and p.suffix.lower() not in (".tif", ".tiff")


def track(source: str | os.PathLike, out: str | os.PathLike, *, method: str = "trackpy", microscope: Microscope | None = None,
          sample: str | None = None, replica: int = 0, max_frames: int | None = None, width: float | None = None,
          search_range: float | None = None, memory: int = 0, subtract: bool = True, pixel_size: float | None = None,
          frame_interval: float | None = None, snrs=None, snr_methods=None, seed: int = 0, force: bool = False,
          show_progress: bool = True, options: dict | None = None) -> dict:
    """Render (if ``source`` is a trajectory), locate, link, convert, and report (if the truth is known).

    Output folders under ``out``: ``render/``, ``locate-<method>/``, ``link-<method>/`` (with the
    tracks' dataset), ``report/``.  Each stage resumes.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict = {"method": method}
    frames_src = Path(source)
    if is_trajectory(source):
        frames_src = out / "render"
        summary["render"] = render_stack(source, frames_src, microscope or Microscope(), sample=sample, replica=replica,
                                         seed=seed, max_frames=max_frames, force=force, show_progress=show_progress)
    loc = locate_stack(frames_src, out / f"locate-{method}", method=method, width=width, seed=seed, force=force,
                       show_progress=show_progress, options=options)
    summary["locate"] = {k: loc[k] for k in ("method", "width", "n_frames", "shape", "locator", "n_detections") if k in loc}
    lnk = link_stack(out / f"locate-{method}", out / f"link-{method}", search_range=search_range, memory=memory, subtract=subtract,
                     pixel_size=pixel_size, frame_interval=frame_interval, force=force, show_progress=show_progress)
    summary["tracks"] = lnk
    rendered = read_render(frames_src)
    if rendered is not None:
        summary.update(report_against_truth(frames_src, out / f"locate-{method}", out / f"link-{method}", out / "report",
                                            snrs=snrs, snr_methods=snr_methods or [method], seed=seed, show_progress=show_progress))
    return summary


def report_against_truth(render_dir, locate_dir, link_dir, out, *, snrs=None, snr_methods=("trackpy",), seed: int = 0,
                         show_progress: bool = True) -> dict:
    """The report page of a rendered, located and linked stack (see :mod:`glassml.microscopy.report`)."""
    from glassml.microscopy import report as rp
    from glassml.store import Dataset

    record, truth = read_render(render_dir)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    micro = Microscope.from_dict(record["microscope"])
    shape = tuple(record["shape"])
    per_frame = read_detections(locate_dir)
    border = 2 * micro.psf.width
    loc = rp.localisation_errors(truth["true_xy"], per_frame, match_distance=3 * micro.psf.width, border=border, shape=shape)
    from glassml.microscopy.crb import microscope_bound

    loc["crb"] = microscope_bound(micro)
    loc["static_error_over_crb"] = loc["static_error"] / loc["crb"]
    loc["snr"] = micro.snr
    summary: dict = {"localisation": loc}
    px = float(record["pixel_size"])
    gt = rp.truth_dataset(out / "truth-dataset", truth["true_xy"], np.asarray(record["times"], float), shape, px, border=border)
    tracks_ds = Dataset.open(Path(link_dir) / "dataset")
    figures = {}
    if len(record["times"]) > 2:  # the dynamics need two lag times at least
        summary["dynamics"] = rp.compare_dynamics(tracks_ds, gt, loc["static_error"] * px)
        figures["Dynamics from tracks and from the truth"] = rp.plot_dynamics(summary["dynamics"], out / "dynamics.png")
    stack = FrameStack(frames_path(render_dir))
    figures["A frame with detections"] = rp.plot_detections(stack[0], {_read_json(Path(locate_dir) / LOCATE_JSON)["method"]: per_frame[0]},
                                                             out / "frame.png", true_xy=truth["true_xy"][0])
    stack.close()
    if snrs:
        from glassml.microscopy.study import snr_study

        width = micro.psf.width
        factories = {m: (lambda m=m: make_locator(m, width, seed=seed)) for m in snr_methods}
        summary["snr"] = snr_study(micro, list(snrs), factories, seed=seed, show_progress=show_progress)
        figures["Localisation error against SNR"] = rp.plot_snr(summary["snr"], out / "snr.png")
    summary["report"] = str(rp.write_report(out, summary, figures))
    return summary
