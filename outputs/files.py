"""Atomic file writes: a temporary name in the same folder, fsync, then one rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path | str, mode: str = "wb") -> Iterator[IO]:
    """Yield a file that replaces ``path`` only when the block ends without an error.

    The temporary file sits in the target's folder, so the final rename never crosses a file
    system: a reader sees the old file or the new one, never a half-written one.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_writer writes whole files: mode {mode!r} is not 'w' or 'wb'")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    # mkstemp makes the file private (0600); the product's files get the usual permissions.
    os.chmod(partial, 0o666 & ~_umask())
    encoding = None if "b" in mode else "utf-8"
    try:
        with os.fdopen(handle, mode, encoding=encoding, newline="" if encoding else None) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Replace ``path`` with ``data`` atomically; returns the path written."""
    with atomic_writer(path, "wb") as out:
        out.write(data)
    return Path(path)


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Replace ``path`` with ``text`` (UTF-8) atomically; returns the path written."""
    with atomic_writer(path, "w") as out:
        out.write(text)
    return Path(path)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
