"""The window's style sheet: calm colours and a readable size for a whole shift."""

from __future__ import annotations

from agentdesk.ui.resources import resource_path

BASE_FONT_PT = 11


def load_style_sheet(name: str = "agentdesk") -> str:
    path = resource_path("style", f"{name}.qss")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""  # an unstyled window still works
    return text.replace("@BASE_FONT_PT@", str(BASE_FONT_PT))
