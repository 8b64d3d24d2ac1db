"""Files written all or nothing, and file hashes: what the registry, the stream's store and the batch job share;
and the generated sections of the documents (rendered figures between two markers)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a mix."""
    with atomic_file(path, durable=durable) as handle:
        handle.write(data)


@contextmanager
def atomic_file(
    path: str | Path, *, durable: bool = True, folder: str | Path | None = None, prefix: str | None = None
) -> Iterator[BinaryIO]:
    """An open file whose bytes appear at ``path`` whole, when the block ends, or not at all.

    The bytes go to a hidden temporary file (in ``folder``, default ``path``'s own, named ``prefix…``),
    then ``os.replace`` renames it over ``path`` (atomic on POSIX). If the block fails, the temporary
    file is removed and ``path`` keeps its old content. ``durable`` also flushes the file and its folder
    to disk, so a power cut after the block cannot undo it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder or path.parent, prefix=prefix or f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
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


def section_markers(name: str) -> tuple[str, str]:
    """The comments around a document's generated section ``name``: ``<!-- name: begin -->``, ``<!-- name: end -->``."""
    return f"<!-- {name}: begin -->", f"<!-- {name}: end -->"


def replace_section(document: Path, name: str, content: str) -> None:
    """Replace what stands between the markers of section ``name`` in ``document`` by ``content``."""
    text = document.read_text(encoding="utf-8")
    begin, end = section_markers(name)
    pattern = re.compile(f"{re.escape(begin)}.*?{re.escape(end)}", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{document} has no section between {begin} and {end}")
    atomic_write(document, pattern.sub(lambda _: f"{begin}\n{content}\n{end}", text, count=1).encode(), durable=False)
