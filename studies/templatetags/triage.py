"""Small presentation filters for studies (no logic beyond formatting)."""

from datetime import datetime

from django import template
from django.utils import timezone

from studies.snapshots import snapshot_of

register = template.Library()


@register.filter
def age(value: datetime | None, now: datetime | None = None) -> str:
    """Compact elapsed time: '45s', '12m', '5h 12m', '3d 4h'."""
    if not value:
        return "—"
    seconds = int(((now or timezone.now()) - value).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes}m"
    if hours < 24:
        return f"{hours}h {minutes % 60}m"
    return f"{days}d {hours % 24}h"


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def short_uid(uid: str, keep: int = 8) -> str:
    """1.2.840.113619.2.55.3.6046 -> 1.2.840…3.6046 (full value goes in a title)."""
    if len(uid) <= 2 * keep + 1:
        return uid
    return f"{uid[:keep]}…{uid[-keep:]}"


@register.filter
def person(ref) -> str:
    """A user reference's display name, or 'Unassigned'."""
    return ref.display_name if ref else "Unassigned"


@register.simple_tag(takes_context=True)
def may_assign(context, study) -> bool:
    """Whether the assignee control makes sense for this user on this study.

    Supervisors may assign anyone; radiologists may claim an unassigned study or give
    back their own. The server checks the same rules again on save.
    """
    if study.is_cancelled:
        return False
    perms, me = context.get("perms"), context.get("me")
    if perms and perms["studies"]["assign_any"]:
        return True
    if not (perms and perms["studies"]["assign_self"] and me):
        return False
    return study.assigned_to is None or study.assigned_to.user_id == me


@register.filter
def snapshot(study) -> str:
    """The signed token of what this row shows (see studies/snapshots.py)."""
    return snapshot_of(study)


@register.simple_tag(takes_context=True)
def may_change_status(context, study) -> bool:
    """Supervisors may change any study's viewer status; radiologists only their own.
    The server checks the same rule again on save."""
    perms, me = context.get("perms"), context.get("me")
    if study.is_cancelled or not (perms and perms["studies"]["change_viewer_status"]):
        return False
    if perms["studies"]["assign_any"]:
        return True
    return bool(me and study.assigned_to and study.assigned_to.user_id == me)


@register.filter
def audit_value(value) -> str:
    """An audit before/after value for people: dicts and lists as key=value text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items()) or "(empty)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(empty)"
    return str(value)
