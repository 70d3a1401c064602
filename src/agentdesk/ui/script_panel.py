"""The script panel: the call script, step by step, with the objection bar below.

The current text is shown with the call's variables filled in; a value the call does
not have is shown marked (never blank), so the agent does not read out a gap. Choices
are large buttons with 1..9 as shortcuts (a digit typed into a field stays a digit);
capture fields are checked as they are typed; a compliance step keeps Next disabled
until its acknowledge box is ticked. Back is Alt+Left. An objection (Alt+1..9 or a
click in the bar) opens its rebuttals in place of the step; a rebuttal returns to
the exact step or branches, and Esc returns without one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.scripts import (
    CaptureField,
    FieldError,
    FieldType,
    Node,
    NodeKind,
    Script,
    ScriptContext,
    ScriptSession,
    Segment,
    SegmentKind,
)
from agentdesk.ui.script_objections import ObjectionBar

Clock = Callable[[], datetime]
MAX_CHOICE_KEYS = 9


def _utc_now() -> datetime:
    return datetime.now(UTC)


def segments_html(segments: Sequence[Segment]) -> str:
    """Rich text: filled-in values bold, unknown values marked (class for the QSS)."""
    parts = []
    for segment in segments:
        text = html.escape(segment.text)
        if segment.kind is SegmentKind.VALUE:
            parts.append(f"<b>{text}</b>")
        elif segment.kind is SegmentKind.UNKNOWN:
            parts.append(f"<span style='color:#b00020;background:#fde7ea'>⟨{text}?⟩</span>")
        else:
            parts.append(text)
    return "".join(parts).replace("\n", "<br>")


class ScriptPanel(QWidget):
    sig_outcome_changed = Signal(object)  # ScriptOutcome, after every step
    sig_finished = Signal(object)  # ScriptOutcome, when an end step is reached
    sig_script_switched = Signal(object)  # Script the agent chose in the switcher

    def __init__(self, clock: Clock = _utc_now, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptPanel")
        self._clock = clock
        self._scripts: list[Script] = []
        self._session: ScriptSession | None = None
        self._context = ScriptContext()
        self._language: str | None = None
        self._field_widgets: dict[str, QLineEdit | QComboBox] = {}
        self._field_errors: dict[str, QLabel] = {}
        self._step_widgets: list[QWidget] = []
        self.choice_buttons: list[QPushButton] = []
        self.rebuttal_buttons: list[QPushButton] = []

        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        self.switcher = QComboBox(self)
        self.switcher.setObjectName("scriptSwitcher")
        self.switcher.setToolTip(self.tr("Change the script for this call"))
        self.switcher.activated.connect(self.on_switcher_activated)
        header.addWidget(self.switcher, 1)
        layout.addLayout(header)
        self.trail = QLabel(self)
        self.trail.setObjectName("scriptTrail")
        self.trail.setWordWrap(True)
        layout.addWidget(self.trail)
        self.detour_title = QLabel(self)
        self.detour_title.setObjectName("detourTitle")
        self.detour_title.setTextFormat(Qt.TextFormat.RichText)  # its text is escaped HTML
        layout.addWidget(self.detour_title)
        self.text = QLabel(self)
        self.text.setObjectName("scriptText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.step_area = QVBoxLayout()
        layout.addLayout(self.step_area)
        self.acknowledge = QCheckBox(self.tr("I have read this out to the customer"), self)
        self.acknowledge.setObjectName("complianceAcknowledge")
        self.acknowledge.toggled.connect(self.on_acknowledge_toggled)
        layout.addWidget(self.acknowledge)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Back"), self)
        self.back_button.setObjectName("scriptBack")
        self.back_button.setToolTip(self.tr("Back to the previous step (Alt+Left)"))
        self.back_button.clicked.connect(self.on_back_clicked)
        self.next_button = QPushButton(self.tr("Next"), self)
        self.next_button.setObjectName("scriptNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.on_next_clicked)
        self.return_button = QPushButton(self.tr("Return to the script"), self)
        self.return_button.setObjectName("detourReturn")
        self.return_button.setToolTip(self.tr("Back to the step you were on (Esc)"))
        self.return_button.clicked.connect(self.on_return_clicked)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        separator = QFrame(self)
        separator.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(separator)
        self.objection_bar = ObjectionBar(self)
        self.objection_bar.sig_objection_chosen.connect(self.on_objection_bar_chosen)
        layout.addWidget(self.objection_bar)

        for number in range(1, MAX_CHOICE_KEYS + 1):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda n=number: self.on_number_key_activated(n))
        back = QShortcut(QKeySequence("Alt+Left"), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.on_back_clicked)
        escape = QShortcut(QKeySequence("Esc"), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.on_return_clicked)
        self.clear()

    # -- public API ----------------------------------------------------------------------

    @property
    def session(self) -> ScriptSession | None:
        return self._session

    def set_scripts(self, scripts: Sequence[Script]) -> None:
        """The scripts the agent may switch to (the one started is added if missing)."""
        self._scripts = list(scripts)
        self._fill_switcher()

    def start(self, script: Script, context: ScriptContext | None = None,
              language: str | None = None) -> None:
        if all((s.id, s.version) != (script.id, script.version) for s in self._scripts):
            self._scripts.append(script)
        self._context = context or ScriptContext()
        self._language = language
        self._session = ScriptSession(script, self._context, clock=self._clock,
                                      language=language)
        self._fill_switcher()
        self.objection_bar.set_objections(script.objections, self._session.language)
        self.setEnabled(True)
        self._show_step()

    def clear(self) -> None:
        self._session = None
        self._clear_step()
        self.text.setText(self.tr("No script for this call."))
        self.trail.clear()
        self.detour_title.hide()
        self.acknowledge.hide()
        self.objection_bar.set_objections((), "en")
        for button in (self.back_button, self.next_button, self.return_button):
            button.hide()

    # -- rendering -----------------------------------------------------------------------

    def _fill_switcher(self) -> None:
        self.switcher.blockSignals(True)
        self.switcher.clear()
        current = self._session.script if self._session else None
        for index, script in enumerate(self._scripts):
            language = self._session.language if self._session else script.language
            self.switcher.addItem(f"{script.title.get(language)} (v{script.version})")
            # by id and version: a sync re-reads the scripts as new objects mid-call
            if current is not None and (script.id, script.version) == (current.id,
                                                                       current.version):
                self.switcher.setCurrentIndex(index)
        self.switcher.blockSignals(False)
        self.switcher.setVisible(bool(self._scripts))

    def _clear_step(self) -> None:
        for widget in self._step_widgets:
            widget.hide()
            widget.deleteLater()
        self._step_widgets = []
        self.choice_buttons = []
        self.rebuttal_buttons = []
        self._field_widgets = {}
        self._field_errors = {}

    def _add(self, widget: QWidget) -> None:
        self.step_area.addWidget(widget)
        self._step_widgets.append(widget)
        widget.show()  # a layout shows new children of a visible panel only later

    def _show_step(self) -> None:
        session = self._session
        if session is None:
            return
        self._clear_step()
        names = [self._node_name(session.script.node(n)) for n in session.trail]
        self.trail.setText(" › ".join(names))
        detour = session.detour
        if detour is not None:
            self._show_detour()
            return
        self.detour_title.hide()
        self.return_button.hide()
        node = session.current
        self.text.setText(segments_html(session.render()))
        self.back_button.show()
        self.back_button.setEnabled(session.can_go_back)
        for index, choice in enumerate(node.choices):
            label = session.text(choice.label)
            shown = f"{index + 1}  {label}" if index < MAX_CHOICE_KEYS else label
            button = QPushButton(shown, self)
            button.setObjectName("scriptChoice")
            button.setMinimumHeight(40)
            button.clicked.connect(lambda _=False, i=index: self.on_choice_clicked(i))
            self._add(button)
            self.choice_buttons.append(button)
        if node.fields:
            self._add(self._fields_form(node))
        self.acknowledge.blockSignals(True)
        self.acknowledge.setChecked(session.is_acknowledged())
        self.acknowledge.blockSignals(False)
        self.acknowledge.setVisible(node.kind is NodeKind.COMPLIANCE)
        self.next_button.setVisible(not node.choices and not session.finished)
        self.next_button.setEnabled(node.kind is not NodeKind.COMPLIANCE
                                    or session.is_acknowledged())
        self.objection_bar.setEnabled(True)

    def _node_name(self, node: Node) -> str:
        return node.id.replace("_", " ")

    def _fields_form(self, node: Node) -> QWidget:
        assert self._session is not None
        form_widget = QWidget(self)
        form = QFormLayout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        for capture in node.fields:
            editor = self._editor_for(capture)
            error = QLabel(form_widget)
            error.setObjectName(f"fieldError_{capture.name}")
            error.setStyleSheet("color: #b00020")
            error.hide()
            column = QVBoxLayout()
            column.addWidget(editor)
            if capture.hint is not None:
                hint = QLabel(self._session.text(capture.hint), form_widget)
                hint.setObjectName("fieldHint")
                column.addWidget(hint)
            column.addWidget(error)
            label = self._session.text(capture.label) + ("" if not capture.required else " *")
            form.addRow(label, column)
            self._field_widgets[capture.name] = editor
            self._field_errors[capture.name] = error
        first = next(iter(self._field_widgets.values()), None)
        if first is not None:
            first.setFocus()
        return form_widget

    def _editor_for(self, capture: CaptureField) -> QLineEdit | QComboBox:
        assert self._session is not None
        if capture.type is FieldType.CHOICE:
            combo = QComboBox(self)
            combo.setObjectName(f"field_{capture.name}")
            combo.addItem("", "")
            for option in capture.options:
                combo.addItem(self._session.text(option.label), option.value)
            combo.currentIndexChanged.connect(
                lambda _i, name=capture.name: self.on_field_edited(name))
            return combo
        edit = QLineEdit(self)
        edit.setObjectName(f"field_{capture.name}")
        edit.textEdited.connect(lambda _t, name=capture.name: self.on_field_edited(name))
        edit.returnPressed.connect(self.on_next_clicked)
        return edit

    def _show_detour(self) -> None:
        session = self._session
        assert session is not None and session.detour is not None
        objection = session.detour.objection
        self.detour_title.setText(self.tr("Objection: %1").replace(
            "%1", html.escape(session.text(objection.title))))
        self.detour_title.show()
        self.text.setText(self.tr("Choose a rebuttal, or return to the script (Esc)."))
        for index, rebuttal in enumerate(objection.rebuttals):
            body = segments_html(session.render(rebuttal.text))
            button = QPushButton(self)
            button.setObjectName(f"rebuttal_{rebuttal.id}")
            label = QLabel(f"<b>{index + 1}</b>&nbsp; {body}", button)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            inner = QVBoxLayout(button)
            inner.addWidget(label)
            button.setMinimumHeight(max(48, label.sizeHint().height() + 16))
            button.clicked.connect(lambda _=False, r=rebuttal.id: self.on_rebuttal_clicked(r))
            self._add(button)
            self.rebuttal_buttons.append(button)
        self.acknowledge.hide()
        self.next_button.hide()
        self.back_button.hide()
        self.return_button.show()

    def _emit_changed(self) -> None:
        assert self._session is not None
        outcome = self._session.outcome()
        self.sig_outcome_changed.emit(outcome)
        if self._session.finished and self._session.detour is None:
            self.sig_finished.emit(outcome)

    def _after_action(self) -> None:
        self._show_step()
        self._focus_step()
        self._emit_changed()

    def _focus_step(self) -> None:
        """After the agent acts, the keyboard belongs to the new step: its field, its
        acknowledgement, its rebuttals or choices (so 1..9 work), else Next. Without this
        a button that was disabled or deleted handed focus down the chain to the
        objection search, which then swallowed the digits."""
        session = self._session
        if session is None or self._field_widgets:
            return  # a step with fields focuses its first field itself
        if session.detour is not None:
            target: QWidget | None = next(iter(self.rebuttal_buttons), self.return_button)
        elif self.choice_buttons:
            target = self.choice_buttons[0]
        elif self.acknowledge.isVisible() and not self.acknowledge.isChecked():
            target = self.acknowledge
        elif self.next_button.isVisible() and self.next_button.isEnabled():
            target = self.next_button
        else:
            target = None
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- slots ---------------------------------------------------------------------------

    def on_number_key_activated(self, number: int) -> None:
        if self._session is None:
            return
        buttons = self.rebuttal_buttons if self._session.detour else self.choice_buttons
        if number <= len(buttons):
            buttons[number - 1].click()

    def on_choice_clicked(self, index: int) -> None:
        if self._session is None:
            return
        self._session.choose(index)
        self._after_action()

    def on_next_clicked(self) -> None:
        session = self._session
        if session is None or session.detour is not None or session.finished:
            return
        node = session.current
        if node.choices:
            return
        if node.fields:
            errors = session.submit(self._field_values())
            if errors:
                for name, label in self._field_errors.items():
                    self._show_field_error(label, errors.get(name))
                return
        else:
            if node.kind is NodeKind.COMPLIANCE and not session.is_acknowledged():
                self.acknowledge.setFocus()
                return
            session.advance()
        self._after_action()

    def on_back_clicked(self) -> None:
        if self._session is None or not self._session.can_go_back:
            return
        if self._session.detour is not None:
            return
        self._session.back()
        self._after_action()

    def on_acknowledge_toggled(self, checked: bool) -> None:
        if self._session is None or self._session.current.kind is not NodeKind.COMPLIANCE:
            return
        if checked:
            self._session.acknowledge()
        # An acknowledgement stays recorded; unticking only makes the agent tick again.
        self.next_button.setEnabled(checked)
        self._emit_changed()

    def on_objection_bar_chosen(self, objection_id: str) -> None:
        if self._session is None:
            return
        self._session.open_objection(objection_id)
        self.objection_bar.search.clear()  # a filter typed to find it has done its job
        self._after_action()

    def on_rebuttal_clicked(self, rebuttal_id: str) -> None:
        session = self._session
        if session is None or session.detour is None:
            return
        session.use_rebuttal(rebuttal_id)
        session.close_objection()  # the rebuttal is read: back to the step (or its branch)
        self._after_action()

    def on_return_clicked(self) -> None:
        if self._session is None or self._session.detour is None:
            return
        self._session.close_objection()
        self._after_action()

    def on_switcher_activated(self, index: int) -> None:
        if not 0 <= index < len(self._scripts):
            return
        script = self._scripts[index]
        if self._session is not None and self._session.script is script:
            return
        self.start(script, self._context, self._language)
        self.sig_script_switched.emit(script)
        self._emit_changed()

    def on_field_edited(self, name: str) -> None:
        if self._session is None or name not in self._field_widgets:
            return
        value = self._value_of(self._field_widgets[name])
        checked = self._session.check(name, value)
        # An empty required field is only an error once the agent presses Next.
        error = None if checked.error is FieldError.REQUIRED else checked.error
        self._show_field_error(self._field_errors[name], error)

    # -- fields --------------------------------------------------------------------------

    def _field_values(self) -> dict[str, str]:
        return {name: self._value_of(widget) for name, widget in self._field_widgets.items()}

    @staticmethod
    def _value_of(widget: QLineEdit | QComboBox) -> str:
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        return widget.text()

    def _show_field_error(self, label: QLabel, error: FieldError | None) -> None:
        label.setVisible(error is not None)
        label.setText(self.error_text(error) if error is not None else "")

    def error_text(self, error: FieldError) -> str:
        return {
            FieldError.REQUIRED: self.tr("Required"),
            FieldError.NOT_A_NUMBER: self.tr("Type a number"),
            FieldError.TOO_SMALL: self.tr("Too small"),
            FieldError.TOO_LARGE: self.tr("Too large"),
            FieldError.NOT_A_DATE: self.tr("Type a date as YYYY-MM-DD"),
            FieldError.NOT_AN_OPTION: self.tr("Choose one of the options"),
            FieldError.NOT_A_PHONE: self.tr("Not a phone number"),
            FieldError.NOT_AN_EMAIL: self.tr("Not an email address"),
            FieldError.NO_MATCH: self.tr("Not in the expected form"),
        }[error]
