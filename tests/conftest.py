"""Suite-wide fixtures: every process a test starts ends with the test run."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.process_reaper import RUN_ID_VARIABLE, reap

# Set before any test starts a process, so every child inherits the mark. Under
# ./scripts/test the script sets it and reaps after pytest, however pytest ended.
os.environ.setdefault(RUN_ID_VARIABLE, f"pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reap(os.environ[RUN_ID_VARIABLE])
