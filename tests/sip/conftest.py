"""Fixtures for the real-SIP tests: a started PjsuaSoftphone, its events, sipp peers.

pjsua2 allows one library per process at a time, so a phone fixture is module
scoped (or built and shut down inside one test); the event pump is `phone.poll()`.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from agentdesk.core.phone_events import CallState, CallStateChanged, PhoneEvent
from agentdesk.core.settings import PhoneSettings, SipSettings
from agentdesk.sip.pjsua_phone import PjsuaSoftphone
from tests.sip.sipp import HOST, SippFactory, wait_until

E = TypeVar("E")

pytestmark = pytest.mark.sip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which("sipp") is None:
        skip = pytest.mark.skip(reason="sipp (Debian package sip-tester) is not installed")
        for item in items:
            if "sip" in item.keywords and "sipp" in item.fixturenames:
                item.add_marker(skip)


@dataclass
class PhoneHarness:
    phone: PjsuaSoftphone
    events: list[PhoneEvent] = field(default_factory=list)

    def pump(self) -> None:
        self.phone.poll(10)

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        wait_until(self.pump, predicate, timeout, what)

    def find(self, kind: type[E], **match: Any) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)
                and all(getattr(e, k) == v for k, v in match.items())]

    def wait_event(self, kind: type[E], timeout: float = 5.0, **match: Any) -> E:
        found: list[E] = []

        def seen() -> bool:
            found[:] = self.find(kind, **match)
            return bool(found)

        try:
            wait_until(self.pump, seen, timeout, f"{kind.__name__}({match})")
        except AssertionError:
            recent = "\n  ".join(repr(e) for e in self.events[-15:])
            raise AssertionError(f"no {kind.__name__} matching {match} within {timeout} s;"
                                 f" last events:\n  {recent}") from None
        return found[0]

    def connect(self, address: str) -> str:
        """Dial the peer at `address` and wait until the call is connected."""
        call_id = self.phone.dial(f"sip:2000@{address}")
        self.wait_event(CallStateChanged, call_id=call_id, state=CallState.CONNECTED)
        return call_id

    def settle(self, seconds: float) -> None:
        """Keep the pump running for a while (lets in-flight messages land)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump()

    def hang_up_everything(self) -> None:
        for call_id in self.phone.call_ids:
            with contextlib.suppress(Exception):
                self.phone.hangup(call_id)
        with contextlib.suppress(AssertionError):
            self.wait_for(lambda: not self.phone.call_ids, "all calls to end", 5)


def direct_settings(**changes: Any) -> SipSettings:
    """No registrar: direct calls only, on a free port of 127.0.0.1."""
    values: dict[str, Any] = {"local_port": 0, "bind_address": HOST, "username": "agent"}
    values.update(changes)
    return SipSettings(**values)


def make_harness(sip: SipSettings, password: str | Callable[[], str | None] | None = None,
                 phone_settings: PhoneSettings | None = None, **kwargs: Any) -> PhoneHarness:
    secret = password if callable(password) else (lambda: password)
    phone = PjsuaSoftphone(sip, phone_settings or PhoneSettings(), secret, **kwargs)
    harness = PhoneHarness(phone)
    phone.subscribe(harness.events.append)
    phone.start()
    return harness


@pytest.fixture(scope="module")
def module_phone() -> Iterator[PhoneHarness]:
    harness = make_harness(direct_settings())
    yield harness
    harness.phone.shutdown()


@pytest.fixture
def phone(module_phone: PhoneHarness) -> Iterator[PhoneHarness]:
    module_phone.events.clear()
    yield module_phone
    module_phone.hang_up_everything()


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[SippFactory]:
    factory = SippFactory(tmp_path)
    yield factory
    factory.stop_all()
