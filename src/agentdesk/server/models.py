"""The server's tables (SQLAlchemy 2.0 typed models). ORM objects never leave server/."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from agentdesk.sync.wire import DOCUMENT_KINDS, RECORD_KINDS, REFERENCE_KINDS, ROLES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as UTC; always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSONDocument}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Token(Base):
    """Opaque bearer tokens; only their SHA-256 is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # indexed: the token cache's revocation fingerprint reads its count and maximum
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)


class UsnCounter(Base):
    """One row: the last update sequence number handed out to reference data.

    Writers take it with UPDATE ... RETURNING, which locks the row until commit, so
    USNs become visible in commit order and a cursor never skips a change."""

    __tablename__ = "usn_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def _prefix_index(column: str) -> Index:
    # text_pattern_ops: a LIKE 'prefix%' uses the index whatever the database's
    # collation (a default btree serves LIKE only under the C collation).
    return Index(f"ix_customers_{column}", column, postgresql_ops={column: "text_pattern_ops"})


class Customer(Base):
    """A customer. The *_key columns are the names case-folded (NFKC + casefold), kept
    by reference.upsert_customers_in, so a name-prefix search is an index range scan."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_account", "account"),
        _prefix_index("first_name_key"),
        _prefix_index("last_name_key"),
        _prefix_index("native_name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True, comment="E.164")
    email: Mapped[str | None] = mapped_column(String(254))
    account: Mapped[str | None] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    usn: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_name_key: Mapped[str] = mapped_column(String(200), default="")
    last_name_key: Mapped[str] = mapped_column(String(200), default="")
    native_name_key: Mapped[str | None] = mapped_column(String(200))


class ReferenceItem(Base):
    """Scripts, wrap-up code sets, not-ready reasons, campaigns: JSON documents."""

    __tablename__ = "reference_items"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_reference_items_kind_key"),
        CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    document: Mapped[dict[str, Any]]
    usn: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tombstone(Base):
    """A deleted customer or reference item, so a pull can tell desktops to drop it."""

    __tablename__ = "tombstones"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_tombstones_kind_key"),
        CheckConstraint(_in("kind", REFERENCE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    usn: Mapped[int] = mapped_column(BigInteger, index=True)
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushBatch(Base):
    """A push, by its idempotency key (per user), with the result it got."""

    __tablename__ = "push_batches"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    batch_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class SyncedRecord(Base):
    """What desktops record (call records, agent states, wrap-ups, ...)."""

    __tablename__ = "synced_records"
    __table_args__ = (
        CheckConstraint(_in("kind", RECORD_KINDS), name="kind"),
        ForeignKeyConstraint(["owner_id", "batch_key"],
                             ["push_batches.owner_id", "push_batches.batch_key"],
                             name="fk_synced_records_batch_push_batches"),
        Index("ix_synced_records_kind_received_at", "kind", "received_at"),
        Index("ix_synced_records_owner_id_received_at", "owner_id", "received_at"),
        # a customer's timeline (and access history), newest first: an index scan
        Index("ix_synced_records_customer_id_occurred_at", "customer_id", "occurred_at", "id"),
        Index("ix_synced_records_call_record_id", "call_record_id"),
        # reports by period on the record's own (bounded) time
        Index("ix_synced_records_kind_occurred_at", "kind", "occurred_at"),
        # what a record is about when that is another record (a callback_update's callback)
        Index("ix_synced_records_subject_id", "subject_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    payload: Mapped[dict[str, Any]]
    client_created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    batch_key: Mapped[str | None] = mapped_column(String(128))
    # Derived from the payload on ingest (records.derived_columns), for indexed reads:
    customer_id: Mapped[str | None] = mapped_column(String(64))
    call_record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(
        comment="the record's own time, never later than received_at")
    subject_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, comment="the record this one is about (callback_update: its callback)")


class CustomerGrant(Base):
    """A customer made visible to an agent ("user:NAME") or a team ("team:NAME"): the
    agent's pull carries the customers it has grants for (visibility.py). The USN comes
    from the same counter as reference data, so a customer that becomes visible reaches
    the desktop at its next pull even though the customer's own USN is older."""

    __tablename__ = "customer_grants"
    __table_args__ = (
        UniqueConstraint("grantee", "customer_id", name="uq_customer_grants_grantee_customer_id"),
        Index("ix_customer_grants_grantee_usn", "grantee", "usn"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grantee: Mapped[str] = mapped_column(String(80))
    customer_id: Mapped[str] = mapped_column(String(64))
    usn: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(160), comment="e.g. access_entry, campaign:ID")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptVersion(Base):
    """Every published version of a call script; the newest is also the `script`
    reference document that desktops pull."""

    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "version",
                                       name="uq_script_versions_script_id_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    script_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the canonical JSON")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))


class CustomerChangeLog(Base):
    """Every change applied to a customer by a desktop's push or a supervisor's (or
    admin's) PUT / DELETE: who, when, and the old and new value of each field it
    changed (customer_history.py). Shown in the customer's timeline."""

    __tablename__ = "customer_change_log"
    __table_args__ = (
        # the customer's history, newest first: an index scan (like the timeline's)
        Index("ix_customer_change_log_customer_id_changed_at", "customer_id", "changed_at",
              "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(comment="the server's clock")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(64), comment="the author's username")
    source: Mapped[str] = mapped_column(String(16), comment="push | api")
    action: Mapped[str] = mapped_column(String(16), comment="create | update | delete")
    record_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, comment="the customer_change record, for a push")
    old: Mapped[dict[str, Any]] = mapped_column(comment="field -> value before")
    new: Mapped[dict[str, Any]] = mapped_column(comment="field -> value after")


# The campaign tables live in their own module; Base.metadata must hold them too.
from agentdesk.server import campaign_models as _campaign_models  # noqa: E402,F401
