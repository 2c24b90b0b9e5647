"""Small presentation filters for studies (no logic beyond formatting)."""

from datetime import datetime

from django import template
from django.utils import timezone

from studies.web import links, presenters

register = template.Library()


@register.filter
def age(value: datetime | None, now: datetime | None = None) -> str:
    """Compact elapsed time: '45s', '12m', '5h 12m', '3d 4h'."""
    return presenters.age(value, now or timezone.now())


@register.filter
def iso(value: datetime | None) -> str:
    """ISO 8601 as Avara sent it (the study page); rows write UTC short (presenters.iso)."""
    return value.isoformat() if value else ""


@register.filter
def short_uid(uid: str, keep: int = 8) -> str:
    return presenters.short_uid(uid, keep)


@register.filter
def person(ref) -> str:
    """A user reference's display name, or 'Unassigned'."""
    return ref.display_name if ref else "Unassigned"


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


@register.filter
def study_url(study_id) -> str:
    """The study page's URL, or "" for a value that is not a study id (an audit entry or
    an upstream answer may hold anything: never reverse a URL from it unchecked)."""
    return links.study_page(study_id)
