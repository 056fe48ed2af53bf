"""Tracks from trackpy-layout tables: round trip and one-line errors for bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glassml.active import Tracks, read_tracks, tracks_to_frame, write_tracks
from glassml.cli import main
from glassml.errors import GlassmlError


def _tracks(t=6, n=4):
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(0, 0.1, (t, n, 2)), axis=0) + rng.uniform(0, 5, (1, n, 2))
    th = np.cumsum(rng.normal(0, 0.5, (t, n)), axis=0) + 3.0  # crosses +-pi: must be unwrapped back
    return Tracks(x, th, np.arange(t) * 0.1, None)


def test_roundtrip_csv(tmp_path):
    tr = _tracks()
    path = write_tracks(tr, tmp_path / "tracks.csv")
    back = read_tracks(path)
    np.testing.assert_allclose(back.positions, tr.positions)
    np.testing.assert_allclose(back.orientations, tr.orientations)
    assert back.frame_interval == pytest.approx(0.1)
    # wrapped angles (as a tracker writes them) come back unwrapped
    df = tracks_to_frame(tr)
    df["orientation"] = np.angle(np.exp(1j * df["orientation"]))
    df = df.drop(columns="time").rename(columns={"orientation": "theta"})
    back = read_tracks(df, frame_interval=0.1)
    np.testing.assert_allclose(back.orientations - back.orientations[0], tr.orientations - tr.orientations[0], atol=1e-9)


def test_late_entries_are_kept():
    df = tracks_to_frame(_tracks())
    df = df[~((df["particle"] == 2) & (df["frame"] < 2))]
    back = read_tracks(df)
    assert np.isnan(back.positions[0, 2]).all() and np.isfinite(back.positions[2, 2]).all()


def _bad(df, match, **kw):
    with pytest.raises(GlassmlError, match=match) as info:
        read_tracks(df, **kw)
    assert "\n" not in str(info.value)


def test_bad_input_one_line_errors():
    df = tracks_to_frame(_tracks())
    _bad(df.drop(columns="orientation"), "no orientation column")
    nan = df.copy()
    nan.loc[5, "orientation"] = np.nan
    _bad(nan, "missing orientation")
    _bad(df[~((df["particle"] == 1) & (df["frame"] == 3))], "particle 1 has a gap")
    _bad(df[df["frame"] != 2], "inconsistent frame rate: frames 2..2 are missing")
    odd = df.copy()
    odd.loc[odd["frame"] >= 4, "time"] += 0.05
    _bad(odd, "inconsistent frame rate")
    _bad(pd.concat([df, df.iloc[:1]]), "appears twice")
    _bad(df.drop(columns="time"), "give the frame interval")
    _bad(df.drop(columns="x"), "lack the column")


def test_cli_bad_tracks_exit_2(tmp_path, capsys):
    df = tracks_to_frame(_tracks()).drop(columns="orientation")
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    assert main(["active", "learn", str(path), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "no orientation column" in err and str(path) in err
    assert not (tmp_path / "m").exists()
