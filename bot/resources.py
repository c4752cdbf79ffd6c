"""Where the files that ship with cx-assess live: the frameworks, the app manifest, the templates.

People edit ``frameworks/`` and ``manifest.yaml`` at the top of the repository; the wheel carries
them inside the package as ``bot/bundled/`` (pyproject.toml maps them at build time), so they are
read with importlib.resources wherever the package is installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = Path(str(files("bot")))  # installed as files (wheels are), never zipped


def bundled(name: str) -> Path:
    """The bundled file or folder ``name``: ``bot/bundled/name`` in an installed wheel; in a source
    checkout or an editable install (which the build does not map) its source at the top of the
    repository."""
    packaged = PACKAGE / "bundled"
    return (packaged if packaged.is_dir() else PACKAGE.parent) / name


TEMPLATES = PACKAGE / "templates"  # the message catalogs and Jinja2 templates
