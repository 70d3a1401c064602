"""pjsip's log lines, routed to Python `logging` (logger `agentdesk.sip.pj`).

pjlib writes to stdout unless told otherwise, and it starts talking in `libCreate`,
before a LogWriter can be installed: `quiet_stdout` keeps those first lines off the
terminal (the desktop's stdout belongs to the operator, not to a SIP stack).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator

import pjsua2 as pj

log = logging.getLogger("agentdesk.sip.pj")

# pjlib levels: 0 fatal, 1 error, 2 warning, 3 info, 4 debug, 5 trace, 6 detailed trace.
# Level 3 and up (SIP messages are level 4) are what an engineer wants when asked to
# debug a seat, not what an operator wants to see: they all go to DEBUG. pjlib's
# "errors" are mostly pjsua2 echoing an error it also raises (a stopTransmit on a
# port that just went away), which the adapter handles or reports itself: INFO.
_LEVELS = {0: logging.ERROR, 1: logging.INFO, 2: logging.INFO}


def python_level(pj_level: int) -> int:
    return _LEVELS.get(pj_level, logging.DEBUG)


class PjLogWriter(pj.LogWriter):
    """Called by pjlib from whatever thread logs (SIP, media clock); must not raise."""

    def write(self, entry: pj.LogEntry) -> None:
        try:
            level = python_level(entry.level)
            if log.isEnabledFor(level):
                # SIP messages may carry bytes that are not UTF-8 (SWIG passes them as
                # lone surrogates, which a UTF-8 log file cannot take).
                text = entry.msg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                log.log(level, "%s", text.rstrip())
        except Exception:  # never let an exception travel back into C++
            pass


def log_config(cfg: pj.LogConfig, writer: PjLogWriter, level: int = 4) -> None:
    cfg.writer = writer
    cfg.level = level
    cfg.consoleLevel = level  # "console" is the writer once one is installed
    cfg.msgLogging = True
    cfg.decor = pj.PJ_LOG_HAS_SENDER  # Python logging adds time and level itself


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null for the duration (pjlib's early chatter)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
