"""Server settings: command-line options override `AGENTDESK_*` environment variables,
which override the defaults (a SQLite file in the user data dir)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "agentdesk"


def default_database_url() -> str:
    data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{data / 'server.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTDESK_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    token_ttl_seconds: int = Field(default=8 * 3600, gt=0)
    max_request_bytes: int = Field(default=1024 * 1024, gt=0)
    # Logins (security.py; all per server process): `login_max_failures` free failures
    # per (client address, username), then a lock of 1 s doubling with each further
    # failure up to `login_backoff_max_seconds`; a pair is forgotten
    # `login_window_seconds` after its last failure.
    login_max_failures: int = Field(default=5, gt=0)
    login_window_seconds: float = Field(default=60.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    # Failed logins from one client address, whatever the names: a burst of
    # `login_address_burst`, then `login_address_failures_per_minute`.
    login_address_burst: int = Field(default=20, gt=0)
    login_address_failures_per_minute: float = Field(default=20.0, gt=0)
    # argon2 runs on its own threads, never on the request threads sync uses: at most
    # `login_hash_workers` hashes at once, `login_queue` logins admitted (running or
    # waiting) and `login_per_address` from one client address; beyond: 429 at once.
    login_hash_workers: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2),
                                    gt=0)
    login_queue: int = Field(default=16, gt=0)
    login_per_address: int = Field(default=4, gt=0)
    # A refused login (429) is decided at once but answered after this pause (at most
    # its Retry-After): a client that ignores Retry-After and asks again on the same
    # connection cannot keep the event loop busy with refusals.
    login_refusal_pause_seconds: float = Field(default=1.0, ge=0)
    # Comma-separated addresses or networks of reverse proxies / load balancers whose
    # X-Forwarded-For is believed (default: none, the header is ignored).
    trusted_proxies: str = ""
    default_phone_region: str = "CN"
    # Verified bearer tokens are cached in memory this long (0: ask the database on
    # every request); revocations made elsewhere are noticed within the recheck.
    token_cache_seconds: float = Field(default=300.0, ge=0)
    token_recheck_seconds: float = Field(default=1.0, gt=0)
    # Database connections per server process; request handlers that need the database
    # run in a thread pool of the same size, so no thread waits for a connection.
    db_pool_size: int = Field(default=16, gt=0)
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 "low memory" profile).
    argon2_time_cost: int = Field(default=3, gt=0)
    argon2_memory_kib: int = Field(default=65536, ge=64)
