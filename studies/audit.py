"""The audit trail: every attempted mutation, accepted or not, with before and after values.

What is stored is made storable first (`storable`), whatever the values came from (a
form, Avara's answers, a log-in attempt): on PostgreSQL a NUL character in text, a lone
UTF-16 surrogate or a NaN/Infinity in a JSON value is a DataError, and on SQLite a lone
surrogate is stored but cannot be written into a page again (UnicodeEncodeError): either
way an audit write or every later audit page would answer 500. So every string (text
columns, and JSON keys and values at any depth) has NUL and lone surrogates replaced by
U+FFFD (the "replacement character", so the entry still shows that something was there),
non-finite numbers and other non-JSON values become text, and the text columns are cut
to their lengths (study_id 64, actor_username 150, detail 500).
"""

import math
import re
from collections.abc import Mapping
from typing import Any

from studies.models import AuditAction, AuditEntry, AuditOutcome

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(value: Any, limit: int | None = None) -> str:
    """Text any database stores and any page can show: NUL and lone surrogates replaced."""
    text = _UNSTORABLE.sub(REPLACEMENT, value if isinstance(value, str) else str(value))
    return text[:limit] if limit is not None else text


def storable(value: Any) -> Any:
    """A JSON value every engine stores: strings cleaned at any depth, keys included."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {storable_text(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return storable_text(value)


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
        actor_username=storable_text(getattr(actor, "username", "") or "anonymous", 150),
        action=action,
        study_id=storable_text(study_id or "", 64),
        before=storable(dict(before or {})),
        after=storable(dict(after or {})),
        accepted=outcome == AuditOutcome.APPLIED,
        outcome=outcome,
        detail=storable_text(detail or "", 500),
    )


def audit_last_setter(*, study_id: str, field: str, value: Any) -> AuditEntry | None:
    """The latest applied dashboard change that set `field` of a study to `value`, if any
    (Avara does not say who changed what; changes made through the dashboard we know)."""
    recent = AuditEntry.objects.filter(
        study_id=storable_text(study_id, 64), outcome=AuditOutcome.APPLIED
    )
    for entry in recent.select_related("actor")[:20]:
        after = entry.after if isinstance(entry.after, dict) else {}
        if field in after and (after[field] or None) == (value or None):
            return entry
    return None
