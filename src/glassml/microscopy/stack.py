"""Image stacks on disk: a multi-page TIFF or a folder of one TIFF per frame, read frame by frame.

Every frame is checked as it is read, and a bad one raises :class:`GlassmlError` naming the
file and the frame: not a TIFF image, not 2-D, a different size from the first frame, empty
(no pixels, or one constant value), or saturated (a pixel at the full scale of an integer
image, whose true brightness is then unknown).  Frames are written one file each, atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from glassml.errors import GlassmlError, require
from glassml.store.npzio import atomic_target

TIFF_SUFFIXES = (".tif", ".tiff")


def frame_name(k: int) -> str:
    return f"frame_{k:06d}.tif"


def write_frame(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write one frame as a TIFF file atomically."""
    require("tifffile", "microscopy", purpose="writing TIFF frames")
    import tifffile

    with atomic_target(path, suffix=".tif") as tmp:
        tifffile.imwrite(tmp, np.asarray(image))


def write_stack(path: str | os.PathLike, frames) -> None:
    """Write frames (an iterable of 2-D arrays) as one multi-page TIFF, atomically."""
    require("tifffile", "microscopy", purpose="writing TIFF stacks")
    import tifffile

    with atomic_target(path, suffix=".tif") as tmp:
        with tifffile.TiffWriter(tmp) as tif:
            for image in frames:
                tif.write(np.asarray(image), contiguous=True, photometric="minisblack")


class FrameStack:
    """Frames of a multi-page TIFF file or of a folder of TIFF files (sorted by name), read lazily.

    ``len(stack)`` frames of ``stack.shape``; ``stack[k]`` reads and checks frame k.
    """

    def __init__(self, path: str | os.PathLike, *, check_saturation: bool = True):
        require("tifffile", "microscopy", purpose="reading TIFF stacks")
        import tifffile

        self.path = Path(path)
        self.check_saturation = check_saturation
        if not self.path.exists():
            raise GlassmlError("does not exist", self.path)
        self._files: list[Path] | None = None
        self._pages = None
        if self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in TIFF_SUFFIXES and not p.name.startswith("."))
            if not files:
                raise GlassmlError("folder holds no .tif frames", self.path)
            self._files = files
            self._n = len(files)
        else:
            try:
                self._tiff = tifffile.TiffFile(self.path)
                self._pages = self._tiff.pages
                self._n = len(self._pages)
            except Exception as exc:  # tifffile raises several types on non-TIFF input
                raise GlassmlError(f"not a TIFF image ({type(exc).__name__}: {exc})", self.path) from None
            if self._n == 1 and self._pages[0].ndim == 3:  # one page holding a (T, H, W) array
                self._array = self._pages[0].asarray()
                self._n = self._array.shape[0]
            else:
                self._array = None
            if self._n == 0:
                raise GlassmlError("TIFF holds no image", self.path)
        self.shape = self._raw(0).shape
        if len(self.shape) != 2:
            raise GlassmlError(f"frames must be 2-D images, frame 0 has shape {self.shape}", self.path)

    def __len__(self) -> int:
        return self._n

    def _raw(self, k: int) -> np.ndarray:
        if self._files is not None:
            import tifffile

            f = self._files[k]
            try:
                return np.asarray(tifffile.imread(f))
            except Exception as exc:
                raise GlassmlError(f"not a TIFF image ({type(exc).__name__}: {exc})", f) from None
        if self._array is not None:
            return np.asarray(self._array[k])
        return np.asarray(self._pages[k].asarray())

    def where(self, k: int) -> str:
        """Name of frame ``k`` in messages."""
        return str(self._files[k]) if self._files is not None else f"{self.path} frame {k}"

    def __getitem__(self, k: int) -> np.ndarray:
        if not 0 <= k < self._n:
            raise IndexError(k)
        image = self._raw(k)
        check_frame(image, self.shape, self.where(k), check_saturation=self.check_saturation)
        return image

    def __iter__(self):
        for k in range(self._n):
            yield self[k]

    def close(self) -> None:
        if self._pages is not None:
            self._tiff.close()


def check_frame(image: np.ndarray, shape: tuple[int, ...], where: str, *, check_saturation: bool = True) -> None:
    """Raise :class:`GlassmlError` for a frame that is not 2-D, of another size, empty or saturated."""
    if image.ndim != 2:
        raise GlassmlError(f"frame is not a 2-D image (shape {image.shape})", where)
    if image.shape != tuple(shape):
        raise GlassmlError(f"frame size {image.shape[0]}x{image.shape[1]} differs from the stack's "
                           f"{shape[0]}x{shape[1]}; all frames must have the same size", where)
    if image.size == 0 or not np.issubdtype(image.dtype, np.number):
        raise GlassmlError("frame is empty (no numeric pixels)", where)
    lo, hi = image.min(), image.max()
    if lo == hi:
        raise GlassmlError(f"frame is empty (every pixel is {lo}); nothing to locate", where)
    if not np.isfinite(lo) or not np.isfinite(hi):
        raise GlassmlError("frame holds NaN or infinite pixels", where)
    if check_saturation and np.issubdtype(image.dtype, np.integer):
        full = np.iinfo(image.dtype).max
        n = int((image == full).sum())
        if n:
            raise GlassmlError(f"frame is saturated ({n} pixels at the full scale {full}): positions of saturated "
                               "particles are biased; record with a shorter exposure or lower gain", where)
