"""Times in the viewer's own time zone.

The browser says which zone it is in: static/js/timezone.js writes
`Intl.DateTimeFormat().resolvedOptions().timeZone` ("Europe/Berlin") into a cookie
(settings.TRIAGE_TZ_COOKIE) on every page, so every later request carries it. Here each
request activates that zone when it is a zone of the IANA database (zoneinfo), and the
configured default (settings.TIME_ZONE, DJANGO_TIME_ZONE) otherwise: no cookie yet (the
very first page, usually the login page), JavaScript off, or a value that names no zone.

Anything kept that prints a time has the zone in its key (studies/web/row_cache.py, the
lists' ETags in studies/views/respond.py): two viewers in two zones never share a row.
"""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.utils import timezone

# The longest IANA name is about 30 characters; anything much longer is not a zone.
_LONGEST = 64


# Names in the database that name no place: the server's own zone, a template.
_NOT_ZONES = {"localtime", "posixrules", "Factory"}


@functools.cache
def _known_zones() -> frozenset[str]:
    """Every zone name of the database (the system's, else the tzdata package), read once."""
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone of that IANA name ("Europe/Berlin"), or None when it names none: only the
    database's own names are looked up, never a path or any other text."""
    if not name or len(name) > _LONGEST or name not in _known_zones():
        return None
    try:
        return zoneinfo.ZoneInfo(name)  # cached by zoneinfo itself
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class TimeZoneMiddleware:
    """Activate the viewer's time zone (the cookie's) for the request, else the default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = zone_named(request.COOKIES.get(settings.TRIAGE_TZ_COOKIE, ""))
        if zone is None:
            timezone.deactivate()  # settings.TIME_ZONE
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
