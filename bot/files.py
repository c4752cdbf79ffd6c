"""Reading input files with a size limit counted in bytes actually read (not the size the file
system reports, which a device, a pipe or a growing file does not honor)."""

from __future__ import annotations

import os


class FileTooLarge(ValueError):
    """The file holds more than the limit."""


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the file at ``path``; `FileTooLarge` when it holds more than ``limit``."""
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(f"the file is larger than {limit:,} bytes")
    return data
