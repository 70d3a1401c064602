"""Logging for a seat: a rotating file in the data dir plus stderr.

Customer data is personal data: nothing above DEBUG may carry a phone number or a
name. Code logs call ids, not numbers; as a safety net, a filter masks anything that
looks like a phone number in records above DEBUG.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_PHONE_LIKE = re.compile(r"(?<![\w.])\+?\d[\d\s\-().]{5,}\d(?![\w.])")


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 7:  # short numbers are ports, extensions, counts: keep them
        return match.group(0)
    return "<number:…" + digits[-2:] + ">"


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = record.getMessage()
            masked = _PHONE_LIKE.sub(_mask, message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


def configure_logging(level: str, log_dir: Path | None, to_stderr: bool = True) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level.upper())
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            log_dir / "agentdesk.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"))
    if to_stderr:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
    # pjsip logs are verbose; they are routed under this name and kept at DEBUG.
    # httpx logs every request at INFO: the sync service reports what matters.
    if root.level > logging.DEBUG:
        logging.getLogger("agentdesk.sip.pj").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)
