"""Writing the seat's settings back to its TOML file (reading is core.settings)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import tomli_w

from agentdesk.core.settings import Settings

HEADER = (
    "# agentdesk seat settings. Secrets are not kept here: use\n"
    "#   agentdesk credentials set sip   (reads the password from stdin)\n"
)


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER + tomli_w.dumps(settings.to_dict())
    fd, tmp = tempfile.mkstemp(prefix=".agentdesk-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
