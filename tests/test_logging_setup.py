import logging

import pytest

from agentdesk.logging_setup import PersonalDataFilter, configure_logging


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("incoming call from +86 138 0013 8000", "incoming call from <number:…00>"),
        ("dialed 010-6552-9988 ok", "dialed <number:…88> ok"),
        ("bound to 127.0.0.1:5070", "bound to 127.0.0.1:5070"),
        ("call 17 of 50", "call 17 of 50"),
        ("extension 8001 busy", "extension 8001 busy"),
    ],
)
def test_numbers_are_masked_above_debug(message, shown):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, None, None)
    PersonalDataFilter().filter(record)
    assert record.getMessage() == shown


def test_debug_records_are_left_alone():
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "from %s", ("+8613800138000",),
                               None)
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "from +8613800138000"


def test_log_file_in_the_data_dir(tmp_path):
    configure_logging("INFO", tmp_path / "logs", to_stderr=False)
    try:
        logging.getLogger("agentdesk.test").info("caller %s", "+8613800138000")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / "logs" / "agentdesk.log").read_text()
        assert "caller <number:…00>" in text
        assert "13800138000" not in text
    finally:
        configure_logging("WARNING", None, to_stderr=False)
