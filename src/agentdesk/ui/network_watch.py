"""Sync on reconnect: when the operating system says the network came back (a cable
plugged in, Wi-Fi rejoined, VPN up), sync at once instead of waiting out the backoff.

Qt's QNetworkInformation reads this from the system (GLib's network monitor,
NetworkManager or ConnMan on Linux). Where no backend can be loaded the seat still
reconnects, only later: the sync service's backoff timer retries on its own.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QNetworkInformation

log = logging.getLogger(__name__)

_REACHABLE = (QNetworkInformation.Reachability.Online, QNetworkInformation.Reachability.Site,
              QNetworkInformation.Reachability.Local)


class NetworkWatch(QObject):
    sig_network_returned = Signal()  # the network went from unreachable to reachable

    def __init__(self, parent: QObject | None = None, *,
                 info: QNetworkInformation | None = None) -> None:
        super().__init__(parent)
        if info is None and QNetworkInformation.loadDefaultBackend():
            info = QNetworkInformation.instance()
        self.backend = info.backendName() if info is not None else None
        self._reachable = True
        if info is None:
            log.info("no network-status backend: reconnects wait for the sync backoff")
            return
        self._reachable = info.reachability() in _REACHABLE
        info.reachabilityChanged.connect(self.on_network_reachability_changed)
        log.debug("watching the network through %s", self.backend)

    @Slot(QNetworkInformation.Reachability)
    def on_network_reachability_changed(
            self, reachability: QNetworkInformation.Reachability) -> None:
        reachable = reachability in _REACHABLE
        if reachable and not self._reachable:
            log.info("the network is back: syncing now")
            self.sig_network_returned.emit()
        elif not reachable and self._reachable:
            log.info("the network is gone (%s)", reachability.name)
        self._reachable = reachable
