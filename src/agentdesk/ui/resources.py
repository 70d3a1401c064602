"""Where the UI's resources (icons, styles, translations) are on disk."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """A file under agentdesk/resources (installed as package data)."""
    return Path(str(files("agentdesk").joinpath("resources", *parts)))
