"""Rearrangements: the hop indicator p_hop and the rearrangement events it marks.

p_hop (Candelier, Widmer-Cooper, Kummerfeld, Dauchot, Biroli, Harrowell & Reichman,
"Spatiotemporal hierarchy of relaxation events, dynamical heterogeneities, and structural
reorganization in a supercooled liquid", Phys. Rev. Lett. 105, 135702, 2010) compares the
positions of particle i in the two halves of a window of length t_R centred on t:

    p_hop(i, t) = sqrt( <(r_i - <r_i>_B)^2>_A  *  <(r_i - <r_i>_A)^2>_B ),

with A = [t - t_R/2, t], B = [t, t + t_R/2] and <.>_W the time average over W.  A particle
that rattles in one cage has p_hop of the order of its squared vibration amplitude; a particle
whose cage changed between A and B has p_hop of the order of the squared jump length.  p_hop
has the dimension of a squared length.  Cubuk et al. (PRL 114, 108001, 2015) and Schoenholz
et al. (Nat. Phys. 12, 469, 2016) call a particle rearranging when p_hop exceeds a threshold
p_c (for the Kob-Andersen liquid, p_c = 0.2 sigma_AA^2, Schoenholz et al.).

On sampled frames (spacing dt) the window is ``window = t_R / dt`` frames, an even number
2h: A holds the h + 1 frames t - h, ..., t and B the h + 1 frames t, ..., t + h (frame t is
the common end of both intervals, as in the continuous definition).  p_hop is defined for
the frames h, ..., T - 1 - h.

The computation uses the identity <(r - <r>_B)^2>_A = var_A(r) + |<r>_A - <r>_B|^2 (and the
same with A and B exchanged), with the window sums taken from cumulative sums: O(T N d) work
for any window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glassml.errors import GlassmlError


def _as_trajectory(positions) -> np.ndarray:
    x = np.asarray(positions, dtype=np.float64)
    if x.ndim != 3:
        raise GlassmlError(f"positions must be (T, N, d) unwrapped positions, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise GlassmlError("positions contain NaN or infinite values")
    return x


def _half_window(window: int, n_frames: int) -> int:
    w = int(window)
    if w != window or w < 2 or w % 2:
        raise GlassmlError(f"the p_hop window must be an even number of frames >= 2, got {window}")
    if n_frames < w + 1:
        raise GlassmlError(f"p_hop with a window of {w} frames needs at least {w + 1} frames, the trajectory has {n_frames}")
    return w // 2


def _window_means(c: np.ndarray, h: int, start: int, stop: int) -> np.ndarray:
    """Means over frames s..s+h for s in [start, stop), from a cumulative sum ``c`` with c[0] = 0."""
    return (c[start + h + 1:stop + h + 1] - c[start:stop]) / (h + 1)


def phop(positions, window: int) -> np.ndarray:
    """Hop indicator p_hop(i, t) of every particle at every frame where the window fits.

    Parameters
    ----------
    positions:
        (T, N, d) unwrapped positions, frames equally spaced in time.
    window:
        t_R in frames, an even number 2h; A = frames t-h..t, B = frames t..t+h.

    Returns
    -------
    (T - 2h, N) array; row k is frame t = h + k (see :func:`phop_frames`).
    """
    x = _as_trajectory(positions)
    n_frames = x.shape[0]
    h = _half_window(window, n_frames)
    x = x - x[:1]  # remove the per-particle offset before summing: keeps the cumulative sums small
    zeros = np.zeros((1,) + x.shape[1:])
    c1 = np.concatenate([zeros, np.cumsum(x, axis=0)])
    c2 = np.concatenate([zeros[..., 0], np.cumsum(np.einsum("tnd,tnd->tn", x, x), axis=0)])
    n_out = n_frames - 2 * h
    mean_a = _window_means(c1, h, 0, n_out)          # frames t-h..t
    mean_b = _window_means(c1, h, h, h + n_out)      # frames t..t+h
    sq_a = _window_means(c2, h, 0, n_out)
    sq_b = _window_means(c2, h, h, h + n_out)
    var_a = np.maximum(sq_a - np.einsum("tnd,tnd->tn", mean_a, mean_a), 0.0)
    var_b = np.maximum(sq_b - np.einsum("tnd,tnd->tn", mean_b, mean_b), 0.0)
    diff = mean_a - mean_b
    d2 = np.einsum("tnd,tnd->tn", diff, diff)
    return np.sqrt((var_a + d2) * (var_b + d2))


def phop_frames(n_frames: int, window: int) -> np.ndarray:
    """Frame index t of each row of :func:`phop` for a trajectory of ``n_frames`` frames."""
    h = _half_window(window, n_frames)
    return np.arange(h, n_frames - h)


@dataclass(frozen=True)
class Rearrangements:
    """Rearrangement events: maximal runs of consecutive frames with p_hop > threshold.

    Each run of one particle is one event, however many frames it spans.  Frames are
    trajectory frame indices (not rows of the p_hop array).

    Attributes
    ----------
    particle, start, stop, peak:
        (n_events,) particle index, first frame, last frame (inclusive) and frame of the
        largest p_hop of each event, sorted by particle then start.
    peak_phop:
        (n_events,) the largest p_hop of each event.
    threshold, window, n_frames, n_particles:
        the parameters and the shape of the trajectory the events come from.
    """

    particle: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    peak: np.ndarray
    peak_phop: np.ndarray
    threshold: float
    window: int
    n_frames: int
    n_particles: int

    def __len__(self) -> int:
        return int(self.particle.shape[0])

    def rearranged(self, first: int = 0, last: int | None = None) -> np.ndarray:
        """(N,) bool: particles with at least one event whose peak lies in frames [first, last]."""
        last = self.n_frames - 1 if last is None else last
        m = (self.peak >= first) & (self.peak <= last)
        out = np.zeros(self.n_particles, dtype=bool)
        out[self.particle[m]] = True
        return out

    def counts(self) -> np.ndarray:
        """(N,) number of events of each particle."""
        return np.bincount(self.particle, minlength=self.n_particles)


def events_from_phop(p: np.ndarray, threshold: float, *, first_frame: int = 0, window: int = 0,
                     n_frames: int | None = None) -> Rearrangements:
    """Events from a (F, N) p_hop array: contiguous frames above ``threshold`` count once.

    ``first_frame`` is the trajectory frame of row 0 (h for :func:`phop`'s output);
    ``n_frames`` the trajectory's length (default: rows + 2 * first_frame, as for :func:`phop`).
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 2:
        raise GlassmlError(f"p_hop must be a (frames, N) array, got shape {p.shape}")
    above = p > threshold
    # Runs along time, per particle: pad with False at both ends and find the edges.
    padded = np.zeros((p.shape[0] + 2, p.shape[1]), dtype=np.int8)
    padded[1:-1] = above
    edge = np.diff(padded, axis=0)
    s_row, s_part = np.nonzero(edge.T == 1)   # (particle, row) pairs sorted by particle, row
    e_row, e_part = np.nonzero(edge.T == -1)
    particle, start, stop = s_row, s_part, e_part - 1
    n_rows = p.shape[0]
    if start.size:
        # Peak of each event: above-threshold values of one particle between the start of one
        # event and the start of the next belong to the first, so a reduceat over the
        # particle-major array (values below threshold set to -inf) gives each event's maximum.
        flat = np.where(above, p, -np.inf).T.ravel()
        offsets = particle * n_rows + start
        peak_phop = np.maximum.reduceat(flat, offsets)
        lengths = np.diff(np.append(offsets, flat.size))
        hit = np.flatnonzero(flat[offsets[0]:] == np.repeat(peak_phop, lengths)) + offsets[0]
        first_hit = hit[np.searchsorted(hit, offsets)]  # first maximum at or after each start
        peak = first_hit - particle * n_rows
    else:
        peak_phop, peak = np.zeros(0), np.zeros(0, dtype=np.int64)
    return Rearrangements(
        particle=particle.astype(np.int64), start=(start + first_frame).astype(np.int64),
        stop=(stop + first_frame).astype(np.int64), peak=(peak + first_frame).astype(np.int64),
        peak_phop=peak_phop, threshold=float(threshold), window=int(window),
        n_frames=int(p.shape[0] + first_frame * 2 if n_frames is None else n_frames), n_particles=int(p.shape[1]))


def rearrangement_events(positions, window: int, threshold: float) -> Rearrangements:
    """Rearrangement events of a (T, N, d) unwrapped trajectory: p_hop > ``threshold``.

    Consecutive above-threshold frames of one particle form one event (Cubuk et al.,
    PRL 114, 108001, 2015; Schoenholz et al., Nat. Phys. 12, 469, 2016).
    """
    x = _as_trajectory(positions)
    p = phop(x, window)
    return events_from_phop(p, threshold, first_frame=int(window) // 2, window=int(window), n_frames=x.shape[0])
