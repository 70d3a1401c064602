"""The local database's tables, as typed SQLAlchemy models.

These never leave `agentdesk.store`: repositories turn rows into core records. The
schema is changed only through a migration in `store/migrations/versions`, and a
test checks that these models and the migrations agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Uuid,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime kept as fixed-width UTC ISO text, so text order is time order.

    SQLite has no time type and SQLAlchemy's DateTime drops the offset; this refuses
    naive values instead of guessing their zone.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class DecimalText(TypeDecorator[Decimal]):
    """Money as exact decimal text (SQLite would turn NUMERIC into a float)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UtcDateTime(),
        Decimal: DecimalText(),
        UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


# --- records made on this desktop (each also has an outbox row) ---------------------


class CallRecordRow(Base):
    __tablename__ = "call_records"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(8))
    remote_number: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(index=True)  # figures for a period
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    sip_end_code: Mapped[int | None]
    customer_id: Mapped[str | None] = mapped_column(String(100))
    script_id: Mapped[str | None] = mapped_column(String(100))
    script_version: Mapped[int | None]
    script_path: Mapped[list[str]]
    # 0003: routing, hold time and the script's outcome (defaults fill older rows)
    queue: Mapped[str | None] = mapped_column(String(100))
    dialed_number: Mapped[str | None] = mapped_column(String(100))
    campaign_id: Mapped[str | None] = mapped_column(String(100))
    hold_seconds: Mapped[float] = mapped_column(Float, server_default=text("0"))
    script_objections: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, server_default=text("'[]'"))
    script_captured: Mapped[dict[str, Any]] = mapped_column(JSON, server_default=text("'{}'"))

    # the customer file's local timeline, newest first
    __table_args__ = (Index("ix_call_records_customer_timeline", "customer_id", "started_at"),)


class WrapUpRow(Base):
    __tablename__ = "wrapups"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    call_record_id: Mapped[UUID] = mapped_column(ForeignKey("call_records.id"), index=True)
    codes: Mapped[list[str]]
    saved_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None]
    callback_at: Mapped[datetime | None]
    auto_wrapped: Mapped[bool]
    supersedes_id: Mapped[UUID | None] = mapped_column(ForeignKey("wrapups.id"))


class AgentStateChangeRow(Base):
    __tablename__ = "agent_state_changes"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    reason_code: Mapped[str | None] = mapped_column(String(100))


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    call_record_id: Mapped[UUID | None] = mapped_column(ForeignKey("call_records.id"))


class CallbackRow(Base):
    __tablename__ = "callbacks"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(100), index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    customer_timezone: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    call_record_id: Mapped[UUID | None] = mapped_column(ForeignKey("call_records.id"))
    # 0004: unknown callers' number, and the promise's state
    callback_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), server_default=text("'open'"))
    closed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_callbacks_status_due_at", "status", "due_at"),)


class AccessEntryRow(Base):
    __tablename__ = "access_entries"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    accessed_at: Mapped[datetime]
    call_record_id: Mapped[UUID | None] = mapped_column(ForeignKey("call_records.id"))


class OutboxRow(Base):
    """One record waiting for (or done with) the push. Pushed rows are kept, stamped
    with `pushed_at`: the local history stays whole and a replay is easy to diagnose."""

    __tablename__ = "outbox"
    __table_args__ = (
        # the pending scan: "pushed_at IS NULL ORDER BY seq"
        Index("ix_outbox_pending", "pushed_at", "seq"),
        {"sqlite_autoincrement": True},  # seq never reused: creation order is total
    )

    seq: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[UUID] = mapped_column(unique=True)  # the push's idempotency key
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    pushed_at: Mapped[datetime | None]


# --- reference data pulled from the server -------------------------------------------


class CustomerRow(Base):
    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    doc: Mapped[dict[str, Any]]


class CustomerPhoneRow(Base):
    """Phone numbers of cached customers, for the screen pop's caller-ID lookup."""

    __tablename__ = "customer_phones"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.customer_id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class ReferenceItemRow(Base):
    """Scripts, wrap-up code sets, not-ready reasons, campaigns: JSON docs by kind+key."""

    __tablename__ = "reference_items"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    doc: Mapped[dict[str, Any]]


class SyncStateRow(Base):
    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- work in progress ----------------------------------------------------------------


class WrapUpDraftRow(Base):
    __tablename__ = "wrapup_drafts"

    # no foreign key: a draft may be typed before its call record is saved
    call_record_id: Mapped[UUID] = mapped_column(primary_key=True)
    fields: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
