import pytest

from agentdesk.core.sip_headers import (
    MAX_HEADER_VALUE,
    SipHeaders,
    canonical_name,
    parse_message,
    parse_name_addr,
    request_uri,
    uri_user,
)

INVITE = (
    "INVITE sip:1001@127.0.0.1:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-1\r\n"
    'f: "Li Lei" <sip:+8613800138000@127.0.0.1>;tag=abc\r\n'
    "t: <sip:1001@127.0.0.1>\r\n"
    "P-Asserted-Identity: <tel:+8613800138001>\r\n"
    "X-Customer-Id: C-1001\r\n"
    "x-customer-id: C-9999\r\n"
    "X-Intent: billing,\r\n"
    " refund\r\n"
    "Diversion: <sip:4000@pbx>;reason=unconditional\r\n"
    "i: call-1\r\n"
    "\r\n"
    "v=0\r\n"
)


def test_start_line_and_request_uri():
    start, _ = parse_message(INVITE)
    assert start == "INVITE sip:1001@127.0.0.1:5070 SIP/2.0"
    assert request_uri(start) == "sip:1001@127.0.0.1:5070"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("From", '"Li Lei" <sip:+8613800138000@127.0.0.1>;tag=abc'),
        ("from", '"Li Lei" <sip:+8613800138000@127.0.0.1>;tag=abc'),
        ("f", '"Li Lei" <sip:+8613800138000@127.0.0.1>;tag=abc'),
        ("TO", "<sip:1001@127.0.0.1>"),
        ("Call-ID", "call-1"),
        ("p-asserted-identity", "<tel:+8613800138001>"),
        ("X-Customer-Id", "C-1001"),  # first of duplicated headers wins
        ("X-Intent", "billing, refund"),  # folded value unfolded
        ("Missing", ""),
    ],
)
def test_get_is_case_insensitive_and_expands_compact_forms(name, expected):
    _, headers = parse_message(INVITE)
    assert headers.get(name) == expected


def test_duplicates_are_all_kept_in_order():
    _, headers = parse_message(INVITE)
    assert headers.get_all("x-customer-id") == ["C-1001", "C-9999"]
    assert headers.x_headers() == {"x-customer-id": "C-1001", "x-intent": "billing, refund"}


@pytest.mark.parametrize(
    ("value", "display", "uri", "user"),
    [
        ('"Li Lei" <sip:+8613800138000@h>;tag=1', "Li Lei", "sip:+8613800138000@h",
         "+8613800138000"),
        ("Bob <sip:bob@h:5060;transport=tcp>", "Bob", "sip:bob@h:5060;transport=tcp", "bob"),
        ("<tel:+1-202-555-0143;ext=7>", "", "tel:+1-202-555-0143;ext=7", "+1-202-555-0143"),
        ("sip:1001@h;tag=x", "", "sip:1001@h", "1001"),
        ('"Quote \\"Q\\" Name" <sip:q@h>', 'Quote "Q" Name', "sip:q@h", "q"),
        ('"李雷" <sip:+8610@h>', "李雷", "sip:+8610@h", "+8610"),
        ("<<<>>>", "", "<<", ""),
        ("", "", "", ""),
        ('"unterminated <sip:a@b>', '"unterminated', "sip:a@b", "a"),
    ],
)
def test_parse_name_addr(value, display, uri, user):
    parsed = parse_name_addr(value)
    assert (parsed.display_name, parsed.uri, parsed.user) == (display, uri, user)


def test_header_params_are_parsed():
    assert parse_name_addr("<sip:4000@pbx>;reason=unconditional").params == {
        "reason": "unconditional"}


@pytest.mark.parametrize("uri", ["mailto:x@y", "sip:host-only", "nonsense", "sips:"])
def test_uri_user_of_uris_without_a_user(uri):
    assert uri_user(uri) == ""


def test_hostile_values_are_cut_and_cleaned():
    huge = "A" * 10_000
    message = (
        "INVITE sip:a@b SIP/2.0\r\n"
        f"From: \"{huge}\" <sip:1@b>\r\n"
        "X-Customer-Id: 1' OR '1'='1; DROP TABLE customers;--\r\n"
        "X-Evil: a\x00b\x1bc\r\n"
        "Not a header line\r\n"
        "Bad Name: x\r\n"
        ": empty name\r\n\r\n"
    ).encode() + b"\xff\xfe"
    start, headers = parse_message(message)
    assert start == "INVITE sip:a@b SIP/2.0"
    assert len(headers.get("from")) == MAX_HEADER_VALUE
    # SQL fragments are kept verbatim as data: they are never interpolated anywhere.
    assert headers.get("x-customer-id") == "1' OR '1'='1; DROP TABLE customers;--"
    assert headers.get("x-evil") == "a?b?c"
    assert [name for name, _ in headers] == ["from", "x-customer-id", "x-evil"]


def test_invalid_utf8_is_replaced_not_raised():
    _, headers = parse_message(b"INVITE sip:a@b SIP/2.0\r\nX-Name: caf\xe9\r\n\r\n")
    assert headers.get("x-name") == "caf\ufffd"


def test_malformed_start_line():
    start, headers = parse_message("garbage")
    assert request_uri(start) == ""
    assert len(headers) == 0


def test_header_flood_is_capped():
    lines = "".join(f"X-H{i}: v\r\n" for i in range(1000))
    _, headers = parse_message("INVITE sip:a@b SIP/2.0\r\n" + lines + "\r\n")
    assert len(headers) == 256


def test_contains_and_canonical_name():
    headers = SipHeaders.from_pairs([("F", "x")])
    assert "From" in headers and "from" in headers and "To" not in headers
    assert canonical_name(" X-Foo ") == "x-foo"
