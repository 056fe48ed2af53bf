"""p_hop and rearrangement events: a hand calculation, a brute-force loop on a real trajectory."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from glassml.dynamics.rearrangements import events_from_phop, phop, phop_frames, rearrangement_events
from glassml.errors import GlassmlError


def one_jump(a: float = 1.3, n_frames: int = 10, jump_after: int = 4) -> np.ndarray:
    """(T, 2, 2): particle 0 sits at the origin, jumps by a along x after frame ``jump_after``;
    particle 1 never moves."""
    x = np.zeros((n_frames, 2, 2))
    x[jump_after + 1:, 0, 0] = a
    x[:, 1] = [5.0, -2.0]
    return x


def test_phop_hand_calculation_one_jump():
    # window t_R = 4 frames: A = {t-2, t-1, t}, B = {t, t+1, t+2}; the jump is between frames 4 and 5.
    a = 1.3
    p = phop(one_jump(a), 4)
    assert p.shape == (6, 2)
    np.testing.assert_array_equal(phop_frames(10, 4), np.arange(2, 8))
    # t = 3: A = (0,0,0), B = (0,0,a): <(r-a/3)^2>_A = a^2/9, <r^2>_B = a^2/3 -> a^2/sqrt(27)
    # t = 4: A = (0,0,0), B = (0,a,a): (2a/3)^2 = 4a^2/9, 2a^2/3          -> a^2 sqrt(8/27)
    # t = 5: A = (0,0,a), B = (a,a,a): 2a^2/3, (2a/3)^2                   -> a^2 sqrt(8/27)
    # t = 6: A = (0,a,a), B = (a,a,a): a^2/3, (a/3)^2                     -> a^2/sqrt(27)
    expected = a**2 * np.array([0.0, 1 / np.sqrt(27), np.sqrt(8 / 27), np.sqrt(8 / 27), 1 / np.sqrt(27), 0.0])
    np.testing.assert_allclose(p[:, 0], expected, atol=1e-12)
    np.testing.assert_allclose(p[:, 1], 0.0, atol=1e-12)


def test_one_jump_is_one_event():
    a = 1.3
    ev = rearrangement_events(one_jump(a), 4, threshold=0.1 * a**2)
    assert len(ev) == 1
    assert (ev.particle[0], ev.start[0], ev.stop[0]) == (0, 3, 6)
    assert ev.peak[0] in (4, 5)
    assert ev.peak_phop[0] == pytest.approx(a**2 * np.sqrt(8 / 27))
    np.testing.assert_array_equal(ev.rearranged(), [True, False])
    np.testing.assert_array_equal(ev.rearranged(6, 9), [False, False])
    np.testing.assert_array_equal(ev.counts(), [1, 0])
    # A threshold between a^2/sqrt(27) and a^2 sqrt(8/27) keeps only the two central frames.
    ev = rearrangement_events(one_jump(a), 4, threshold=0.3 * a**2)
    assert (ev.start[0], ev.stop[0]) == (4, 5)


def test_events_split_where_phop_dips_and_count_once():
    p = np.array([[0.0, 0.0], [0.5, 0.0], [0.7, 0.3], [0.1, 0.4], [0.6, 0.2], [0.6, 0.0]])
    ev = events_from_phop(p, 0.25, first_frame=2, n_frames=10)
    # particle 0: rows 1-2 and rows 4-5; particle 1: rows 2-3
    np.testing.assert_array_equal(ev.particle, [0, 0, 1])
    np.testing.assert_array_equal(ev.start, [3, 6, 4])
    np.testing.assert_array_equal(ev.stop, [4, 7, 5])
    np.testing.assert_array_equal(ev.peak, [4, 6, 5])
    np.testing.assert_allclose(ev.peak_phop, [0.7, 0.6, 0.4])
    assert len(events_from_phop(p, 1.0)) == 0


def test_phop_is_translation_invariant_and_dimension_free():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(scale=0.1, size=(21, 7, 3)), axis=0)
    p = phop(x, 6)
    np.testing.assert_allclose(phop(x + [100.0, -50.0, 3.0], 6), p, rtol=1e-9, atol=1e-12)
    # Each dimension contributes to the squared distances additively.
    assert p.shape == (15, 7)


def brute_force_phop(x: np.ndarray, window: int) -> np.ndarray:
    """Straight from the definition, one particle and one frame at a time."""
    h = window // 2
    out = np.empty((x.shape[0] - 2 * h, x.shape[1]))
    for k, t in enumerate(range(h, x.shape[0] - h)):
        for i in range(x.shape[1]):
            ra, rb = x[t - h:t + 1, i], x[t:t + h + 1, i]
            term_a = np.mean(np.sum((ra - rb.mean(axis=0)) ** 2, axis=1))
            term_b = np.mean(np.sum((rb - ra.mean(axis=0)) ** 2, axis=1))
            out[k, i] = np.sqrt(term_a * term_b)
    return out


def read_rumd(path) -> np.ndarray:
    """Unwrapped positions (T, N, 3) of a RUMD xyz trajectory: x + image * L."""
    frames = []
    with gzip.open(path, "rt") as fh:
        while line := fh.readline():
            n = int(line)
            header = fh.readline()
            box = np.array(header.split("sim_box=")[1].split()[0].split(",")[1:4], dtype=float)
            rows = np.array([fh.readline().split() for _ in range(n)], dtype=float)
            frames.append(rows[:, 1:4] + rows[:, 4:7] * box)
    return np.array(frames)


def test_phop_matches_brute_force_on_real_trajectory(shared_data):
    x = read_rumd(shared_data / "partycls" / "ka-2_N300_rumd_trajectory0000.xyz.gz")
    assert x.shape == (10, 303, 3)
    for window in (2, 4, 8):
        np.testing.assert_allclose(phop(x, window), brute_force_phop(x, window), rtol=1e-9, atol=1e-12)


def test_too_few_frames_and_bad_windows_are_one_line_errors():
    x = one_jump(n_frames=6, jump_after=2)
    with pytest.raises(GlassmlError, match="needs at least 7 frames, the trajectory has 6"):
        phop(x, 6)
    with pytest.raises(GlassmlError, match="even number"):
        phop(x, 3)
    with pytest.raises(GlassmlError, match=r"\(T, N, d\)"):
        phop(x[0], 2)
    x[1, 0, 0] = np.nan
    with pytest.raises(GlassmlError, match="NaN"):
        phop(x, 2)


def test_events_match_a_loop_on_random_phop():
    rng = np.random.default_rng(3)
    p = rng.random((40, 25))
    ev = events_from_phop(p, 0.6, first_frame=5)
    expected = []
    for i in range(p.shape[1]):
        t = 0
        while t < p.shape[0]:
            if p[t, i] > 0.6:
                s = t
                while t + 1 < p.shape[0] and p[t + 1, i] > 0.6:
                    t += 1
                seg = p[s:t + 1, i]
                expected.append((i, s + 5, t + 5, s + 5 + int(np.argmax(seg)), seg.max()))
            t += 1
    got = list(zip(ev.particle, ev.start, ev.stop, ev.peak, ev.peak_phop))
    assert got == expected
