"""What the desktop's start skips: PySide6's per-module source scan and the cyclic GC.

`begin()` runs before the desktop's modules are imported, `end()` once its event loop
runs (and again, harmlessly, when the desktop returns).

- Once PySide6 is loaded, shiboken's import hook reads the *source* of every Python
  module imported after it (`inspect.getsource`, for PySide's `__feature__` support:
  a module that mentions "PySide6" gets feature selection 0, any other -1, "keep the
  selection in force"). For the desktop's ~650 modules that costs ~0.3 s of CPU at
  start and keeps every source file in `linecache` (~13 MB of text, ~30 MB of RSS).
  agentdesk uses no `__feature__` (snake_case, true_property), so the selection in
  force is always 0 and every module runs with 0 whatever the scan finds: answering
  "uses PySide" without reading the file changes nothing but the cost. A module that
  does `from __feature__ import ...` still gets its own selection (set while it runs,
  before the hook asks; the hook leaves modules it already knows alone). A PySide6
  without the hook is left as it is.
- Importing ~650 modules allocates ~1M objects and triggers ~200 collections that
  find almost nothing (~0.1 s of CPU). The collector is off until the event loop
  runs; then everything allocated so far is frozen (`gc.freeze`: moved out of the
  collector's generations, as it lives as long as the process anyway) and the
  collector is on again, with less to scan at every full collection afterwards.
"""

from __future__ import annotations

import gc
import logging
import sys

import PySide6.QtCore  # noqa: F401 - installs shiboken's import hook, patched below

log = logging.getLogger(__name__)

_collector_paused = False


def _uses_pyside(_module: object) -> bool:
    return True


def skip_feature_source_scan() -> bool:
    """Patch shiboken's feature hook not to read module sources; True when patched."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        log.debug("PySide6 has no feature source scan to skip")
        return False
    feature._mod_uses_pyside = _uses_pyside  # type: ignore[attr-defined]
    return True


def begin() -> None:
    """Before the desktop's modules are imported."""
    global _collector_paused
    skip_feature_source_scan()
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def end() -> None:
    """Once the event loop runs (idempotent): the collector resumes, what start
    allocated frozen out of its way."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()
