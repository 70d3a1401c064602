"""Publishing call scripts: every version kept, the newest one also the `script`
reference document desktops pull. A script with any problem is never published (the
core validator decides); a version number, once published, always means the same
content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentdesk.core.scripts import Problem, Script, load_and_validate, validate_document
from agentdesk.server.models import ReferenceItem, ScriptVersion, utcnow
from agentdesk.server.reference import next_usn


class ScriptInvalidError(ValueError):
    """The script has problems; `problems` lists every one with file, line, column."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class ScriptVersionConflictError(ValueError):
    """This version number is taken by other content, or is older than the newest."""


@dataclass(frozen=True)
class Published:
    script_id: str
    version: int
    digest: str
    published_at: Any
    created: bool  # False: the same content was already published as this version
    current: bool  # it is the script document desktops pull now


def digest_of(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish(engine: Engine, script: Script, published_by: str | None = None) -> Published:
    """Store a validated script as version `script.version`. Re-publishing the same
    content is a no-op; other content under a published version, or a version older
    than the newest, is refused."""
    document = script.to_document()
    digest = digest_of(document)
    with Session(engine) as s, s.begin():
        existing = s.scalar(select(ScriptVersion).where(ScriptVersion.script_id == script.id,
                                                        ScriptVersion.version == script.version))
        newest = s.scalar(select(func.max(ScriptVersion.version))
                          .where(ScriptVersion.script_id == script.id))
        if existing is not None:
            if existing.digest != digest:
                raise ScriptVersionConflictError(
                    f"script {script.id!r} version {script.version} was published "
                    f"{existing.published_at:%Y-%m-%d %H:%M} UTC with other content: "
                    f"give the changed script a new version (the newest is {newest})")
            return Published(script.id, script.version, digest, existing.published_at,
                             created=False, current=script.version == newest)
        if newest is not None and script.version < newest:
            raise ScriptVersionConflictError(
                f"script {script.id!r} version {script.version} is older than the "
                f"published version {newest}: give it version {newest + 1} or more")
        now = utcnow()
        row = ScriptVersion(script_id=script.id, version=script.version, document=document,
                            digest=digest, published_at=now, published_by=published_by)
        s.add(row)
        try:
            s.flush()
        except IntegrityError:  # the same version published concurrently
            raise ScriptVersionConflictError(
                f"script {script.id!r} version {script.version} was just published "
                "by someone else") from None
        usn = next_usn(s)
        item = s.scalar(select(ReferenceItem).where(ReferenceItem.kind == "script",
                                                    ReferenceItem.key == script.id))
        if item is None:
            s.add(ReferenceItem(kind="script", key=script.id, document=document, usn=usn))
        else:
            item.document, item.usn, item.updated_at = document, usn, now
        return Published(script.id, script.version, digest, now, created=True, current=True)


def publish_file(engine: Engine, path: Path, published_by: str | None = None) -> Published:
    """Validate a script file (includes resolved from its folder) and publish it.
    Raises OSError / UnicodeDecodeError when the file cannot be read."""
    script, problems = load_and_validate(path)
    if script is None:
        raise ScriptInvalidError(problems)
    return publish(engine, script, published_by)


def publish_document(engine: Engine, document: dict[str, Any], source_name: str,
                     published_by: str | None = None) -> Published:
    script, problems = validate_document(document, source_name)
    if script is None:
        raise ScriptInvalidError(problems)
    return publish(engine, script, published_by)


def script_versions(engine: Engine, script_id: str) -> list[tuple[int, str, Any, str | None]]:
    """(version, digest, published_at, published_by), oldest first."""
    with Session(engine) as s, s.begin():
        rows = s.execute(select(ScriptVersion.version, ScriptVersion.digest,
                                ScriptVersion.published_at, ScriptVersion.published_by)
                         .where(ScriptVersion.script_id == script_id)
                         .order_by(ScriptVersion.version))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def script_version_document(engine: Engine, script_id: str,
                            version: int) -> dict[str, Any] | None:
    with Session(engine) as s, s.begin():
        return s.scalar(select(ScriptVersion.document).where(
            ScriptVersion.script_id == script_id, ScriptVersion.version == version))
