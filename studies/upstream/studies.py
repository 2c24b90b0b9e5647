"""The Viewer Studies resource: list, get, create, update, cancel, uncancel, reroute URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studies.upstream import wire
from studies.upstream.errors import Conflict, UpstreamError
from studies.upstream.http import call
from studies.upstream.params import Null, check_limit, path_segment, query_params

STUDIES = "/v1/viewer/studies"


# snake_case change key -> wire name, for study_update.
_UPDATABLE = {
    "severity": "severity",
    "study_description": "studyDescription",
    "assigned_to": "assignedTo",
    "metadata": "metadata",
    "study_viewer_status": "studyViewerStatus",
}
_NULLABLE = {"assigned_to", "metadata"}


def study_list(
    *,
    assigned_to: str | Null | None = None,
    express_customer_id: str | Null | None = None,
    is_cancelled: bool | None = None,
    severity: str | None = None,
    study_description: str | None = None,
    study_viewer_status: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> wire.StudyPage:
    """One page of studies. Only given filters are sent; `NULL` asks for "none"."""
    params = query_params(
        assignedTo=assigned_to,
        expressCustomerId=express_customer_id,
        isCancelled=is_cancelled,
        severity=severity,
        studyDescription=study_description,
        studyViewerStatus=study_viewer_status,
        cursor=cursor,
    )
    params["limit"] = str(check_limit(limit))
    page, _ = call("GET", STUDIES, params=params, decoder=wire.STUDY_PAGE)
    return page


def study_get(*, study_id: str) -> wire.Study:
    study, _ = call("GET", f"{STUDIES}/{path_segment(study_id)}", decoder=wire.STUDY)
    return study


def study_get_by_uid(*, study_instance_uid: str) -> wire.Study:
    path = f"{STUDIES}/by-uid/{path_segment(study_instance_uid)}"
    study, _ = call("GET", path, decoder=wire.STUDY)
    return study


def study_create(
    *,
    severity: str,
    study_description: str,
    study_instance_uid: str,
    assigned_to: str | None = None,
    express_customer_id: str | None = None,
    metadata: Mapping[str, str] | None = None,
) -> wire.Study:
    """Create a study. A 409 that follows a retry is checked against what is stored:
    if the study there is the one we sent, an earlier attempt created it (its answer
    was lost), so it is returned; otherwise the Conflict stands."""
    body: dict[str, Any] = {
        "severity": severity,
        "studyDescription": study_description,
        "studyInstanceUid": study_instance_uid,
    }
    if assigned_to is not None:
        body["assignedTo"] = assigned_to
    if express_customer_id is not None:
        body["expressCustomerId"] = express_customer_id
    if metadata is not None:
        body["metadata"] = dict(metadata)
    try:
        study, _ = call("POST", STUDIES, body=body, decoder=wire.STUDY)
    except Conflict as conflict:
        if conflict.attempts < 2:
            raise
        existing = _stored_copy(body)
        if existing is None:
            raise
        return existing
    return study


def _stored_copy(body: Mapping[str, Any]) -> wire.Study | None:
    """The stored study with body's UID if it holds exactly what body asked for."""
    try:
        study = study_get_by_uid(study_instance_uid=body["studyInstanceUid"])
    except UpstreamError:
        return None
    same = (
        study.severity == body["severity"]
        and study.study_description == body["studyDescription"]
        and (study.assigned_to.user_id if study.assigned_to else None) == body.get("assignedTo")
        and (study.express_customer.express_customer_id if study.express_customer else None)
        == body.get("expressCustomerId")
        and study.metadata == body.get("metadata", {})
        and not study.is_cancelled
    )
    return study if same else None


def study_update(*, study_id: str, changes: Mapping[str, Any]) -> wire.Study:
    """Apply `changes` (snake_case keys, see _UPDATABLE); None unassigns / clears metadata."""
    body: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in _UPDATABLE:
            raise ValueError(f"study_update cannot change {key!r}")
        if value is None or isinstance(value, Null):
            if key not in _NULLABLE:
                raise ValueError(f"study_update cannot set {key!r} to null")
            value = None
        body[_UPDATABLE[key]] = value
    path = f"{STUDIES}/{path_segment(study_id)}"
    study, _ = call("PATCH", path, body=body, decoder=wire.STUDY)
    return study


def study_cancel(*, study_id: str) -> wire.ActionResult:
    return _cancel_action("cancel", study_id=study_id, cancelled=True)


def study_uncancel(*, study_id: str) -> wire.ActionResult:
    return _cancel_action("uncancel", study_id=study_id, cancelled=False)


def _cancel_action(action: str, *, study_id: str, cancelled: bool) -> wire.ActionResult:
    """POST cancel/uncancel. `success: false` after a retry may mean our own earlier
    attempt already did it (answer lost); when the study is now in the wanted state,
    that counts as success."""
    body = {"studyId": study_id}
    result, done = call("POST", f"{STUDIES}/{action}", body=body, decoder=wire.ACTION_RESULT)
    if result.success or done.attempts < 2:
        return result
    try:
        study = study_get(study_id=study_id)
    except UpstreamError:
        return result
    if study.is_cancelled == cancelled:
        return wire.ActionResult(success=True, message=None)
    return result


def study_reroute_url(*, study_id: str) -> str:
    """A short-lived URL that opens the study in Avara's viewer."""
    body = {"studyId": study_id}
    answer, _ = call("POST", f"{STUDIES}/reroute-url", body=body, decoder=wire.REROUTE_URL)
    return answer.url
