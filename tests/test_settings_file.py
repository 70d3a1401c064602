from agentdesk.core.settings import Settings, load_settings
from agentdesk.settings_file import save_settings


def test_round_trip(tmp_path):
    settings = Settings()
    settings.sip.registrar = "pbx.example.com:5060"
    settings.sip.username = "1001"
    settings.phone.auto_answer_after_s = 3
    settings.phone.default_region = "US"
    path = tmp_path / "deep" / "seat.toml"
    save_settings(settings, path)
    assert load_settings(path) == settings
    assert "credentials set sip" in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["seat.toml"]  # no temp file left
