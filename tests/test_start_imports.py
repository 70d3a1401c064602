"""The desktop's start path stays light (issue #11): what `agentdesk` imports before
its window shows is checked module by module, in a fresh interpreter each time.

Not a timing test: a heavy module that creeps back onto the start path (alembic for a
seat with nothing to migrate, the server, HTTP and pydantic for a seat with no
server, jsonschema...) fails it whatever the machine's speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed to open the window and register: the server side, migrations (only a
# pending one imports alembic), SQLAlchemy (the store's first job loads it, on the
# writer thread), sync (only a seat with a server starts it), and script validation
# (the `script validate` command).
NOT_ON_THE_START_PATH = (
    "alembic", "sqlalchemy", "agentdesk.store.repository", "agentdesk.store.database",
    "fastapi", "uvicorn", "starlette", "jsonschema", "jsonschema_rs", "httpx",
    "pydantic", "mako", "psycopg", "agentdesk.server", "agentdesk.sync",
    "agentdesk.ui.login_dialog", "agentdesk.ui.sync_status", "agentdesk.ui.network_watch",
    "agentdesk.demo_server", "keyring",
)

PROBE = """
import json, linecache, sys
{setup}
import agentdesk.app
files = [name for name in linecache.cache if not name.startswith("<")]  # not generated code
print(json.dumps({{"modules": sorted(sys.modules), "linecache": len(files)}}))
"""


def _imported(setup: str = "") -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup)],
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _offenders(modules: list[str]) -> list[str]:
    return [name for name in modules
            if any(name == heavy or name.startswith(heavy + ".")
                   for heavy in NOT_ON_THE_START_PATH)]


def test_importing_the_app_loads_nothing_the_start_does_not_need():
    assert _offenders(_imported()["modules"]) == []


def test_the_desktop_start_skips_pysides_source_scan():
    """cli loads the desktop after fast_start.begin(): PySide6 no longer reads (and
    caches in linecache) the source of every module imported after it."""
    plain = _imported()
    fast = _imported("from agentdesk.ui import fast_start; fast_start.begin()")
    assert _offenders(fast["modules"]) == []
    assert plain["linecache"] > 150  # the scan this guards against is real
    assert fast["linecache"] < 20, "PySide6's source scan runs again"


def test_cli_takes_the_fast_start_path_for_the_desktop_and_the_demo():
    source = (Path(__file__).parents[1] / "src" / "agentdesk" / "cli.py").read_text()
    assert source.count("with _desktop_start():") == 2


@pytest.mark.parametrize("command", [["--help"], ["config", "check"]])
def test_the_command_line_alone_loads_neither_qt_nor_the_store(command, tmp_path):
    """`agentdesk config check`, `credentials ...`: no Qt, SQLAlchemy or scripts."""
    probe = ("import sys\nfrom agentdesk.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('\\nMODULES', ' '.join(sorted(sys.modules)))")
    result = subprocess.run(
        [sys.executable, "-c", probe, "--config", str(tmp_path / "none.toml"), *command],
        capture_output=True, text=True, timeout=120)
    modules = result.stdout.rsplit("MODULES", 1)[1].split()
    heavy = [m for m in modules if m.split(".")[0] in ("PySide6", "sqlalchemy", "yaml",
                                                       "pjsua2", "alembic")
             or m.startswith("agentdesk.core.scripts")]
    assert heavy == []
