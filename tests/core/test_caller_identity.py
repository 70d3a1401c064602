"""Caller identification from INVITE headers: mapping, numbers, hostile input."""

from __future__ import annotations

import pytest

from agentdesk.core.caller_identity import (
    DEFAULT_MAPPING,
    MAX_ID_CHARS,
    HeaderMapping,
    HeaderMappingError,
    identify_from_headers,
    identify_inbound,
    identify_outbound,
    normalize_number,
)
from agentdesk.core.phone_events import IncomingCall
from agentdesk.core.sip_headers import SipHeaders, parse_message, request_uri


def invite(*header_lines: str, ruri: str = "sip:+861065529988@pbx.example") -> bytes:
    lines = [f"INVITE {ruri} SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1",
             "Call-ID: abc@10.0.0.1", "CSeq: 1 INVITE", *header_lines, "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def identify(raw: bytes, region: str = "CN", mapping: HeaderMapping = DEFAULT_MAPPING):
    start, headers = parse_message(raw)
    return identify_from_headers(headers, region, mapping, request_uri=request_uri(start))


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("+8613800138000", "CN", "+8613800138000"),
    ("13800138000", "CN", "+8613800138000"),
    ("010 6552 9988", "CN", "+861065529988"),
    ("008613800138000", "US", "+8613800138000"),
    ("tel:+1-202-555-0143;phone-context=x", "CN", "+12025550143"),
    ("sip:+12025550143@pbx;user=phone", "CN", "+12025550143"),
    ("(202) 555-0143", "US", "+12025550143"),
    ("1001", "CN", ""),  # an extension is nobody's customer number
    ("anonymous", "CN", ""),
    ("", "CN", ""),
    ("12'; DROP TABLE customers;--", "CN", ""),
    ("9" * 40, "CN", ""),
])
def test_numbers_are_normalized_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_number(raw, region) == expected


def test_ivr_headers_give_id_account_verified_and_intent() -> None:
    who = identify(invite('From: "Li Lei" <sip:13800138000@carrier>;tag=1',
                          "To: <sip:+861065529988@pbx>",
                          "X-Customer-Id: C-1001", "X-Account: A-88001", "X-Verified: yes",
                          "X-Intent: billing", "X-Queue: service-cn"))
    assert (who.customer_id, who.customer_id_source) == ("C-1001", "ivr")
    assert (who.account, who.account_verified) == ("A-88001", True)
    assert (who.intent, who.queue) == ("billing", "service-cn")
    assert (who.caller_number, who.number_source, who.caller_name) == (
        "+8613800138000", "from", "Li Lei")
    assert who.dialed_number == "+861065529988"
    assert who.ignored == ()


def test_p_asserted_identity_beats_from_and_tel_uri_is_used() -> None:
    who = identify(invite("From: <sip:spoofed@evil>;tag=1",
                          "P-Asserted-Identity: <sip:frontdesk@carrier>",
                          "P-Asserted-Identity: <tel:+8613912345678>"))
    assert (who.caller_number, who.number_source) == ("+8613912345678", "p-asserted-identity")


def test_withheld_caller_has_no_number_but_a_trusted_pai_is_still_used() -> None:
    hidden = identify(invite('From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
                             "Privacy: id"))
    assert hidden.withheld and hidden.caller_number == "" and not hidden.has_keys
    trusted = identify(invite("From: <sip:anonymous@anonymous.invalid>;tag=1",
                              "Privacy: id", "P-Asserted-Identity: <tel:+8613800138000>"))
    assert trusted.withheld and trusted.caller_number == "+8613800138000"


def test_compact_forms_and_case_are_understood() -> None:
    who = identify(invite("f: <sip:+12025550143@carrier>;tag=9", "t: <sip:4001@pbx>",
                          "x-CUSTOMER-id: C-1002"))
    assert who.caller_number == "+12025550143"
    assert who.customer_id == "C-1002"
    assert who.dialed_number == "4001"  # an internal number stays as dialed


def test_diversion_gives_the_number_originally_dialed() -> None:
    who = identify(invite("From: <sip:+8613800138000@carrier>;tag=1", "To: <sip:8001@pbx>",
                          "Diversion: <sip:+861088880000@pbx>;reason=no-answer, "
                          "<sip:+861065529988@pbx>;reason=unconditional",
                          ruri="sip:8001@10.0.0.2"))
    assert who.diverted_from == ("+861088880000", "+861065529988")
    assert who.dialed_number == "+861065529988"  # the oldest diversion: what was dialed
    assert who.reached_number == "8001"


def test_configured_mapping_renames_headers() -> None:
    mapping = HeaderMapping.from_config({"X-Genesys-CustId": "customer_id",
                                         "X-Acct": "account", "X-Auth": "verified"})
    who = identify(invite("X-Genesys-CustId: C-1003", "X-Acct: A-88002", "X-Auth: 1",
                          "X-Customer-Id: C-9999"), mapping=mapping)
    assert who.customer_id == "C-1003"  # the default header is not in this mapping
    assert (who.account, who.account_verified) == ("A-88002", True)


