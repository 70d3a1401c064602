"""Windows deleted while their BackgroundJobs' workers deliver results, many times.

Run as a child process by test_shutdown_stress.py (the bug it guards against kills
the process). Each trial builds a window with a BackgroundJobs on a controller inside
it, as the desk does, queues small jobs on a worker thread and deletes the window
while the worker is finishing them, then goes on as a seat's shutdown does, while the
worker delivers. The worker used to emit a signal of the BackgroundJobs itself, and a
QObject deleted while another thread is inside one of its emit() calls crashes the
process: `Fatal Python error: Segmentation fault` in background_jobs.py's `work`,
the GUI thread already further on (issue 11: it was in the phone's shutdown).
Prints "trials N ok" and exits 0 when all are done.

    python -m tests.e2e.window_jobs_race --trials N --seed S
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import shiboken6
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from agentdesk.ui.background_jobs import BackgroundJobs

JOBS = 200  # per trial: the worker is still delivering when the window goes


def trial(app: QApplication, rng: random.Random) -> int:
    window = QWidget()
    layout = QVBoxLayout(window)
    for index in range(40):  # a window's worth of children: deletion takes a while
        layout.addWidget(QLabel(f"label {index}"))
    controller = QWidget(window)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="race-worker")
    jobs = BackgroundJobs(worker.submit, controller)
    delivered: list[int] = []
    for _ in range(JOBS):
        size = rng.randint(10, 3000)
        jobs.run(lambda size=size: sum(range(size)), delivered.append)
    time.sleep(rng.uniform(0.0, 0.004))  # the worker is part way through
    worker.shutdown(wait=False)  # as CallScreen.close() does it
    shiboken6.delete(window)
    worker.shutdown(wait=True)  # the GUI thread goes on while the worker delivers
    app.processEvents()  # results of a deleted window's jobs: dropped
    return len(delivered)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    faulthandler.enable(all_threads=True)
    app = QApplication(sys.argv[:1])
    rng = random.Random(args.seed)
    delivered = sum(trial(app, rng) for _ in range(args.trials))
    # Only what came back before a window went may have been delivered.
    assert delivered < args.trials * JOBS, delivered
    print(f"trials {args.trials} ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
