"""Personal figures from a known day of records, against values computed by hand."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agentdesk.core.personal_figures import (
    FiguresPeriod,
    compute_figures,
    current_wrapups,
    flags_lookup,
    period_bounds,
    time_in_states,
)
from agentdesk.core.records import AgentStateChange, CallRecord, Direction, WrapUp

DAY = datetime(2026, 11, 23, tzinfo=UTC)
END = DAY + timedelta(days=1)
FLAGS = flags_lookup({
    "resolved": {"contact_made", "first_contact_resolution"},
    "sale": {"contact_made", "sale", "first_contact_resolution"},
    "complaint": {"contact_made", "complaint"},
    "no_answer": set(),
    "timeout": set(),
})


def at(hh: int, mm: int = 0, ss: int = 0, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


def call(start: datetime, connect_s: int | None, talk_s: int, hold: float = 0.0,
         direction: Direction = Direction.INBOUND) -> CallRecord:
    connected = None if connect_s is None else start + timedelta(seconds=connect_s)
    ended = (connected or start) + timedelta(seconds=talk_s)
    return CallRecord("sip", direction, "+8613800138000", start, connected_at=connected,
                      ended_at=ended, hold_seconds=hold)


# The day, call by call (connected seconds, of which on hold -> talk):
C1 = call(at(9), 10, 300, hold=60)                          # 240 talk, 60 hold
C2 = call(at(10), 20, 600, direction=Direction.OUTBOUND)    # 600 talk
C3 = call(at(11), 5, 120, hold=30)                          # 90 talk, 30 hold
C4 = call(at(12), None, 30, direction=Direction.OUTBOUND)   # not answered: not handled
C5 = call(at(13), 10, 180)                                  # 180 talk, never wrapped up
C6 = call(at(23, 59) - timedelta(days=1), 10, 300)          # started yesterday: not today's
C7 = call(at(14), 10, 240)                                  # 240 talk
CALLS = [C1, C2, C3, C4, C5, C6, C7]

C1_FIRST = WrapUp(C1.id, ("resolved",), at(9, 6))
WRAPUPS = [
    C1_FIRST,
    WrapUp(C1.id, ("complaint",), at(9, 10), supersedes_id=C1_FIRST.id),  # re-opened
    WrapUp(C2.id, ("sale", "sale"), at(10, 12)),
    WrapUp(C3.id, ("timeout",), at(11, 5), auto_wrapped=True),
    WrapUp(C4.id, ("no_answer",), at(12, 1)),
    WrapUp(C6.id, ("sale",), at(0, 5)),
    WrapUp(C7.id, ("resolved",), at(14, 5)),
]

STATES = [
    AgentStateChange("not_ready", at(23, 30) - timedelta(days=1), at(0, 30), "meeting"),  # 1800
    AgentStateChange("ready", at(8), at(9)),                                 # 3600
    AgentStateChange("talking", at(9), at(9, 30)),                           # 1800
    AgentStateChange("on_hold", at(9, 30), at(9, 32)),                       # 120
    AgentStateChange("after_call_work", at(9, 32), at(9, 35)),               # 180
    AgentStateChange("after_call_work", at(10, 10), at(10, 12)),             # 120
    AgentStateChange("not_ready", at(12), at(13), "lunch"),                  # 3600
    AgentStateChange("not_ready", at(13), at(13, 10)),                       # 600, no reason
    AgentStateChange("after_call_work", at(23, 50)),                         # open: 600 to 24:00
    AgentStateChange("ready", END, END + timedelta(hours=1)),                # tomorrow
]


def test_a_known_day_gives_the_hand_computed_figures():
    f = compute_figures(CALLS, WRAPUPS, STATES, FLAGS, DAY, END)
    assert (f.calls_total, f.calls_handled) == (6, 5)  # C6 is yesterday's, C4 not handled
    # talk 240+600+90+180+240 = 1350, hold 60+30 = 90, ACW 180+120+600 = 900
    assert (f.talk_seconds, f.hold_seconds, f.acw_seconds) == (1350, 90, 900)
    assert f.average_talk_seconds == 270
    assert f.average_hold_seconds == 18
    assert f.average_acw_seconds == 180
    assert f.average_handle_seconds == (1350 + 90 + 900) / 5 == 468
    # outcomes: C1 complaint (its first "resolved" was superseded), C2 sale, C4
    # no_answer, C7 resolved; C3's timeout is auto-wrapped, C6 is another day's
    assert f.outcomes == {"complaint": 1, "sale": 1, "no_answer": 1, "resolved": 1}
    assert (f.wrapped_calls, f.auto_wrapped_calls, f.unwrapped_calls) == (4, 1, 1)
    # contacted: C1, C2, C7; resolved on first contact: C2, C7; sale: C2
    assert (f.contacted_calls, f.resolved_first_contact, f.sales) == (3, 2, 1)
    assert f.first_contact_resolution_rate == pytest.approx(2 / 3)
    assert f.conversion_rate == pytest.approx(1 / 3)
    assert f.time_in_state == {"not_ready": 6000, "ready": 3600, "talking": 1800,
                               "on_hold": 120, "after_call_work": 900}
    assert f.not_ready_by_reason == {"meeting": 1800, "lunch": 3600, "": 600}
    # busy 1800+120+900 = 2820 of staffed 2820+3600 = 6420
    assert f.occupancy == pytest.approx(2820 / 6420)


def test_an_open_state_ends_at_now_when_the_period_reaches_the_future():
    f = compute_figures(CALLS, WRAPUPS, STATES, FLAGS, DAY, END, now=at(23, 55))
    assert f.acw_seconds == 180 + 120 + 300
    assert f.average_acw_seconds == 120
    assert f.time_in_state["after_call_work"] == 600


def test_a_week_holds_yesterdays_call_too():
    week = DAY - timedelta(days=1)
    f = compute_figures(CALLS, WRAPUPS, STATES, FLAGS, week, END)
    assert (f.calls_total, f.calls_handled) == (7, 6)
    assert f.outcomes["sale"] == 2
    assert f.time_in_state["not_ready"] == 3600 + 3600 + 600


def test_an_empty_period_has_counts_of_zero_and_no_averages_or_rates():
    f = compute_figures([], [], [], FLAGS, DAY, END)
    assert (f.calls_total, f.calls_handled, f.contacted_calls) == (0, 0, 0)
    assert f.average_talk_seconds is None and f.average_handle_seconds is None
    assert f.first_contact_resolution_rate is None and f.conversion_rate is None
    assert f.occupancy is None
    assert f.outcomes == {} and f.time_in_state == {}


def test_auto_wrapped_never_counts_as_an_outcome_until_the_agent_replaces_it():
    auto = WrapUp(C2.id, ("timeout",), at(10, 12), auto_wrapped=True)
    only_auto = compute_figures([C2], [auto], [], FLAGS, DAY, END)
    assert only_auto.outcomes == {} and only_auto.auto_wrapped_calls == 1
    assert only_auto.contacted_calls == 0 and only_auto.unwrapped_calls == 0
    fixed = WrapUp(C2.id, ("sale",), at(10, 30), supersedes_id=auto.id)
    replaced = compute_figures([C2], [auto, fixed], [], FLAGS, DAY, END)
    assert replaced.outcomes == {"sale": 1} and replaced.auto_wrapped_calls == 0
    assert replaced.conversion_rate == 1.0


def test_flags_of_several_codes_on_one_call_are_joined():
    both = WrapUp(C1.id, ("complaint", "resolved"), at(9, 6))
    f = compute_figures([C1], [both], [], FLAGS, DAY, END)
    assert f.outcomes == {"complaint": 1, "resolved": 1}
    assert (f.contacted_calls, f.resolved_first_contact, f.sales) == (1, 1, 0)


def test_unknown_codes_have_no_flags():
    f = compute_figures([C1], [WrapUp(C1.id, ("mystery",), at(9, 6))], [], FLAGS, DAY, END)
    assert f.outcomes == {"mystery": 1} and f.contacted_calls == 0


def test_hold_longer_than_the_connection_gives_no_negative_talk():
    odd = call(at(9), 0, 30, hold=45)
    assert compute_figures([odd], [], [], FLAGS, DAY, END).talk_seconds == 0


@pytest.mark.parametrize("versions,expected", [
    # (label, saved minute, supersedes label) -> label of the current one
    ([("a", 1, None)], "a"),
    ([("a", 1, None), ("b", 2, "a")], "b"),
    ([("a", 5, None), ("b", 2, "a")], "b"),            # clock ran behind: b still wins
    ([("a", 1, None), ("b", 2, "a"), ("c", 3, "b")], "c"),
    ([("a", 1, None), ("b", 3, None)], "b"),           # two saves, no link: the newest
])
def test_the_current_wrapup_of_a_call(versions, expected):
    made: dict[str, WrapUp] = {}
    for label, minute, supersedes in versions:
        made[label] = WrapUp(C1.id, (label,), at(9, minute),
                             supersedes_id=None if supersedes is None else made[supersedes].id)
    assert current_wrapups(made.values()) == {C1.id: made[expected]}


@pytest.mark.parametrize("start,end,seconds", [
    (at(8), at(9), 3600),      # inside
    (at(7), at(8), 0),         # ends where the period starts
    (at(9), at(10), 0),        # starts where the period ends
    (at(7), at(8, 30), 1800),  # clipped at the period's end
    (at(8, 45), at(11), 900),  # clipped at the period's start
])
def test_time_in_state_is_clipped_to_the_period(start, end, seconds):
    per_state, _ = time_in_states([AgentStateChange("ready", start, end)], at(8), at(9))
    assert per_state.get("ready", 0) == seconds


@pytest.mark.parametrize("start,end,message", [
    (DAY, DAY, "end after it starts"),
    (END, DAY, "end after it starts"),
    (datetime(2026, 11, 23), END, "timezone-aware"),
])
def test_a_bad_period_is_refused(start, end, message):
    with pytest.raises(ValueError, match=message):
        compute_figures([], [], [], FLAGS, start, end)


SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize("period,now,bounds", [
    (FiguresPeriod.TODAY, datetime(2026, 11, 25, 14, 30, tzinfo=SHANGHAI),
     (datetime(2026, 11, 25, tzinfo=SHANGHAI), datetime(2026, 11, 26, tzinfo=SHANGHAI))),
    (FiguresPeriod.WEEK, datetime(2026, 11, 25, 14, 30, tzinfo=SHANGHAI),  # a Wednesday
     (datetime(2026, 11, 23, tzinfo=SHANGHAI), datetime(2026, 11, 26, tzinfo=SHANGHAI))),
    (FiguresPeriod.WEEK, datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI),   # Monday midnight
     (datetime(2026, 11, 23, tzinfo=SHANGHAI), datetime(2026, 11, 24, tzinfo=SHANGHAI))),
    (FiguresPeriod.WEEK, datetime(2026, 11, 29, 23, 59, tzinfo=SHANGHAI),  # Sunday night
     (datetime(2026, 11, 23, tzinfo=SHANGHAI), datetime(2026, 11, 30, tzinfo=SHANGHAI))),
])
def test_period_bounds_in_the_agents_time_zone(period, now, bounds):
    assert period_bounds(period, now) == bounds


def test_period_bounds_need_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        period_bounds(FiguresPeriod.TODAY, datetime(2026, 11, 25))
