"""Where a seat keeps its files; `--config` and `--data-dir` override both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "agentdesk"


@dataclass(frozen=True)
class SeatPaths:
    config_file: Path
    data_dir: Path

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @classmethod
    def resolve(cls, config: str | Path | None, data_dir: str | Path | None) -> SeatPaths:
        config_file = Path(config) if config else Path(
            platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "agentdesk.toml"
        data = Path(data_dir) if data_dir else Path(
            platformdirs.user_data_dir(APP_NAME, appauthor=False))
        return cls(config_file.expanduser().resolve(), data.expanduser().resolve())
