"""Runs every benchmark in bench/ with --quick, one after the other (./scripts/test does).

A benchmark that crashes, exits non-zero, overruns --timeout or leaves a process
running fails the run (exit 1); its figures are printed, never asserted: a budget it
misses is in its table, not in this exit status. Each benchmark's output goes straight
to the console; a summary with each one's wall time follows.

Each benchmark starts from a clean state and is cleaned up after:
  - its own session and process group (start_new_session) and PR_SET_PDEATHSIG, so it
    gets SIGTERM if this runner dies, however it dies; this runner gets SIGTERM if
    its own parent (./scripts/test) dies;
  - its own empty TMPDIR (removed after it; files it left there are named);
  - a marker in its environment: once it exits, any process still carrying that
    marker (e.g. a postmaster started by pg_ctl, which leaves the session) or still in
    its session is named, SIGTERMed, then SIGKILLed, and fails the run.
On SIGINT/SIGTERM/SIGHUP the runner stops the running benchmark the same way.

    .venv/bin/python bench/run_all.py [--timeout 120] [--list] [NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _support import die_with_parent, set_parent_death_signal  # noqa: E402

MARKER = "AGENTDESK_BENCH_RUN"
TOTAL_BUDGET_S = 90.0
GRACE_S = 10.0  # between SIGTERM and SIGKILL


def benchmarks(directory: Path = HERE) -> list[Path]:
    """Every benchmark: bench/*.py but this runner and helpers (`_*.py`)."""
    return sorted(p for p in directory.glob("*.py")
                  if p.name != Path(__file__).name and not p.name.startswith("_"))


def _stat_fields(pid: int) -> list[str]:
    # after the ")" that ends the command name: state ppid pgrp session ...
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def stragglers(token: str, session: int) -> dict[int, str]:
    """Processes still in `session`, or whose environment carries the run's marker:
    pid -> command line."""
    found: dict[int, str] = {}
    needle = f"{MARKER}={token}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        try:
            in_session = int(_stat_fields(pid)[3]) == session
            marked = needle in (entry / "environ").read_bytes().split(b"\0")
            if in_session or marked:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found[pid] = cmdline.decode(errors="replace").strip() or "?"
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or a zombie without environ
    return found


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def kill_all(token: str, session: int) -> dict[int, str]:
    """SIGTERM whatever the run left, SIGKILL what is still there after a grace time;
    returns what was found."""
    left = stragglers(token, session)
    if not left:
        return left
    _signal_all(list(left), signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and stragglers(token, session):
        time.sleep(0.1)
    _signal_all(list(stragglers(token, session)), signal.SIGKILL)
    return left


@dataclass
class Result:
    name: str
    seconds: float
    cpu_seconds: float  # the benchmark's and the children it waited for, user + system
    returncode: int | None  # None: stopped by the runner (timeout or interrupted)
    left_processes: dict[int, str]
    left_files: list[str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.left_processes


class Run:
    """One benchmark in its own session, TMPDIR and marker."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.token = uuid.uuid4().hex
        self.tmp = Path(tempfile.mkdtemp(prefix=f"agentdesk-bench-{path.stem}-"))
        self.tmp.chmod(0o755)  # a PostgreSQL cluster in it belongs to `postgres`
        env = dict(os.environ, TMPDIR=str(self.tmp), PYTHONUNBUFFERED="1",
                   **{MARKER: self.token})
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        self.started = time.monotonic()
        self.cpu_started = _children_cpu()
        self.proc = subprocess.Popen([sys.executable, str(path), "--quick"], env=env,
                                     cwd=HERE.parent, start_new_session=True,
                                     preexec_fn=die_with_parent)

    def stop(self) -> None:
        """SIGTERM its process group, SIGKILL it after the grace time."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(GRACE_S)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def finish(self, timeout: float) -> Result:
        try:
            returncode: int | None = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"run_all: {self.path.name} still running after {timeout:.0f} s: stopped",
                  flush=True)
            returncode = None
        finally:
            self.stop()
            seconds = time.monotonic() - self.started
            cpu = _children_cpu() - self.cpu_started
            left = kill_all(self.token, self.proc.pid)
            files = self.cleanup()
        return Result(self.path.name, seconds, cpu, returncode, left, files)

    def cleanup(self) -> list[str]:
        if not self.tmp.exists():
            return []
        files = sorted(str(p.relative_to(self.tmp)) for p in self.tmp.iterdir())
        shutil.rmtree(self.tmp, ignore_errors=True)
        return files


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one benchmark may take before it is stopped")
    parser.add_argument("--bench-dir", type=Path, default=HERE, help=argparse.SUPPRESS)
    parser.add_argument("--list", action="store_true", help="name the benchmarks and stop")
    parser.add_argument("names", nargs="*", help="only these (e.g. sync wrapup)")
    args = parser.parse_args()
    if args.list:
        print("\n".join(p.name for p in benchmarks(args.bench_dir)))
        return 0
    set_parent_death_signal(signal.SIGTERM)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _raise_exit)

    paths = benchmarks(args.bench_dir)
    if args.names:
        wanted = {name.removesuffix(".py") for name in args.names}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        paths = [p for p in paths if p.stem in wanted]
    results: list[Result] = []
    started = time.monotonic()
    run: Run | None = None
    try:
        for path in paths:
            print(f"\n=== {path.name} --quick", flush=True)
            run = Run(path)
            results.append(run.finish(args.timeout))
            run = None
    finally:
        if run is not None:  # interrupted: stop the running benchmark and what it started
            run.stop()
            for pid, cmdline in kill_all(run.token, run.proc.pid).items():
                print(f"run_all: killed {pid} {cmdline[:160]}", flush=True)
            run.cleanup()
    total = time.monotonic() - started
    return report(results, total)


def report(results: list[Result], total: float) -> int:
    print(f"\n=== benchmarks (--quick): {len(results)} run", flush=True)
    for r in results:
        if r.returncode is None:
            status = "FAILED (stopped: too slow)"
        elif r.returncode != 0:
            status = f"FAILED (exit {r.returncode})"
        else:
            status = "ran"
        if r.left_processes:
            status += f"; FAILED: left {len(r.left_processes)} process(es) running"
        print(f"  {r.name:<16} {r.seconds:6.1f} s wall {r.cpu_seconds:6.1f} s CPU   {status}")
        for pid, cmdline in r.left_processes.items():
            print(f"      left running (killed): {pid} {cmdline[:160]}")
        if r.left_files:
            print(f"      left in its TMPDIR (removed): {', '.join(r.left_files)}")
    within = "within" if total <= TOTAL_BUDGET_S else "OVER"
    cpu = sum(r.cpu_seconds for r in results)
    print(f"  total {total:.1f} s wall, {cpu:.1f} s CPU ({within} the "
          f"{TOTAL_BUDGET_S:.0f} s budget for all of them; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f})", flush=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
