"""The personal dashboard renders figures it is given and reports the period toggle."""

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QLocale, Qt

from agentdesk.core.personal_figures import FiguresPeriod, PersonalFigures, compute_figures
from agentdesk.ui.dashboard import TILES, PersonalDashboard, duration_text
from tests.core.test_personal_figures import CALLS, DAY, END, FLAGS, STATES, WRAPUPS


@pytest.fixture(autouse=True)
def c_locale():
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


@pytest.fixture
def dashboard(qtbot):
    widget = PersonalDashboard(code_label=lambda code: code.upper(),
                               reason_label=lambda reason: {"lunch": "Lunch"}.get(reason, reason))
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return widget


def known_day() -> PersonalFigures:
    return compute_figures(CALLS, WRAPUPS, STATES, FLAGS, DAY, END)


def tile_text(dashboard: PersonalDashboard, name: str) -> str:
    return dashboard.tiles[name].value.text()


@pytest.mark.parametrize("seconds,text", [
    (None, "–"), (0, "0:00"), (59.6, "1:00"), (245, "4:05"), (3723, "1:02:03")])
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


def test_the_toggle_starts_on_today_and_reports_each_change_once(qtbot, dashboard):
    assert dashboard.period() is FiguresPeriod.TODAY
    assert dashboard.today_button.isChecked()
    with qtbot.waitSignal(dashboard.sig_period_changed) as changed:
        qtbot.mouseClick(dashboard.week_button, Qt.MouseButton.LeftButton)
    assert changed.args == [FiguresPeriod.WEEK]
    assert dashboard.period() is FiguresPeriod.WEEK
    with qtbot.assertNotEmitted(dashboard.sig_period_changed):
        qtbot.mouseClick(dashboard.week_button, Qt.MouseButton.LeftButton)
    assert dashboard.week_button.isChecked()
    with qtbot.waitSignal(dashboard.sig_period_changed) as changed:
        qtbot.mouseClick(dashboard.today_button, Qt.MouseButton.LeftButton)
    assert changed.args == [FiguresPeriod.TODAY]


def test_the_tiles_show_a_balanced_set_of_the_figures(dashboard):
    dashboard.show_figures(known_day())
    assert {name: tile_text(dashboard, name) for name in TILES} == {
        "calls_handled": "5",
        "average_talk": "4:30",       # 270 s
        "average_hold": "0:18",
        "average_acw": "3:00",
        "average_handle": "7:48",     # 468 s
        "first_contact_resolution": "67 %",
        "conversion": "33 %",
        "occupancy": "44 %",          # 2820 / 6420
    }
    assert all(tile.isVisible() for tile in dashboard.tiles.values())
    assert dashboard.tiles["first_contact_resolution"].toolTip() == "2 of 3 contacted calls"
    assert dashboard.tiles["conversion"].toolTip() == "1 sales in 3 contacted calls"
    text = dashboard.wrapup_label.text()
    assert "Wrapped up: 4" in text and "auto-wrapped (timer ran out, not an outcome): 1" in text
    assert "not wrapped up yet: 1" in text and "calls placed or offered: 6" in text
    assert dashboard.range_label.text() == "11/23/26"


def test_the_state_chart_has_a_bar_per_state_and_not_ready_reason(dashboard):
    dashboard.show_figures(known_day())
    bars = dict(dashboard.state_bars())
    assert bars == pytest.approx({
        "Ready": 60, "Ringing": 0, "Talking": 30, "On hold": 2, "After-call work": 15,
        "Not ready: Lunch": 60, "Not ready: meeting": 30, "Not ready": 10})
    labels = [label for label, _ in dashboard.state_bars()]
    assert labels[-1] == "Ready"  # drawn at the top
    from PySide6.QtCharts import QValueAxis
    [minutes] = [a for a in dashboard.state_chart.axes() if isinstance(a, QValueAxis)]
    assert minutes.labelFormat() == "%g"  # "%.0f" printed 0 0 1 1 1 on short days
    assert minutes.max() >= 60 and minutes.min() == 0


def test_the_outcome_pie_leaves_auto_wrapped_calls_out(dashboard):
    dashboard.show_figures(known_day())
    assert sorted(dashboard.outcome_slices()) == [
        ("COMPLAINT", 1), ("NO_ANSWER", 1), ("RESOLVED", 1), ("SALE", 1)]
    assert "TIMEOUT" not in dict(dashboard.outcome_slices())
    assert dashboard.outcome_chart.title() == "Outcomes"


def test_many_outcomes_fold_into_other(dashboard):
    figures = known_day()
    many = {f"code{i}": 10 - i for i in range(9)}
    dashboard.show_figures(PersonalFigures(**{**_fields(figures), "outcomes": many}))
    slices = dashboard.outcome_slices()
    assert len(slices) == 8
    assert slices[0] == ("CODE0", 10)
    assert slices[-1] == ("Other", 3 + 2)  # code7 and code8


def test_an_empty_week_shows_dashes_not_zero_rates(dashboard):
    start = datetime(2026, 11, 23, tzinfo=UTC)
    empty = compute_figures([], [], [], FLAGS, start, start + timedelta(days=3))
    dashboard.show_figures(known_day())
    dashboard.show_figures(empty)
    assert tile_text(dashboard, "calls_handled") == "0"
    for name in ("average_talk", "average_handle", "first_contact_resolution", "conversion",
                 "occupancy"):
        assert tile_text(dashboard, name) == "–"
    assert dashboard.outcome_slices() == []
    assert dashboard.outcome_chart.title() == "Outcomes: no wrap-ups yet"
    assert [minutes for _, minutes in dashboard.state_bars()] == [0] * 5
    assert dashboard.range_label.text() == "11/23/26 – 11/25/26"


def _fields(figures: PersonalFigures) -> dict[str, object]:
    return {name: getattr(figures, name) for name in PersonalFigures.__dataclass_fields__}
