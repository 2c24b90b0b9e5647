"""Open in viewer, with the dashboard and the sandbox served as `make run` serves them: two
processes, one host (127.0.0.1), two ports, the sandbox on its own settings. Cookies
ignore ports, so the browser sends the dashboard's cookies to the sandbox too: the
viewer must not care. Each role opens the viewer from a worklist row and from a study
page, and a radiologist from the queue (Read next); each new tab shows the study's
description and UID, and no console error (the `page` fixture fails the test on any,
a missing icon included).

Also over plain HTTP: every sandbox endpoint answers the same with no cookie, with the
cookies the dashboard gave a real browser, and with a garbage `sessionid`."""

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from .pages import first_page_study, row

pytestmark = pytest.mark.e2e

ROLES = ["radiologist", "supervisor", "admin"]


def opened_by(page: Page, action) -> Page:
    """The new tab (or window) `action` opens, loaded."""
    with page.context.expect_page() as opened:
        action()
    viewer = opened.value
    viewer.wait_for_load_state()
    return viewer


def assert_shows(viewer: Page, triage, study) -> None:
    prefix = f"{triage.sandbox_url}/viewer/studies/{study.study_id}?token="
    expect(viewer).to_have_url(re.compile(re.escape(prefix)))
    expect(viewer.locator("h1.description")).to_have_text(study.study_description)
    expect(viewer.locator("dd code").nth(0)).to_have_text(study.study_id)
    expect(viewer.locator("dd code").nth(1)).to_have_text(study.study_instance_uid)
    # The browser holds the dashboard's session for this host, port or not: the sandbox
    # was sent it with the page.
    sent = {cookie["name"] for cookie in viewer.context.cookies(triage.sandbox_url)}
    assert {"triage_session", "triage_csrftoken"} <= sent, sent
    icon = viewer.request.get(f"{triage.sandbox_url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"


@pytest.mark.parametrize("role", ROLES)
def test_the_viewer_opens_from_a_worklist_row_and_from_a_study_page(page, triage, role):
    study = first_page_study(triage.sandbox)
    triage.login(page, role)

    open_link = row(page, study.study_id).get_by_role("link", name="Open in the viewer (new tab)")
    from_row = opened_by(page, open_link.click)
    assert_shows(from_row, triage, study)
    from_row.close()

    page.goto(f"{triage.url}/studies/{study.study_id}")
    button = page.get_by_role("button", name="Open in viewer")
    from_page = opened_by(page, button.click)
    assert_shows(from_page, triage, study)


def test_read_next_opens_the_claimed_study_in_the_viewer(page, triage):
    triage.login(page, "radiologist", worklist=False)  # readers land on the queue
    expect(page).to_have_url(re.compile(r"/queue"))

    viewer = opened_by(page, page.get_by_role("button", name="Read next").click)

    study_id = re.search(r"/viewer/studies/(stu_[0-9a-f]{32})\?", viewer.url)[1]
    study = triage.sandbox.get(study_id)
    assert study.assigned_to is not None
    assert study.assigned_to.email == "radiologist1@example.org"  # the demo radiologist's
    assert_shows(viewer, triage, study)


def test_every_sandbox_endpoint_answers_the_same_whatever_cookies_it_is_sent(page, triage):
    triage.login(page, "supervisor")
    dashboards = {c["name"]: c["value"] for c in page.context.cookies(triage.url)}
    assert {"triage_session", "triage_csrftoken"} <= set(dashboards)
    garbage = {"sessionid": '"<script>\\x00', "csrftoken": "%%%", "messages": "W10"}
    jars = {
        "no cookie": {},
        "the dashboard's": dashboards,
        "a garbage sessionid": garbage,
        "both": dashboards | garbage,
    }
    sandbox = triage.sandbox
    study = first_page_study(sandbox)
    link = sandbox.api.post("/v1/viewer/studies/reroute-url", json={"studyId": study.study_id})
    viewer = httpx.URL(link.json()["url"])
    api = {"Authorization": f"Bearer {sandbox.api_key}"}
    control = {"Authorization": f"Bearer {sandbox.control_key}"}
    endpoints = {
        "api list": ("/v1/viewer/studies", api, 200),
        "api study": (f"/v1/viewer/studies/{study.study_id}", api, 200),
        "api users": ("/v1/viewer/users", api, 200),
        "control users": ("/_sandbox/users", control, 200),
        "control faults": ("/_sandbox/faults", control, 200),
        "viewer page": (viewer.raw_path.decode(), {}, 200),
        "viewer css": ("/viewer/sandbox.css", {}, 200),
        "favicon": ("/favicon.ico", {}, 200),
        "openapi": ("/openapi.json", {}, 200),
        "control openapi": ("/_sandbox/openapi.json", {}, 200),
        "unknown path": ("/accounts/login/", {}, 404),
    }

    answers = {}
    with httpx.Client(base_url=sandbox.url, timeout=30) as http:
        for jar, cookies in jars.items():
            sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
            for name, (path, key, _) in endpoints.items():
                got = http.get(path, headers=key | sent)
                answers[jar, name] = (got.status_code, _stable(got), "set-cookie" in got.headers)
            write = http.post(
                "/v1/viewer/studies/reroute-url",
                json={"studyId": study.study_id},
                headers=api | sent,
            )
            assert write.status_code == 200, (jar, write.text)  # no CSRF, no session here

    for name, (_, _, status) in endpoints.items():
        assert answers["no cookie", name][0] == status, name
        for jar in jars:
            assert answers[jar, name] == answers["no cookie", name], (jar, name)
            assert answers[jar, name][2] is False  # the sandbox never sets a cookie


def _stable(answer: httpx.Response) -> bytes:
    """The answer's body, less the list's cursor: it is signed with the second it was made
    in, so two reads a moment apart may differ there and nowhere else."""
    if answer.headers.get("content-type", "").startswith("application/json"):
        data = answer.json()
        if isinstance(data, dict) and "cursor" in data:
            data["cursor"] = bool(data["cursor"])
            return json.dumps(data, sort_keys=True).encode()
    return answer.content
