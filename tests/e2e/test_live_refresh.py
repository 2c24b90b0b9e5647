"""Live refresh in a real browser: new work appears by itself, marked, with the STAT count
in the title; an open control survives a refresh, yet a new STAT still reaches the title
and the banner; an unchanged poll costs a 304; a row that leaves takes the page's counts
with it in the same answer."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from .pages import first_page_study, pager_label, row, rows, sandbox_user, toast

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


# --- An emergency is never hidden: counts with a control open, and when a row leaves ------


def banner_count(page) -> int:
    text = page.locator("#stat-banner").inner_text()
    found = re.match(r"(\d+) STAT", text)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("where", ["control", "filters"])
def test_with_a_control_open_a_new_stat_still_reaches_the_title_and_banner(
    page, triage, fast_refresh, where
):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    expect(page).to_have_title(re.compile(r"^\(\d+ STAT waiting\) Worklist"))
    before = stat_count(page.title())
    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("x-triage-refresh") else None)
    if where == "control":
        row(page, study.study_id).locator("td.cell-severity a.badge").click()
        busy = row(page, study.study_id).locator("td.cell-severity select[name=value]")
        busy.select_option("high")
    else:
        busy = page.locator("#filters input[type=search]")
        busy.fill("half-typed search")

    create_stat(triage, "Arrives while the user is busy")

    expect(page).to_have_title(
        f"({before + 1} STAT waiting) Worklist · Avara Triage", timeout=INTERVAL * 3000
    )
    expect(page.locator("#stat-banner")).to_contain_text(f"{before + 1} STAT waiting")
    expect(toast(page, f"New STAT study: {before + 1} STAT waiting.")).to_be_visible()
    expect(busy).to_have_value("high" if where == "control" else "half-typed search")
    assert polls == []  # the rows were left alone


def test_on_the_queue_an_open_skip_still_lets_a_new_stat_through(page, triage, fast_refresh):
    triage.login(page, "radiologist", worklist=False)
    page.goto(triage.url + "/queue?show=unassigned")
    expect(page).to_have_title(re.compile(r"^\(\d+ STAT waiting\) Queue"))
    before = banner_count(page)
    rows(page).first.get_by_role("link", name="Skip…").click()
    reason = page.locator("td.confirming select[name=reason]")
    expect(reason).to_be_focused()

    create_stat(triage, "Arrives while a skip is being decided")

    expect(page).to_have_title(
        f"({before + 1} STAT waiting) Queue · Avara Triage", timeout=INTERVAL * 3000
    )
    expect(page.locator("#stat-banner")).to_contain_text(f"{before + 1} STAT waiting")
    expect(reason).to_be_visible()


@pytest.fixture
def no_refresh(settings):
    """Live refresh off: whatever changes on the page came with the user's own answer."""
    settings.TRIAGE_REFRESH_SECONDS = 0
    settings.TRIAGE_LIST_SHARE_SECONDS = 0


def test_the_counts_follow_rows_that_leave_in_the_same_answer(page, triage, no_refresh):
    """No 'Page 1 · 2 studies' over an empty table, no old STAT count in the title."""
    for n in (1, 2):
        triage.sandbox.study(severity="stat", study_description=f"Alarm {n}", assigned_to=None)
    doctor = sandbox_user(triage.sandbox, "radiologist3")
    triage.login(page, "supervisor")
    triage.worklist(page, "?q=Alarm&assignee=none")
    expect(pager_label(page)).to_have_text("Page 1 · 2 studies shown")
    expect(page).to_have_title(re.compile(r"^\(\d+ STAT waiting\) Worklist"))
    before = stat_count(page.title())

    for left in (1, 0):
        first = rows(page).first
        first.locator("td.cell-assignee a").click()
        first.locator("td.cell-assignee select").select_option(doctor.user_id)
        first.get_by_role("button", name="Save").click()
        expect(rows(page)).to_have_count(left)
        expect(pager_label(page)).to_have_text(
            f"Page 1 · {left} {'study' if left else 'studies'} shown"
        )
        expect(page).to_have_title(f"({before - 2 + left} STAT waiting) Worklist · Avara Triage")

    expect(page.locator("table.studies tbody")).to_have_text("Nothing left on this page.")
    expect(page.locator("#stat-banner")).to_contain_text(f"{before - 2} STAT")


def test_a_claim_on_the_queue_moves_its_counts_at_once(page, triage, no_refresh):
    triage.login(page, "radiologist", worklist=False)
    page.goto(triage.url + "/queue?show=unassigned")
    total = int(re.search(r"(\d+) studies$", pager_label(page).inner_text().strip()).group(1))
    assert total < 50, "one page of the seeded unassigned studies"
    above = page.locator("#results .freshness .total")  # the total above the rows
    expect(above).to_have_text(f"{total} studies")
    stat = banner_count(page)
    first = page.locator("#" + rows(page).first.get_attribute("id"))
    assert "sev-stat" in first.get_attribute("class")  # STAT first

    first.get_by_role("button", name="Claim").click()

    expect(first).to_have_count(0)
    expect(pager_label(page)).to_have_text(f"Page 1 of 1 · {total - 1} studies")
    expect(above).to_have_text(f"{total - 1} studies")  # both say the same, at once
    left = stat - 1
    expect(page).to_have_title(
        f"({left} STAT waiting) Queue · Avara Triage" if left else "Queue · Avara Triage"
    )
    if left:
        expect(page.locator("#stat-banner")).to_contain_text(f"{left} STAT")
    else:
        expect(page.locator("#stat-banner")).to_have_text("")


def test_a_complete_on_my_worklist_moves_its_total_at_once(page, triage, no_refresh):
    """My open studies on the worklist: the total above the rows follows the pager."""
    triage.login(page, "radiologist")
    triage.worklist(page, "?assignee=me&status=incomplete")
    mine = rows(page).count()
    assert 1 < mine < 25, "one page of the seeded radiologist's open studies"
    above = page.locator("#results .freshness .total")
    expect(above).to_have_text(f"{mine} studies")

    rows(page).first.get_by_role("button", name="Complete").click()

    expect(rows(page)).to_have_count(mine - 1)
    expect(pager_label(page)).to_have_text(f"Page 1 · {mine - 1} studies shown")
    expect(above).to_have_text(f"{mine - 1} studies")
