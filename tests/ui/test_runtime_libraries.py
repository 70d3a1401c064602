"""Every library Qt loads at run time is on the machine: the scripts install them.

Qt Multimedia's FFmpeg backend dlopen()s libva and PipeWire when it first starts and
warns "Couldn't load va library" (and so on) for each one it cannot find. On a fresh
machine those warnings reached agents and failed the end-to-end test; the fix is the
install step in scripts/lib/bootstrap.sh, and this test fails when it is missing.
Qt loads the backend once per process, so the check runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = r"""
import json, sys
from PySide6.QtCore import qInstallMessageHandler
messages = []
qInstallMessageHandler(lambda kind, context, text: messages.append([context.category, text]))
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from PySide6.QtMultimedia import QMediaDevices, QMediaPlayer
QMediaDevices.audioOutputs()
QMediaPlayer()  # starts the FFmpeg backend, which resolves its optional libraries
print(json.dumps(messages))
"""


def test_qt_multimedia_finds_every_library_it_loads() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, timeout=60, check=True)
    messages = json.loads(done.stdout.strip().splitlines()[-1])
    missing = [text for category, text in messages
               if category == "qt.multimedia.symbolsresolver"]
    assert missing == [], (
        "Qt Multimedia could not load libraries the scripts must install "
        f"(scripts/lib/bootstrap.sh QT_RUNTIME_PACKAGES): {missing}")