@pytest.mark.parametrize(("config", "message"), [
    ({"X-Customer-Id": "customer"}, "unknown field 'customer'"),
    ({"X Customer": "customer_id"}, "is not a SIP header name"),
])
def test_bad_mapping_names_the_entry(config: dict[str, str], message: str) -> None:
    with pytest.raises(HeaderMappingError, match=message) as caught:
        HeaderMapping.from_config(config, "/etc/agentdesk/seat.toml [screen_pop]")
    assert "/etc/agentdesk/seat.toml" in str(caught.value)


def test_duplicated_header_with_the_same_value_is_fine() -> None:
    who = identify(invite("X-Customer-Id: C-1001", "X-Customer-Id: C-1001"))
    assert who.customer_id == "C-1001" and who.ignored == ()


def test_duplicated_header_with_different_values_is_not_trusted() -> None:
    who = identify(invite("From: <sip:+8613800138000@c>;tag=1",
                          "X-Customer-Id: C-1001", "X-Customer-Id: C-1002"))
    assert who.customer_id == "" and "customer_id" in who.ignored
    assert who.caller_number == "+8613800138000"  # the pop falls back to the number


def test_verified_without_an_account_verifies_nothing() -> None:
    assert not identify(invite("X-Verified: true")).account_verified
    assert not identify(invite("X-Account: A-1", "X-Verified: maybe")).account_verified


@pytest.mark.parametrize("hostile", [
    "C-1001' OR '1'='1",
    "1; DROP TABLE customers; --",
    "C-1001\" UNION SELECT * FROM users",
    "<script>alert(1)</script>",
    "C" * (MAX_ID_CHARS + 1),
])
def test_hostile_identifiers_are_dropped_not_used(hostile: str) -> None:
    who = identify(invite("From: <sip:+8613800138000@c>;tag=1", f"X-Customer-Id: {hostile}",
                          f"X-Account: {hostile}", "X-Verified: 1"))
    assert who.customer_id == "" and who.account == ""
    assert set(who.ignored) >= {"customer_id", "account"}
    assert who.caller_number == "+8613800138000"


def test_ten_kilobyte_values_do_not_get_through() -> None:
    huge = "9" * 10_240
    who = identify(invite(f'From: "{"N" * 10_240}" <sip:{huge}@c>;tag=1',
                          f"X-Customer-Id: {huge}", f"X-Intent: {'i' * 10_240}",
                          f"Diversion: <sip:{huge}@pbx>"))
    assert who.customer_id == "" and who.caller_number == ""
    assert len(who.caller_name) <= 200 and len(who.intent) <= 200
    assert len(who.caller_raw) <= 32 and who.diverted_from == ()


def test_invalid_utf8_is_replaced_and_the_id_is_not_used() -> None:
    raw = invite("From: <sip:+8613800138000@c>;tag=1", "X-Intent: billing")
    raw = raw.replace(b"X-Intent: billing",
                      b"X-Customer-Id: C-10\xff\xfe01\r\nX-Intent: bill\xc3ing")
    who = identify(raw)
    assert who.customer_id == ""
    assert who.intent.startswith("bill") and "\ufffd" in who.intent
    assert who.caller_number == "+8613800138000"


def test_malformed_headers_give_an_empty_identity_not_an_error() -> None:
    who = identify(b"INVITE garbage\r\nFrom <no colon>\r\n: empty name\r\nTo: <<<>>>\r\n"
                   b"Diversion: ,,,\r\nP-Asserted-Identity: \"unterminated\r\n\r\n")
    assert not who.has_keys
    assert who.dialed_number == ""


def test_chinese_and_unicode_ids_are_accepted() -> None:
    who = identify(invite("X-Customer-Id: 客户-0042"))
    assert who.customer_id == "客户-0042"


def test_control_characters_in_display_names_do_not_survive() -> None:
    headers = SipHeaders((("from", '"Evil\u202eName\x00" <sip:+8613800138000@c>'),))
    who = identify_from_headers(headers, "CN")
    assert "\x00" not in who.caller_name and "\u202e" not in who.caller_name


def test_identify_inbound_uses_the_event_fields() -> None:
    start, headers = parse_message(invite("X-Customer-Id: C-1004"))
    call = IncomingCall(call_id="c1", remote_number="18612345678", remote_name="王芳",
                        headers=headers, request_uri=request_uri(start))
    who = identify_inbound(call, "CN")
    assert who.caller_number == "+8618612345678"  # no From header: the event's number
    assert who.caller_name == "王芳"
    assert who.customer_id == "C-1004"


def test_outbound_identity_knows_the_lead() -> None:
    who = identify_outbound("021 6888 1234", "CN", customer_id="C-1005")
    assert (who.direction, who.caller_number, who.customer_id, who.customer_id_source) == (
        "outbound", "+862168881234", "C-1005", "lead")
    assert identify_outbound("+8613800138000", "CN").customer_id_source == ""
    bad = identify_outbound("+8613800138000", "CN", customer_id="x' OR 1=1")
    assert bad.customer_id == "" and bad.ignored == ("customer_id",)
