"""Bulk actions: many studies, each through the same service as a single edit.

A bulk action is a list of jobs (a study, what the row showed, and what to do to it).
Every job is one call of the service a row's own control calls (`study_edit`,
`study_claim`, `study_complete`, `study_cancel`, `study_restore`), so it gets the same
role rules, the same stale check against what the user saw (the row's token, or for a
balance the assignee the proposal saw), the same claim lock and one audit entry of its
own. Nothing here writes to Avara itself.

Jobs run TRIAGE_BULK_CONCURRENCY at a time (studies/infra/pool.py) and their results
come back as each finishes, so a page can show progress as it goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings

from studies.accounts.capabilities import me_of
from studies.infra.pool import Failed, bounded_map
from studies.models import AuditAction
from studies.services import rules
from studies.services.edits import ME, study_claim, study_complete, study_edit
from studies.services.lifecycle import study_cancel, study_restore
from studies.services.outcomes import refused
from studies.services.results import Outcome, Reason, WriteResult


class BulkAction(StrEnum):
    ASSIGN = "assign"  # to the person in `value` ("me": the actor)
    CLAIM = "claim"  # an unassigned study, for the actor (as the Claim button)
    UNASSIGN = "unassign"  # also a reader giving back their own
    SEVERITY = "severity"  # to `value`
    COMPLETE = "complete"
    CANCEL = "cancel"
    RESTORE = "restore"


# What each action says it did, for a results page's heading.
VERBS = {
    BulkAction.ASSIGN: "Assign",
    BulkAction.CLAIM: "Claim",
    BulkAction.UNASSIGN: "Unassign",
    BulkAction.SEVERITY: "Change severity",
    BulkAction.COMPLETE: "Mark complete",
    BulkAction.CANCEL: "Cancel",
    BulkAction.RESTORE: "Restore",
}
# The permission an action needs at all (whether it may touch *this* study is decided by
# the single-edit service, against the study as it is now).
_NEEDS = {
    BulkAction.CLAIM: "assign_self",
    BulkAction.SEVERITY: "change_severity",
    BulkAction.COMPLETE: "change_viewer_status",
    BulkAction.CANCEL: "cancel_study",
    BulkAction.RESTORE: "uncancel_study",
}
STALE = "This row's copy of the study was damaged or is out of date; reload the page and try again."


@dataclass(frozen=True, slots=True)
class BulkJob:
    """One study of a bulk action. `seen`: what the row showed (studies/web/seen.py), None
    when its token could not be read (the job is then refused, as a single edit is)."""

    study_id: str
    action: BulkAction
    value: str | None = None  # the assignee (a user id, "me") or the severity
    seen: Mapping[str, Any] | None = None


def bulk_refusal(*, actor, action: BulkAction, value: str | None = None) -> str | None:
    """Why this role may not do `action` to any study at all, or None. A page offers only
    what the role allows; this answers a request made by other means, before anything is
    read from Avara."""
    if (action is BulkAction.CLAIM or value == ME) and not me_of(actor):
        return "Your account is not linked to an Avara user, so it cannot claim."
    if action is BulkAction.ASSIGN:
        target = me_of(actor) if value == ME else value
        return rules.refusal_before_read(actor, {"assigned_to": target})
    if action is BulkAction.UNASSIGN:
        return rules.refusal_before_read(actor, {"assigned_to": None})
    codename = _NEEDS[action]
    return None if rules.may(actor, codename) else rules.role_refusal(actor, codename)


def study_bulk(*, actor, jobs: Iterable[BulkJob]) -> Iterator[tuple[BulkJob, WriteResult]]:
    """Each job's result, in the order they finish, TRIAGE_BULK_CONCURRENCY at a time."""
    workers = max(1, settings.TRIAGE_BULK_CONCURRENCY)
    for job, answer in bounded_map(lambda job: _run(actor, job), jobs, workers=workers):
        if isinstance(answer, Failed):
            answer = WriteResult(
                Outcome.UNKNOWN,
                "Something went wrong on our side while saving this study (it has been "
                "logged); check the study before trying again.",
                reason=Reason.UNAVAILABLE,
            )
        yield job, answer


def study_bulk_refused(
    *, actor, jobs: Iterable[BulkJob], message: str, reason: Reason = Reason.FORBIDDEN
) -> list[tuple[BulkJob, WriteResult]]:
    """Every job refused before any read (the role may not do this action, or the form
    was altered): one audit entry per study, as each single edit would leave."""
    return [
        (job, refused(actor, _audit_action(job.action), job.study_id, message, reason))
        for job in jobs
    ]


def _audit_action(action: BulkAction) -> AuditAction:
    return {
        BulkAction.CANCEL: AuditAction.CANCEL,
        BulkAction.RESTORE: AuditAction.UNCANCEL,
    }.get(action, AuditAction.UPDATE)


def _run(actor, job: BulkJob) -> WriteResult:
    action, study_id = job.action, job.study_id
    if action is BulkAction.CANCEL:
        return study_cancel(actor=actor, study_id=study_id)
    if action is BulkAction.RESTORE:
        return study_restore(actor=actor, study_id=study_id)
    if action is BulkAction.COMPLETE:
        return study_complete(actor=actor, study_id=study_id)
    if job.seen is None:
        return refused(actor, AuditAction.UPDATE, study_id, STALE, Reason.INVALID)
    if action is BulkAction.CLAIM:
        return study_claim(actor=actor, study_id=study_id, seen=job.seen)
    field, value = {
        BulkAction.ASSIGN: ("assigned_to", job.value),
        BulkAction.UNASSIGN: ("assigned_to", None),
        BulkAction.SEVERITY: ("severity", job.value),
    }[action]
    return study_edit(
        actor=actor, study_id=study_id, changes={field: value}, seen={field: job.seen.get(field)}
    )
