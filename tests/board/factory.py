"""Open studies and Avara users as the board reads them: wire structs, decoded as the
upstream door decodes them, timed from one fixed moment (NOW)."""

import json
from datetime import UTC, datetime, timedelta

from samples import user_json
from view_helpers import person_json, study_json

from studies.upstream import wire

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def study(
    n: int,
    severity: str = "normal",
    *,
    owner: str | None = None,
    waited: timedelta = timedelta(minutes=10),
    status: str = "incomplete",
    cancelled: bool = False,
    updated: datetime | None = None,
):
    """Study `n` as the snapshot holds it: arrived `waited` before NOW, assigned to the
    Avara user id `owner` (None: unassigned)."""
    created = NOW - waited
    body = study_json(
        n,
        severity=severity,
        studyViewerStatus=status,
        isCancelled=cancelled,
        assignedTo=person_json(owner, "Ada", f"Reader{owner[-2:]}") if owner else None,
        createdAt=created.isoformat().replace("+00:00", "Z"),
        updatedAt=(updated or created).isoformat().replace("+00:00", "Z"),
    )
    return wire.STUDY.decode(json.dumps(body))


def user(n: int, role: str = "Radiologist", **fields):
    return wire.USER.decode(json.dumps(user_json(n, clinicRole=role, **fields)))


def uid(n: int) -> str:
    return f"usr_{n:032x}"
