"""The SIP account: its configuration, its callbacks and the registration retry policy.

pjsua's own retry (`retryIntervalSec`) waits a fixed interval plus a random part; a
seat behind a registrar that restarts wants to come back quickly at first and then
stop hammering it, so pjsua's retry is switched off and `RetryBackoff` (truncated
exponential, with jitter) decides when registration.py registers again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pjsua2 as pj

from agentdesk.core.settings import SipSettings
from agentdesk.sip.invite import wire_text

log = logging.getLogger(__name__)


class RegistrationHost(Protocol):
    def on_reg_started(self, renew: bool) -> None: ...

    def on_reg_state(self, code: int, reason: str, expires: int) -> None: ...


IncomingHandler = Callable[[int, str], None]
"""handler(pjsua call id, the INVITE's text)"""


class PhoneAccount(pj.Account):
    """Forwards pjsua2's account callbacks; nothing may escape into C++."""

    def __init__(self, registration: RegistrationHost, on_incoming: IncomingHandler) -> None:
        super().__init__()
        self._registration = registration
        self._on_incoming = on_incoming

    def onRegStarted(self, prm: pj.OnRegStartedParam) -> None:
        try:
            self._registration.on_reg_started(bool(prm.renew))
        except Exception:
            log.exception("onRegStarted failed")

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        try:
            self._registration.on_reg_state(int(prm.code), wire_text(prm.reason),
                                            int(prm.expiration))
        except Exception:
            log.exception("onRegState failed")

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            self._on_incoming(int(prm.callId), prm.rdata.wholeMsg)
        except Exception:
            log.exception("onIncomingCall failed")


def transport_param(sip: SipSettings) -> str:
    return "" if sip.transport == "udp" else f";transport={sip.transport}"


def registrar_uri(sip: SipSettings) -> str:
    return f"sip:{sip.registrar}{transport_param(sip)}" if sip.registrar else ""


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def account_config(sip: SipSettings, password: str | None, transport_id: int,
                   local_host: str, local_port: int) -> pj.AccountConfig:
    """The pjsua account for these settings; `password` stays inside pjsua."""
    cfg = pj.AccountConfig()
    user = sip.username or "agent"
    if sip.registrar:
        host = sip.effective_domain
    else:  # direct calls only: the account is reached at our own address
        host = f"{sip.public_address or local_host}:{local_port}"
    uri = f"sip:{user}@{host}"
    cfg.idUri = f"{_quoted(sip.display_name)} <{uri}>" if sip.display_name else uri
    cfg.sipConfig.transportId = transport_id
    cfg.regConfig.registerOnAdd = bool(sip.registrar)
    cfg.regConfig.retryIntervalSec = 0  # RetryBackoff decides (see module docstring)
    cfg.regConfig.dropCallsOnFail = False  # a lost registration must not drop a call
    cfg.regConfig.unregWaitMsec = 2000
    if sip.registrar:
        cfg.regConfig.registrarUri = registrar_uri(sip)
        cfg.regConfig.timeoutSec = sip.register_expires_s
        # The registrar is the seat's proxy too (a PBX): calls to the domain go through it.
        cfg.sipConfig.proxies.append(f"sip:{sip.registrar};lr{transport_param(sip)}")
        if password is not None:
            cred = pj.AuthCredInfo("digest", "*", sip.effective_auth_username, 0, password)
            cfg.sipConfig.authCreds.append(cred)
    cfg.mediaConfig.lockCodecEnabled = False  # no surprise re-INVITE after answer
    apply_call_features(cfg, sip)
    if sip.bind_address:
        cfg.mediaConfig.transportConfig.boundAddress = sip.bind_address
    if sip.public_address:
        cfg.mediaConfig.transportConfig.publicAddress = sip.public_address
    cfg.natConfig.iceEnabled = False
    cfg.natConfig.sipStunUse = pj.PJSUA_STUN_USE_DISABLED
    cfg.natConfig.mediaStunUse = pj.PJSUA_STUN_USE_DISABLED
    return cfg


_SESSION_TIMERS = {
    "optional": pj.PJSUA_SIP_TIMER_OPTIONAL,
    "required": pj.PJSUA_SIP_TIMER_REQUIRED,
    "off": pj.PJSUA_SIP_TIMER_INACTIVE,
}
# "supported": a caller's Require: 100rel is honoured (pjsua always can), never asked
# for; pjsua's OPTIONAL would make every ringing reliable for a caller that merely
# supports it, and with an offer in the INVITE that means early media (183 + SDP).
_PRACK = {
    "supported": pj.PJSUA_100REL_NOT_USED,
    "required": pj.PJSUA_100REL_MANDATORY,
    "off": pj.PJSUA_100REL_NOT_USED,
}
_SRTP = {
    "off": pj.PJMEDIA_SRTP_DISABLED,
    "optional": pj.PJMEDIA_SRTP_OPTIONAL,
    "mandatory": pj.PJMEDIA_SRTP_MANDATORY,
}
SESSION_EXPIRES_S = 1800  # RFC 4028's recommended default; pjsua refreshes at half
SESSION_MIN_SE_S = 90


def apply_call_features(cfg: pj.AccountConfig, sip: SipSettings) -> None:
    """Session timers, reliable provisional responses and SRTP, as the settings say."""
    cfg.callConfig.timerUse = _SESSION_TIMERS[sip.session_timer]
    cfg.callConfig.timerSessExpiresSec = SESSION_EXPIRES_S
    cfg.callConfig.timerMinSESec = SESSION_MIN_SE_S
    cfg.callConfig.prackUse = _PRACK[sip.reliable_provisional]
    cfg.mediaConfig.srtpUse = _SRTP[sip.srtp]
    # SDES only (the keys ride in the SDP); no DTLS-SRTP handshake.
    cfg.mediaConfig.srtpOpt.keyings.clear()
    cfg.mediaConfig.srtpOpt.keyings.append(pj.PJMEDIA_SRTP_KEYING_SDES)
    # pjsua would refuse SDES unless the signalling is TLS; the choice is the admin's
    # (the README and the settings dialog say why TLS belongs with it).
    cfg.mediaConfig.srtpSecureSignaling = 0
    if sip.srtp != "off" and sip.transport != "tls":
        log.warning("SRTP is %s over SIP %s: the media keys travel in clear text; "
                    "use transport = tls", sip.srtp, sip.transport.upper())


# SIP codes worth retrying on their own: the registrar (or the path to it) is down or
# busy. A 401/403/404 will not fix itself; the agent must correct the settings.
def retryable(code: int) -> bool:
    return code == 0 or code in (408, 480) or 500 <= code < 600


@dataclass
class RetryBackoff:
    """Truncated exponential backoff with jitter: base, 2*base, 4*base ... up to cap."""

    base_s: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.2  # +-20 %: 300 seats do not come back in lock-step
    rng: Callable[[], float] = field(default=random.random)
    attempts: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap_s, self.base_s * 2.0 ** min(self.attempts, 30))
        self.attempts += 1
        spread = (self.rng() * 2.0 - 1.0) * self.jitter
        return max(0.1, delay * (1.0 + spread))

    def reset(self) -> None:
        self.attempts = 0
