"""Publishing call scripts: validated by the core validator, every version kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, status
from fastapi.responses import JSONResponse

from agentdesk.server import scripts
from agentdesk.server.api.deps import CurrentUser, Manager, State
from agentdesk.sync.wire import (
    SafeDocument,
    SafeText,
    ScriptProblemOut,
    ScriptPublished,
    ScriptVersionInfo,
)

router = APIRouter(prefix="/scripts", tags=["scripts"])

ScriptId = Annotated[SafeText, Path(min_length=1, max_length=128)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.put("/{script_id}", response_model=ScriptPublished, responses={
    409: {"description": "This version was published with other content, or is older "
                         "than the newest."},
    422: {"description": "The script has problems: `problems` lists every one."}})
def publish(script_id: ScriptId, document: Annotated[SafeDocument, Body()],
            who: Manager, state: State) -> Any:
    """Publish a script document (the YAML format's structure as JSON, includes
    resolved; its `version` inside). Refused with 422 and every problem when the core
    validator finds any."""
    if document.get("id") != script_id:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"the document's id {document.get('id')!r} is not the "
                            f"script id in the path {script_id!r}")
    try:
        published = scripts.publish_document(state.engine, document,
                                             f"script {script_id}", who.username)
    except scripts.ScriptInvalidError as exc:
        problems = [ScriptProblemOut(file=p.location.file, line=p.location.line,
                                     column=p.location.column, message=p.message)
                    for p in exc.problems]
        return JSONResponse(status_code=422, content={
            "detail": f"the script has {len(problems)} problem(s): "
                      + "; ".join(str(p) for p in exc.problems[:5]),
            "problems": [p.model_dump() for p in problems]})
    except scripts.ScriptVersionConflictError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return ScriptPublished(script_id=published.script_id, version=published.version,
                           digest=published.digest, published_at=published.published_at,
                           created=published.created, current=published.current)


@router.get("/{script_id}/versions", response_model=list[ScriptVersionInfo])
def versions(script_id: ScriptId, _who: CurrentUser, state: State) -> list[ScriptVersionInfo]:
    return [ScriptVersionInfo(version=v, digest=d, published_at=at, published_by=by)
            for v, d, at, by in scripts.script_versions(state.engine, script_id)]


@router.get("/{script_id}/versions/{version}", response_model=dict[str, Any],
            responses={404: {"description": "No such published version."}})
def version_document(script_id: ScriptId, version: Version, _who: CurrentUser,
                     state: State) -> dict[str, Any]:
    document = scripts.script_version_document(state.engine, script_id, version)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"script {script_id!r} has no published version {version}")
    return document
