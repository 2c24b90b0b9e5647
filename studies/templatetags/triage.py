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
def moment(value: datetime | None, style: str = "minute") -> str:
    """`<time>` in the viewer's time zone, named on hover: `{{ study.created_at|moment }}`;
    styles "minute" (default), "second", "clock" (10:42), "clock_s" (10:42:05)."""
    return presenters.moment(value, style)


@register.filter
def short_uid(uid: str, keep: int = 8) -> str:
    return presenters.short_uid(uid, keep)


@register.filter
def person(ref) -> str:
    """A user reference's display name, or 'Unassigned'."""
    return ref.display_name if ref else "Unassigned"


@register.filter
def study_url(study_id) -> str:
    """The study page's URL, or "" for a value that is not a study id (an audit entry or
    an upstream answer may hold anything: never reverse a URL from it unchecked)."""
    return links.study_page(study_id)
