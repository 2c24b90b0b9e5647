"""The audit trail: every attempted mutation, accepted or not, with before and after values."""

from collections.abc import Mapping
from typing import Any

from studies.models import AuditAction, AuditEntry, AuditOutcome


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    study_id: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    accepted: bool | None = None,
    outcome: AuditOutcome | str | None = None,
    detail: str = "",
) -> AuditEntry:
    """Record one attempt. Give `outcome`, or `accepted` (True = applied, False = refused)."""
    if outcome is None:
        if accepted is None:
            raise TypeError("audit_record needs an outcome (or accepted)")
        outcome = AuditOutcome.APPLIED if accepted else AuditOutcome.REFUSED
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "anonymous",
        action=action,
        study_id=study_id,
        before=dict(before or {}),
        after=dict(after or {}),
        accepted=outcome == AuditOutcome.APPLIED,
        outcome=outcome,
        detail=detail[:500],
    )


def audit_last_setter(*, study_id: str, field: str, value: Any) -> AuditEntry | None:
    """The latest applied dashboard change that set `field` of a study to `value`, if any
    (Avara does not say who changed what; changes made through the dashboard we know)."""
    recent = AuditEntry.objects.filter(study_id=study_id, outcome=AuditOutcome.APPLIED)
    for entry in recent.select_related("actor")[:20]:
        after = entry.after if isinstance(entry.after, dict) else {}
        if field in after and (after[field] or None) == (value or None):
            return entry
    return None
