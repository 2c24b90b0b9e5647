"""How a write ends: the audit entry and the result, for refusals, conflicts, failures,
and writes whose outcome is unknown until a fresh read settles it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from studies import upstream
from studies.audit import audit_last_setter, audit_record
from studies.infra.shared import generation_bump
from studies.messages import upstream_message
from studies.models import AuditAction
from studies.queue import queue_note
from studies.services import fields, rules
from studies.services.results import FieldConflict, Outcome, Reason, WriteResult

BUSY = "Someone else is saving this study right now; nothing was changed. Try again."
UNKNOWN = (
    "Avara did not confirm the change and the study cannot be read right now, so it is "
    "not known whether it was saved. Check the study before trying again."
)


def bounded[**P, R](service: Callable[P, R]) -> Callable[P, R]:
    """Every Avara call a write makes, together, within TRIAGE_WRITE_DEADLINE seconds."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with upstream.deadline(settings.TRIAGE_WRITE_DEADLINE):
            return service(*args, **kwargs)

    return run


def written(study) -> None:
    """An applied write: shared reads made before it are stale, and the queue shows it now."""
    generation_bump()
    if study is not None:
        queue_note(study)


def audit(
    actor,
    action: AuditAction,
    study_id: str,
    outcome: Outcome,
    detail: str = "",
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        study_id=study_id,
        before=_jsonable(before),
        after=_jsonable(after),
        outcome=outcome.audit,
        detail=detail,
    )


def _jsonable(values: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, str):
            value = value[:1000]
        elif value is not None and not isinstance(value, bool | int | float | dict | list):
            value = str(value)
        out[key] = value
    return out


def refused(
    actor,
    action: AuditAction,
    study_id: str,
    message: str,
    reason: Reason,
    *,
    study=None,
    after: Mapping[str, Any] | None = None,
    outcome: Outcome = Outcome.REFUSED,
    field_errors: Mapping[str, str] | None = None,
) -> WriteResult:
    """Nothing was written: audit why and say so."""
    audit(actor, action, study_id, outcome, message, after=after)
    return WriteResult(
        outcome, message, study=study, reason=reason, field_errors=dict(field_errors or {})
    )


def refusal_record(*, actor, codename: str, action: AuditAction | str, study_id: str = "") -> str:
    """A change the actor's role may not ask for at all, refused at the door (before any
    study is read): audited, and the sentence that says why."""
    message = rules.role_refusal(actor, codename)
    audit_record(
        actor=actor,
        action=action,
        study_id=study_id,
        accepted=False,
        detail=f"Refused by the dashboard: {message}",
    )
    return message


def when(stamp) -> str:
    """10:42 today, "29 Nov 10:42" otherwise, in the dashboard's time zone."""
    if stamp is None:
        return ""
    local = timezone.localtime(stamp)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%-d %b %H:%M")


def conflict_result(actor, study, changes: Mapping[str, Any], names: list[str]) -> WriteResult:
    """Someone changed what the user was changing: nothing is written, the user is told
    what it is now, and may apply their choice over it if their role allows."""
    conflicts = tuple(_conflict(study, changes, name) for name in names)
    message = " ".join(c.message for c in conflicts)
    can_override = rules.refusal_for(actor, study, changes) is None
    # Stored as values, not words (the audit's pages word them: studies/web/history.py).
    before = {name: _values_of(study, changes, name)[0] for name in names}
    after = {name: _values_of(study, changes, name)[1] for name in names}
    if "assigned_to" in before:
        before["assigned_to_name"] = fields.assignee_name(study)
    audit(
        actor,
        AuditAction.UPDATE,
        study.study_id,
        Outcome.CONFLICT,
        "Not saved, changed meanwhile: " + message,
        before=before,
        after=after,
    )
    return WriteResult(
        Outcome.CONFLICT,
        message,
        study=study,
        conflicts=conflicts,
        can_override=can_override,
    )


def _values_of(study, changes: Mapping[str, Any], name: str) -> tuple[Any, Any]:
    """(now, wanted) of a conflicting field: "metadata:<key>" is one key (None: absent)."""
    if name.startswith("metadata:"):
        key = name.split(":", 1)[1]
        return study.metadata.get(key), (changes.get("metadata") or {}).get(key)
    return fields.current(study, name), changes[name]


def _conflict(study, changes: Mapping[str, Any], name: str) -> FieldConflict:
    if name.startswith("metadata:"):
        key = name.split(":", 1)[1]
        now = study.metadata.get(key)
        wanted = (changes.get("metadata") or {}).get(key)
        return FieldConflict(
            field=name,
            label=f"Metadata “{key}”",
            now=now if now is not None else "(removed)",
            wanted=wanted if wanted is not None else "(removed)",
            when=when(study.updated_at),
        )
    current = fields.current(study, name)
    setter = audit_last_setter(study_id=study.study_id, field=name, value=current)
    by = ""
    if setter is not None:
        by = (setter.actor.get_full_name() if setter.actor else "") or setter.actor_username
    return FieldConflict(
        field=name,
        label=fields.LABELS[name],
        now=fields.assignee_name(study) if name == "assigned_to" else fields.shown(name, current),
        wanted=fields.shown(name, changes[name]),
        when=when(setter.created_at if setter else study.updated_at),
        by=by,
    )


