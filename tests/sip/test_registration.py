"""Registration against real registrars: a sipp registrar with digest auth."""

from __future__ import annotations

import logging
import re

import pytest

from agentdesk.core.phone_events import RegistrationChanged, RegistrationState
from agentdesk.sip.account import RetryBackoff
from tests.sip.conftest import PhoneHarness, direct_settings, make_harness
from tests.sip.sipp import SippFactory, SippRun, free_port

pytestmark = pytest.mark.sip

PASSWORD = "correct horse 42"


def registrar_phone(run: SippRun | str, password: str, **kwargs: object) -> PhoneHarness:
    address = run if isinstance(run, str) else run.address
    sip = direct_settings(registrar=address, username="1001", domain="agentdesk.test",
                          register_expires_s=60, **kwargs)
    return make_harness(sip, password=password, retry=RetryBackoff(base_s=0.5, jitter=0))


def states(harness: PhoneHarness) -> list[RegistrationState]:
    return [e.state for e in harness.find(RegistrationChanged)]


def test_digest_registration_refresh_rechallenge_and_unregister(
        sipp: SippFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    registrar = sipp.start("registrar.xml", fill={"@password@": PASSWORD, "@expires@": "6"})
    phone = registrar_phone(registrar, PASSWORD)
    try:
        registered = phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED)
        assert (registered.code, registered.expires_s) == (200, 6)
        # pjsua refreshes ahead of expiry; the registrar re-challenges with a new nonce.
        phone.wait_for(lambda: len(registrar.received("REGISTER")) >= 4,
                       "the refresh and its re-challenged retry", timeout=10)
        phone.settle(0.2)
        assert phone.phone.registration.state is RegistrationState.REGISTERED
    finally:
        phone.phone.shutdown()
    assert states(phone) == [RegistrationState.REGISTERING, RegistrationState.REGISTERED,
                             RegistrationState.UNREGISTERED]
    phone.wait_for(lambda: registrar.done, "the registrar to finish")
    assert registrar.returncode == 0, registrar.diagnostics()

    first, answered, refresh, rechallenged, unregister = registrar.received("REGISTER")
    assert "Authorization" not in first.text
    assert 'nonce="first' not in refresh.text  # the old nonce is not replayed ...
    assert 'nonce="first' in answered.header("Authorization")
    assert 'nonce="second' in rechallenged.header("Authorization")  # ... the new one answered
    assert re.search(r"expires=0|^Expires:\s*0", unregister.text, re.M | re.I)
    assert PASSWORD not in caplog.text  # not even at DEBUG, with every SIP message logged
    assert "REGISTER sip:" in caplog.text  # ... which did happen


def test_wrong_password_fails_with_403_and_is_not_retried(sipp: SippFactory) -> None:
    registrar = sipp.start("registrar.xml", fill={"@password@": PASSWORD, "@expires@": "60"})
    phone = registrar_phone(registrar, "wrong password")
    try:
        failed = phone.wait_event(RegistrationChanged, state=RegistrationState.FAILED)
        assert (failed.code, failed.reason) == (403, "Forbidden")
        assert failed.retry_in_s is None  # a wrong password will not fix itself
        phone.wait_for(lambda: registrar.done, "the registrar to finish")
        assert registrar.returncode == 0, registrar.diagnostics()
        phone.settle(1.0)
        assert len(registrar.received("REGISTER")) == 2
    finally:
        phone.phone.shutdown()
    assert states(phone) == [RegistrationState.REGISTERING, RegistrationState.FAILED]


def test_unreachable_registrar_is_retried_with_backoff_until_it_answers(
        sipp: SippFactory) -> None:
    port = free_port()
    phone = registrar_phone(f"127.0.0.1:{port}", PASSWORD, transport="tcp")
    try:
        phone.wait_for(lambda: len(phone.find(RegistrationChanged,
                                              state=RegistrationState.FAILED)) >= 3,
                       "three failed attempts")
        failures = phone.find(RegistrationChanged, state=RegistrationState.FAILED)
        assert [f.code for f in failures[:3]] == [503] * 3
        assert [f.retry_in_s for f in failures[:3]] == [0.5, 1.0, 2.0]  # doubling

        registrar = sipp.start("registrar.xml", transport="t1", port=port,
                               fill={"@password@": PASSWORD, "@expires@": "60"})
        phone.wait_event(RegistrationChanged, state=RegistrationState.REGISTERED, timeout=8)
    finally:
        phone.phone.shutdown()
    assert phone.phone.registration.state is RegistrationState.UNREGISTERED
    registrar.stop()


def test_no_registrar_means_disabled_and_direct_calls(phone: PhoneHarness) -> None:
    assert phone.phone.registration.state is RegistrationState.DISABLED
    phone.phone.reregister()  # nothing to do, and no error


def test_backoff_doubles_up_to_the_cap_with_bounded_jitter() -> None:
    plain = RetryBackoff(base_s=2, cap_s=60, jitter=0)
    assert [plain.next_delay() for _ in range(7)] == [2, 4, 8, 16, 32, 60, 60]
    plain.reset()
    assert plain.next_delay() == 2
    low = RetryBackoff(base_s=10, jitter=0.2, rng=lambda: 0.0)
    high = RetryBackoff(base_s=10, jitter=0.2, rng=lambda: 0.999999)
    assert low.next_delay() == pytest.approx(8.0)
    assert high.next_delay() == pytest.approx(12.0, rel=1e-4)
