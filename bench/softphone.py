"""Softphone benchmarks (issues #2, #11): prints each figure next to its budget.

Runs the real seat (`python -m agentdesk`, offscreen, its audio bridge running) as a
separate process, as an agent would, and measures it from outside:
  - start to registered against a local sipp registrar with digest auth (wall time,
    and the CPU time the process used until then, which load on the machine moves less);
  - resident memory idle and during a call;
  - CPU during a 30 s call with RTP flowing both ways;
  - INVITE received to 200 OK with auto-answer 0 (a perf_counter-timed UDP probe);
then runs the same inbound scenario against baresip (Debian package) and prints the
ratio of our figures to baresip's.

The benched seat is an auto-in inbound seat (`[agent] ready_on_login = true`): since
issue #6 an agent starts Not ready, and a Not-ready seat declines calls with 486.
The agentdesk package is byte-compiled first (as `pip install` does), so a checkout run
with PYTHONDONTWRITEBYTECODE does not bench the compiler.

    .venv/bin/python bench/softphone.py [--quick]

--quick (a smoke run, ~15 s on an idle box: CI runs it) prints the same table from
fewer samples: 1 start, 3 answers, a 3 s call. Needs sipp and baresip; the SIP password goes into a
private gnome-keyring (the script re-executes itself in dbus-run-session when no Secret
Service is reachable). The figures are printed, never asserted: the exit status is 0
whenever the benchmark ran, whether or not each figure met its budget.
"""

from __future__ import annotations

import argparse
import atexit
import compileall
import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the probe lives with the tests that use it too
from tests.sip.sip_probe import SipProbe, tone_payloads  # noqa: E402

PASSWORD = "bench-secret"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def wait_for_log(path: Path, text: str, timeout_s: float, process: subprocess.Popen) -> float:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise EarlyExitError(f"process exited early with {process.returncode}")
        if path.exists() and text in path.read_text(errors="replace"):
            return time.perf_counter()
        time.sleep(0.005)
    raise TimeoutError(f"{text!r} not logged within {timeout_s} s")


def wait_for_udp_port(port: int, timeout_s: float, process: subprocess.Popen) -> None:
    """Until something is bound to UDP `port` on this host (/proc/net/udp)."""
    wanted = f":{port:04X}"
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise EarlyExitError(f"process exited early with {process.returncode}")
        if any(line.split()[1].endswith(wanted)  # local_address, e.g. 0100007F:9DF4
               for line in Path("/proc/net/udp").read_text().splitlines()[1:]):
            time.sleep(0.2)  # bound, and a moment to finish starting
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on UDP port {port} after {timeout_s} s")


@dataclass
class Figures:
    start_to_registered_s: float | None = None
    start_cpu_s: float | None = None
    rss_idle_mb: float = float("nan")
    rss_call_mb: float = float("nan")
    cpu_call_percent: float = float("nan")
    answer_median_ms: float = float("nan")
    answer_p95_ms: float = float("nan")


def measure_call(pid: int, port: int, user: str, call_s: float, answers: int) -> Figures:
    figures = Figures()
    probe = SipProbe("127.0.0.1", port, user)
    try:
        times = []
        for _ in range(answers):
            result = probe.call(hold_s=0.3)
            if result.status != 200:
                raise RuntimeError(f"call answered {result.status}")
            times.append(result.answer_s * 1000)
            time.sleep(0.1)
        figures.answer_median_ms = statistics.median(times)
        figures.answer_p95_ms = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        time.sleep(0.5)
        figures.rss_idle_mb = rss_mb(pid)
        # The long call: measure CPU over its middle, RSS half-way.
        import threading

        samples: dict[str, float] = {}

        settle_s = min(2.0, call_s / 4)  # the call's set-up is not the steady state

        def sample() -> None:
            time.sleep(settle_s)
            cpu0, t0 = cpu_seconds(pid), time.perf_counter()
            time.sleep(call_s / 2)
            samples["rss"] = rss_mb(pid)
            time.sleep(call_s / 2 - settle_s - 0.5)
            samples["cpu"] = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) * 100

        sampler = threading.Thread(target=sample)
        sampler.start()
        result = probe.call(hold_s=call_s, rtp_frames=tone_payloads(1000.0, 1.0))
        sampler.join()
        if result.status != 200:
            raise RuntimeError(f"long call answered {result.status}")
        figures.rss_call_mb = samples["rss"]
        figures.cpu_call_percent = samples["cpu"]
    finally:
        probe.close()
    return figures


