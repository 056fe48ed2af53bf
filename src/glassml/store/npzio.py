"""Deterministic, atomic ``.npz`` files.

``numpy.savez`` stamps each member with the current time, so two runs that compute the
same arrays write different bytes.  glassml writes members with a fixed timestamp and in a
fixed order, so the same arrays always give the same file and the same checksum.  Writes go
to a temporary name in the same directory, are fsynced and then renamed over the target
(``os.replace``), so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np

from glassml.errors import GlassmlError

_EPOCH = (1980, 1, 1, 0, 0, 0)
TMP_PREFIX = ".tmp-"


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(directory: str | os.PathLike) -> None:
    """Flush a directory entry (a rename) to disk where the OS allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_target(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success fsync it and ``os.replace``
    it over ``path``; on any failure remove it, leaving ``path`` as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync and ``os.replace``."""
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """Serialise arrays to the bytes of an uncompressed ``.npz``, deterministically."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            array = np.asarray(arrays[key])
            if array.dtype == object:
                raise GlassmlError(f"array '{key}' has dtype object; glassml stores numbers only")
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(info, member.getvalue())
    return buffer.getvalue()


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> str:
    """Atomically write ``arrays`` to ``path``; return the file's SHA-256."""
    data = npz_bytes(arrays)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_npz(path: str | os.PathLike, *, allow_pickle: bool = False) -> np.lib.npyio.NpzFile:
    """Open an ``.npz`` lazily, turning any low-level failure into a :class:`GlassmlError`."""
    path = Path(path)
    if not path.exists():
        raise GlassmlError("file does not exist", path)
    if path.is_dir():
        raise GlassmlError("is a directory, expected an .npz file", path)
    if path.stat().st_size == 0:
        raise GlassmlError("file is empty", path)
    try:
        return np.load(path, allow_pickle=allow_pickle)
    except Exception as exc:  # zipfile.BadZipFile, ValueError, EOFError, OSError ...
        raise GlassmlError(f"not a readable .npz file ({type(exc).__name__}: {exc})", path) from None


def load_arrays(path: str | os.PathLike, keys: list[str] | None = None) -> dict[str, np.ndarray]:
    """Read the named arrays (all by default) of an ``.npz`` into memory."""
    with read_npz(path) as npz:
        names = npz.files if keys is None else keys
        out = {}
        for key in names:
            if key not in npz.files:
                raise GlassmlError(f"missing array '{key}'", path)
            try:
                out[key] = npz[key]
            except Exception as exc:
                raise GlassmlError(f"array '{key}' is unreadable ({type(exc).__name__}: {exc})", path) from None
        return out
