"""Polls the active call's quality every few seconds while it is connected."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import CallState
from agentdesk.core.softphone import CallQuality

log = logging.getLogger(__name__)

QualityProvider = Callable[[str], CallQuality | None]
DEFAULT_INTERVAL_MS = 3000


class CallQualityMonitor(QObject):
    sig_quality_updated = Signal(str, object)  # call id ('' when none), CallQuality | None

    def __init__(self, call_service: CallService, provider: QualityProvider | None,
                 interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = call_service
        self._provider = provider
        self._call_id = ""
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def on_lines_changed(self) -> None:
        line = self._service.active_line()
        talking = (line is not None and line.state is CallState.CONNECTED
                   and self._provider is not None)
        if talking and line is not None:
            if line.call_id != self._call_id:
                self._call_id = line.call_id
                self._timer.start()  # RTCP needs a few seconds before it says anything
        elif self._call_id:
            self.stop()

    def stop(self) -> None:
        self._timer.stop()
        if self._call_id:
            self._call_id = ""
            self.sig_quality_updated.emit("", None)

    def poll(self) -> None:
        if not self._call_id or self._provider is None:
            return
        try:
            quality = self._provider(self._call_id)
        except Exception:  # statistics are a nicety: never let them break the window
            log.exception("reading call quality failed")
            quality = None
        self.sig_quality_updated.emit(self._call_id, quality)
