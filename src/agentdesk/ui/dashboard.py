"""The agent's own figures, today or this week: tiles and two charts.

Balanced on purpose (DOMAIN.md): volume, time, quality, sales and how the time was
spent sit side by side, so handle time is never read alone. Calls that the ACW timer
wrapped up are shown apart, never as an outcome.

The widget never reads the store: the integrator listens to `sig_period_changed`,
computes `core.personal_figures.compute_figures` off the GUI thread and hands the
result to `show_figures`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QLocale, Qt, Signal, Slot
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from agentdesk.core.personal_figures import NO_REASON, FiguresPeriod, PersonalFigures

NO_VALUE = "–"  # a figure with nothing to compute it from: shown, never as zero
MAX_OUTCOME_SLICES = 7  # the rest is one "Other" slice, so the pie stays readable
# States in the order an agent's day reads; logged-out time is not working time.
STATE_ORDER = ("ready", "ringing", "talking", "on_hold", "after_call_work")
TILES = ("calls_handled", "average_talk", "average_hold", "average_acw", "average_handle",
         "first_contact_resolution", "conversion", "occupancy")


def duration_text(seconds: float | None) -> str:
    """4:05 for minutes and seconds, 1:02:03 from an hour up."""
    if seconds is None:
        return NO_VALUE
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Tile(QFrame):
    """A caption over a large value."""

    def __init__(self, name: str, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tile_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel(NO_VALUE, self)
        self.value.setObjectName("tileValue")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)


class PersonalDashboard(QWidget):
    sig_period_changed = Signal(object)  # FiguresPeriod: the agent chose today / this week

    def __init__(self, parent: QWidget | None = None, *,
                 code_label: Callable[[str], str] = str,
                 reason_label: Callable[[str], str] = str) -> None:
        """`code_label` / `reason_label` turn wrap-up and not-ready codes into the
        labels of the current language (from the reference data)."""
        super().__init__(parent)
        self.setObjectName("personalDashboard")
        self._code_label = code_label
        self._reason_label = reason_label
        self._locale = QLocale()
        self._period = FiguresPeriod.TODAY
        self.figures: PersonalFigures | None = None

        self.today_button = QPushButton(self.tr("Today"), self)
        self.week_button = QPushButton(self.tr("This week"), self)
        self._period_buttons = QButtonGroup(self)
        self._period_buttons.setExclusive(True)
        for button, period in ((self.today_button, FiguresPeriod.TODAY),
                               (self.week_button, FiguresPeriod.WEEK)):
            button.setCheckable(True)
            button.setObjectName(f"period_{period.value}")
            self._period_buttons.addButton(button)
            button.toggled.connect(self.on_period_button_toggled)
        self.today_button.setChecked(True)
        self.range_label = QLabel(self)
        self.range_label.setObjectName("dashboardRange")

        header = QHBoxLayout()
        header.addWidget(self.today_button)
        header.addWidget(self.week_button)
        header.addStretch(1)
        header.addWidget(self.range_label)

        captions = {
            "calls_handled": self.tr("Calls handled"),
            "average_talk": self.tr("Average talk"),
            "average_hold": self.tr("Average hold"),
            "average_acw": self.tr("Average after-call work"),
            "average_handle": self.tr("Average handle time"),
            "first_contact_resolution": self.tr("Resolved on first contact"),
            "conversion": self.tr("Conversion (sales)"),
            "occupancy": self.tr("Occupancy"),
        }
        self.tiles = {name: _Tile(name, captions[name], self) for name in TILES}
        grid = QGridLayout()
        for i, name in enumerate(TILES):
            grid.addWidget(self.tiles[name], i // 4, i % 4)
        self.wrapup_label = QLabel(self)
        self.wrapup_label.setObjectName("dashboardWrapups")
        self.wrapup_label.setWordWrap(True)

        self.state_chart = QChart()
        self.state_chart.setTitle(self.tr("Time in each state (minutes)"))
        self.state_chart.legend().hide()
        self.state_view = QChartView(self.state_chart, self)
        self.state_view.setObjectName("stateChart")
        self.outcome_chart = QChart()
        self.outcome_chart.setTitle(self.tr("Outcomes"))
        self.outcome_chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.outcome_view = QChartView(self.outcome_chart, self)
        self.outcome_view.setObjectName("outcomeChart")
        for view in (self.state_view, self.outcome_view):
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
        charts = QHBoxLayout()
        charts.addWidget(self.state_view, 3)
        charts.addWidget(self.outcome_view, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(grid)
        layout.addWidget(self.wrapup_label)
        layout.addLayout(charts, 1)
        self._show_nothing_yet()

    # --- period -----------------------------------------------------------------------

    def period(self) -> FiguresPeriod:
        return self._period

    @Slot(bool)
    def on_period_button_toggled(self, checked: bool) -> None:
        if not checked:
            return  # the other button's toggle on reports the change
        period = FiguresPeriod.TODAY if self.today_button.isChecked() else FiguresPeriod.WEEK
        if period is not self._period:
            self._period = period
            self.sig_period_changed.emit(period)

    # --- figures ----------------------------------------------------------------------

    def show_figures(self, figures: PersonalFigures) -> None:
        """Render figures the integrator computed; does no I/O."""
        self.figures = figures
        self.range_label.setText(self._range_text(figures.start, figures.end))
        values = {
            "calls_handled": self._locale.toString(figures.calls_handled),
            "average_talk": duration_text(figures.average_talk_seconds),
            "average_hold": duration_text(figures.average_hold_seconds),
            "average_acw": duration_text(figures.average_acw_seconds),
            "average_handle": duration_text(figures.average_handle_seconds),
            "first_contact_resolution": self._percent(figures.first_contact_resolution_rate),
            "conversion": self._percent(figures.conversion_rate),
            "occupancy": self._percent(figures.occupancy),
        }
        for name, text in values.items():
            self.tiles[name].value.setText(text)
        self.tiles["first_contact_resolution"].setToolTip(
            self.tr("{resolved} of {contacted} contacted calls").format(
                resolved=figures.resolved_first_contact, contacted=figures.contacted_calls))
        self.tiles["conversion"].setToolTip(
            self.tr("{sales} sales in {contacted} contacted calls").format(
                sales=figures.sales, contacted=figures.contacted_calls))
        self.tiles["average_handle"].setToolTip(
            self.tr("Talk + hold + after-call work, per handled call"))
        self.wrapup_label.setText(
            self.tr("Wrapped up: {wrapped} · auto-wrapped (timer ran out, not an outcome): "
                    "{auto} · not wrapped up yet: {unwrapped} · calls placed or offered: "
                    "{total}").format(
                wrapped=figures.wrapped_calls, auto=figures.auto_wrapped_calls,
                unwrapped=figures.unwrapped_calls, total=figures.calls_total))
        self._show_states(figures.time_in_state, figures.not_ready_by_reason)
        self._show_outcomes(figures.outcomes)

    def state_bars(self) -> list[tuple[str, float]]:
        """The state chart's bars as (label, minutes), top to bottom as drawn."""
        series = self.state_chart.series()
        axes = self.state_chart.axes(Qt.Orientation.Vertical)
        if not series or not axes or not isinstance(series[0], QHorizontalBarSeries):
            return []
        bar_set = series[0].barSets()[0]
        labels = axes[0].categories() if isinstance(axes[0], QBarCategoryAxis) else []
        return [(label, bar_set.at(i)) for i, label in enumerate(labels)]

    def outcome_slices(self) -> list[tuple[str, int]]:
        """The outcome pie's slices as (label, calls)."""
        series = self.outcome_chart.series()
        if not series or not isinstance(series[0], QPieSeries):
            return []
        return [(s.property("outcome"), round(s.value())) for s in series[0].slices()]

    def _show_nothing_yet(self) -> None:
        self.range_label.setText("")
        self.wrapup_label.setText(self.tr("Figures appear after the first call."))

    def _show_states(self, per_state: Mapping[str, float],
                     per_reason: Mapping[str, float]) -> None:
        labels = {
            "ready": self.tr("Ready"), "ringing": self.tr("Ringing"),
            "talking": self.tr("Talking"), "on_hold": self.tr("On hold"),
            "after_call_work": self.tr("After-call work"),
        }
        bars = [(labels[state], per_state.get(state, 0.0)) for state in STATE_ORDER]
        for reason in sorted(per_reason, key=lambda r: -per_reason[r]):
            name = (self.tr("Not ready") if reason == NO_REASON else
                    self.tr("Not ready: {reason}").format(reason=self._reason_label(reason)))
            bars.append((name, per_reason[reason]))
        known = {*STATE_ORDER, "not_ready", "logged_out"}
        bars.extend((state, seconds) for state, seconds in sorted(per_state.items())
                    if state not in known)
        bars.reverse()  # a horizontal bar chart draws its first category at the bottom

        self._clear(self.state_chart)
        bar_set = QBarSet(self.tr("Minutes"))
        bar_set.append([seconds / 60 for _, seconds in bars])
        series = QHorizontalBarSeries()
        series.append(bar_set)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(3)
        self.state_chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([label for label, _ in bars])
        minutes = QValueAxis()
        minutes.setLabelFormat("%g")  # "%.0f" printed 0 0 1 1 1 on a 1-minute axis
        minutes.setMin(0)
        minutes.setMax(max([1.0, *(seconds / 60 * 1.15 for _, seconds in bars)]))
        minutes.applyNiceNumbers()  # ticks on round values: 0, 0.2, 0.4 ...
        self.state_chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        self.state_chart.addAxis(minutes, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(minutes)

    def _show_outcomes(self, outcomes: Mapping[str, int]) -> None:
        self._clear(self.outcome_chart)
        ranked = sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))
        shown = ranked[:MAX_OUTCOME_SLICES]
        rest = sum(count for _, count in ranked[MAX_OUTCOME_SLICES:])
        slices = [(self._code_label(code), count) for code, count in shown]
        if rest:
            slices.append((self.tr("Other"), rest))
        series = QPieSeries()
        for label, count in slices:
            pie_slice = series.append(f"{label} ({count})", count)
            pie_slice.setProperty("outcome", label)
        self.outcome_chart.addSeries(series)
        self.outcome_chart.setTitle(self.tr("Outcomes") if slices
                                    else self.tr("Outcomes: no wrap-ups yet"))

    @staticmethod
    def _clear(chart: QChart) -> None:
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
            axis.deleteLater()

    def _percent(self, rate: float | None) -> str:
        if rate is None:
            return NO_VALUE
        return self.tr("{percent} %").format(
            percent=self._locale.toString(rate * 100, "f", 0))

    def _range_text(self, start: datetime, end: datetime) -> str:
        """"23/11/2026" for a day, "23/11/2026 – 25/11/2026" for a week so far (the
        period ends at the next midnight, which is not a day of it)."""
        fmt = QLocale.FormatType.ShortFormat
        first = start.astimezone().date()
        last = (end.astimezone() - timedelta(microseconds=1)).date()
        first_text = self._locale.toString(first, fmt)
        last_text = self._locale.toString(last, fmt)
        return first_text if first == last else f"{first_text} – {last_text}"
