"""Files written all or nothing, and file hashes: what the registry, the stream's store and the batch job share."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def atomic_write(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a mix.

    The bytes go to a temporary file in the same folder, then ``os.replace`` renames it over ``path``
    (atomic on POSIX). ``durable`` also flushes the file and its folder to disk, so a power cut after
    the call cannot undo it.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if durable:
        fsync_directory(path.parent)


def fsync_directory(directory: str | Path) -> None:
    """Flush a folder's entries (a rename in it) to disk."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
