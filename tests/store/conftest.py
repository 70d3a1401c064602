from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentdesk.store import SqliteStore, open_store

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "durability: kills a writer process with SIGKILL and checks what survived")


class StepClock:
    """A client clock that ticks one millisecond per reading."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[SqliteStore]:
    opened = open_store(data_dir, clock=StepClock())
    yield opened
    opened.close()
