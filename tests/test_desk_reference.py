"""The seat's in-memory reference data, read from a real local store off the GUI
thread: code sets with their ACW policy, not-ready reasons, and a bad document skipped."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest
from pytestqt.qtbot import QtBot

from agentdesk.core.acw import AcwMode
from agentdesk.core.call_history import CallContext
from agentdesk.core.records import ReferenceChange
from agentdesk.core.wrapup_codes import parse_code_file
from agentdesk.desk_reference import DeskReference
from agentdesk.store import open_store


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path)
    yield store
    store.close()


def test_code_sets_from_the_store_decide_the_acw_policy(qtbot: QtBot, store) -> None:
    text = (resources.files("agentdesk") / "resources/demo/codes.yaml").read_text("utf-8")
    codes = parse_code_file(text, "codes.yaml")
    changes = [ReferenceChange("wrapup_code_set", s.id, s.to_document()) for s in codes.code_sets]
    changes += [ReferenceChange("not_ready_reason", r.code, r.to_document())
                for r in codes.not_ready_reasons]
    changes.append(ReferenceChange("wrapup_code_set", "broken", {"id": "broken"}))
    changes.append(ReferenceChange("campaign", "demo-telesales", {
        "id": "demo-telesales", "title": {"en": "the fiber upgrade", "zh_CN": "光纤升级"}}))
    store.apply_reference_changes(changes, [], cursor=7)
    writer = ThreadPoolExecutor(max_workers=1)
    try:
        reference = DeskReference(store, writer.submit)
        assert reference.acw_policy_for(CallContext(queue="service")).mode is AcwMode.OPTIONAL
        with qtbot.waitSignal(reference.sig_changed, timeout=5000):
            reference.refresh()
    finally:
        writer.shutdown(wait=True)
    data = reference.data
    assert {s.id for s in data.code_sets} == {s.id for s in codes.code_sets}
    assert len(data.not_ready_reasons) == len(codes.not_ready_reasons)
    assert [p.split(":")[0] for p in data.problems] == ["wrapup_code_set 'broken'"]
    service = reference.acw_policy_for(CallContext(queue="service"))
    assert (service.mode, service.seconds, service.extend_seconds) == (AcwMode.TIMEBOXED, 60, 30)
    sales = reference.acw_policy_for(CallContext(queue="service", campaign_id="demo-telesales"))
    assert sales.mode is AcwMode.MANDATORY
    assert reference.code_set_for(CallContext(queue="orders")).id == "orders"
    assert reference.campaign_variables("demo-telesales", "zh_CN")["name"] == "光纤升级"


@pytest.mark.parametrize(("doc", "language", "name"), [
    ({"title": "Fiber upgrade, winter"}, "en", "Fiber upgrade, winter"),
    ({"title": {"en": "Fiber upgrade", "zh_CN": "光纤升级"}}, "zh_CN", "光纤升级"),
    ({"title": {"zh_CN": "光纤升级"}}, "en", "光纤升级"),
    ({"title": ""}, "en", "winter-fiber"),
    (None, "en", "winter-fiber"),
])
def test_a_script_names_the_campaign_by_its_title(doc, language, name):
    from agentdesk.desk_reference import campaign_variables
    assert campaign_variables("winter-fiber", doc, language) == {"id": "winter-fiber",
                                                                 "name": name}