def failed_read(
    actor, action: AuditAction, study_id: str, exc: upstream.UpstreamError, **audit_values
) -> WriteResult:
    """The read before the write failed: nothing was sent."""
    if isinstance(exc, upstream.NotFound):
        message = upstream_message(exc)
        return refused(actor, action, study_id, message, Reason.NOT_FOUND, **audit_values)
    message = "Nothing was changed: " + upstream_message(exc)
    outcome = Outcome.NOT_APPLIED
    return refused(
        actor, action, study_id, message, reason_for(exc), outcome=outcome, **audit_values
    )


def failed_write(actor, study, changes: Mapping[str, Any], exc: upstream.UpstreamError):
    """The PATCH failed. A refusal is a refusal; anything else is settled by a read."""
    study_id = study.study_id
    before = {n: fields.current(study, n) for n in changes}
    if not exc.maybe_applied:
        reason, errors = _reason(exc)
        outcome = Outcome.NOT_APPLIED if reason is Reason.UNAVAILABLE else Outcome.REFUSED
        message = "Not saved: " + upstream_message(exc)
        if errors:
            message = "Not saved: " + " ".join(errors.values())
        return refused(
            actor,
            AuditAction.UPDATE,
            study_id,
            message,
            reason,
            study=study,
            after=changes,
            outcome=outcome,
            field_errors=errors,
        )
    return settle(
        actor,
        AuditAction.UPDATE,
        study_id,
        landed=lambda s: all(
            fields.normal(n, fields.current(s, n)) == fields.normal(n, v)
            for n, v in changes.items()
        ),
        untouched=lambda s: all(
            fields.normal(n, fields.current(s, n)) == fields.normal(n, v) for n, v in before.items()
        ),
        before=before,
        after=changes,
        pending=exc.may_still_land,
    )


def reason_for(exc: upstream.UpstreamError) -> Reason:
    if isinstance(exc, upstream.ValidationFailed):
        return Reason.INVALID
    if isinstance(exc, upstream.NotFound):
        return Reason.NOT_FOUND
    if isinstance(exc, upstream.Conflict):
        return Reason.CANCELLED
    if isinstance(exc, upstream.Unavailable):
        return Reason.UNAVAILABLE
    return Reason.BAD_UPSTREAM  # BadCredentials, BadResponse


def _reason(exc: upstream.UpstreamError) -> tuple[Reason, dict[str, str]]:
    errors = dict(exc.field_errors) if isinstance(exc, upstream.ValidationFailed) else {}
    return reason_for(exc), errors


PENDING = (
    "Avara did not answer in time. A fresh read does not show the change, but the request "
    "may still be on its way and apply it: check the study in a minute before trying again."
)


def settle(
    actor, action, study_id: str, *, landed, untouched, before, after, pending: bool = False
) -> WriteResult:
    """A write with no usable answer: read the study and say what actually happened.

    `pending`: an attempt went out and got no answer at all (studies/upstream), so Avara
    may still carry it out after this read: a study that does not show the change yet is
    then "unknown", never "not applied" (the sandbox's slow faults showed both)."""
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError:
        audit(actor, action, study_id, Outcome.UNKNOWN, UNKNOWN, before=before, after=after)
        return WriteResult(Outcome.UNKNOWN, UNKNOWN, reason=Reason.UNAVAILABLE)
    if landed(study):
        written(study)
        message = "Saved. (Avara's answer was lost; a fresh read shows the change is there.)"
        detail = "Answer lost; a fresh read shows it applied."
        audit(actor, action, study_id, Outcome.APPLIED, detail, before=before, after=after)
        return WriteResult(Outcome.APPLIED, message, study=study)
    if untouched(study) and pending:
        audit(actor, action, study_id, Outcome.UNKNOWN, PENDING, before=before, after=after)
        return WriteResult(Outcome.UNKNOWN, PENDING, study=study, reason=Reason.UNAVAILABLE)
    if untouched(study):
        message = (
            "Not saved: Avara did not answer properly, and a fresh read shows the study "
            "unchanged. Try again."
        )
        audit(actor, action, study_id, Outcome.NOT_APPLIED, message, before=before, after=after)
        return WriteResult(Outcome.NOT_APPLIED, message, study=study, reason=Reason.UNAVAILABLE)
    message = (
        "Avara did not confirm the change, and the study now holds other values (someone "
        "may have changed it at the same time). Check it before trying again."
    )
    audit(actor, action, study_id, Outcome.UNKNOWN, message, before=before, after=after)
    return WriteResult(Outcome.UNKNOWN, message, study=study, reason=Reason.UNAVAILABLE)
