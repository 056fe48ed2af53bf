"""Tracks against the truth: localisation error, detection, dynamics; figures and a report page.

The dynamics of the tracks and of the true trajectory are computed by the same call,
:func:`glassml.dynamics.dataset_observables`, on two glassml datasets: the tracks' dataset
and a dataset of the true positions of the particles that stay in the field of view.  With a
static localisation error of σ per axis (independent between frames), the measured
MSD(t) = MSD_true(t) + 2dσ² and Fs(k, t) = Fs_true(k, t) · exp(-k²σ²) (Savin & Doyle,
Biophys. J. 88, 623 (2005)); the report shows the offset, subtracts it, and compares.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import numpy as np

from glassml.microscopy.detections import match_detections
from glassml.store.npzio import atomic_write_bytes


def localisation_errors(true_xy: np.ndarray, per_frame: list[dict], match_distance: float, border: float = 0.0,
                        shape: tuple[int, int] | None = None) -> dict:
    """Per-axis static error, precision and recall of detections against the truth (T, N, 2), over all frames."""
    errs, n_true, n_det, n_match = [], 0, 0, 0
    for k, d in enumerate(per_frame):
        t = true_xy[k]
        det = np.c_[d["x"], d["y"]]
        if shape is not None:
            h, w = shape
            inside = lambda p: (p[:, 0] >= border) & (p[:, 0] < w - border) & (p[:, 1] >= border) & (p[:, 1] < h - border)  # noqa: E731
            t = t[inside(t)]
            det = det[inside(det)]
        m = match_detections(t, det, match_distance)
        errs.append(m.error)
        n_true += m.n_true
        n_det += m.n_detected
        n_match += len(m.true_index)
    e = np.concatenate(errs) if errs else np.zeros((0, 2))
    return {"static_error": float(np.sqrt(np.mean(e ** 2))) if len(e) else float("nan"),
            "bias": e.mean(0).tolist() if len(e) else [float("nan")] * 2,
            "precision": n_match / n_det if n_det else 1.0, "recall": n_match / n_true if n_true else 1.0}


def truth_dataset(path: str | os.PathLike, true_xy: np.ndarray, times: np.ndarray, shape: tuple[int, int], pixel_size: float,
                  border: float = 0.0):
    """A glassml dataset of the true positions (length units) of the particles that stay in view."""
    from glassml.store import Dataset

    h, w = shape
    x, y = true_xy[..., 0], true_xy[..., 1]
    keep = ((x >= border) & (x < w - border) & (y >= border) & (y < h - border)).all(axis=0)
    pos = true_xy[:, keep] * pixel_size
    ds = Dataset.create(path, model={"name": "microscopy-truth", "periodic": False}, dimension=2, times=times[1:] - times[0],
                        n_replicas=1, force=True)
    ds.write_sample("truth", {"types": np.zeros(pos.shape[1], np.int64), "box": np.array([w, h], float) * pixel_size,
                              "initial_positions": pos[0], "times": times[1:] - times[0], "positions": pos[1:, None]}, save=False)
    ds.set_split(["truth"], [], [], save=False)
    ds.save_manifest()
    return ds


def compare_dynamics(tracks_dataset, truth_ds, static_error: float, k: float = 2 * np.pi) -> dict:
    """MSD and Fs(k, t) of tracks and truth (the same glassml.dynamics call), with the static-error
    corrections: MSD - 2dσ² and Fs · exp(k²σ²); σ in length units."""
    from glassml.dynamics import dataset_observables

    tr = dataset_observables(tracks_dataset, k=k)
    gt = dataset_observables(truth_ds, k=k)
    d = 2
    offset = 2 * d * static_error ** 2
    msd_tr, msd_gt = np.asarray(tr["msd"]), np.asarray(gt["msd"])
    fs_tr, fs_gt = np.asarray(tr["fs"]), np.asarray(gt["fs"])
    return {"times": list(map(float, tr["times"])), "k": k, "static_error": static_error, "msd_offset": offset,
            "msd_tracks": msd_tr.tolist(), "msd_truth": msd_gt.tolist(), "msd_corrected": (msd_tr - offset).tolist(),
            "fs_tracks": fs_tr.tolist(), "fs_truth": fs_gt.tolist(),
            "fs_corrected": (fs_tr * np.exp(k ** 2 * static_error ** 2)).tolist(),
            "n_tracks": int(tr.get("n_particles", 0) or 0), "n_truth": int(gt.get("n_particles", 0) or 0)}


# ---------------------------------------------------------------------- figures
def _figure(ncols: int = 1, width: float = 5.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width * ncols, 4.2))


def _save(fig, path: Path) -> Path:
    import io

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def plot_detections(image: np.ndarray, detections: dict[str, dict], path: Path, true_xy: np.ndarray | None = None,
                    zoom: int | None = 96) -> Path:
    """A frame (top-left ``zoom`` pixels) with each localiser's detections and the true positions."""
    fig, ax = _figure(width=6.0)
    img = np.asarray(image, float)
    z = img.shape if zoom is None else (min(zoom, img.shape[0]), min(zoom, img.shape[1]))
    ax.imshow(img[:z[0], :z[1]], cmap="gray", extent=(0, z[1], z[0], 0))
    marks = ["o", "x", "+"]
    colors = ["tab:orange", "tab:cyan", "tab:pink"]
    if true_xy is not None:
        t = true_xy[(true_xy[:, 0] < z[1]) & (true_xy[:, 1] < z[0])]
        ax.plot(t[:, 0], t[:, 1], ".", color="lime", ms=3, label="truth")
    for n, (name, d) in enumerate(detections.items()):
        sel = (d["x"] < z[1]) & (d["y"] < z[0])
        ax.plot(d["x"][sel], d["y"][sel], marks[n % 3], mfc="none", color=colors[n % 3], ms=7, label=name)
    ax.set_xlim(0, z[1])
    ax.set_ylim(z[0], 0)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("frame 0 with detections")
    return _save(fig, path)


