"""A reading room seen by a radiologist, a supervisor and an admin at once (fresh-eyes
review): each test is a defect found by using the product, kept from coming back."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user

pytestmark = pytest.mark.e2e


def test_back_to_a_study_page_shows_the_study_as_it_is_now(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/{study.study_id}")
    page.get_by_role("link", name="← Worklist").click()
    expect(page.locator("table.studies")).to_be_visible()
    # Someone else changes the study while this user looks at the worklist.
    triage.sandbox.update(study.study_id, study_description="Changed elsewhere", severity="stat")

    page.go_back()

    page.wait_for_url(f"{triage.url}/studies/{study.study_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Changed elsewhere")
    expect(page.get_by_label("Description")).to_have_value("Changed elsewhere")


REFRESH_S = 1


@pytest.fixture
def fast_refresh(settings):
    settings.TRIAGE_REFRESH_SECONDS = REFRESH_S
    settings.TRIAGE_QUEUE_SECONDS = 0
    settings.TRIAGE_LIST_SHARE_SECONDS = 0


def next_poll(page, status: int) -> None:
    """Wait until the page's live refresh has had an answer with this status."""
    with page.expect_response(
        lambda r: r.request.headers.get("x-triage-refresh") == "1" and r.status == status,
        timeout=REFRESH_S * 5000,
    ):
        pass


def test_after_an_unchanged_poll_a_filter_change_marks_no_row_as_new(page, triage, fast_refresh):
    triage.login(page, "supervisor")
    triage.worklist(page)
    next_poll(page, 304)
    page.evaluate(
        "window.settled = false; document.addEventListener("
        "'htmx:afterSettle', () => { window.settled = true; }, {once: true})"
    )

    quick = page.get_by_role("navigation", name="Quick filters")
    quick.get_by_role("link", name="Unassigned").click()

    page.wait_for_url("**assignee=none**")
    page.wait_for_function("window.settled")  # the settle that would mark rows has run
    expect(page.locator("#results tr[id^='study-']").first).to_be_visible()
    expect(page.locator("#results tr.is-new")).to_have_count(0)


def test_a_refresh_that_changes_the_list_keeps_the_keyboard_focus(page, triage, fast_refresh):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    triage.worklist(page)
    link = page.locator(f"#study-{study.study_id} td.cell-description a")
    link.focus()
    # Something on screen changes: the next poll redraws the list.
    triage.sandbox.update(study.study_id, severity="stat")

    next_poll(page, 200)

    expect(page.locator(f"#study-{study.study_id} .badge")).to_have_text("STAT")
    expect(page.locator(f"#study-{study.study_id} td.cell-description a")).to_be_focused()


def test_skip_from_the_keyboard_lands_on_the_reason(page, triage):
    triage.login(page, "radiologist")
    page.goto(f"{triage.url}/queue?show=unassigned")
    row = page.locator("#results tr[id^='study-']").first
    row.get_by_role("link", name="Skip…").focus()

    page.keyboard.press("Enter")

    reason = row.get_by_label("Why skip?")
    expect(reason).to_be_focused()
    reason.select_option("Conflict of interest")
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Skip")).to_be_focused()


def test_after_a_conflict_the_keyboard_stays_in_the_open_control(
    page, second_page, triage, browser_log
):
    study = first_page_study(triage.sandbox, assigned_to=None)
    colleague = sandbox_user(triage.sandbox, "radiologist3")
    reader = sandbox_user(triage.sandbox, "radiologist1")  # the demo radiologist's Avara user
    browser_log.allow("409")
    triage.login(page, "supervisor")
    triage.login(second_page, "radiologist")
    triage.worklist(second_page)

    row(page, study.study_id).locator("td.cell-assignee a").focus()
    page.keyboard.press("Enter")
    picker = row(page, study.study_id).locator("td.cell-assignee select")
    expect(picker).to_be_focused()
    picker.select_option(colleague.user_id)
    row(second_page, study.study_id).get_by_role("button", name="Claim").click()
    expect(row(second_page, study.study_id).locator(".tag-me")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Save: a conflict, the control stays open

    error = row(page, study.study_id).locator("td.cell-assignee .field-error")
    expect(error).to_contain_text(f"Assignee is now {display_name(reader)}")
    expect(picker).to_be_focused()
    expect(picker).to_have_value(colleague.user_id)


def test_a_refresh_answer_older_than_a_claim_does_not_undo_it_on_screen(page, triage, fast_refresh):
    """A poll leaves, the user claims a study, then the poll's answer (read before the
    claim: a slow network) arrives: the row must keep showing the claim."""
    study = first_page_study(triage.sandbox, assigned_to=None)
    triage.login(page, "radiologist")
    triage.worklist(page)
    held = []

    def hold_first_poll(route):
        if route.request.headers.get("x-triage-refresh") == "1" and not held:
            held.append((route, route.fetch()))  # answered by the server now, delivered later
        else:
            route.continue_()

    page.route("**/*", hold_first_poll)
    page.evaluate(
        "window.polls = 0; document.addEventListener('htmx:afterRequest', e => {"
        " if (e.detail.requestConfig.headers['X-Triage-Refresh'] === '1') window.polls++; })"
    )
    # Something else changes, so that poll's answer is a new list (not a 304).
    other = first_page_study(triage.sandbox, severity="normal")
    triage.sandbox.update(other.study_id, severity="high")
    while not held:
        page.wait_for_timeout(50)
    assert held[0][1].status == 200
    the_row = row(page, study.study_id)
    the_row.get_by_role("button", name="Claim").click()
    expect(the_row.locator(".tag-me")).to_be_visible()

    route, old_answer = held[0]
    route.fulfill(response=old_answer)
    page.wait_for_function("window.polls >= 1")

    # At once, not after some later poll put it right again.
    assert the_row.locator(".tag-me").count() == 1
    assert the_row.get_by_role("button", name="Claim").count() == 0


def test_ages_keep_counting_while_polls_find_nothing_new(page, triage, fast_refresh):
    """An unchanged poll answers 304 and the page says "Loaded … just now": the ages on
    screen must not stay those of the first load."""
    import datetime as dt

    study = first_page_study(triage.sandbox)
    created = timezone.now() - dt.timedelta(minutes=10)
    triage.sandbox.set_times(study.study_id, created_at=created, updated_at=created)
    page.clock.install(time=timezone.now())
    triage.login(page, "supervisor")
    triage.worklist(page)
    ages = row(page, study.study_id).locator("time")
    expect(ages.first).to_have_text("10m")
    expect(ages.nth(1)).to_have_text("10m ago")

    page.clock.run_for(6 * 60 * 1000)  # six minutes of polls, all unchanged (304)

    expect(page.locator("#results .freshness .age")).to_have_text("just now")
    expect(ages.first).to_have_text("16m")
    expect(ages.nth(1)).to_have_text("16m ago")
