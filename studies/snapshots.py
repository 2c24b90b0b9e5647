"""What a row showed the user, signed so the server can take it back on trust.

An inline edit sends one PATCH and no read, so the "before" of its audit entry and the
`updatedAt` the user saw (the seam for stale-write checks) come from the page. They
travel as one token signed with SECRET_KEY: a forged or altered "before" is refused
instead of being written into the audit trail.
"""

from dataclasses import dataclass

from django.core import signing

SALT = "triage.row-snapshot.v1"
FIELDS = ("severity", "status", "assignee")


@dataclass(frozen=True)
class Snapshot:
    study_id: str
    severity: str
    status: str
    assignee: str  # "" when unassigned
    updated_at: str  # ISO 8601 as Avara sent it, "" when unknown

    def value(self, field: str) -> str:
        return getattr(self, field)


def snapshot_token(
    *, study_id: str, severity: str, status: str, assignee: str, updated_at: str
) -> str:
    return signing.dumps([study_id, severity, status, assignee, updated_at], salt=SALT)


def snapshot_of(study) -> str:
    """The token for a study as it is rendered now."""
    return snapshot_token(
        study_id=study.study_id,
        severity=study.severity,
        status=study.study_viewer_status,
        assignee=study.assigned_to.user_id if study.assigned_to else "",
        updated_at=study.updated_at.isoformat() if study.updated_at else "",
    )


def snapshot_read(token: str, *, study_id: str) -> Snapshot | None:
    """The snapshot in a token, or None if it is forged, altered or for another study."""
    try:
        values = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != 5 or values[0] != study_id:
        return None
    if not all(isinstance(v, str) for v in values):
        return None
    return Snapshot(*values)
