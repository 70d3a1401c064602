"""The seat's registration: live state for the agent, retries, recovery.

pjsua's own retry is off (see account.py); this decides when to REGISTER again:
after a failure worth retrying (truncated exponential backoff with jitter), and at
once when the TCP/TLS connection to the registrar drops (a registrar that restarts
forgets the seat without a word). Retries are due from `poll()`, on the GUI thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pjsua2 as pj

from agentdesk.core.phone_events import PhoneEvent, RegistrationChanged, RegistrationState
from agentdesk.sip.account import RetryBackoff, retryable

log = logging.getLogger(__name__)

PJSIP_EBUSY = 171001  # a REGISTER is already in flight
_REASONS = {0: "No response (network error)", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 408: "Request Timeout", 503: "Service Unavailable"}


class Registration:
    def __init__(self, enabled: bool, emit: Callable[[PhoneEvent], None],
                 retry: RetryBackoff | None = None) -> None:
        self.enabled = enabled  # False: no registrar, direct calls only
        self._emit = emit
        self._retry = retry or RetryBackoff()
        self._account: pj.Account | None = None
        self._retry_at: float | None = None
        self.stopping = False
        self.current = RegistrationChanged(RegistrationState.DISABLED)

    @property
    def state(self) -> RegistrationState:
        return self.current.state

    def attach(self, account: pj.Account | None) -> None:
        self._account = account
        if account is None:
            self._retry_at = None

    def _set(self, event: RegistrationChanged) -> None:
        if event != self.current:
            self.current = event
            self._emit(event)

    # -- pjsua callbacks (through PhoneAccount) ----------------------------------------
    def on_reg_started(self, renew: bool) -> None:
        if renew and self.state is not RegistrationState.REGISTERED:
            self._set(RegistrationChanged(RegistrationState.REGISTERING))

    def on_reg_state(self, code: int, reason: str, expires: int) -> None:
        if 200 <= code < 300 and expires > 0:
            self._retry.reset()
            self._set(RegistrationChanged(RegistrationState.REGISTERED, code, reason,
                                          expires_s=expires))
        elif 200 <= code < 300:
            self._set(RegistrationChanged(RegistrationState.UNREGISTERED, code, reason))
        else:
            retry_in = None
            if retryable(code) and not self.stopping:
                retry_in = round(self._retry.next_delay(), 1)
                self._retry_at = time.monotonic() + retry_in
            log.info("registration failed: %s %s (retry in %s s)", code, reason, retry_in)
            self._set(RegistrationChanged(RegistrationState.FAILED, code,
                                          reason or _REASONS.get(code, ""),
                                          retry_in_s=retry_in))

    def on_transport(self, kind: str, connected: bool) -> None:
        # Over UDP nothing tells us the registrar forgot the seat; the binding comes
        # back at the next refresh. Over TCP/TLS the lost connection is the sign:
        # REGISTER at once (harmless if all is well, the backoff path if not).
        live = self.state in (RegistrationState.REGISTERED, RegistrationState.REGISTERING)
        if not connected and live and self.enabled and not self.stopping:
            log.info("%s connection lost: registering again", kind)
            self._retry_at = time.monotonic()

    # -- driven by the phone -----------------------------------------------------------
    def poll(self) -> None:
        if self._retry_at is not None and time.monotonic() >= self._retry_at:
            self._retry_at = None
            self._register()

    def _register(self) -> None:
        if self._account is None:
            return
        try:
            self._account.setRegistration(True)
        except pj.Error as exc:
            if exc.status == PJSIP_EBUSY:
                return  # its answer will be reported
            self.on_reg_state(0, str(exc.reason or "the SIP stack refused"), 0)

    def restart(self, config: pj.AccountConfig) -> None:
        """Register again now with a fresh config (e.g. the password was fixed)."""
        if not self.enabled or self._account is None or self.stopping:
            return
        self._retry_at = None
        self._retry.reset()
        self._account.modify(config)  # re-registers when the config changed ...
        if not self._account.getInfo().regIsActive:
            self._register()  # ... and otherwise this does

    def unregister(self) -> bool:
        """Send the un-REGISTER; True when there is an answer to wait for."""
        self.stopping = True
        self._retry_at = None
        if self._account is None or self.state is not RegistrationState.REGISTERED:
            return False
        try:
            self._account.setRegistration(False)
        except pj.Error as exc:
            log.warning("un-REGISTER failed: %s", exc.info())
            return False
        return True
