from pathlib import Path

import pytest

from agentdesk.core.settings import Settings, SettingsError, load_settings, parse_settings

ISSUE_EXAMPLE = """\
[sip]
registrar = "pbx.example.com:5060"  # empty: no registration, direct calls only
username = "1001"
auth_username = ""                   # empty: same as username
domain = "pbx.example.com"
transport = "udp"                    # udp | tcp | tls
local_port = 5070                    # 0: any free port
[phone]
auto_answer_after_s = -1             # -1: off, 0: at once, N: after N seconds
default_region = "CN"                # for numbers typed without a country code
dial_prefix = ""
[server]
url = "http://127.0.0.1:8765"
"""


def test_the_documented_example_parses():
    settings = parse_settings(ISSUE_EXAMPLE)
    assert settings.sip.registrar == "pbx.example.com:5060"
    assert settings.sip.effective_auth_username == "1001"
    assert settings.phone.auto_answer_after_s == -1
    assert settings.server.url == "http://127.0.0.1:8765"


def test_missing_file_means_defaults(tmp_path):
    assert load_settings(tmp_path / "absent.toml") == Settings()


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "seat.toml"
    path.write_bytes("\ufeff[sip]\nusername = \"1001\"\n".encode())
    assert load_settings(path).sip.username == "1001"


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("[sip]\nusername = \"1\"\nregistar = \"x\"\n", 3, "sip.registar", "unknown key"),
        ("[phone]\n\nauto_answer_after_s = \"3\"\n", 3, "phone.auto_answer_after_s",
         "must be a whole number"),
        ("[sip]\nlocal_port = true\n", 2, "sip.local_port", "must be a whole number"),
        ("[phone]\nrecord_calls = 1\n", 2, "phone.record_calls", "true or false"),
        ("[sipp]\nusername = \"1\"\n", 1, "sipp", "unknown section"),
        ("[sip]\ntransport = \"sctp\"\n", 2, "sip.transport", "udp, tcp, tls"),
        ("[phone]\ndefault_region = \"China\"\n", 2, "phone.default_region", "two-letter"),
        ("[phone]\nauto_answer_after_s = -5\n", 2, "phone.auto_answer_after_s", "-1"),
        ("[sip]\nregistrar = \"pbx\"\n", None, "sip.username", "required"),
        ("[server]\nurl = \"ftp://x\"\n", 2, "server.url", "http://"),
        ("sip = 3\n", 1, "sip", "must be a table"),
    ],
)
def test_errors_name_the_key_file_and_line(text, line, key, words):
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, Path("/etc/agentdesk/seat.toml"))
    error = caught.value
    assert error.key == key
    assert error.line == line
    assert words in str(error)
    prefix = f"/etc/agentdesk/seat.toml:{line}: " if line else "/etc/agentdesk/seat.toml: "
    assert str(error).startswith(prefix)


def test_invalid_toml_reports_the_line():
    with pytest.raises(SettingsError) as caught:
        parse_settings("[sip]\nusername = \"1001\nx=1\n", Path("seat.toml"))
    assert caught.value.line == 2
    assert "not valid TOML" in str(caught.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "seat.toml"
    path.write_bytes(b"[sip]\nusername = \"\xb9\xa4\"\n")
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings(path)


def test_agent_section_rejects_an_unknown_not_ready_policy(tmp_path):
    text = '[agent]\nready_on_login = true\nnot_ready_calls = "ignore"\n'
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, tmp_path / "agentdesk.toml")
    assert caught.value.line == 3
    assert "not_ready_calls" in str(caught.value) and '"reject" or "ring"' in str(caught.value)
    settings = parse_settings('[agent]\nnot_ready_calls = "ring"\nqueue = "service"\n')
    assert (settings.agent.not_ready_calls, settings.agent.queue) == ("ring", "service")


def test_dead_call_and_secure_media_settings(tmp_path):
    settings = parse_settings(
        '[sip]\nsession_timer = "required"\nreliable_provisional = "off"\n'
        'srtp = "mandatory"\n[phone]\nmedia_timeout_s = 0\n')
    assert (settings.sip.session_timer, settings.sip.reliable_provisional,
            settings.sip.srtp, settings.phone.media_timeout_s) == ("required", "off",
                                                                   "mandatory", 0)
    defaults = Settings()
    assert (defaults.sip.session_timer, defaults.sip.reliable_provisional,
            defaults.sip.srtp, defaults.phone.media_timeout_s) == ("optional", "supported",
                                                                   "off", 30)


@pytest.mark.parametrize(("text", "line", "words"), [
    ('[sip]\ntransport = "udp"\nsrtp = "sdes"\n', 3, "'sip.srtp' must be one of off, optional"),
    ('[sip]\nsession_timer = "on"\n', 2, "'sip.session_timer' must be one of optional"),
    ('[sip]\nreliable_provisional = "yes"\n', 2, "must be one of supported, required, off"),
    ('[phone]\nmedia_timeout_s = 2\n', 2, "0 (off) or 5..3600"),
    ('[phone]\nmedia_timeout_s = "30"\n', 2, "must be a whole number"),
    ('[phone]\nmedia_timeout = 30\n', 2, "unknown key 'phone.media_timeout'"),
    ('[sip]\nsrtp_mode = "off"\n', 2, "unknown key 'sip.srtp_mode'"),
])
def test_dead_call_and_secure_media_settings_are_checked(tmp_path, text, line, words):
    path = tmp_path / "seat.toml"
    with pytest.raises(SettingsError) as caught:
        parse_settings(text, path)
    assert f"{path}:{line}: " in str(caught.value)
    assert words in str(caught.value)