def provision(config: Path, data_dirs: list[Path]) -> None:
    """The SIP password into the keyring the way IT provisions a seat; meanwhile each
    data dir gets the database an agent's last run left (a first start would also run
    the store's migrations)."""
    databases = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from agentdesk.store import open_store; "
         "[open_store(Path(d)).close() for d in sys.argv[1:]]", *map(str, data_dirs)])
    stored = subprocess.run(
        [sys.executable, "-m", "agentdesk", "--config", str(config), "credentials", "set", "sip"],
        input=PASSWORD + "\n", text=True, capture_output=True)
    if stored.returncode != 0:
        raise RuntimeError("could not store the SIP password: " + stored.stderr)
    if databases.wait() != 0:
        raise RuntimeError("could not create the seats' databases")


def bench_agentdesk(work: Path, call_s: float, starts: int, answers: int) -> Figures:
    registrar_port = free_port()
    started = subprocess.run(
        ["sipp", "-sf", str(HERE / "scenarios" / "registrar_auth.xml"), "-i", "127.0.0.1",
         "-p", str(registrar_port), "-m", "100000", "-nostdin", "-bg",
         # an ended REGISTER dialog's Call-ID is forgotten at once, so the seat's
         # un-REGISTER at exit (same Call-ID) is challenged and answered like any other
         "-deadcall_wait", "0"],
        cwd=work, capture_output=True, text=True, timeout=10)
    # -bg forks and prints "Background mode - PID=[1234]"; the child serves REGISTERs.
    match = re.search(r"PID=\[(\d+)\]", started.stdout)
    if match is None:
        raise RuntimeError("sipp registrar did not start: " + started.stdout + started.stderr)
    registrar_pid = int(match.group(1))
    port = free_port()
    config = work / "seat.toml"
    config.write_text(
        f'[sip]\nregistrar = "127.0.0.1:{registrar_port}"\nusername = "1001"\n'
        f'domain = "127.0.0.1"\nlocal_port = {port}\nbind_address = "127.0.0.1"\n'
        '[phone]\nauto_answer_after_s = 0\n'
        # Agents start Not ready (issue #6) and a Not-ready seat answers 486: the benched
        # seat is an auto-in inbound seat, Ready as soon as it logs in.
        '[agent]\nready_on_login = true\n[logging]\nlevel = "INFO"\n')
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    data_dirs = [work / f"data{run}" for run in range(starts)]
    start_times = []
    start_cpu = []
    figures = Figures()
    try:
        provision(config, data_dirs)
        for run in range(starts):
            data = data_dirs[run]
            log_file = data / "logs" / "agentdesk.log"
            t0 = time.perf_counter()
            app = subprocess.Popen([sys.executable, "-m", "agentdesk", "--config", str(config),
                                    "--data-dir", str(data)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                start_times.append(wait_for_log(log_file, "registration registered", 30, app) - t0)
                start_cpu.append(cpu_seconds(app.pid))
                if run == starts - 1:
                    figures = measure_call(app.pid, port, "1001", call_s, answers)
            finally:
                app.send_signal(signal.SIGTERM)
                try:
                    code = app.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    app.kill()
                    code = app.wait()
                if code != 0:
                    print(f"  warning: agentdesk exited with {code}", file=sys.stderr)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(registrar_pid, signal.SIGTERM)
    figures.start_to_registered_s = statistics.median(start_times)
    figures.start_cpu_s = statistics.median(start_cpu)
    return figures


def bench_baresip(work: Path, call_s: float, answers: int) -> Figures | None:
    if shutil.which("baresip") is None:
        return None
    # A port free when probed can be taken before baresip binds it (it then exits 98,
    # EADDRINUSE): try again on another port.
    for attempt in range(3):
        try:
            return _bench_baresip_once(work / f"baresip-{attempt}", call_s, answers)
        except EarlyExitError as exc:
            print(f"baresip: {exc}; trying another port", file=sys.stderr)
    raise RuntimeError("baresip would not start on three ports")


class EarlyExitError(RuntimeError):
    pass


def _bench_baresip_once(conf: Path, call_s: float, answers: int) -> Figures:
    port = free_port()
    conf.mkdir()
    (conf / "sine.wav").write_bytes(b"")
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(conf / "sine.wav"),
                    "synth", "1", "sine", "440"], check=True)
    # aufile needs real files to write into; never /dev/null (see ARCHITECTURE.md).
    (conf / "config").write_text(
        f"sip_listen 127.0.0.1:{port}\nmodule_path /usr/lib/baresip/modules\n"
        "module g711.so\nmodule aufile.so\nmodule_app account.so\nmodule_app menu.so\n"
        f"audio_player aufile,{conf}/play.wav\naudio_source aufile,{conf}/sine.wav\n"
        f"audio_alert aufile,{conf}/alert.wav\nsip_trans_def udp\n")
    (conf / "accounts").write_text("<sip:bench@127.0.0.1>;regint=0;answermode=auto\n")
    (conf / "contacts").write_text("")
    process = subprocess.Popen(["baresip", "-f", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_for_udp_port(port, 20.0, process)  # baresip listens once its modules loaded
        return measure_call(process.pid, port, "bench", call_s, answers)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def report(ours: Figures, theirs: Figures | None) -> bool:
    rows = [
        ("start to registered (median)", ours.start_to_registered_s, "s", 1.0, None),
        ("  CPU time used until registered (median)", ours.start_cpu_s, "s", None, None),
        ("resident memory, idle", ours.rss_idle_mb, "MB", 180, theirs and theirs.rss_idle_mb),
        ("resident memory, in call", ours.rss_call_mb, "MB", 250, theirs and theirs.rss_call_mb),
        ("CPU during a call (of one core)", ours.cpu_call_percent, "%", 3.0,
         theirs and theirs.cpu_call_percent),
        ("INVITE to 200 OK, auto-answer 0 (median)", ours.answer_median_ms, "ms", 50,
         theirs and theirs.answer_median_ms),
        ("INVITE to 200 OK (p95)", ours.answer_p95_ms, "ms", None,
         theirs and theirs.answer_p95_ms),
    ]
    ok = True
    print(f"{'figure':44} {'agentdesk':>12} {'budget':>10} {'baresip':>10} {'ratio':>8}  verdict")
    for name, value, unit, budget, other in rows:
        verdict = ""
        if budget is not None and value is not None:
            passed = value <= budget
            ok &= passed
            verdict = "OK" if passed else f"MISS by {value - budget:.2f} {unit}"
        other_text = f"{other:.2f}" if isinstance(other, float) else "-"
        ratio = f"{value / other:.1f}x" if isinstance(other, float) and other > 0 else "-"
        budget_text = f"<= {budget}" if budget is not None else "-"
        print(f"{name:44} {value:>9.2f} {unit:<2} {budget_text:>10} {other_text:>10} "
              f"{ratio:>8}  {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("AGENTDESK_BENCH_KEYRING"):
        # A private Secret Service so the seat reads its password the production way.
        # Its own keyring dir: an existing login keyring would stay locked.
        keyring_home = tempfile.mkdtemp(prefix="agentdesk-bench-keyring-")
        script = (f'export XDG_DATA_HOME={keyring_home}; printf bench | '
                  'gnome-keyring-daemon --unlock --components=secrets '
                  '>/dev/null 2>&1; exec "$0" "$@"')
        os.environ["AGENTDESK_BENCH_KEYRING"] = keyring_home  # removed by the exec'd run
        os.execvp("dbus-run-session", ["dbus-run-session", "--", "sh", "-c", script,
                                       sys.executable, *sys.argv])
    keyring_home = os.environ["AGENTDESK_BENCH_KEYRING"]
    if os.path.basename(keyring_home).startswith("agentdesk-bench-keyring-"):
        atexit.register(shutil.rmtree, keyring_home, True)
    call_s = 3.0 if args.quick else 30.0
    starts, answers = (1, 3) if args.quick else (5, 20)
    compile_agentdesk()
    print(f"load: {os.getloadavg()[0]:.2f} (1 min average, {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-") as tmp:
        work = Path(tmp)
        print(f"agentdesk: {starts} start(s), {answers} auto-answered calls, "
              f"a {call_s:.0f} s call")
        ours = bench_agentdesk(work, call_s, starts, answers)
        print(f"baresip: {answers} auto-answered calls, a {call_s:.0f} s call")
        theirs = bench_baresip(work, call_s, answers)
    print()
    report(ours, theirs)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min average)")
    return 0


def compile_agentdesk() -> None:
    """Byte-compile the package the seat imports, as an installed wheel is; a read-only
    install was compiled when it was installed."""
    spec = importlib.util.find_spec("agentdesk")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            with contextlib.suppress(OSError):
                compileall.compile_dir(folder, quiet=1)


if __name__ == "__main__":
    raise SystemExit(main())
