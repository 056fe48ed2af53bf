"""A self-supervised deep localiser in the manner of LodeSTAR.

Method: B. Midtvedt, J. Pineda, F. Skärberg, E. Olsén, H. Bachimanchi, E. Wesén, E. K. Esbjörner,
E. Selander, F. Höök, D. Midtvedt and G. Volpe, *Single-shot self-supervised object detection in
microscopy*, Nat. Commun. 13, 7492 (2022).  Written here in torch (DeepTrack/deeplay do not load
against the CPU build of torch; see the microscopy guide).

The network is a small fully convolutional net that maps an image to three maps at half
resolution: a displacement (Δx, Δy) and a weight ρ for every output pixel.  Each output pixel
votes for a particle at its own position plus its displacement; a crop's prediction is the
weighted mean of the votes, weights w = sigmoid(ρ).  Training needs no labels, only crops
that each hold one particle, and uses two losses of the paper:

* equivariance: the crop is translated (an integer shift, taken as a shifted window of the
  frame, plus a sub-pixel Fourier shift) and rotated/reflected (the eight symmetries of the
  square); mapping each prediction back by the inverse transform must give the same point
  for every transformed copy (L1 distance to their mean);
* consistency: within one crop every vote should point at the crop's prediction (weighted L1).

In training the weights are multiplied by a Gaussian window of width 1.5 ``width`` about the
crop centre, so that the neighbours a crop of a dense sample holds do not enter the loss
(training crops are centred on a particle to within a pixel; the window is not part of the
model and is not used at detection).

Detection on a whole frame follows the paper's use of the local consistency of the votes:
the votes are counted on the pixel grid, the count is smoothed, and each local maximum is
refined to the weighted mean of the votes within ``vote_radius``; a cluster that gathers more
votes than the detection threshold is a particle (votes converge on a particle and scatter
over the background).  The frame is also predicted in its symmetric copies (``augment``) and the reported position
is their mean.  The uncertainty of each position is the bound an efficient localiser reaches
given the detection's own photometry
(:func:`~glassml.microscopy.detections.photometric_uncertainty`): LodeSTAR comes close to the
Cramér–Rao bound (paper, Fig. 2; measured in the microscopy guide), so this is its error.
"""

from __future__ import annotations

from itertools import islice

import numpy as np
from scipy.ndimage import gaussian_filter, maximum_filter

from glassml.errors import GlassmlError, require
from glassml.microscopy.detections import empty_detections, make_detections, mass_threshold, photometric_uncertainty


def normalise(image: np.ndarray) -> np.ndarray:
    """Frame standardised by its median and its 99.5th-percentile excess (robust to the number of particles)."""
    img = np.asarray(image, np.float32)
    med = np.median(img)
    scale = np.percentile(img, 99.5) - med
    return (img - med) / (scale if scale > 0 else 1.0)


def candidate_centres(image: np.ndarray, width: float, n: int, separation: float) -> np.ndarray:
    """(n, 2) (x, y) pixel positions of the ``n`` brightest maxima of the smoothed frame, at least
    ``separation`` apart: the crops LodeSTAR trains on."""
    smooth = gaussian_filter(np.asarray(image, float), width)
    size = max(3, int(2 * separation) | 1)
    peaks = (smooth == maximum_filter(smooth, size=size))
    rows, cols = np.nonzero(peaks)
    order = np.argsort(smooth[rows, cols])[::-1][:n]
    return np.stack([cols[order] + 0.5, rows[order] + 0.5], axis=1)


def _dihedral(x, k: int):
    """The k-th symmetry of the square (k = 0..7) on the last two axes of a torch tensor."""
    import torch

    if k >= 4:
        x = torch.flip(x, dims=(-1,))
    return torch.rot90(x, k % 4, dims=(-2, -1))


def _dihedral_points_inverse(p, k: int, size_x: float, size_y: float):
    """Map (…, 2) points (x, y) seen in the k-th symmetric copy back to the original frame.

    ``size_x``, ``size_y`` are the original image width and height."""
    import torch

    x, y = p[..., 0], p[..., 1]
    r = k % 4
    # rot90 by r (counter-clockwise in (row, col) = torch convention) of an image of shape (H, W)
    w, h = (size_x, size_y) if r % 2 == 0 else (size_y, size_x)  # width, height of the copy
    for _ in range(r):
        # torch.rot90(img) maps img's point (x, y) to (y, W - x), W = img's width = the copy's height
        x, y = h - y, x
        w, h = h, w
    if k >= 4:
        x = size_x - x
    return torch.stack([x, y], dim=-1)


