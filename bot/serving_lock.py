"""One serving process per SQLite file: an OS lock that dies with its holder (no stale PID file).

SQLite keeps answers safe under concurrent writers, but the app's per-person locks and its clock
live in one process's memory; two ``serve`` processes on one file would invite and post twice.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager


class AlreadyServed(Exception):
    """Another live process serves the same database file."""


@contextmanager
def serving_lock(db_path: str) -> Iterator[None]:
    """Hold ``<db_path>.serve-lock`` while serving; `AlreadyServed` names the holder's PID."""
    if db_path == ":memory:":
        yield
        return
    fd = os.open(f"{db_path}.serve-lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyServed(
                f"{db_path} is already served by process {holder}: run one `cx-assess serve`"
                " per SQLite file (several instances need PostgreSQL)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock; so does the process dying
