"""Live refresh in a real browser: new work appears by itself, marked, with the STAT count
in the title; an open control survives a refresh; an unchanged poll costs a 304."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from .pages import first_page_study, row, rows

pytestmark = pytest.mark.e2e
INTERVAL = 2  # seconds between polls in these tests (15 by default)


@pytest.fixture
def fast_refresh(settings):
    settings.TRIAGE_REFRESH_SECONDS = INTERVAL
    settings.TRIAGE_QUEUE_SECONDS = 0
    settings.TRIAGE_LIST_SHARE_SECONDS = 0


def create_stat(triage, description: str) -> str:
    """A new STAT study, created through the Avara API as another system would."""
    answer = httpx.post(
        f"{triage.sandbox_url}/v1/viewer/studies",
        headers={"Authorization": "Bearer sk_sandbox_dev_0123456789abcdef"},
        json={
            "severity": "stat",
            "studyDescription": description,
            "studyInstanceUid": "1.2.826.0.1.3680043.8.498.99001",
        },
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["studyId"]


def stat_count(title: str) -> int:
    found = re.match(r"\((\d+) STAT waiting\) ", title)
    return int(found.group(1)) if found else 0


def test_a_new_stat_appears_within_one_interval_marked_new(page, triage, fast_refresh):
    triage.login(page, "supervisor")
    triage.worklist(page)
    expect(page).to_have_title(re.compile(r"\(\d+ STAT waiting\) Worklist"))
    before = stat_count(page.title())

    study_id = create_stat(triage, "CT Head trauma, arrived just now")

    new_row = row(page, study_id)
    expect(new_row).to_be_visible(timeout=(INTERVAL * 3) * 1000)
    expect(new_row).to_have_class(re.compile(r"\bis-new\b"))
    expect(page).to_have_title(f"({before + 1} STAT waiting) Worklist · Avara Triage")
    # The rows that were already there are not marked.
    expect(rows(page).nth(1)).not_to_have_class(re.compile(r"\bis-new\b"))


def test_an_open_control_is_not_wiped_by_a_refresh(page, triage, fast_refresh):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    triage.worklist(page)
    polls = []
    page.on(
        "response",
        lambda r: (
            polls.append(r.status)
            if "X-Triage-Refresh" in str(r.request.headers)
            or r.request.headers.get("x-triage-refresh")
            else None
        ),
    )
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    control.select_option("high")

    page.wait_for_timeout(INTERVAL * 2500)
    create_stat(triage, "Arrives while the control is open")
    page.wait_for_timeout(INTERVAL * 1500)

    expect(control).to_be_visible()
    expect(control).to_have_value("high")  # the user's choice is intact
    assert polls == []  # no refresh while a control is open


def test_an_unchanged_poll_is_a_304_and_changes_nothing(page, triage, fast_refresh):
    triage.login(page, "supervisor")
    triage.worklist(page)
    first_ids = rows(page).evaluate_all("rs => rs.map(r => r.id)")
    with page.expect_response(
        lambda r: r.request.headers.get("x-triage-refresh") == "1",
        timeout=INTERVAL * 3000,
    ) as poll:
        pass
    assert poll.value.status == 304
    assert poll.value.headers.get("content-length", "0") == "0"  # no body to send or render
    assert rows(page).evaluate_all("rs => rs.map(r => r.id)") == first_ids
    expect(page.locator("#results .freshness .age")).to_have_text("just now")
