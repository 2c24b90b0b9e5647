"""Changing a study's fields: edit, claim, give back, complete. No lost updates.

Every write is read-compare-write under the study's lock (studies/infra/locks.py):
1. the role rules that need no study;
2. the lock, then a fresh read of the study;
3. a field-level three-way check: each field the user is changing is compared with the
   value the user saw; one someone else changed meanwhile is a conflict, and nothing is
   written (changes to other fields do not matter; metadata is compared key by key);
4. the role rules against the study as it is now;
5. one PATCH of what actually changes, and an audit entry whose "before" is the value
   overwritten (from the fresh read), not the value the page showed.
A write whose outcome is unknown (no answer, an unreadable answer) is settled by a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studies import upstream
from studies.accounts.capabilities import me_of
from studies.infra.locks import study_lock
from studies.models import AuditAction
from studies.services import fields, rules
from studies.services.outcomes import (
    BUSY,
    audit,
    bounded,
    conflict_result,
    failed_read,
    failed_write,
    refused,
    written,
)
from studies.services.results import Outcome, Reason, WriteResult

ME = "me"  # in changes["assigned_to"]: the actor's own Avara user


@bounded
def study_edit(
    *,
    actor,
    study_id: str,
    changes: Mapping[str, Any],
    seen: Mapping[str, Any],
    to_read: bool = False,
) -> WriteResult:
    """Change some fields of a study, unless someone changed them since the user looked.

    `changes`: snake_case field -> new value (assigned_to None unassigns, "me" claims;
    metadata is the whole new mapping). `seen`: the same fields -> the values the user
    saw when choosing. Returns applied / unchanged / conflict / refused / not applied /
    unknown, with the study as it now is whenever it could be read. `to_read`: only a
    study still to be read (incomplete) may be changed (Read next's claims).
    """
    changes = dict(changes)
    unknown_fields = set(changes) - set(fields.EDITABLE)
    if unknown_fields or set(changes) - set(seen):
        raise ValueError(f"study_edit: bad fields or no seen value for {sorted(changes)}")
    if changes.get("assigned_to") == ME:
        changes["assigned_to"] = me_of(actor)
        if not changes["assigned_to"]:
            message = "Your account is not linked to an Avara user, so it cannot claim."
            return refused(actor, AuditAction.UPDATE, study_id, message, Reason.FORBIDDEN)
    if problem := rules.refusal_before_read(actor, changes):
        return refused(
            actor, AuditAction.UPDATE, study_id, problem, Reason.FORBIDDEN, after=changes
        )
    with study_lock(study_id=study_id) as held:
        if not held:
            return refused(actor, AuditAction.UPDATE, study_id, BUSY, Reason.BUSY, after=changes)
        return _edit_locked(actor, study_id, changes, seen, to_read=to_read)


def _edit_locked(
    actor, study_id: str, changes: dict, seen: Mapping[str, Any], *, to_read: bool
) -> WriteResult:
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        return failed_read(actor, AuditAction.UPDATE, study_id, exc, after=changes)
    if to_read and study.study_viewer_status != "incomplete":
        message = "This study was marked complete meanwhile; nothing was changed."
        return refused(actor, AuditAction.UPDATE, study_id, message, Reason.CANCELLED, study=study)
    conflicts, wanted = three_way(study, changes, seen)
    if conflicts:
        return conflict_result(actor, study, changes, conflicts)
    if problem := rules.refusal_for(actor, study, wanted):
        reason = Reason.CANCELLED if study.is_cancelled else Reason.FORBIDDEN
        return refused(actor, AuditAction.UPDATE, study_id, problem, reason, study=study)
    effective = {
        name: value
        for name, value in wanted.items()
        if fields.normal(name, fields.current(study, name)) != fields.normal(name, value)
    }
    if not effective:
        said = ", ".join(
            f"{fields.LABELS[n].lower()} is already {_shown(study, n)}" for n in changes
        )
        message = f"Nothing to change: {said}."
        before = _values(study, changes)
        audit(actor, AuditAction.UPDATE, study_id, Outcome.UNCHANGED, message, before=before)
        return WriteResult(Outcome.UNCHANGED, message, study=study)
    try:
        updated = upstream.study_update(study_id=study_id, changes=effective)
    except upstream.UpstreamError as exc:
        return failed_write(actor, study, effective, exc)
    written(updated)
    audit(
        actor,
        AuditAction.UPDATE,
        study_id,
        Outcome.APPLIED,
        before=_values(study, effective),
        after=_values(updated, effective),
    )
    said = "; ".join(f"{fields.LABELS[n]} saved: {_shown(updated, n)}" for n in effective)
    return WriteResult(Outcome.APPLIED, said + ".", study=updated)


def three_way(study, changes: Mapping[str, Any], seen: Mapping[str, Any]):
    """(conflicting field names, the values to write) for `changes` made from `seen`.

    A field conflicts when the study no longer holds what the user saw and does not
    already hold what the user wants. Metadata is merged key by key: keys the user did
    not touch keep their current values, so two people editing different keys both win.
    """
    conflicts: list[str] = []
    wanted = dict(changes)
    for name, value in changes.items():
        now = fields.normal(name, fields.current(study, name))
        was = fields.normal(name, seen.get(name))
        if name == "metadata":
            clashes, wanted[name] = _merge_metadata(now, was, fields.normal(name, value))
            conflicts += [f"metadata:{key}" for key in clashes]
        elif now != was and now != fields.normal(name, value):
            conflicts.append(name)
    return conflicts, wanted


def _merge_metadata(now: dict, was: dict, mine: dict) -> tuple[list[str], dict]:
    touched = [k for k in {**was, **mine} if was.get(k) != mine.get(k)]
    clashes = [k for k in touched if now.get(k) != was.get(k) and now.get(k) != mine.get(k)]
    merged = dict(now)
    for key in touched:
        if key in mine:
            merged[key] = mine[key]
        else:
            merged.pop(key, None)
    return clashes, merged


def _values(study, names) -> dict[str, Any]:
    values = {name: fields.current(study, name) for name in names}
    if "assigned_to" in values:
        values["assigned_to_name"] = fields.assignee_name(study)
    return values


def _shown(study, name: str) -> str:
    if name == "assigned_to":
        return fields.assignee_name(study)
    return fields.shown(name, fields.current(study, name))


def study_claim(*, actor, study_id: str, seen: Mapping[str, Any] | None = None) -> WriteResult:
    """Take an unassigned study, still to be read, for yourself. Two people claiming at
    once: one wins, the other is told who has it (the lock makes the second read see the
    first write). One completed meanwhile is not claimed."""
    result = study_edit(
        actor=actor,
        study_id=study_id,
        changes={"assigned_to": ME},
        seen=seen or {"assigned_to": None},
        to_read=True,
    )
    if result.outcome is Outcome.CONFLICT and result.study is not None:
        owner = fields.assignee_name(result.study)
        when = result.conflicts[0].when if result.conflicts else ""
        message = f"{owner} has this study" + (f" (since {when})" if when else "") + "."
        if result.can_override:
            message += " You may take it over."
        return WriteResult(
            Outcome.CONFLICT,
            message,
            study=result.study,
            reason=Reason.TAKEN,
            conflicts=result.conflicts,
            can_override=result.can_override,
        )
    return result


def study_complete(*, actor, study_id: str) -> WriteResult:
    """Mark a study read (radiologists: their own studies only)."""
    return study_edit(
        actor=actor,
        study_id=study_id,
        changes={"study_viewer_status": "complete"},
        seen={"study_viewer_status": "incomplete"},
    )


def study_edit_rejected(
    *, actor, study_id: str, changes: Mapping[str, Any], message: str
) -> WriteResult:
    """An edit the dashboard could not even read (a damaged row token, a value that is not
    one of the choices): refused before any call to Avara, and audited like the others."""
    return refused(actor, AuditAction.UPDATE, study_id, message, Reason.INVALID, after=changes)
