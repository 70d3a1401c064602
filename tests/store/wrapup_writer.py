"""Child process for the durability test: saves call + wrap-up pairs until killed.

Prints "<wrapup id> <call record id>" only after save_wrapup has returned, so every
printed id is one the agent was told is saved.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.core.records import CallRecord, Direction, WrapUp, WrapUpDraft
from agentdesk.store import open_store


def main() -> None:
    store = open_store(Path(sys.argv[1]))
    while True:
        now = datetime.now(UTC)
        call = CallRecord("sip-call", Direction.INBOUND, "+8613800138000", now, ended_at=now)
        store.save_call_record(call)
        store.save_draft(WrapUpDraft(call.id, {"note": "typing..."}, now))
        wrapup = WrapUp(call.id, ("resolved",), now, note="done")
        store.save_wrapup(wrapup)
        print(wrapup.id, call.id, flush=True)


if __name__ == "__main__":
    main()
