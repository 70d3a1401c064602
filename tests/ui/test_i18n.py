"""Every user-facing string is translatable, and zh_CN translates all of them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDialogButtonBox

from agentdesk.core.settings import Settings
from agentdesk.ui import i18n
from agentdesk.ui.i18n import install_translation, pick_language
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.resources import resource_path
from agentdesk.ui.settings_dialog import SettingsDialog
from tests.fakes.secrets import FakeSecretStore
from tests.fakes.softphone import FakeSoftphone

UI_DIR = Path(i18n.__file__).parent
# Every module that calls tr() or translate(), in any layer: what the update script scans.
TRANSLATED_SOURCES = i18n.translated_sources()
TS_FILE = resource_path("translations", "agentdesk_zh_CN.ts")
QM_FILE = resource_path("translations", "agentdesk_zh_CN.qm")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def qt_tool(name: str) -> str:
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        pytest.fail(f"{name} is missing next to {sys.executable}; it ships with PySide6")
    return str(tool)


def messages(ts: Path) -> Iterator[tuple[str, str, ET.Element]]:
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            yield name, message.findtext("source", ""), translation


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[tuple[str, str]]:
    """(context, source) of every tr()/translate() string in the UI, as lupdate sees it."""
    fresh = tmp_path_factory.mktemp("lupdate") / "fresh.ts"
    sources = sorted(str(p) for p in TRANSLATED_SOURCES)
    subprocess.run([qt_tool("pyside6-lupdate"), *sources, "-ts", str(fresh)],
                   check=True, capture_output=True, timeout=60)
    return {(context, source) for context, source, _ in messages(fresh)}


def test_every_ui_string_has_a_zh_cn_translation(extracted):
    committed = {(c, s): t for c, s, t in messages(TS_FILE)}
    missing = [key for key in sorted(extracted)
               if key not in committed or not (committed[key].text or "").strip()
               or committed[key].get("type") in ("unfinished", "vanished", "obsolete")]
    assert missing == [], ("untranslated (run scripts/update_translations.py, translate, "
                           f"then run it again): {missing}")
    assert len(extracted) > 150


def test_translations_keep_placeholders_and_accelerators():
    for context, source, translation in messages(TS_FILE):
        text = translation.text or ""
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), \
            (context, source)
        assert source.count("&") == text.count("&"), (context, source)
        assert text.count("\n") == source.count("\n"), (context, source)


def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    compiled = tmp_path / "check.qm"
    subprocess.run([qt_tool("pyside6-lrelease"), str(TS_FILE), "-qm", str(compiled)],
                   check=True, capture_output=True, timeout=60)
    assert compiled.read_bytes() == QM_FILE.read_bytes(), \
        "agentdesk_zh_CN.qm is stale: run pyside6-lrelease on agentdesk_zh_CN.ts"


SETTERS = {"setText", "setToolTip", "setPlaceholderText", "setWindowTitle", "addTab",
           "addItem", "setHeaderLabels", "setHorizontalHeaderLabels", "setAccessibleName",
           "showMessage", "setSuffix", "setSpecialValueText", "addMenu", "addAction"}
NOT_WORDS = {"agentdesk", "UDP", "TCP", "TLS", "CN", "https://agentdesk.example.com"}


def literal_words(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts = [node.value]
    elif isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values
                 if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    else:
        return []
    words = [w for p in parts for w in re.findall(r"[A-Za-z][A-Za-z:/.\-]+", p)]
    return [w for w in words if w not in NOT_WORDS]


def test_no_widget_gets_an_untranslated_literal():
    offenders = []
    # the widgets, and the modules above them that build or label widgets
    for path in sorted({*UI_DIR.glob("*.py"), *UI_DIR.parent.glob("*.py")}):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # Only the first argument is text; later ones are data (addItem's userData).
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in SETTERS and node.args:
                offenders += [(path.name, node.lineno, w) for w in literal_words(node.args[0])]
    assert offenders == []


@pytest.mark.parametrize("requested, system, expected", [
    ("zh_CN", "en_US", "zh_CN"), ("zh-CN", "en_US", "zh_CN"), ("zh_CN.UTF-8", "en_US", "zh_CN"),
    ("en", "zh_CN", "en"), (None, "zh_CN", "zh_CN"), (None, "zh_TW", "zh_CN"),
    (None, "de_DE", "en"), (None, "C", "en"),
])
def test_pick_language(qapp, requested, system, expected):
    assert pick_language(requested, QLocale(system)) == expected


@pytest.fixture
def chinese(qapp):
    installed = install_translation("zh_CN")
    yield installed
    installed.remove()


def test_the_window_speaks_chinese(qtbot, chinese, service, bridge, settings,
                                   phone: FakeSoftphone):
    assert chinese.language == "zh_CN" and len(chinese.translators) == 2
    window = MainWindow(service, bridge, settings)
    qtbot.addWidget(window)
    bar = window.call_bar
    assert [a.text() for a in window.menuBar().actions()] == [
        "文件(&F)", "视图(&V)", "通话(&C)", "帮助(&H)"]
    assert bar.answer_button.text() == "呼叫"
    assert bar.hang_up_button.text() == "挂断"
    assert bar.hold_button.toolTip() == "保持 (Ctrl+Shift+H)"
    assert bar.call_info.name_label.text() == "无通话"
    assert bar.registration.text() == "仅直接呼叫（未配置注册服务器）"
    phone.incoming_call("+861065529988", "王芳")
    assert bar.answer_button.text() == "接听"
    assert bar.call_info.state_label.text() == "来电"
    phone.registration_result(403)
    assert bar.registration.text() == "注册失败：403 Forbidden"


def test_the_settings_dialog_speaks_chinese(qtbot, chinese):
    dialog = SettingsDialog(Settings(), FakeSecretStore(available=False, problem="无"),
                            lambda: ([], []), lambda _pw: None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "设置"
    assert [dialog.tabs.tabText(i) for i in range(4)] == ["账户", "电话", "音频", "服务器"]
    assert dialog.keyring_notice.text().startswith("此计算机上没有可用的密钥环")
    # Qt's own strings come from qtbase_zh_CN.
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"


def test_english_installs_nothing(qapp):
    installed = install_translation("en")
    assert installed.language == "en" and installed.translators == []


def test_the_scan_finds_text_in_every_layer_that_has_some():
    """A module outside ui/ with tr() (the desk's controllers, the seat, the demo) is
    scanned too: the documented update once read ui/*.py only and dropped their strings."""
    names = {path.relative_to(Path(i18n.__file__).parent.parent).as_posix()
             for path in TRANSLATED_SOURCES}
    assert {"app.py", "demo.py", "desk_controller.py", "desk_screen.py",
            "ui/main_window.py"} <= names
    assert "ui/i18n.py" not in names or "tr(" in Path(i18n.__file__).read_text()
