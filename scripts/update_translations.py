"""Updates the zh_CN catalogue from every module with user-facing text, then builds the
.qm. Run it after changing a tr() string; translate the new entries in between.

    .venv/bin/python scripts/update_translations.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentdesk.ui.i18n import translated_sources
from agentdesk.ui.resources import resource_path

TOOLS = Path(sys.executable).parent


def main() -> int:
    ts = resource_path("translations", "agentdesk_zh_CN.ts")
    sources = [str(path) for path in translated_sources()]
    subprocess.run([str(TOOLS / "pyside6-lupdate"), *sources, "-locations", "none",
                    "-no-obsolete", "-target-language", "zh_CN", "-ts", str(ts)], check=True)
    subprocess.run([str(TOOLS / "pyside6-lrelease"), str(ts), "-qm",
                    str(ts.with_suffix(".qm"))], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
