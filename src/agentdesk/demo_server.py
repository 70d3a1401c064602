"""The demo's embedded server: `agentdesk-server` on a SQLite file, on 127.0.0.1.

`DemoServer(data_dir).start()` runs before any window exists and blocks until the
server answers `GET /api/v1/health`. It drives the operator's own command line
(`python -m agentdesk.server.cli --database-url sqlite:///DATA/server.sqlite3 ...`),
each step a subprocess:

1. `migrate`;
2. the users `demo-admin` (admin) and `demo-agent` (agent, team `demo`): each gets a
   fresh random password on every run (`user passwd NAME`, else `user add NAME` when
   it does not exist yet), written to the child's stdin; the passwords stay in this
   process's memory (`agent_password`, `admin_password`) and are never written to a
   file or logged;
3. the demo customers (resources/demo/customers.csv) through `import customers`, its
   code sets, scripts, the `demo-telesales` campaign (assigned to the demo agent, its
   lead the customer C-1003 at +8613912345678, written to `import campaign -`) and
   its history, each once per content (a marker beside the database records the
   hashes, so later runs do not bump the reference data the desktop pulls);
4. `serve --host 127.0.0.1 --port FREE_PORT`, its output appended to
   DATA/logs/demo-server.log.

No Qt here: only subprocess and urllib.

Lifetime: `stop()` terminates the server (SIGTERM, then SIGKILL after a grace period)
and is idempotent; `start()` registers it with atexit, so a normal interpreter exit
(including an exception escaping the demo) stops the server. The server runs in its
own process group/session, so a Ctrl+C in the terminal reaches the desktop only,
which then stops the server in order. If the desktop is killed outright (SIGKILL,
no atexit): on Linux the server was started with PR_SET_PDEATHSIG=SIGTERM, so the
kernel sends it SIGTERM when the desktop dies and uvicorn shuts down; on other
platforms it would be left running on its loopback port until killed (the next demo
run picks another free port and resets the passwords, so it does no harm beyond the
process itself).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

ADMIN_USERNAME = "demo-admin"
AGENT_USERNAME = "demo-agent"
AGENT_TEAM = "demo"
HOST = "127.0.0.1"
HEALTH_PATH = "/api/v1/health"
DB_FILE = "server.sqlite3"
SEED_MARKER = "server.seeded"
# Owners of part of the demo history; they never log in (their passwords are thrown away).
COLLEAGUES = ("demo-agent-2", "demo-agent-3")
LOG_NAME = "demo-server.log"
# The outbound demo's campaign: its lead is in customers.csv (C-1003, +8613912345678).
DEMO_CAMPAIGN_ID = "demo-telesales"
DEMO_LEAD_CUSTOMER_ID = "C-1003"
DEMO_LEAD_PHONE = "+8613912345678"


def demo_campaign() -> dict[str, object]:
    """The demo telesales campaign (the server's campaign document, visibility.py)."""
    return {"id": DEMO_CAMPAIGN_ID,
            "title": {"en": "the fiber upgrade", "zh_CN": "光纤升级"},
            "assigned": {"teams": [], "agents": [AGENT_USERNAME]},
            "leads": [DEMO_LEAD_CUSTOMER_ID], "script_id": "telesales-broadband"}
STOP_GRACE_S = 5.0


class DemoServerError(RuntimeError):
    """The demo server could not be set up or started; the message names the log."""

    def __init__(self, message: str, log_path: Path) -> None:
        super().__init__(f"{message} (see {log_path})")
        self.log_path = log_path


def demo_customers_csv() -> Path:
    """The shipped demo customers (package data)."""
    return Path(str(files("agentdesk").joinpath("resources", "demo", "customers.csv")))


def demo_scripts() -> list[Path]:
    folder = Path(str(files("agentdesk").joinpath("resources", "scripts")))
    return sorted(folder.glob("*.yaml"))


def demo_seed_steps() -> list[tuple[str, list[str], list[Path], str]]:
    """(step, CLI arguments, files it reads, its stdin), in the order they must run:
    customers before the history that refers to them."""
    demo = Path(str(files("agentdesk").joinpath("resources", "demo")))
    steps = [("customers", ["import", "customers", str(demo_customers_csv())],
              [demo_customers_csv()], ""),
             ("codes", ["import", "codes", str(demo / "codes.yaml")], [demo / "codes.yaml"],
              "")]
    scripts = demo_scripts()
    shared = sorted(scripts[0].parent.glob("*/*.yaml")) if scripts else []
    for script in scripts:  # a shared fragment or objection change re-imports
        steps.append((f"script {script.stem}", ["import", "script", str(script)],
                      [script, *shared], ""))
    steps.append((f"campaign {DEMO_CAMPAIGN_ID}", ["import", "campaign", "-"], [],
                  json.dumps(demo_campaign(), ensure_ascii=False, sort_keys=True)))
    steps.append(("history", ["import", "history", str(demo / "history.jsonl")],
                  [demo / "history.jsonl"], ""))
    return steps


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _reason(stderr: str) -> str:
    """The telling line of a failed CLI step: its own message, else a traceback's last error."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("agentdesk-server:"):
            return line
    for line in reversed(lines):
        if not line.startswith(("File ", "(Background")) and "Error" in line.split(":")[0]:
            return line
    return lines[-1] if lines else ""


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that asks Linux to SIGTERM the child when this process dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class DemoServer:
    """An `agentdesk-server` on DATA/server.sqlite3 for one demo run."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_FILE
        self.log_path = self.data_dir / "logs" / LOG_NAME
        self.database_url = f"sqlite:///{self.db_path}"
        self.url = ""
        self.port: int | None = None
        self.admin_username = ADMIN_USERNAME
        self.agent_username = AGENT_USERNAME
        self.admin_password = ""
        self.agent_password = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._atexit_registered = False

    def __repr__(self) -> str:  # never the passwords
        return f"DemoServer(url={self.url!r}, data_dir={str(self.data_dir)!r})"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # --- start ------------------------------------------------------------------------

    def start(self, timeout_s: float = 90.0) -> None:
        """Migrate, set up the demo users and data, serve; return once healthy."""
        if self._process is not None and self._process.poll() is None:
            return
        deadline = time.monotonic() + timeout_s
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log(f"--- demo server setup in {self.data_dir} ---")
        fresh = not self.db_path.exists()
        try:
            self._cli(["migrate"], deadline)
            self.admin_password = secrets.token_urlsafe(18)
            self.agent_password = secrets.token_urlsafe(18)
            self._ensure_user(ADMIN_USERNAME, "admin", None, self.admin_password, deadline,
                              fresh=fresh)
            self._ensure_user(AGENT_USERNAME, "agent", AGENT_TEAM, self.agent_password,
                              deadline, fresh=fresh)
            self._seed(deadline, fresh=fresh)
            self._serve(deadline)
        except BaseException:
            self.stop()
            raise

    def _log(self, line: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self.log_path.open("a", encoding="utf-8") as f:
            f.write(f"{stamp} demo_server: {line}\n")

    def _command(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "agentdesk.server.cli",
                "--database-url", self.database_url, *args]

    def _cli(self, args: Sequence[str], deadline: float, *, stdin: str = "",
             ok: Callable[[subprocess.CompletedProcess[str]], bool] | None = None,
             ) -> subprocess.CompletedProcess[str]:
        """Run one CLI step; its output (never stdin) goes to the log."""
        what = " ".join(args)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DemoServerError(f"the demo server setup timed out before `{what}`",
                                  self.log_path)
        try:
            result = subprocess.run(self._command(args), input=stdin, capture_output=True,
                                    text=True, encoding="utf-8", timeout=remaining,
                                    env=self._env(), check=False)
        except subprocess.TimeoutExpired:
            self._log(f"`agentdesk-server {what}` timed out")
            raise DemoServerError(f"`agentdesk-server {what}` timed out",
                                  self.log_path) from None
        except OSError as exc:
            raise DemoServerError(f"cannot run agentdesk-server: {exc}", self.log_path) from None
        output = (result.stdout + result.stderr).strip()
        self._log(f"`agentdesk-server {what}` exited {result.returncode}"
                  + (f": {output}" if output else ""))
        if not (ok(result) if ok is not None else result.returncode == 0):
            detail = _reason(result.stderr)
            raise DemoServerError(
                f"`agentdesk-server {what}` failed with exit code {result.returncode}"
                + (f": {detail}" if detail else ""), self.log_path)
        return result

    @staticmethod
    def _env() -> dict[str, str]:
        env = dict(os.environ)
        env.pop("AGENTDESK_DATABASE_URL", None)  # --database-url wins anyway; be explicit
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONIOENCODING"] = "utf-8"
        return env

    def _ensure_user(self, name: str, role: str, team: str | None, password: str,
                     deadline: float, *, fresh: bool) -> None:
        """A new password for an existing user, else the user (a new database has none)."""
        if not fresh:
            passwd = self._cli(["user", "passwd", name], deadline, stdin=password + "\n",
                               ok=lambda r: r.returncode == 0 or "no user" in r.stderr)
            if passwd.returncode == 0:
                return
        self._cli(["user", "add", name, "--role", role, *(["--team", team] if team else [])],
                  deadline, stdin=password + "\n")

    def _seed(self, deadline: float, *, fresh: bool) -> None:
        """Import each piece of demo data unless this database already has that content
        (the marker keeps a hash per step: re-importing would bump the reference data
        every desktop pulls, and history is imported once)."""
        marker = self.data_dir / SEED_MARKER
        try:
            seeded = json.loads(marker.read_text(encoding="utf-8"))
            if fresh or not isinstance(seeded, dict):
                seeded = {}
        except (OSError, ValueError):
            seeded = {}
        for step, args, paths, stdin in demo_seed_steps():
            digest = hashlib.sha256(b"".join(p.read_bytes() for p in paths)
                                    + stdin.encode()).hexdigest()
            if seeded.get(step) == digest:
                self._log(f"demo {step} already imported")
                continue
            if step == "history":  # the demo agent's colleagues took some of those calls
                for colleague in COLLEAGUES:
                    self._cli(["user", "add", colleague, "--role", "agent", "--team",
                               AGENT_TEAM], deadline, stdin=secrets.token_urlsafe(18) + "\n",
                              ok=lambda r: r.returncode == 0 or "exists" in r.stderr)
            self._cli(args, deadline, stdin=stdin)
            seeded[step] = digest
            marker.write_text(json.dumps(seeded, sort_keys=True) + "\n", encoding="utf-8")

    def _serve(self, deadline: float) -> None:
        for attempt in range(3):  # the free port may be taken between probe and bind
            port = _free_port()
            log_offset = self.log_path.stat().st_size
            self._spawn(port)
            if self._wait_healthy(port, deadline):
                self.port, self.url = port, f"http://{HOST}:{port}"
                self._log(f"serving on {self.url} (pid {self.pid})")
                return
            code = self._process.poll() if self._process is not None else None
            self.stop()
            taken = "address already in use" in self._log_since(log_offset)
            if code is None or attempt == 2 or not taken:
                break
            self._log(f"port {port} was taken; trying another")
        if time.monotonic() >= deadline:
            raise DemoServerError("the demo server did not answer its health check in time",
                                  self.log_path)
        raise DemoServerError("the demo server exited during startup", self.log_path)

    def _spawn(self, port: int) -> None:
        command = self._command(["serve", "--host", HOST, "--port", str(port)])
        self._log(f"starting `agentdesk-server serve --host {HOST} --port {port}`")
        kwargs: dict[str, object] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
            kwargs["preexec_fn"] = _die_with_parent()
        else:
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        with self.log_path.open("ab") as log:
            try:
                self._process = subprocess.Popen(  # type: ignore[call-overload]
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=self._env(), **kwargs)
            except OSError as exc:
                raise DemoServerError(f"cannot start agentdesk-server: {exc}",
                                      self.log_path) from None
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True

    def _wait_healthy(self, port: int, deadline: float) -> bool:
        url = f"http://{HOST}:{port}{HEALTH_PATH}"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=1.0) as response:
                    if response.status == 200 and json.load(response).get("status") == "ok":
                        return True
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        return False

    def _log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace").lower()
        except OSError:
            return ""

    # --- stop -------------------------------------------------------------------------

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Terminate the server, kill it after `grace_s`; safe to call any number of times."""
        process, self._process = self._process, None
        if self._atexit_registered:
            atexit.unregister(self.stop)
            self._atexit_registered = False
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5.0)
        if os.name == "posix":  # anything the server started in its session goes too
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self._log(f"stopped (exit code {process.returncode})")
        self.url, self.port = "", None
