"""What a row showed the user, so a save can tell whether someone changed it meanwhile.

One short token per row: "stat|incomplete|usr_…" and a truncated HMAC bound to the
study id, e.g. `stat|incomplete|usr_0123….Ab3dE5fG7hI9jK1l`. It travels with every
control the row opens and every button it sends (the row's `data-t`). The services
compare it with a fresh read before writing (studies/services/edits.py); the audit's
"before" comes from that read, so the token is not trusted for anything but "what did
this user see". It is signed all the same, so a damaged or forged token is refused
rather than silently taken for what the user saw. Characters outside a safe set (an
upstream value Avara should never send) become "?": unknown, which the stale check
treats as "seen something else".
"""

from __future__ import annotations

import base64
import re

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "triage.seen.v2"
FIELDS = ("severity", "study_viewer_status", "assigned_to")
_SAFE = re.compile(r"[A-Za-z0-9_-]{0,64}")
UNKNOWN = "?"


def _mac(study_id: str, payload: str) -> str:
    digest = salted_hmac(SALT, f"{study_id}:{payload}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def _safe(value: str | None) -> str:
    value = value or ""
    return value if _SAFE.fullmatch(value) else UNKNOWN


def seen_token(study) -> str:
    """The token for a study as it is shown now."""
    return seen_token_for(
        study_id=study.study_id,
        severity=study.severity,
        status=study.study_viewer_status,
        assignee=study.assigned_to.user_id if study.assigned_to else "",
    )


def seen_token_for(*, study_id: str, severity: str, status: str, assignee: str) -> str:
    payload = "|".join(_safe(v) for v in (severity, status, assignee))
    return f"{payload}.{_mac(study_id, payload)}"


def seen_read(token: str, *, study_id: str) -> dict[str, str | None] | None:
    """{field: value seen} from a token, or None if it is damaged, forged or another
    study's. An unassigned study reads as assigned_to None; "?" as "unknown"."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    payload, _, mac = token.rpartition(".")
    if not payload or not constant_time_compare(mac, _mac(study_id, payload)):
        return None
    parts = payload.split("|")
    if len(parts) != len(FIELDS):
        return None
    seen: dict[str, str | None] = dict(zip(FIELDS, parts, strict=True))
    seen["assigned_to"] = seen["assigned_to"] or None
    return seen
