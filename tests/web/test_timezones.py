"""Times in the viewer's time zone (studies/web/timezones.py): the browser's zone comes in
a cookie (static/js/timezone.js writes it), is activated when the zone database knows
it, and the configured default (DJANGO_TIME_ZONE) otherwise; the zone is named on hover.
Rows kept rendered and the lists' ETags have the zone in their key."""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from view_helpers import STUDIES, page_json, study_id, study_json, text

from studies.accounts.roles import ADMIN, SUPERVISOR
from studies.models import AuditEntry
from studies.web import timezones

SID = study_id(1)
# The example study: created 2024-03-15T10:30:00Z, updated 14:20:00Z.
KOLKATA = (
    '<time datetime="2024-03-15T16:00+05:30" title="2024-03-15 16:00 IST (Asia/Kolkata)">'
    "2024-03-15 16:00</time>"
)
UTC = '<time datetime="2024-03-15T10:30+00:00" title="2024-03-15 10:30 UTC">2024-03-15 10:30</time>'


def _in_zone(client, zone: str | None):
    if zone is None:
        client.cookies.pop(settings.TRIAGE_TZ_COOKIE, None)
    else:
        client.cookies[settings.TRIAGE_TZ_COOKIE] = zone
    return client


@pytest.fixture
def study(avara):
    return avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))


def test_the_browsers_zone_shows_and_is_named_on_hover(login, avara, study):
    client = _in_zone(login(SUPERVISOR), "Asia/Kolkata")

    page = text(client.get(f"/studies/{SID}"))

    assert KOLKATA in page  # "Created in Avara"
    assert UTC not in page


def test_without_the_cookie_the_configured_zone_shows(login, avara, study, settings):
    settings.TIME_ZONE = "Europe/Berlin"

    page = text(login(SUPERVISOR).get(f"/studies/{SID}"))

    assert (
        '<time datetime="2024-03-15T11:30+01:00" title="2024-03-15 11:30 CET (Europe/Berlin)">'
        "2024-03-15 11:30</time>"
    ) in page


@pytest.mark.parametrize(
    "cookie",
    [
        "Mars/Olympus_Mons",
        "../../../../etc/passwd",
        "/usr/share/zoneinfo/Asia/Kolkata",
        "Asia/Kolkata; Path=/",
        "asia/kolkata",  # the database's names are exact
        "Asia/" + "K" * 200,
        "",
    ],
)
def test_a_cookie_naming_no_zone_is_ignored(login, avara, study, cookie):
    client = _in_zone(login(SUPERVISOR), cookie)

    response = client.get(f"/studies/{SID}")

    assert response.status_code == 200
    assert UTC in text(response)


def test_the_zone_lasts_one_request(login, avara, study):
    _in_zone(login(SUPERVISOR), "Asia/Kolkata").get(f"/studies/{SID}")

    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_only_names_of_the_zone_database_are_looked_up():
    assert timezones.zone_named("Europe/Berlin").key == "Europe/Berlin"
    assert timezones.zone_named("UTC").key == "UTC"
    for name in ("", "Europe", "Europe/Atlantis", "../UTC", "UTC\x00", "x" * 65, "localtime"):
        assert timezones.zone_named(name) is None, name


def test_the_audit_trail_and_the_lists_show_the_zone(login, avara):
    AuditEntry.objects.create(
        actor_username="amy", action="update", study_id=SID, accepted=True, outcome="applied"
    )
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    admin = _in_zone(login(ADMIN), "America/New_York")

    audit, worklist = text(admin.get("/audit/")), text(admin.get("/"))

    assert re.search(r'<time datetime="[^"]+-0[45]:00" title="[^"]+ \(America/New_York\)">', audit)
    assert re.search(r'title="Created 2024-03-15 06:30:00 EDT \(America/New_York\)"', worklist)
    assert re.search(r'title="Updated 2024-03-15 10:20:00 EDT \(America/New_York\)"', worklist)
    assert re.search(
        r'Loaded <time datetime="[^"]+-0[45]:00" title="[^"]+America/New_York\)"', worklist
    )


# --- Kept rows and ETags: the zone is part of their key ---------------------------------


def _row(body: str) -> str:
    start = body.index(f'<tr id="study-{SID}"')
    return body[start : body.index("</tr>", start)]


def test_rows_kept_rendered_are_never_shown_in_another_zone(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)

    kolkata = _row(text(_in_zone(client, "Asia/Kolkata").get("/")))
    tokyo = _row(text(_in_zone(client, "Asia/Tokyo").get("/")))
    kolkata_again = _row(text(_in_zone(client, "Asia/Kolkata").get("/")))

    assert "Created 2024-03-15 16:00:00 IST (Asia/Kolkata)" in kolkata
    assert "Created 2024-03-15 19:30:00 JST (Asia/Tokyo)" in tokyo
    assert "Kolkata" not in tokyo
    assert kolkata_again == kolkata


def test_a_poll_from_another_zone_is_not_told_nothing_changed(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = _in_zone(login(SUPERVISOR), "Asia/Kolkata")
    etag = client.get("/")["ETag"]

    same_zone = client.get("/", headers={"If-None-Match": etag})
    other_zone = _in_zone(client, "Asia/Tokyo").get("/", headers={"If-None-Match": etag})

    assert same_zone.status_code == 304
    assert other_zone.status_code == 200
    assert "(Asia/Tokyo)" in _row(text(other_zone))
