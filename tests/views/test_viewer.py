"""Open in viewer: one call for a fresh URL, a redirect only to an allowed viewer host."""

import httpx
import pytest
from view_helpers import (
    STUDIES,
    VIEWER_HOST,
    error_json,
    only_audit,
    page_json,
    sent_json,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

SID = study_id(1)
REROUTE = f"{STUDIES}/reroute-url"
TOKEN = "tok-SECRET-viewer-token-123"
GOOD_URL = f"https://{VIEWER_HOST}/viewer/studies/{SID}?token={TOKEN}"


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR, ADMIN])
def test_allowed_host_redirects_after_exactly_one_call(login, avara, role):
    route = avara.post(REROUTE).respond(json={"url": GOOD_URL})
    client = login(role)

    with upstream.record_calls() as calls:
        response = client.post(f"/studies/{SID}/viewer")

    assert response.status_code == 302
    assert response["Location"] == GOOD_URL
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert [(c.method, c.path) for c in calls] == [("POST", REROUTE)]
    assert sent_json(route) == {"studyId": SID}
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id) == (client.user, "open_viewer", SID)
    assert (entry.outcome, entry.accepted) == ("applied", True)
    assert entry.after == {"viewer_host": VIEWER_HOST}


@pytest.mark.parametrize(
    "url",
    [
        f"https://viewer.other.test/viewer/studies/{SID}?token={TOKEN}",
        "javascript:alert(document.cookie)",
        f"https://user:pass@{VIEWER_HOST}/viewer/studies/{SID}",
        f"https://user@{VIEWER_HOST}/viewer/studies/{SID}",
        f"http://{VIEWER_HOST}.evil.com/viewer/studies/{SID}",
        f"http://evil{VIEWER_HOST}/viewer",
        f"https://{VIEWER_HOST}\\@evil.com/viewer",
        f"ftp://{VIEWER_HOST}/viewer",
        "//evil.com/viewer",
        "/viewer/relative",
    ],
    ids=[
        "other-host",
        "javascript",
        "credentials",
        "username",
        "lookalike-suffix",
        "lookalike-prefix",
        "backslash",
        "ftp",
        "scheme-relative",
        "relative",
    ],
)
def test_other_urls_are_refused_without_a_redirect(login, avara, url):
    route = avara.post(REROUTE).respond(json={"url": url})

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert response.status_code == 502
    assert not response.has_header("Location")
    assert "is not an allowed viewer host. Nothing was opened" in text(response)
    assert route.call_count == 1
    entry = only_audit()
    assert (entry.outcome, entry.action, entry.study_id) == ("refused", "open_viewer", SID)
    assert "not an allowed viewer host" in entry.detail


def test_unparseable_url_from_avara_is_refused_not_a_crash(login, avara):
    avara.post(REROUTE).respond(json={"url": "https://[::1/viewer"})

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert response.status_code == 502
    assert not response.has_header("Location")
    assert only_audit().accepted is False


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://eu.avara.test/v", True),
        ("https://a.b.avara.test/v", True),
        ("https://avara.test.evil.com/v", False),
        ("https://evilavara.test/v", False),
    ],
)
def test_wildcard_viewer_hosts_match_subdomains_only(login, avara, settings, url, allowed):
    settings.AVARA_VIEWER_HOSTS = ["*.avara.test"]
    avara.post(REROUTE).respond(json={"url": url})

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert (response.status_code == 302) is allowed
    assert only_audit().accepted is allowed


def test_upstream_failure_is_refused_and_audited(login, avara):
    avara.post(REROUTE).respond(404, json=error_json("No such study.", kind="not_found_error"))

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert response.status_code == 404
    assert "That study does not exist in Avara" in text(response)
    assert not response.has_header("Location")
    assert only_audit().accepted is False


def test_timeout_is_a_503_page_not_a_crash(login, avara):
    avara.post(REROUTE).mock(side_effect=httpx.ReadTimeout("slow"))

    response = login(RADIOLOGIST).post(f"/studies/{SID}/viewer")

    assert response.status_code == 503
    assert "Avara did not answer in time" in text(response)
    assert only_audit().accepted is False


def test_only_a_post_mints_a_viewer_url(login, avara):
    response = login(RADIOLOGIST).get(f"/studies/{SID}/viewer")

    assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    assert avara.calls.call_count == 0


@pytest.mark.parametrize("role", [RADIOLOGIST, ADMIN])
def test_tokenized_url_never_appears_in_the_pages(login, avara, role):
    reroute = avara.post(REROUTE).respond(json={"url": GOOD_URL})
    avara.get(STUDIES).respond(json=page_json(study_json(1), study_json(2)))
    avara.get(f"{STUDIES}/{SID}").respond(json=study_json(1))
    client = login(role)

    worklist, page = text(client.get("/")), text(client.get(f"/studies/{SID}"))

    assert reroute.call_count == 0
    # The row links to the minting POST (its JS posts it to a new tab); the page's form posts.
    assert f'href="/studies/{SID}/viewer" data-viewer>' in worklist
    assert f'action="/studies/{SID}/viewer" target="_blank"' in page
    for html in (worklist, page):
        assert TOKEN not in html and "token=" not in html and VIEWER_HOST not in html