def _merge_close(found: np.ndarray, distance: float) -> np.ndarray:
    """Keep the heavier of any two detections (x, y, mass rows) closer than ``distance``."""
    if len(found) < 2:
        return found
    from scipy.spatial import cKDTree

    order = np.argsort(found[:, 2])[::-1]
    found = found[order]
    keep = np.ones(len(found), bool)
    for i, j in sorted(cKDTree(found[:, :2]).query_pairs(distance)):
        if keep[i] and keep[j]:
            keep[j] = False
    return found[keep]


def _dihedral_inverse_batch(p, ks, size: float):
    """:func:`_dihedral_points_inverse` for square copies of side ``size``, one symmetry ``ks[j]`` per point."""
    import torch

    x, y = p[:, 0], p[:, 1]
    r = ks % 4
    for step in range(3):
        on = r > step
        x, y = torch.where(on, size - y, x), torch.where(on, x, y)
    x = torch.where(ks >= 4, size - x, x)
    return torch.stack([x, y], dim=-1)


class _Net:
    """Builds the torch module lazily so that importing this file never imports torch."""

    @staticmethod
    def build(channels: int = 16):
        import torch.nn as nn

        c = channels
        return nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 3, 1),
        )


class LodeSTAR:
    """Self-supervised localiser (see the module docstring); scikit-learn style estimator.

    Fitted attributes: ``model_`` (the torch module), ``vote_count_`` (median vote count of one
    training particle), ``threshold_`` (votes a detection needs), ``loss_`` (loss of each step).

    Parameters
    ----------
    width: Gaussian width of the spots (pixels): sets the crop size and the training crops' spacing.
    crop: training crop size (pixels, even; None: 4·ceil(2·width) + 4).
    n_crops: particles cropped per frame for training (the brightest maxima).
    n_frames: frames the crops are taken from.
    steps: optimisation steps; batch: crops per step (each in ``n_transforms`` copies).
    n_transforms: transformed copies of each crop per step.
    lr: Adam learning rate.
    threshold: detection threshold, a fraction of the median vote count of one training particle;
        None: the rule of the trackpy localiser, Otsu's split of the vote counts of every
        vote cluster in the training frames, cut halfway between the two classes' medians.
    vote_radius: radius (pixels) of the votes pooled into one detection (None: max(1.5, width)).
    separation: minimum distance between detections (pixels; None: 2·width + 1).
    channels: width of the network.
    augment: symmetric copies of a frame predicted at detection (1 to 8); positions are their mean.
    gain: photons per ADU of the camera, for the uncertainty estimate.
    seed: torch and numpy seed of the training.
    """

    name = "lodestar"

    def __init__(self, width: float = 1.5, crop: int | None = None, n_crops: int = 16, n_frames: int = 2,
                 steps: int = 300, batch: int = 8, n_transforms: int = 8, lr: float = 3e-3,
                 threshold: float | None = None, vote_radius: float | None = None, separation: float | None = None,
                 channels: int = 16, augment: int = 8, gain: float = 1.0, seed: int = 0):
        self.width = width
        self.crop = crop
        self.n_crops = n_crops
        self.n_frames = n_frames
        self.steps = steps
        self.batch = batch
        self.n_transforms = n_transforms
        self.lr = lr
        self.threshold = threshold
        self.vote_radius = vote_radius
        self.separation = separation
        self.channels = channels
        self.augment = augment
        self.gain = gain
        self.seed = seed

    # ------------------------------------------------------------------ geometry
    @property
    def crop_size(self) -> int:
        s = self.crop if self.crop is not None else 4 * int(np.ceil(2 * self.width)) + 4
        return int(s) + int(s) % 2

    @property
    def radius_(self) -> float:
        return float(self.vote_radius) if self.vote_radius is not None else max(1.5, float(self.width))

    @property
    def separation_(self) -> float:
        return float(self.separation) if self.separation is not None else 2 * float(self.width) + 1

    # ------------------------------------------------------------------ forward
    def _votes(self, x):
        """Votes (B, 2, h, w) in input-pixel coordinates and weights (B, h, w) of a batch (B, 1, H, W)."""
        import torch

        out = self.model_(x)
        h, w = out.shape[-2:]
        gy = (2 * torch.arange(h, dtype=out.dtype) + 1.0).view(1, h, 1)
        gx = (2 * torch.arange(w, dtype=out.dtype) + 1.0).view(1, 1, w)
        vx = gx + out[:, 0]
        vy = gy + out[:, 1]
        weights = torch.sigmoid(out[:, 2])
        return torch.stack([vx, vy], 1), weights

    # ------------------------------------------------------------------ training
    def _training_regions(self, frames) -> np.ndarray:
        s = self.crop_size
        m = self.margin_
        regions = []
        for image in islice(frames, self.n_frames):
            img = normalise(image)
            size = s + 2 * m
            half = size // 2
            for cx, cy in candidate_centres(img, self.width, self.n_crops, self.separation_):
                r0, c0 = int(cy) - half, int(cx) - half
                if r0 < 0 or c0 < 0 or r0 + size > img.shape[0] or c0 + size > img.shape[1]:
                    continue
                regions.append(img[r0:r0 + size, c0:c0 + size])
        if not regions:
            raise GlassmlError("no particle found to train on: frames too small or empty")
        return np.stack(regions)

    def fit(self, frames) -> "LodeSTAR":
        """Train on crops of the brightest particles of the first ``n_frames`` frames, without labels."""
        require("torch", "learn", purpose="the LodeSTAR localiser")
        import torch

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.margin_ = 3
        regions = torch.as_tensor(self._training_regions(frames))
        n_reg, size = regions.shape[0], regions.shape[-1]
        s, m = self.crop_size, self.margin_
        self.model_ = _Net.build(self.channels)
        opt = torch.optim.Adam(self.model_.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, self.steps))
        freq = torch.fft.fftfreq(size)
        centre = torch.tensor([s / 2, s / 2])
        gy, gx = torch.meshgrid(torch.arange(s // 2) * 2 + 1.0, torch.arange(s // 2) * 2 + 1.0, indexing="ij")
        window = torch.exp(-((gx - s / 2) ** 2 + (gy - s / 2) ** 2) / (2 * (1.5 * self.width) ** 2))
        self.loss_ = []
        self.model_.train()
        spectra = torch.fft.fft2(regions)
        fx, fy = freq[None, None, :], freq[None, :, None]
        n = self.batch * self.n_transforms
        for step in range(self.steps):
            idx = np.repeat(rng.integers(0, n_reg, size=self.batch), self.n_transforms)
            sub = torch.as_tensor(rng.uniform(-0.5, 0.5, size=(n, 2)), dtype=torch.float32)
            ramp = torch.exp(-2j * np.pi * (fx * sub[:, 0, None, None] + fy * sub[:, 1, None, None]))
            shifted = torch.fft.ifft2(spectra[idx] * ramp).real
            off = rng.integers(-m, m + 1, size=(n, 2))
            ks = rng.integers(0, 8, size=n)
            crops = torch.stack([_dihedral(shifted[j, m + off[j, 1]:m + off[j, 1] + s, m + off[j, 0]:m + off[j, 0] + s], int(ks[j]))
                                 for j in range(n)])
            # content at region point r sits at crop point r + sub - (m + offset)
            shifts = torch.as_tensor(m + off, dtype=torch.float32) - sub
            votes, w = self._votes(crops[:, None])
            ww = w * window
            pred = (votes * ww[:, None]).sum((-2, -1)) / ww.sum((-2, -1))[:, None]  # (n, 2)
            consistency = ((votes - pred[..., None, None]).abs().sum(1) * ww).sum((-2, -1)) / ww.sum((-2, -1))
            back = _dihedral_inverse_batch(pred, torch.as_tensor(ks), s) + shifts
            back = back.view(self.batch, self.n_transforms, 2)
            equivariance = (back - back.mean(1, keepdim=True)).abs().sum(-1).mean()
            loss = equivariance + consistency.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            self.loss_.append(float(loss.detach()))
        self.model_.eval()
        self.vote_count_ = self._particle_vote_count(regions[:, m:m + s, m:m + s])
        if self.threshold is None:
            masses = []
            for image in islice(frames, self.n_frames):
                masses.append(self._candidates(normalise(image))[:, 2])
            self.threshold_ = mass_threshold(np.concatenate(masses))
        else:
            self.threshold_ = float(self.threshold) * self.vote_count_
        return self

    def _particle_vote_count(self, crops) -> float:
        """Median number of votes within ``vote_radius`` of the prediction of one training crop."""
        import torch

        with torch.no_grad():
            votes, w = self._votes(crops[:, None])
            pred = (votes * w[:, None]).sum((-2, -1)) / w.sum((-2, -1))[:, None]
            near = ((votes - pred[..., None, None]) ** 2).sum(1) < self.radius_ ** 2
        return float(np.median(near.sum((-2, -1)).numpy()))

    # ------------------------------------------------------------------ detection
    def _frame_votes(self, img: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Votes (M, 2) and weights (M,) of symmetric copy ``k`` of a normalised frame, in frame coordinates."""
        import torch

        h, w = img.shape
        ph, pw = (-h) % 2, (-w) % 2
        x = torch.as_tensor(np.pad(img, ((0, ph), (0, pw)), mode="reflect"))
        with torch.no_grad():
            xt = _dihedral(x, k)[None, None]
            votes, weights = self._votes(xt)
            pts = votes[0].permute(1, 2, 0).reshape(-1, 2)
            pts = _dihedral_points_inverse(pts, k, w + pw, h + ph)
        return pts.numpy().astype(float), weights[0].reshape(-1).numpy().astype(float)

    def _detect(self, votes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """(D, 2) x, y of the local maxima of the number of votes landing near each pixel."""
        h, w = shape
        acc = np.zeros(shape)
        j = np.floor(votes[:, 0]).astype(int)
        i = np.floor(votes[:, 1]).astype(int)
        ok = (i >= 0) & (i < h) & (j >= 0) & (j < w)
        np.add.at(acc, (i[ok], j[ok]), 1.0)
        smooth = gaussian_filter(acc, 0.5 * self.radius_)
        size = max(3, int(2 * np.floor(self.separation_ / 2)) + 1)
        peaks = (smooth == maximum_filter(smooth, size=size)) & (acc > 0)
        rows, cols = np.nonzero(peaks)
        return np.stack([cols + 0.5, rows + 0.5], 1)

    def _refine(self, votes, weights, centres, tree=None):
        """(D, 3) x, y, vote count: the weighted mean of the votes within ``vote_radius`` (twice
        re-centred) and the number of votes there."""
        from scipy.spatial import cKDTree

        tree = cKDTree(votes) if tree is None else tree
        out = np.full((len(centres), 3), np.nan)
        for n, c in enumerate(centres):
            for _ in range(2):
                idx = tree.query_ball_point(c, self.radius_)
                if not idx or weights[idx].sum() <= 0:
                    idx = []
                    break
                wv = weights[idx]
                c = (votes[idx] * wv[:, None]).sum(0) / wv.sum()
            if idx:
                out[n] = (c[0], c[1], len(idx))
        return out

    def _candidates(self, img: np.ndarray) -> np.ndarray:
        """(D, 3) x, y, vote count of every vote cluster of a normalised frame (no threshold)."""
        v0, w0 = self._frame_votes(img, 0)
        peaks = self._detect(v0, img.shape)
        if len(peaks) == 0:
            return np.zeros((0, 3))
        base = self._refine(v0, w0, peaks[:, :2])
        return _merge_close(base[np.isfinite(base[:, 0])], self.separation_ / 2)

    def locate(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Detections of one frame: position (mean over the symmetric copies), vote count as the
        signal, and the uncertainty (see :meth:`locate`'s module docstring)."""
        if not hasattr(self, "model_"):
            raise GlassmlError("call fit() before locate()")
        from scipy.spatial import cKDTree

        img = normalise(image)
        shape = img.shape
        base = self._candidates(img)
        base = base[base[:, 2] > self.threshold_]
        if len(base) == 0:
            return empty_detections()
        n_aug = max(1, int(self.augment))
        positions = [base[:, :2]]
        for k in range(1, n_aug):
            vk, wk = self._frame_votes(img, k)
            positions.append(self._refine(vk, wk, base[:, :2])[:, :2])
        mean = np.nanmean(np.stack(positions), axis=0)  # (D, 2) over the symmetric copies
        h, w = shape
        inside = (mean[:, 0] >= 0) & (mean[:, 0] < w) & (mean[:, 1] >= 0) & (mean[:, 1] < h)
        mean, count = mean[inside], base[inside, 2]
        err = photometric_uncertainty(image, mean[:, 0], mean[:, 1], self.width, self.gain)
        return make_detections(mean[:, 0], mean[:, 1], count, err)

    def params(self) -> dict:
        return {"name": self.name, "width": self.width, "crop": self.crop_size, "steps": self.steps,
                "threshold": getattr(self, "threshold_", None), "vote_radius": self.radius_, "separation": self.separation_,
                "vote_count": getattr(self, "vote_count_", None), "augment": self.augment, "seed": self.seed}
