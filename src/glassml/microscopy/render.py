"""Synthetic fluorescence microscopy of particle trajectories, with the ground truth kept.

A :class:`Microscope` turns positions (length units, e.g. particle diameters) into camera
frames: each particle is a point emitter of ``photons`` expected photons per frame whose
light is spread by a pixel-integrated PSF (:mod:`glassml.microscopy.optics`); a uniform
``background`` (photons per pixel) is added; the camera records Poisson shot noise on
signal + background, Gaussian read noise of ``read_noise`` electrons, a baseline ``offset``
and clips at its full scale (``bit_depth``).  Optional effects:

* motion blur: the emitter is drawn at ``blur_steps`` points of its straight path during
  the ``exposure`` (fraction of the frame interval), each with 1/``blur_steps`` of the light;
  the true position of a blurred frame is the mean position during the exposure;
* defocus: a particle at height z from the focal plane loses intensity as
  1/(1 + (z/z_R)²) and its PSF widens by sqrt(1 + (z/z_R)²) (a Gaussian beam of Rayleigh
  range z_R = ``depth_of_field``).  3D trajectories use their z; 2D ones draw a fixed height
  per particle uniformly in [-``z_spread``, ``z_spread``].

The signal-to-noise ratio used throughout is the peak expected signal of one in-focus
particle (photons in its brightest pixel, emitter at a pixel centre) over the noise standard
deviation of the background, SNR = photons · peak_fraction / sqrt(background + read_noise²).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from glassml.errors import GlassmlError
from glassml.microscopy.optics import PSF, GaussianPSF, expected_spots, make_psf, peak_fraction, psf_to_dict


@dataclass(frozen=True)
class Microscope:
    """Optics and camera of the synthetic microscope (see the module docstring).

    Parameters
    ----------
    psf: pixel-integrated PSF (pixels).
    pixel_size: length units per pixel (e.g. particle diameters per pixel).
    photons: expected photons per in-focus particle per frame.
    background: expected background photons per pixel per frame.
    read_noise: camera read noise, electrons rms (gain 1 ADU per electron).
    offset: camera baseline (ADU) added to every pixel.
    bit_depth: full scale is 2**bit_depth - 1 ADU; brighter pixels saturate.
    exposure: exposure as a fraction of the frame interval (motion blur).
    blur_steps: points on the path during the exposure (1: no blur).
    depth_of_field: Rayleigh range z_R of the defocus model (None: everything in focus).
    z_spread: half-range of the random heights given to 2D particles when defocus is on.
    margin: pixels of empty border around the field of view.
    """

    psf: PSF = field(default_factory=lambda: GaussianPSF(1.5))
    pixel_size: float = 0.1
    photons: float = 500.0
    background: float = 10.0
    read_noise: float = 2.0
    offset: float = 100.0
    bit_depth: int = 16
    exposure: float = 1.0
    blur_steps: int = 1
    depth_of_field: float | None = None
    z_spread: float = 0.0
    margin: int = 0

    def __post_init__(self):
        if not self.pixel_size > 0:
            raise GlassmlError(f"pixel size must be positive, got {self.pixel_size}")
        if self.photons < 0 or self.background < 0 or self.read_noise < 0:
            raise GlassmlError("photons, background and read noise must be non-negative")
        if self.blur_steps < 1 or not 0 <= self.exposure <= 1:
            raise GlassmlError("blur_steps must be >= 1 and exposure in [0, 1]")
        if self.background + self.read_noise ** 2 <= 0:
            raise GlassmlError("background and read noise are both zero: the SNR is undefined")

    @property
    def noise_std(self) -> float:
        """Noise standard deviation of a background pixel (electrons)."""
        return float(np.sqrt(self.background + self.read_noise ** 2))

    @property
    def snr(self) -> float:
        """Peak signal of one in-focus particle over the background noise (module docstring)."""
        return float(self.photons * peak_fraction(self.psf) / self.noise_std)

    def with_snr(self, snr: float) -> "Microscope":
        """The same microscope with ``photons`` set so that :attr:`snr` equals ``snr``."""
        if not snr > 0:
            raise GlassmlError(f"SNR must be positive, got {snr}")
        return replace(self, photons=float(snr * self.noise_std / peak_fraction(self.psf)))

    @property
    def full_scale(self) -> int:
        return 2 ** int(self.bit_depth) - 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["psf"] = psf_to_dict(self.psf)
        d["snr"] = self.snr
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Microscope":
        d = dict(d)
        d.pop("snr", None)
        psf = d.pop("psf")
        return cls(psf=make_psf(psf["kind"], psf["size"]), **d)

    # ------------------------------------------------------------------ geometry
    def field_of_view(self, box_lo: np.ndarray, box_hi: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """Origin (x, y length units of pixel corner (0, 0)) and image shape (rows, cols) that show
        the rectangle [box_lo, box_hi) with :attr:`margin` pixels around it."""
        lo = np.asarray(box_lo, float)[:2]
        span = np.asarray(box_hi, float)[:2] - lo
        n = np.ceil(span / self.pixel_size).astype(int) + 2 * self.margin
        origin = lo - self.margin * self.pixel_size
        return origin, (int(n[1]), int(n[0]))

    def to_pixels(self, positions: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """(…, 2) pixel coordinates (x = column, y = row) of positions (…, ≥2) in length units."""
        return (np.asarray(positions, float)[..., :2] - origin) / self.pixel_size

    # ------------------------------------------------------------------ images
    def expected_image(self, xy: np.ndarray, shape: tuple[int, int], *, heights: np.ndarray | None = None,
                       path_end: np.ndarray | None = None, brightness: np.ndarray | None = None) -> np.ndarray:
        """Expected photon counts (float image) of emitters at pixel positions ``xy`` (M, 2).

        ``path_end`` (M, 2): where each emitter is at the end of the frame interval (motion blur);
        ``heights`` (M,): distance from the focal plane (length units, defocus);
        ``brightness`` (M,): relative brightness of each particle (default 1).
        """
        xy = np.asarray(xy, float)
        m = len(xy)
        photons = np.full(m, self.photons) * (1.0 if brightness is None else np.asarray(brightness, float))
        image = np.full(shape, float(self.background))
        scale = np.ones(m)
        if self.depth_of_field is not None and heights is not None:
            s2 = 1.0 + (np.asarray(heights, float) / self.depth_of_field) ** 2
            photons = photons / s2
            scale = np.sqrt(s2)
        steps = self.blur_steps if path_end is not None else 1
        fractions = (np.arange(steps) + 0.5) / steps * self.exposure if steps > 1 else np.zeros(1)
        for f in fractions:
            p = xy if path_end is None or steps == 1 else xy + f * (np.asarray(path_end, float) - xy)
            if np.all(scale == 1.0):
                expected_spots(self.psf, shape, p, photons / steps, out=image)
            else:
                for k in range(m):
                    expected_spots(self.psf.scaled(scale[k]), shape, p[k:k + 1], photons[k:k + 1] / steps, out=image)
        return image

    def camera(self, expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A recorded frame (uint16 ADU) of an expected photon image: Poisson shot noise, Gaussian
        read noise, baseline offset, rounding and clipping at full scale."""
        electrons = rng.poisson(expected).astype(float)
        if self.read_noise > 0:
            electrons += rng.normal(0.0, self.read_noise, size=electrons.shape)
        adu = np.rint(electrons + self.offset)
        dtype = np.uint16 if self.bit_depth <= 16 else np.uint32
        return np.clip(adu, 0, self.full_scale).astype(dtype)


