"""Study ids from Avara that break the expected format (`stu_` + 32 lowercase hex).

Avara should never send one, but nothing the upstream says may turn into a 500: no URL is
reversed from an unchecked upstream id, no header is built from one, and an audit entry
holding one never breaks the audit pages (issue 8: each of these was a 500 once).
"""

import html

import pytest
from django.urls import resolve
from view_helpers import (
    RADIOLOGIST_ID,
    STUDIES,
    create_form,
    hx,
    only_audit,
    page_json,
    person_json,
    row_token,
    study_id,
    study_json,
    text,
)

from studies import validators
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry
from studies.web import links

# Run again on PostgreSQL + Redis by `make test`: the audit rows holding these ids.
pytestmark = pytest.mark.stores

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"

BAD_IDS = {
    "not-hex": "stu_XYZ",
    "upper-hex": "stu_" + "AB" * 16,
    "newline": "stu_1\nSet-Cookie: x=1",
    "markup": "<script>alert(1)</script>",
    "empty": "",
    "path": "../../accounts/",
    "space": "stu_ 1",
    "rtl-override": "stu_\u202e1",
    "nul": "stu_\x001",
    "long": "stu_" + "a" * 300,
    # Well formed but for a newline at the end: `$` matches before one, the URL does not.
    "trailing-newline": "stu_" + "a" * 32 + "\n",
}
IDS = pytest.mark.parametrize("bad", list(BAD_IDS.values()), ids=list(BAD_IDS))


def no_link_from(page: str, bad: str) -> None:
    """Nothing on the page was built from the id: no href or action holds it."""
    for attr in ("href", "action", "hx-get", "hx-post"):
        for end in ('"', "/", "?"):
            assert f'{attr}="/studies/{html.escape(bad)}{end}' not in page


@IDS
def test_the_worklist_shows_such_a_row_without_links(login, avara, bad):
    avara.get(STUDIES).respond(json=page_json(study_json(1, studyId=bad), study_json(2)))

    response = login(ADMIN).get("/")

    page = text(response)
    assert response.status_code == 200
    assert "Example study 1" in page and f'href="/studies/{study_id(2)}"' in page
    no_link_from(page, bad)


@IDS
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_uid_search_answered_with_such_an_id_says_so(login, avara, bad, htmx):
    """The search box: a whole DICOM UID opens its study, through Avara's by-uid lookup.
    An answer naming no usable study is a message on the worklist, not a redirect built
    from it (that was a 500: NoReverseMatch)."""
    uid = "1.2.826.0.1.3680043.8.498.7"
    by_uid = avara.get(f"{STUDIES}/by-uid/{uid}").respond(
        json=study_json(1, studyId=bad, studyInstanceUid=uid)
    )
    listing = avara.get(STUDIES)

    response = login(RADIOLOGIST).get("/", {"q": uid}, headers=hx() if htmx else {})

    page = text(response)
    assert response.status_code == 502
    assert "HX-Redirect" not in response and "Location" not in response
    said = html.unescape(page)
    assert f"Avara's answer for the Study Instance UID {uid} could not be used" in said
    assert (by_uid.call_count, listing.call_count) == (1, 0)
    no_link_from(page, bad)


@IDS
def test_the_study_page_shows_the_study_read_only(login, avara, bad):
    avara.get(STUDY_PATH).respond(json=study_json(1, studyId=bad))

    response = login(SUPERVISOR).get(f"/studies/{SID}")

    page = text(response)
    assert response.status_code == 200
    assert "Example study 1" in page
    assert "Save description and metadata" not in page  # no form posting to a made-up URL
    no_link_from(page, bad)


@IDS
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_save_answered_with_such_an_id_is_applied_and_shown(login, avara, bad, htmx):
    avara.get(STUDY_PATH).respond(json=study_json(1, studyId=bad, severity="high"))
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, studyId=bad, severity="stat"))

    response = login(SUPERVISOR).post(
        f"/studies/{SID}/edit/severity",
        {"value": "stat", "t": row_token(SID)},
        headers=hx() if htmx else {},
    )

    assert patch.call_count == 1
    if htmx:
        assert response.status_code == 200
        # The row is found by the id in our own URL, never by Avara's.
        assert response["HX-Retarget"] == f"#study-{SID}"
        assert "Severity saved: STAT." in response["HX-Trigger"]
    else:
        assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    assert only_audit().outcome == "applied"


