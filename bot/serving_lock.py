"""One serving process per SQLite file: an OS lock that dies with its holder (no stale PID file).

SQLite keeps answers safe under concurrent writers, but one file on one disk is one machine's:
several instances need PostgreSQL (README, "Running several instances"), and a second ``serve``
on the same file is a slip (say, a deploy that overlaps the old process) to refuse plainly.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from bot.storage.engines import check_sqlite_path, is_postgres, sqlite_path


class AlreadyServed(Exception):
    """Another live process (``holder``, its PID) serves the database file ``path``."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(
            f"{path} is already served by process {holder}: run one `cx-assess serve`"
            " per SQLite file (several instances need PostgreSQL)"
        )
        self.path, self.holder = path, holder


@contextmanager
def serving_lock(database: str) -> Iterator[None]:
    """Hold ``<file>.serve-lock`` while serving a SQLite file; `AlreadyServed` names the
    holder's PID. PostgreSQL needs none: any number of instances may serve it."""
    db_path = sqlite_path(database)
    if is_postgres(database) or db_path == ":memory:":
        yield
        return
    check_sqlite_path(db_path)  # a folder, a missing folder: said in one line, as at start-up
    fd = os.open(f"{db_path}.serve-lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyServed(db_path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock; so does the process dying
