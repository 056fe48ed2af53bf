"""glassml datasets as a format: read one into records, write records as a new dataset.

:func:`write_dataset` never leaves half a dataset behind: it builds the dataset in a temporary
directory next to the destination and renames it into place at the end.  An existing dataset
is replaced only with ``force=True``, and then by an atomic directory exchange (Linux
``renameat2(RENAME_EXCHANGE)``), so a crash at any moment leaves either the old dataset or the
new one at the destination.  The build directory is named after the host and process that
own it (``.NAME.tmp-HOST-PID-RANDOM``); builds left by killed processes of this host are removed
the next time something is written to the same destination.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import secrets
import socket
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from glassml.errors import GlassmlError
from glassml.store.dataset import Dataset
from glassml.store.formats.common import Record, agree, finish, new_meta
from glassml.store.npzio import fsync_dir

TMP_DIR_TAG = ".tmp-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def read_glassml(paths: Sequence[Path], **_: Any) -> tuple[list[Record], dict]:
    """Read glassml datasets (all arrays of every sample) into records and metadata."""
    meta = new_meta("glassml", sources=[str(p) for p in paths])
    records: list[Record] = []
    where: dict[str, Path] = {}
    for path in paths:
        ds = Dataset.open(path)
        m = ds.manifest
        for key in ("dimension", "temperature", "times", "n_replicas", "species_map"):
            agree(meta, key, m.get(key), path, key)
        agree(meta, "model", ds.model or None, path, "model")
        split = ds.split
        if any(split.values()):
            meta["split"] = {k: (meta.get("split") or {}).get(k, []) + v for k, v in split.items()}
        for sample in ds:
            records.append((sample.name, sample.arrays()))
            where.setdefault(sample.name, sample.path)
    return finish(records, meta, where)


def check_destination(dst: Path, force: bool) -> None:
    """Refuse to replace an existing dataset without ``force``, or anything else ever."""
    if dst.exists() or dst.is_symlink():
        if Dataset.is_dataset(dst):
            if not force:
                raise GlassmlError("a glassml dataset already exists here; pass --force to replace it", dst)
        elif dst.is_dir() and not any(dst.iterdir()):
            return
        elif dst.is_file() and force:
            return
        else:
            raise GlassmlError("already exists and is not a glassml dataset; choose another destination", dst)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directory entries (Linux); False where the OS cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    rc = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def publish(tmp: Path, dst: Path) -> None:
    """Move the finished directory ``tmp`` to ``dst``, swapping out what was there atomically."""
    fsync_dir(tmp)
    if dst.is_dir() and _exchange(tmp, dst):
        shutil.rmtree(tmp)  # now the old contents
    elif dst.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dst.name}{TMP_DIR_TAG}old-", dir=dst.parent))
        os.rename(dst, old / "x")
        os.rename(tmp, dst)
        shutil.rmtree(old)
    else:
        os.rename(tmp, dst)
    fsync_dir(dst.parent)


def remove_stale_builds(dst: Path) -> list[Path]:
    """Delete build directories of ``dst`` left by killed processes of this host; return them."""
    removed = []
    host = socket.gethostname()
    for p in dst.parent.glob(f".{dst.name}{TMP_DIR_TAG}*"):
        owner_host, _, rest = p.name[len(f".{dst.name}{TMP_DIR_TAG}"):].rpartition("-")[0].rpartition("-")
        if owner_host != host or not rest.isdigit() or _alive(int(rest)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_then_publish(dst: Path, force: bool, build: Callable[[Path], Any]) -> Any:
    """Run ``build(tmp_dir)`` in a temporary directory next to ``dst``, then publish it."""
    dst = Path(dst)
    check_destination(dst, force)
    dst.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(dst)
    tmp = dst.parent / f".{dst.name}{TMP_DIR_TAG}{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(6)}"
    tmp.mkdir()  # unlike mkdtemp, honours the umask (a dataset is readable by others)
    try:
        result = build(tmp)
        publish(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _manifest_extra(meta: Mapping[str, Any]) -> dict[str, Any]:
    extra = {"species_map": meta.get("species_map"), "source": {"format": meta.get("format"), "files": len(meta.get("sources") or [])}}
    for key in ("time_unit", "time_codes", "times_from"):
        if meta.get(key) is not None:
            extra[key] = meta[key]
    return extra


def write_dataset(
    dst: Path, records: Sequence[Record], meta: Mapping[str, Any], *, force: bool = False, on_sample: Callable[[str], None] | None = None, **_: Any
) -> Dataset:
    """Write ``records`` as a new glassml dataset at ``dst`` (atomically; see module notes)."""
    if not records:
        raise GlassmlError("nothing to write: no samples", dst)

    def build(tmp: Path) -> None:
        ds = Dataset.create(
            tmp,
            model=meta.get("model") or {"name": "unknown"},
            dimension=int(meta["dimension"]),
            temperature=meta.get("temperature"),
            times=meta.get("times"),
            n_replicas=meta.get("n_replicas"),
            **_manifest_extra(meta),
        )
        for name, arrays in records:
            ds.write_sample(name, arrays, save=False)
            if on_sample is not None:
                on_sample(name)
        split = meta.get("split")
        if split:
            ds.set_split(split.get("train", []), split.get("val", []), split.get("test", []), save=False)
        ds.save_manifest()

    build_then_publish(dst, force, build)
    return Dataset.open(dst)
