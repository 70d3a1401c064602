"""Installs the UI translation: the system's language, or one forced by `--lang`.

English is the source language (no file needed). For zh_CN the app's own
catalogue (resources/translations/agentdesk_zh_CN.qm) and Qt's own (qtbase, for
"OK"/"Cancel" and the standard dialogs) are installed. Install before the window is
built: widgets translate their text when they are created.

After changing a user-facing string (tests/ui/test_i18n.py fails until this is done):
    .venv/bin/python scripts/update_translations.py      # lupdate over translated_sources()
    (translate the new entries, e.g. in .venv/bin/pyside6-linguist)
    .venv/bin/python scripts/update_translations.py      # again: lrelease builds the .qm
Both the script and the test scan `translated_sources()`: every module of the package
that calls tr() or translate(), wherever it lives, so no layer's strings are dropped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from agentdesk.ui.resources import resource_path

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
TRANSLATED_LANGUAGES = ("zh_CN",)


@dataclass
class InstalledTranslation:
    language: str
    translators: list[QTranslator] = field(default_factory=list)

    def remove(self) -> None:
        app = QCoreApplication.instance()
        for translator in self.translators:
            if app is not None:
                app.removeTranslator(translator)
        self.translators.clear()


def pick_language(requested: str | None, system: QLocale | None = None) -> str:
    """'zh_CN' or 'en' for a request like 'zh', 'zh-CN', 'zh_CN.UTF-8' or None (system)."""
    if requested:
        name = requested.replace("-", "_").split(".", 1)[0]
    else:
        name = (system or QLocale.system()).name()
    if name.lower().startswith("zh"):
        return "zh_CN"  # the only Chinese catalogue; Simplified is the field's home market
    return SOURCE_LANGUAGE


def install_translation(requested: str | None = None,
                        system: QLocale | None = None) -> InstalledTranslation:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing a translation")
    language = pick_language(requested, system)
    installed = InstalledTranslation(language)
    if language == SOURCE_LANGUAGE:
        return installed
    ours = QTranslator(app)
    directory = str(resource_path("translations"))
    if ours.load(f"agentdesk_{language}", directory):
        app.installTranslator(ours)
        installed.translators.append(ours)
    else:
        log.warning("no %s translation in %s; the UI stays in English", language, directory)
    qt_own = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt_own)
        installed.translators.append(qt_own)
    return installed


_TRANSLATES = re.compile(r"\.tr\(|\btranslate\(")


def translated_sources() -> list[Path]:
    """Every module of the agentdesk package that hands text to Qt's translator."""
    package = Path(__file__).resolve().parent.parent
    return sorted(path for path in package.rglob("*.py")
                  if _TRANSLATES.search(path.read_text(encoding="utf-8")))
