"""The reference data a seat works with during calls - wrap-up code sets (with their
ACW policies), not-ready reasons and call scripts - held in memory for the GUI thread.

They come from the server by sync and live in the local store's reference cache; the
cache is read on the store writer thread (never on the GUI thread), parsed, and
handed to the GUI thread in one piece, after start and after every sync that pulled
something. A document that does not parse is skipped with a log line naming it: one
bad code set must not take the others away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from agentdesk.core.acw import AcwMode, AcwPolicy
from agentdesk.core.call_history import CallContext
from agentdesk.core.records import LocalStore
from agentdesk.core.scripts import Script, choose_script
from agentdesk.core.scripts.document import script_from_document
from agentdesk.core.wrapup_codes import CodeSet, NotReadyReason, select_code_set

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeskReferenceData:
    code_sets: tuple[CodeSet, ...] = ()
    not_ready_reasons: tuple[NotReadyReason, ...] = ()
    scripts: tuple[Script, ...] = ()
    # campaign id -> its document ({"id", "title", "assigned", "leads", ...})
    campaigns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    problems: tuple[str, ...] = field(default=())


def read_reference(store: LocalStore) -> DeskReferenceData:
    """Parse what the store's reference cache holds (runs on the store writer)."""
    problems: list[str] = []

    def parse(kind: str, make: Callable[[Any], Any]) -> list[Any]:
        parsed = []
        for change in store.list_reference(kind):
            try:
                parsed.append(make(change.doc))
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"{kind} {change.key!r}: {exc}")
                log.warning("skipping %s %r from the server: %s", kind, change.key, exc)
        return parsed

    return DeskReferenceData(
        code_sets=tuple(parse("wrapup_code_set", CodeSet.from_document)),
        not_ready_reasons=tuple(parse("not_ready_reason", NotReadyReason.from_document)),
        scripts=tuple(parse("script", script_from_document)),
        campaigns={c.key: dict(c.doc) for c in store.list_reference("campaign")},
        problems=tuple(problems))


def campaign_variables(campaign_id: str, doc: Mapping[str, Any] | None,
                       language: str) -> dict[str, str]:
    """What a script may say about the call's campaign: `{campaign.name}` is its title
    (in the script's language when the title has several), else the id itself."""
    title = (doc or {}).get("title")
    if isinstance(title, Mapping):
        title = title.get(language) or title.get(language.split("_")[0]) \
            or next((t for t in title.values() if isinstance(t, str) and t), None)
    name = title if isinstance(title, str) and title.strip() else campaign_id
    return {"id": campaign_id, "name": name}


class DeskReference(QObject):
    """Create on the GUI thread; `data` is replaced whole, never mutated."""

    sig_changed = Signal()
    _sig_loaded = Signal(object)

    def __init__(self, store: LocalStore, run: Callable[[Callable[[], None]], object],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._run = run
        self.data = DeskReferenceData()
        self._sig_loaded.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)

    def refresh(self) -> None:
        """Re-read the cache on the writer thread; sig_changed follows on this thread."""
        def job() -> None:
            try:
                data = read_reference(self._store)
            except Exception:
                log.exception("could not read the reference data from the local store")
                return
            self._sig_loaded.emit(data)
        self._run(job)

    @Slot(object)
    def _on_loaded(self, data: DeskReferenceData) -> None:
        self.data = data
        self.sig_changed.emit()

    # -- what the call needs ---------------------------------------------------------
    def campaign_variables(self, campaign_id: str, language: str) -> dict[str, str]:
        return campaign_variables(campaign_id, self.data.campaigns.get(campaign_id), language)

    def code_set_for(self, context: CallContext) -> CodeSet | None:
        return select_code_set(self.data.code_sets, queue=context.queue,
                               campaign_id=context.campaign_id)

    def acw_policy_for(self, context: CallContext) -> AcwPolicy:
        """The ACW policy of the call's code set; without a set there is nothing to
        wrap up with, so ACW is optional."""
        code_set = self.code_set_for(context)
        return code_set.acw if code_set is not None else AcwPolicy(AcwMode.OPTIONAL)

    def script_for(self, *, queue: str | None, dialed_number: str | None,
                   campaign_id: str | None) -> Script | None:
        return choose_script(self.data.scripts, queue=queue, dialed_number=dialed_number,
                             campaign_id=campaign_id)
