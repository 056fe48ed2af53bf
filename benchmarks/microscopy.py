"""Benchmarks and reproduction runs of glassml.microscopy (numbers quoted in docs/guide/microscopy.md).

    python benchmarks/microscopy.py speed   # frames per second located by each method, ratio to trackpy
    python benchmarks/microscopy.py snr     # RMSE / Cramér–Rao bound, precision, recall against SNR
    python benchmarks/microscopy.py e2e     # KA2D (LAMMPS) -> images -> tracks -> MSD, Fs against the truth

Every mode prints a table; sizes are chosen to run on one core in minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from glassml.microscopy import AiryPSF, GaussianPSF, LodeSTAR, Microscope, TrackpyLocator, snr_study  # noqa: E402

KA2D = Path(__file__).resolve().parents[2] / "shared" / "data" / "glassbench-ka2d" / "N1290T0.23_151_tc05.npz"


def _torch_one_thread():
    import torch

    torch.set_num_threads(1)


def ka2d_trajectory(path: Path, steps, seed: int = 1) -> Path:
    """A KA2D NVT trajectory at T = 0.23 from the GlassBench configuration, as a glassml dataset."""
    from glassml.simulate.engine import LammpsEngine
    from glassml.store import Dataset
    from glassml.systems.models import get_model

    model = get_model("ka2d")
    with np.load(KA2D) as f:
        x0, types, box = f["initial_positions"], f["types"] - 1, float(f["box"])
    steps = np.asarray(steps)
    with LammpsEngine(model, x0, types, box) as engine:
        engine.draw_velocities(0.23, seed)
        traj = engine.record(steps, ensemble="nvt", temperature=0.23)
    times = steps[1:] * model.timestep
    ds = Dataset.create(path, model="ka2d", dimension=2, temperature=0.23, times=times, n_replicas=1, force=True)
    ds.write_sample("s151", {"types": types.astype(np.int64), "box": np.full(2, box), "initial_positions": traj[0],
                             "times": times, "positions": traj[1:, None]})
    return path


def speed(n_frames: int = 6) -> None:
    """Frames per second of trackpy and LodeSTAR on dense KA2D frames (329 x 329 pixels, 1290 particles)."""
    from glassml.microscopy.pipeline import render_stack
    from glassml.microscopy.stack import FrameStack

    _torch_one_thread()
    with tempfile.TemporaryDirectory() as tmp:
        traj = ka2d_trajectory(Path(tmp) / "traj", np.arange(n_frames) * 20)
        m = Microscope(psf=GaussianPSF(1.5)).with_snr(10)
        t = time.perf_counter()
        render_stack(traj, Path(tmp) / "render", m, show_progress=False)
        t_render = time.perf_counter() - t
        frames = list(FrameStack(Path(tmp) / "render" / "frames"))
    rows = []
    tp = TrackpyLocator(width=1.5).fit(frames)
    tp.locate(frames[0])  # numba compiles on the first call
    methods = [("trackpy (numba)", tp), ("trackpy (python)", TrackpyLocator(width=1.5, engine="python").fit(frames))]
    for aug in (1, 8):
        t = time.perf_counter()
        ls = LodeSTAR(width=1.5, augment=aug, steps=200).fit(frames)
        fit = time.perf_counter() - t
        methods.append((f"LodeSTAR (augment {aug}, training {fit:.0f} s)", ls))
    for name, loc in methods:
        t = time.perf_counter()
        for image in frames:
            loc.locate(image)
        rows.append((name, len(frames) / (time.perf_counter() - t)))
    ref = rows[0][1]
    print(f"render: {n_frames / t_render:.2f} frames/s ({frames[0].shape[1]}x{frames[0].shape[0]} px, 1290 particles)")
    print(f"{'method':45s} {'frames/s':>9s} {'ratio to trackpy':>17s}")
    for name, fps in rows:
        print(f"{name:45s} {fps:9.2f} {fps / ref:17.3f}")


def snr(psf: str = "gaussian", out: str | None = None, steps: int = 300) -> None:
    """RMSE / CRB, precision and recall of trackpy and LodeSTAR at SNR 2..50 (isolated particles)."""
    _torch_one_thread()
    p = GaussianPSF(1.5) if psf == "gaussian" else AiryPSF(1.5 / 0.3443)
    micro = Microscope(psf=p, background=10.0, read_noise=2.0)
    width = p.width
    locators = {"trackpy": lambda: TrackpyLocator(width=width),
                "lodestar": lambda: LodeSTAR(width=width, steps=steps)}
    t = time.perf_counter()
    res = snr_study(micro, [2, 3, 5, 10, 20, 50], locators, n_frames=6, shape=(128, 128), seed=0)
    res["seconds"] = time.perf_counter() - t
    if out:
        Path(out).write_text(json.dumps(res, indent=1))
    print(f"PSF {psf} (width {width:.3g} px), background 10 photons/px, read noise 2 e-, {res['n_frames']} frames of "
          f"128x128 px, spacing {res['spacing']:.0f} px, {res['seconds']:.0f} s")
    print(f"{'SNR':>4s} {'photons':>8s} {'CRB px':>7s} | {'trackpy':>8s} {'P':>6s} {'R':>6s} {'unc/rmse':>8s} | "
          f"{'LodeSTAR':>8s} {'P':>6s} {'R':>6s} {'unc/rmse':>8s}   (RMSE / CRB)")
    for r in res["rows"]:
        a, b = r["trackpy"], r["lodestar"]
        print(f"{r['snr']:4g} {r['photons']:8.0f} {r['crb']:7.4f} | {a['rmse_over_crb']:8.3f} {a['precision']:6.3f} "
              f"{a['recall']:6.3f} {a['uncertainty'] / a['rmse']:8.2f} | {b['rmse_over_crb']:8.3f} {b['precision']:6.3f} "
              f"{b['recall']:6.3f} {b['uncertainty'] / b['rmse']:8.2f}")


def e2e(snr_value: float = 10.0, methods=("trackpy", "lodestar")) -> None:
    """KA2D at T = 0.23 (LAMMPS, 13 frames to t = 10) rendered at SNR 10, tracked, MSD and Fs against the truth."""
    from glassml.microscopy.pipeline import track

    _torch_one_thread()
    steps = np.r_[0, np.unique(np.round(np.geomspace(1, 2000, 12)).astype(int))]
    with tempfile.TemporaryDirectory() as tmp:
        traj = ka2d_trajectory(Path(tmp) / "traj", steps)
        for method in methods:
            t = time.perf_counter()
            s = track(traj, Path(tmp) / "run", method=method, microscope=Microscope(psf=GaussianPSF(1.5)).with_snr(snr_value),
                      show_progress=False)
            loc, d = s["localisation"], s["dynamics"]
            print(f"\n{method}: {time.perf_counter() - t:.0f} s, {s['tracks']['n_tracks']} complete tracks of 1290; precision "
                  f"{loc['precision']:.4f}, recall {loc['recall']:.4f}; static error {loc['static_error']:.4f} px = "
                  f"{loc['static_error_over_crb']:.3f} CRB; sigma = {d['static_error']:.5f} diameters, "
                  f"2d sigma^2 = {d['msd_offset']:.3e}")
            print(f"{'t':>7s} {'MSD truth':>10s} {'MSD tracks':>10s} {'- 2dσ²':>10s} {'Fs truth':>9s} {'Fs tracks':>9s} {'Fs corr':>9s}")
            for i, tt in enumerate(d["times"]):
                print(f"{tt:7.3f} {d['msd_truth'][i]:10.3e} {d['msd_tracks'][i]:10.3e} {d['msd_corrected'][i]:10.3e} "
                      f"{d['fs_truth'][i]:9.4f} {d['fs_tracks'][i]:9.4f} {d['fs_corrected'][i]:9.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["speed", "snr", "e2e"])
    parser.add_argument("--psf", default="gaussian", choices=["gaussian", "airy"])
    parser.add_argument("--out", default=None, help="snr: also write the study as JSON here")
    parser.add_argument("--steps", type=int, default=300, help="snr: LodeSTAR training steps")
    args = parser.parse_args()
    if args.mode == "speed":
        speed()
    elif args.mode == "snr":
        snr(args.psf, args.out, args.steps)
    else:
        e2e()
