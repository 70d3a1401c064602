import pytest

from agentdesk.core.dial_numbers import (
    InvalidNumberError,
    format_for_region,
    normalize_dial_string,
)


@pytest.mark.parametrize(
    ("typed", "region", "prefix", "dial", "e164", "ext"),
    [
        ("+86 (10) 6552-9988 ext. 12", "CN", "", "+861065529988", "+861065529988", "12"),
        ("010 6552 9988", "CN", "", "+861065529988", "+861065529988", ""),
        ("010-65529988 转 8001", "CN", "", "+861065529988", "+861065529988", "8001"),
        ("138 0013 8000", "CN", "", "+8613800138000", "+8613800138000", ""),
        ("(202) 555-0143", "US", "", "+12025550143", "+12025550143", ""),
        ("+1 202 555 0143 x7", "CN", "", "+12025550143", "+12025550143", "7"),
        ("tel:+1-202-555-0143", "CN", "", "+12025550143", "+12025550143", ""),
        ("13800138000", "CN", "9", "9+8613800138000", "+8613800138000", ""),
        ("1001", "CN", "9", "1001", "", ""),  # internal extension: no prefix, no E.164
        ("  80555 ", "CN", "", "80555", "", ""),
    ],
)
def test_normalizes_common_formats(typed, region, prefix, dial, e164, ext):
    target = normalize_dial_string(typed, region, prefix)
    assert (target.dial_string, target.e164, target.extension) == (dial, e164, ext)


def test_sip_uri_passes_through():
    target = normalize_dial_string("sip:bob@127.0.0.1:5080")
    assert target.sip_uri == "sip:bob@127.0.0.1:5080"
    assert target.display == "sip:bob@127.0.0.1:5080"


@pytest.mark.parametrize(
    ("typed", "message_part"),
    [
        ("", "Enter a number"),
        ("   ", "Enter a number"),
        ("call me", "contains letters"),
        ("+99 1234 5678", "unknown country code"),
        ("+86 10 12", "wrong number of digits"),
        ("1" * 70, "too long"),
        ("12345678901234567890", "wrong number of digits"),
    ],
)
def test_invalid_numbers_get_a_message_for_the_agent(typed, message_part):
    with pytest.raises(InvalidNumberError, match=message_part):
        normalize_dial_string(typed, "CN")


def test_format_for_region():
    assert format_for_region("+861065529988", "CN") == "010 6552 9988"
    assert format_for_region("+12025550143", "CN") == "+1 202-555-0143"
    assert format_for_region("not a number", "CN") == "not a number"