@dataclass
class RenderedStack:
    """Frames and the truth they were drawn from.

    Attributes
    ----------
    frames: (T, H, W) camera frames (ADU).
    true_xy: (T, N, 2) true pixel positions (x = column, y = row); mean over the exposure.
    times: (T,) frame times (the trajectory's time unit).
    origin: (2,) length-unit position of pixel corner (0, 0).
    microscope: the :class:`Microscope` used.
    """

    frames: np.ndarray
    true_xy: np.ndarray
    times: np.ndarray
    origin: np.ndarray
    microscope: Microscope
    types: np.ndarray | None = None

    def in_view(self, border: float = 0.0) -> np.ndarray:
        """(T, N) whether each true position lies inside the image, ``border`` pixels from its edge."""
        h, w = self.frames.shape[1:]
        x, y = self.true_xy[..., 0], self.true_xy[..., 1]
        return (x >= border) & (x < w - border) & (y >= border) & (y < h - border)


def trajectory_frames(initial_positions: np.ndarray, positions: np.ndarray, box: np.ndarray,
                      times: np.ndarray | None = None, replica: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frames (T+1, N, d) of one replica's unwrapped trajectory, shifted so that the first frame lies
    in [0, L); returns ``(positions, times, box_lo, box_hi)`` with time 0 first.

    ``positions`` is (T, R, N, d) (a glassml sample) or (T, N, d) (one trajectory).
    """
    x0 = np.asarray(initial_positions, float)
    pos = np.asarray(positions, float)
    if pos.ndim == 4:
        if not 0 <= replica < pos.shape[1]:
            raise GlassmlError(f"replica {replica} out of range 0..{pos.shape[1] - 1}")
        pos = pos[:, replica]
    if pos.ndim != 3 or pos.shape[1:] != x0.shape:
        raise GlassmlError(f"positions {pos.shape} do not match initial positions {x0.shape}")
    box = np.broadcast_to(np.asarray(box, float).reshape(-1), (x0.shape[1],)).copy()
    shift = -np.floor(x0 / box) * box  # fold the start into [0, L) and carry the trajectory with it
    frames = np.concatenate([x0[None], pos], axis=0) + shift[None]
    t = np.arange(len(frames), dtype=float) if times is None else np.concatenate([[0.0], np.asarray(times, float)])
    if len(t) != len(frames):
        raise GlassmlError(f"{len(t) - 1} times for {len(frames) - 1} stored positions")
    return frames, t, np.zeros(x0.shape[1]), box


def frame_rng(seed: int, frame: int) -> np.random.Generator:
    """The random stream of frame ``frame``: independent of the other frames, so a resumed render
    draws exactly what an uninterrupted one would."""
    return np.random.default_rng([int(seed), int(frame)])


def particle_heights(n: int, microscope: Microscope, seed: int, positions: np.ndarray | None = None,
                     focal_plane: float | None = None) -> np.ndarray | None:
    """Heights above the focal plane: a 3D frame's z - ``focal_plane``, or fixed random heights for 2D."""
    if microscope.depth_of_field is None:
        return None
    if positions is not None and positions.shape[-1] == 3:
        return positions[:, 2] - (0.0 if focal_plane is None else focal_plane)
    rng = np.random.default_rng([int(seed), 2**31 - 1])
    return rng.uniform(-microscope.z_spread, microscope.z_spread, size=n)


def render_frame(microscope: Microscope, frames: np.ndarray, k: int, origin: np.ndarray, shape: tuple[int, int],
                 seed: int, *, heights: np.ndarray | None = None, focal_plane: float | None = None,
                 brightness: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Frame ``k`` of trajectory ``frames`` (T, N, d): ``(image, true_xy)``; deterministic in (seed, k)."""
    xy = microscope.to_pixels(frames[k], origin)
    end = None
    true_xy = xy
    if microscope.blur_steps > 1 and microscope.exposure > 0:
        nxt = frames[k + 1] if k + 1 < len(frames) else frames[k] + (frames[k] - frames[k - 1] if k > 0 else 0.0)
        end = microscope.to_pixels(nxt, origin)
        true_xy = xy + 0.5 * microscope.exposure * (end - xy)
    h = heights
    if frames.shape[-1] == 3 and microscope.depth_of_field is not None:
        h = particle_heights(len(xy), microscope, seed, frames[k], focal_plane)
    expected = microscope.expected_image(xy, shape, heights=h, path_end=end, brightness=brightness)
    return microscope.camera(expected, frame_rng(seed, k)), true_xy


def render_trajectory(microscope: Microscope, initial_positions: np.ndarray, positions: np.ndarray, box,
                      times: np.ndarray | None = None, *, seed: int = 0, replica: int = 0,
                      types: np.ndarray | None = None, brightness: np.ndarray | None = None) -> RenderedStack:
    """Render every frame of a trajectory in memory (for a long stack use :func:`glassml.microscopy.pipeline.render`)."""
    frames, t, lo, hi = trajectory_frames(initial_positions, positions, box, times, replica)
    origin, shape = microscope.field_of_view(lo, hi)
    focal = 0.5 * (lo[2] + hi[2]) if frames.shape[-1] == 3 else None
    heights = particle_heights(frames.shape[1], microscope, seed) if frames.shape[-1] == 2 else None
    images, truth = [], []
    for k in range(len(frames)):
        img, xy = render_frame(microscope, frames, k, origin, shape, seed, heights=heights, focal_plane=focal,
                               brightness=brightness)
        images.append(img)
        truth.append(xy)
    return RenderedStack(np.stack(images), np.stack(truth), t, origin, microscope, types)


def isolated_positions(shape: tuple[int, int], spacing: float, rng: np.random.Generator, jitter: float = 0.25) -> np.ndarray:
    """(M, 2) pixel positions of non-overlapping particles: a square grid of ``spacing`` pixels
    inside ``shape`` (one spacing from the edges), each moved uniformly by up to ``jitter`` spacings."""
    h, w = shape
    xs = np.arange(spacing, w - spacing + 1e-9, spacing)
    ys = np.arange(spacing, h - spacing + 1e-9, spacing)
    g = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    return g + rng.uniform(-jitter * spacing, jitter * spacing, size=g.shape)


def isolated_frames(microscope: Microscope, shape: tuple[int, int], n_frames: int, spacing: float, seed: int = 0,
                    jitter: float = 0.25) -> tuple[np.ndarray, list[np.ndarray]]:
    """Frames of isolated particles at fresh random positions (localisation and detection studies):
    ``(frames (T, H, W), [true_xy (M, 2) per frame])``."""
    images, truth = [], []
    for k in range(n_frames):
        rng = frame_rng(seed, k)
        xy = isolated_positions(shape, spacing, rng, jitter)
        images.append(microscope.camera(microscope.expected_image(xy, shape), rng))
        truth.append(xy)
    return np.stack(images), truth
