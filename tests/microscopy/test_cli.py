"""``glassml microscopy render|locate|link|track``: the pipeline, resuming, and bad input."""

import numpy as np
import pytest

from glassml.cli import main
from glassml.store import Dataset

pytest.importorskip("trackpy")
tifffile = pytest.importorskip("tifffile")


@pytest.fixture(scope="module")
def walkers(tmp_path_factory):
    """A dataset of 16 particles on a jittered grid in a 6 x 6 box, 5 frames of small random steps."""
    path = tmp_path_factory.mktemp("walk") / "ds"
    rng = np.random.default_rng(0)
    x0 = np.stack(np.meshgrid(np.arange(4), np.arange(4)), -1).reshape(-1, 2) * 1.4 + 0.9 + rng.uniform(-0.1, 0.1, (16, 2))
    pos = x0 + np.cumsum(rng.normal(0, 0.03, (4, 1, 16, 2)), axis=0)
    ds = Dataset.create(path, model="test", dimension=2, times=[1.0, 2.0, 3.0, 4.0], n_replicas=1)
    ds.write_sample("s0", {"types": np.zeros(16, np.int64), "box": np.full(2, 6.0), "initial_positions": x0,
                           "times": np.array([1.0, 2.0, 3.0, 4.0]), "positions": pos})
    return path


def _one_error_line(capsys):
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line.startswith("error:")]
    assert len(err) == 1, err
    return err[0]


def test_locate_resumes_and_keeps_finished_frames(walkers, tmp_path, capsys):
    render = tmp_path / "render"
    assert main(["microscopy", "render", str(walkers), "--out", str(render), "--snr", "20"]) == 0
    loc = tmp_path / "loc"
    assert main(["microscopy", "locate", str(render), "--out", str(loc)]) == 0
    files = sorted((loc / "detections").iterdir())
    assert len(files) == 5
    stamps = {f.name: f.stat().st_mtime_ns for f in files}
    files[2].unlink()
    assert main(["microscopy", "locate", str(render), "--out", str(loc)]) == 0
    assert "resuming: 4 of 5" in capsys.readouterr().err
    for f in sorted((loc / "detections").iterdir()):
        if f.name != files[2].name:
            assert f.stat().st_mtime_ns == stamps[f.name]
    # other settings without --force: refused, nothing touched
    assert main(["microscopy", "locate", str(render), "--out", str(loc), "--minmass", "5"]) == 2
    assert "other settings" in _one_error_line(capsys)
    assert main(["microscopy", "link", str(loc), "--out", str(tmp_path / "link")]) == 0


def test_bad_frame_mid_stack_keeps_what_was_done(tmp_path, capsys):
    frames = tmp_path / "frames"
    frames.mkdir()
    rng = np.random.default_rng(0)
    for k in range(5):
        img = rng.poisson(10, (40, 40)).astype(np.uint16) + 100
        img[18:22, 18:22] += 200
        tifffile.imwrite(frames / f"f{k}.tif", img)
    tifffile.imwrite(frames / "f3.tif", rng.poisson(10, (40, 48)).astype(np.uint16))  # another size
    out = tmp_path / "loc"
    assert main(["microscopy", "locate", str(frames), "--out", str(out), "--width", "1.5"]) == 2
    assert "differs from the stack's" in _one_error_line(capsys)
    assert sorted(f.name for f in (out / "detections").iterdir()) == ["frame_000000.npz", "frame_000001.npz", "frame_000002.npz"]


@pytest.mark.parametrize("kind", ["empty", "saturated", "text", "missing"])
def test_bad_input_one_line_exit_2(kind, tmp_path, capsys):
    path = tmp_path / "stack.tif"
    rng = np.random.default_rng(0)
    if kind == "empty":
        tifffile.imwrite(path, np.full((3, 32, 32), 100, np.uint16), photometric="minisblack")
    elif kind == "saturated":
        img = rng.poisson(10, (3, 32, 32)).astype(np.uint16)
        img[:, 10, 10] = 65535
        tifffile.imwrite(path, img, photometric="minisblack")
    elif kind == "text":
        path.write_text("not an image\n")
    assert main(["microscopy", "locate", str(path), "--out", str(tmp_path / "loc"), "--width", "1.5"]) == 2
    line = _one_error_line(capsys)
    assert {"empty": "empty", "saturated": "saturated", "text": "not a TIFF", "missing": "does not exist"}[kind] in line