def plot_snr(study: dict, path: Path) -> Path:
    """RMSE / CRB against SNR for each localiser, and precision and recall."""
    fig, (a, b) = _figure(2)
    snr = [r["snr"] for r in study["rows"]]
    for name in study["methods"]:
        a.plot(snr, [r[name]["rmse_over_crb"] for r in study["rows"]], "o-", label=name)
        b.plot(snr, [r[name]["precision"] for r in study["rows"]], "o-", label=f"{name} precision")
        b.plot(snr, [r[name]["recall"] for r in study["rows"]], "s--", label=f"{name} recall")
    a.axhline(1.0, color="k", lw=0.8)
    a.axhline(1.5, color="gray", ls=":", lw=0.8)
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("SNR")
        ax.legend(fontsize=8)
    a.set_ylabel("RMSE / Cramér–Rao bound")
    b.set_ylabel("precision, recall")
    return _save(fig, path)


def plot_dynamics(cmp: dict, path: Path) -> Path:
    """MSD (raw, offset-corrected) and Fs of tracks against the truth."""
    fig, (a, b) = _figure(2)
    t = np.asarray(cmp["times"])
    a.loglog(t, cmp["msd_truth"], "k-", label="truth")
    a.loglog(t, cmp["msd_tracks"], "o", mfc="none", label="tracks")
    corrected = np.asarray(cmp["msd_corrected"], float)
    a.loglog(t, np.where(corrected > 0, corrected, np.nan), "x", label=f"tracks − 2dσ² (σ = {cmp['static_error']:.3g}; ≤ 0 not drawn)")
    a.axhline(cmp["msd_offset"], color="gray", ls=":", lw=0.8)
    a.set_xlabel("t")
    a.set_ylabel("MSD")
    a.legend(fontsize=8)
    b.semilogx(t, cmp["fs_truth"], "k-", label="truth")
    b.semilogx(t, cmp["fs_tracks"], "o", mfc="none", label="tracks")
    b.semilogx(t, cmp["fs_corrected"], "x", label="tracks · exp(k²σ²)")
    b.set_xlabel("t")
    b.set_ylabel(f"Fs(k = {cmp['k']:.3g}, t)")
    b.legend(fontsize=8)
    return _save(fig, path)


# ---------------------------------------------------------------------- page
def write_report(out: str | os.PathLike, summary: dict, figures: dict[str, Path]) -> Path:
    """``report.html`` (figures and tables) and ``report.json`` (every number) in ``out``."""
    out = Path(out)
    atomic_write_bytes(out / "report.json", (json.dumps(summary, indent=1, sort_keys=True, default=float) + "\n").encode())
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>glassml microscopy report</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>",
             "<h1>Microscopy: images to tracks to dynamics</h1>"]
    for key, title in (("localisation", "Localisation against the truth"), ("tracks", "Tracks")):
        if key in summary:
            parts.append(f"<h2>{title}</h2><table>")
            for name, value in summary[key].items():
                parts.append(f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(json.dumps(value, default=float))}</td></tr>")
            parts.append("</table>")
    for name, path in figures.items():
        parts.append(f"<h2>{html.escape(name)}</h2><img src='{html.escape(Path(path).name)}' style='max-width:100%'>")
    if "snr" in summary:
        parts.append("<h2>Error against SNR</h2><table><tr><th>SNR</th><th>CRB (px)</th>")
        methods = summary["snr"]["methods"]
        parts.extend(f"<th>{m} RMSE/CRB</th><th>{m} precision</th><th>{m} recall</th>" for m in methods)
        parts.append("</tr>")
        for r in summary["snr"]["rows"]:
            cells = "".join(f"<td>{r[m]['rmse_over_crb']:.3f}</td><td>{r[m]['precision']:.3f}</td><td>{r[m]['recall']:.3f}</td>" for m in methods)
            parts.append(f"<tr><td>{r['snr']:g}</td><td>{r['crb']:.4f}</td>{cells}</tr>")
        parts.append("</table>")
    if "dynamics" in summary:
        c = summary["dynamics"]
        parts.append(f"<h2>Dynamics</h2><p>static error σ = {c['static_error']:.4g}, MSD offset 2dσ² = {c['msd_offset']:.4g}</p>")
        parts.append("<table><tr><th>t</th><th>MSD truth</th><th>MSD tracks</th><th>tracks − 2dσ²</th><th>Fs truth</th><th>Fs tracks</th><th>Fs corrected</th></tr>")
        for i, t in enumerate(c["times"]):
            parts.append("<tr>" + "".join(f"<td>{v:.4g}</td>" for v in (t, c["msd_truth"][i], c["msd_tracks"][i], c["msd_corrected"][i],
                                                                         c["fs_truth"][i], c["fs_tracks"][i], c["fs_corrected"][i])) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    path = out / "report.html"
    atomic_write_bytes(path, "\n".join(parts).encode())
    return path
