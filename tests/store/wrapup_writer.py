"""Child process for the durability test: saves call + wrap-up pairs until killed.

Each start first does what the desktop does after a crash in ACW: every call left
without a wrap-up is finished - from its restored draft when there is one - so a
killed run's half-done call ends with exactly one wrap-up, never none, never two.
Then it saves call, draft, wrap-up, again and again.

Prints "<wrapup id> <call record id>" only after save_wrapup has returned, so every
printed id is one the agent was told is saved. With --recover-only it stops after
the recovery and exits 0.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.core.records import CallRecord, Direction, WrapUp, WrapUpDraft
from agentdesk.store import open_store

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
RECOVERED = "recovered_from_draft"
NO_DRAFT = "finished_without_draft"


def draft_note(call: CallRecord) -> str:
    return f"typing for {call.id}"


def recover(store) -> None:
    drafts = {draft.call_record_id: draft for draft in store.load_drafts()}
    for call in store.calls_without_wrapup(since=EPOCH):
        draft = drafts.get(call.id)
        if draft is not None:
            wrapup = WrapUp(call.id, (RECOVERED,), datetime.now(UTC), note=draft.fields["note"])
        else:  # killed between the call record and the first keystroke
            wrapup = WrapUp(call.id, (NO_DRAFT,), datetime.now(UTC))
        store.save_wrapup(wrapup)
        print(wrapup.id, call.id, flush=True)


def main() -> None:
    store = open_store(Path(sys.argv[1]))
    recover(store)
    if "--recover-only" in sys.argv:
        store.close()
        return
    while True:
        now = datetime.now(UTC)
        call = CallRecord("sip-call", Direction.INBOUND, "+8613800138000", now, ended_at=now)
        store.save_call_record(call)
        store.save_draft(WrapUpDraft(call.id, {"note": draft_note(call)}, now))
        wrapup = WrapUp(call.id, ("resolved",), now, note="done")
        store.save_wrapup(wrapup)
        print(wrapup.id, call.id, flush=True)


if __name__ == "__main__":
    main()