@IDS
def test_a_conflict_read_with_such_an_id_keeps_the_control_open_on_the_right_row(login, avara, bad):
    avara.get(STUDY_PATH).respond(json=study_json(1, studyId=bad, severity="high"))
    patch = avara.patch(STUDY_PATH)

    response = login(SUPERVISOR).post(
        f"/studies/{SID}/edit/severity",
        {"value": "stat", "t": row_token(SID, severity="normal")},
        headers=hx(),
    )

    assert response.status_code == 409
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert f'action="/studies/{SID}/edit/severity"' in text(response)
    assert "Severity is now High" in text(response)
    assert patch.call_count == 0
    assert only_audit().outcome == "conflict"


@IDS
def test_a_cancel_answered_with_such_an_id_redraws_the_row_it_was_asked_for(login, avara, bad):
    avara.get(STUDY_PATH).respond(json=study_json(1, studyId=bad))
    avara.post(f"{STUDIES}/cancel").respond(json={"success": True, "message": None})

    response = login(ADMIN).post(f"/studies/{SID}/cancel", headers=hx())

    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#study-{SID}"
    assert only_audit().outcome == "applied"


@IDS
def test_a_create_answered_with_such_an_id_is_audited_and_the_audit_pages_still_work(
    login, avara, bad
):
    avara.post(STUDIES).respond(201, json=study_json(42, studyId=bad))
    admin = login(ADMIN)

    created = admin.post("/studies/new", create_form())
    trail = admin.get("/audit/")
    filtered = admin.get("/audit/", {"action": "create"})

    assert created.status_code == 302 and created["Location"] == "/"  # not a made-up page
    entry = only_audit()
    assert entry.outcome == "applied"
    assert len(entry.study_id) <= 64
    for page in (trail, filtered):
        assert page.status_code == 200
        assert "Created study" in text(page)
        no_link_from(text(page), bad)


def test_read_next_passes_over_a_queued_study_whose_id_is_unusable(login, avara, settings):
    """A malformed id in the queue can neither be claimed nor opened: Read next takes the
    next study instead of asking Avara about it (and stopping there)."""
    settings.AVARA_VIEWER_HOSTS = ["viewer.avara.test"]
    bad = study_json(1, studyId="stu_XYZ", assignedTo=None, severity="stat")
    good = study_json(2, assignedTo=None, severity="stat", createdAt="2024-03-15T11:00:00Z")
    avara.get(STUDIES).respond(json=page_json(bad, good))
    good_path = f"{STUDIES}/{study_id(2)}"
    avara.get(good_path).respond(json=good)
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    avara.patch(good_path).respond(json={**good, "assignedTo": mine})
    viewer = f"https://viewer.avara.test/viewer/studies/{study_id(2)}?token=t"
    avara.post(f"{STUDIES}/reroute-url").respond(json={"url": viewer})

    response = login(RADIOLOGIST).post("/queue/next")

    assert response.status_code == 302 and response["Location"] == viewer
    asked = {call.request.url.path for call in avara.calls}
    assert not any("XYZ" in path for path in asked)
    assert AuditEntry.objects.filter(study_id="stu_XYZ").count() == 0


@IDS
def test_read_next_whose_claim_is_answered_with_such_an_id_sends_the_user_to_the_queue(
    login, avara, settings, bad
):
    """Claimed, but no viewer link and Avara's answer names no usable study page."""
    good = study_json(2, assignedTo=None, severity="stat")
    avara.get(STUDIES).respond(json=page_json(good))
    good_path = f"{STUDIES}/{study_id(2)}"
    avara.get(good_path).respond(json=good)
    mine = person_json(RADIOLOGIST_ID, "First1", "Last1")
    avara.patch(good_path).respond(json={**good, "studyId": bad, "assignedTo": mine})
    avara.post(f"{STUDIES}/reroute-url").respond(503)

    response = login(RADIOLOGIST).post("/queue/next")

    assert response.status_code == 302 and response["Location"] == "/queue"


@pytest.mark.parametrize("value", [study_id(1), *BAD_IDS.values()])
def test_the_one_check_and_the_study_url_agree(value):
    """studies/web/links.py is where an id from Avara becomes a URL: it links exactly the ids
    the check accepts, and each such link resolves back to the same id (the URL
    converter and the check share one pattern, so no accepted id fails to reverse)."""
    page = links.study_page(value)

    assert bool(page) is validators.is_study_id(value)
    if page:
        assert resolve(page).kwargs == {"study_id": value}
