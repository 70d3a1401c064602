"""The benchmarks cannot rot: each has --quick, and bench/run_all.py (which ./scripts/test
runs) fails on a benchmark that crashes, hangs or leaves a process behind, and takes
its processes down with it. The benchmarks themselves are not run here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "bench" / "run_all.py"
# Every file in bench/ is a benchmark but the runner and helpers (_*.py).
BENCHMARKS = sorted(p for p in RUNNER.parent.glob("*.py")
                    if p != RUNNER and not p.name.startswith("_"))


def _env() -> dict[str, str]:
    src = str(ROOT / "src")
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (src, os.environ.get("PYTHONPATH", "")) if p))


def test_the_runner_runs_every_benchmark() -> None:
    assert {p.name for p in BENCHMARKS} >= {"screenpop.py", "scripts.py", "softphone.py",
                                            "sync.py", "sync_client.py", "wrapup.py"}
    listed = subprocess.run([sys.executable, str(RUNNER), "--list"], capture_output=True,
                            text=True, check=True, timeout=30).stdout.split()
    assert listed == [p.name for p in BENCHMARKS]


@pytest.mark.parametrize("bench", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_every_benchmark_accepts_quick(bench: Path) -> None:
    """Its --help (argparse: nothing is measured) offers --quick."""
    result = subprocess.run([sys.executable, str(bench), "--help"], capture_output=True,
                            text=True, env=_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout


def _runner_env(tmp_path: Path) -> dict[str, str]:
    """The runner makes each benchmark's TMPDIR in its own: here, under tmp_path (a
    runner killed by SIGKILL cannot remove it)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return dict(os.environ, TMPDIR=str(tmp))


def _write_benches(directory: Path, **sources: str) -> None:
    for name, source in sources.items():
        (directory / f"{name}.py").write_text(textwrap.dedent(source))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_runner_fails_on_a_crash_a_hang_and_a_leftover_process(tmp_path: Path) -> None:
    _write_benches(
        tmp_path,
        good="""
            import os, pathlib, sys
            assert sys.argv[1:] == ["--quick"]
            assert not any(pathlib.Path(os.environ["TMPDIR"]).iterdir())  # a clean start
            (pathlib.Path(os.environ["TMPDIR"]) / "left.log").write_text("x")
            print("figure 1.0 ms   budget <= 2 ms   OK", flush=True)
            print("tmpdir", os.environ["TMPDIR"], flush=True)
        """,
        crash="""
            raise RuntimeError("call answered 486")
        """,
        hang="""
            import time
            time.sleep(600)
        """,
        leaky="""
            import subprocess
            # its own session: out of the benchmark's process group and session
            child = subprocess.Popen(["sleep", "600"], start_new_session=True)
            print("leaked", child.pid, flush=True)
        """,
        _helper="""
            raise SystemExit("a helper is not a benchmark")
        """,
    )
    result = subprocess.run([sys.executable, str(RUNNER), "--bench-dir", str(tmp_path),
                             "--timeout", "3"], capture_output=True, text=True, timeout=90,
                            env=_runner_env(tmp_path))
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    lines = {line.split()[0]: line for line in out.splitlines()
             if line.startswith("  ") and line.split()[0].endswith(".py")}
    assert set(lines) == {"crash.py", "good.py", "hang.py", "leaky.py"}
    assert lines["good.py"].endswith("ran")
    assert "FAILED (exit 1)" in lines["crash.py"]
    assert "FAILED (stopped: too slow)" in lines["hang.py"]
    assert "FAILED: left 1 process(es) running" in lines["leaky.py"]
    assert "call answered 486" in result.stderr  # the benchmark's output reaches the console
    assert "figure 1.0 ms" in out
    assert "left in its TMPDIR (removed): left.log" in out
    tmpdir = next(line.split()[1] for line in out.splitlines() if line.startswith("tmpdir "))
    assert Path(tmpdir).parent == tmp_path / "tmp"
    assert not any((tmp_path / "tmp").iterdir())  # every benchmark's TMPDIR removed
    leaked = int(next(line.split()[1] for line in out.splitlines()
                      if line.startswith("leaked ")))
    try:
        assert _wait_gone(leaked, 2.0)
    finally:
        if _alive(leaked):
            os.kill(leaked, signal.SIGKILL)


def test_a_benchmark_dies_with_the_runner_even_on_sigkill(tmp_path: Path) -> None:
    _write_benches(tmp_path, waits="""
        import os, time
        print("bench", os.getpid(), flush=True)
        time.sleep(600)
    """)
    with subprocess.Popen([sys.executable, str(RUNNER), "--bench-dir", str(tmp_path)],
                          stdout=subprocess.PIPE, text=True,
                          env=_runner_env(tmp_path)) as runner:
        try:
            assert runner.stdout is not None
            for line in runner.stdout:
                if line.startswith("bench "):
                    bench_pid = int(line.split()[1])
                    break
            else:
                pytest.fail("the benchmark did not start")
            runner.send_signal(signal.SIGKILL)
            runner.wait(10)
            assert _wait_gone(bench_pid), "the benchmark outlived its runner"
        finally:
            runner.kill()


def test_a_stopped_runner_stops_its_benchmark_and_what_that_started(tmp_path: Path) -> None:
    _write_benches(tmp_path, waits="""
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "600"], start_new_session=True)
        print("bench", os.getpid(), child.pid, flush=True)
        time.sleep(600)
    """)
    with subprocess.Popen([sys.executable, str(RUNNER), "--bench-dir", str(tmp_path)],
                          stdout=subprocess.PIPE, text=True,
                          env=_runner_env(tmp_path)) as runner:
        pids: list[int] = []
        try:
            assert runner.stdout is not None
            for line in runner.stdout:
                if line.startswith("bench "):
                    pids = [int(word) for word in line.split()[1:]]
                    break
            else:
                pytest.fail("the benchmark did not start")
            runner.send_signal(signal.SIGTERM)
            assert runner.wait(30) != 0
            assert all(_wait_gone(pid, 1.0) for pid in pids), "left running"
            assert not any((tmp_path / "tmp").iterdir())
        finally:
            runner.kill()
            for pid in pids:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
