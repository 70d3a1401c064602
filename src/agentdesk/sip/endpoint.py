"""The pjsua2 library instance: configuration, the SIP transport and the event pump.

pjsua2 allows one Endpoint per process at a time. It runs without threads of its
own for SIP (`threadCnt=0`, `mainThreadOnly=True`): every SIP callback happens inside
`poll()`, on the thread that calls it (the GUI thread, from a timer).
"""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Callable

import pjsua2 as pj

from agentdesk.core.settings import SipSettings
from agentdesk.core.softphone import PhoneActionError
from agentdesk.sip.pj_logging import PjLogWriter, log_config, quiet_stdout

log = logging.getLogger(__name__)

TRANSPORT_TYPES = {
    "udp": pj.PJSIP_TRANSPORT_UDP,
    "tcp": pj.PJSIP_TRANSPORT_TCP,
    "tls": pj.PJSIP_TRANSPORT_TLS,
}

# What PBXs and contact centres use, best first, ahead of pjsua's default of Speex
# (which smears tones - IVR prompts, DTMF heard in-band - for about a second while its
# encoder settles). This wheel has no Opus. Speex and the rest stay, below these.
PREFERRED_CODECS = ("G722/16000", "PCMA/8000", "PCMU/8000")

_active: SipEndpoint | None = None  # pjsua2's own limit, made explicit
# A destroyed library's Endpoint object must be gone before the next libCreate: a
# new pj.Endpoint while the old one lives aborts the process inside pjlib.
_previous: weakref.ref[pj.Endpoint] | None = None


class EndpointError(PhoneActionError):
    """The SIP stack could not start; the message says why, for the agent."""


TransportListener = Callable[[str, bool], None]
"""listener(transport type name, connected) for connection-oriented transports."""


def prefer_codecs(ep: pj.Endpoint, codecs: tuple[str, ...] = PREFERRED_CODECS) -> None:
    """Give `codecs` the highest priorities, in this order (after libInit)."""
    for rank, codec in enumerate(codecs):
        ep.codecSetPriority(codec, 255 - rank)  # 255: PJMEDIA_CODEC_PRIO_HIGHEST


class _Endpoint(pj.Endpoint):
    """pj.Endpoint with its transport callback forwarded (TCP/TLS connections)."""

    def __init__(self) -> None:
        super().__init__()
        self.transport_listener: TransportListener | None = None

    def onTransportState(self, prm: pj.OnTransportStateParam) -> None:
        try:
            listener = self.transport_listener
            if listener is None:
                return
            if prm.state == pj.PJSIP_TP_STATE_DISCONNECTED:
                listener(str(prm.type), False)
            elif prm.state == pj.PJSIP_TP_STATE_CONNECTED:
                listener(str(prm.type), True)
        except Exception:  # never into C++
            log.exception("onTransportState failed")


class SipEndpoint:
    def __init__(self, sip: SipSettings, user_agent: str, log_level: int = 4,
                 max_calls: int = 4) -> None:
        self._sip = sip
        self._user_agent = user_agent
        self._log_level = log_level
        self._max_calls = max_calls
        self._writer = PjLogWriter()  # must outlive the library
        self._ep: _Endpoint | None = None
        self.transport_listener: TransportListener | None = None
        self.transport_id = -1
        self.local_port = 0
        self.local_address = ""

    @property
    def ep(self) -> pj.Endpoint:
        if self._ep is None:
            raise EndpointError("The SIP stack is not running.")
        return self._ep

    @property
    def running(self) -> bool:
        return self._ep is not None

    def start(self) -> None:
        global _active
        if _active is not None:
            raise EndpointError("Another softphone is already running in this process.")
        if _previous is not None:  # a library ran before in this process: is it gone?
            gc.collect()  # (a full collection costs ~0.1 s at start: only when needed)
        if _previous is not None and _previous() is not None:
            raise EndpointError("The previous SIP stack is still referenced (something kept "
                                "its pj.Endpoint after shutdown); restart the program.")
        ep = _Endpoint()
        ep.transport_listener = self.transport_listener
        with quiet_stdout():
            ep.libCreate()
        self._ep = ep
        _active = self
        try:
            ep.libInit(self._config())
            prefer_codecs(ep)
            ep.audDevManager().setNullDev()  # no sound device: the bridge needs a clock
            self._create_transport()
            ep.libStart()
        except pj.Error as exc:
            self.destroy()
            raise EndpointError(f"The SIP stack could not start: {exc.info()}") from None
        except Exception:
            self.destroy()
            raise

    def _config(self) -> pj.EpConfig:
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = self._user_agent
        cfg.uaConfig.maxCalls = self._max_calls
        cfg.medConfig.sndAutoCloseTime = -1  # keep the (null) device clocking the bridge
        cfg.medConfig.noVad = True  # silence suppression would stop RTP on a muted line
        log_config(cfg.logConfig, self._writer, self._log_level)
        return cfg

    def _create_transport(self) -> None:
        kind = TRANSPORT_TYPES.get(self._sip.transport)
        if kind is None:
            raise EndpointError(f"Unknown SIP transport '{self._sip.transport}'.")
        tcfg = pj.TransportConfig()
        tcfg.port = self._sip.local_port
        if self._sip.bind_address:
            tcfg.boundAddress = self._sip.bind_address
        if self._sip.public_address:
            tcfg.publicAddress = self._sip.public_address
        try:
            self.transport_id = self.ep.transportCreate(kind, tcfg)
        except pj.Error as exc:
            where = f"{self._sip.bind_address or '*'}:{self._sip.local_port}"
            raise EndpointError(
                f"Cannot open the SIP {self._sip.transport.upper()} port {where}: "
                f"{exc.reason or exc.info()}") from None
        info = self.ep.transportGetInfo(self.transport_id)
        host, _, port = info.localName.rpartition(":")
        self.local_address = host.strip("[]")
        self.local_port = int(port)
        log.info("SIP %s transport on %s", self._sip.transport.upper(), info.localName)

    def poll(self, max_ms: int = 0) -> int:
        if self._ep is None:
            return 0
        return int(self._ep.libHandleEvents(max_ms))

    def destroy(self, network_done: bool = False) -> None:
        """Release the library; the caller has dropped every pjsua2 object first.

        `network_done`: calls are hung up and registrations ended already, so pjsua
        skips its own hang-up and the second it otherwise spends pumping SIP events
        (and our callbacks) inside libDestroy, waiting for unregistrations.
        """
        global _active, _previous
        ep, self._ep = self._ep, None
        if ep is None:
            return
        ep.transport_listener = None
        _previous = weakref.ref(ep)
        gc.collect()  # Call/Account wrappers must be gone before the library
        try:
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK if network_done else 0)
        except pj.Error:
            log.exception("libDestroy failed")
        finally:
            del ep
            if _active is self:
                _active = None
