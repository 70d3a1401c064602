"""A throwaway PostgreSQL cluster in a temp dir (for the tests and bench/sync.py).

PostgreSQL refuses to run as root, and the test machines run as root: then the
cluster belongs to the `postgres` user and initdb / pg_ctl run through runuser."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("AGENTDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (PG_BIN / "initdb").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextlib.contextmanager
def pg_cluster(max_connections: int = 200,
               started: Callable[[Path], None] | None = None) -> Iterator[str]:
    """Start a cluster on 127.0.0.1 and a free port; yields a URL without a database.
    `started` gets the data directory once it runs (a caller that may be killed
    outright can hand it to a watchdog that stops the cluster: bench/login_flood.py)."""
    root = Path(tempfile.mkdtemp(prefix="agentdesk-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    try:
        subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"),
                       check=True, capture_output=True)
        options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off "
                   f"-c max_connections={max_connections}")
        subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
                                    "-l", str(root / "log"), "-w", "-t", "60", "start"),
                       check=True, capture_output=True)
        try:
            if started is not None:
                started(data)
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            subprocess.run(_as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                                        "-w", "stop"), capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def admin_sql(server_url: str, *statements: str) -> None:
    """Run statements on the cluster's `postgres` database, outside a transaction."""
    import psycopg

    port = server_url.rsplit(":", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres",
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]
