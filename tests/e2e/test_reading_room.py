"""Many people, one queue, in two real browsers: no lost updates, no stale screens.

A supervisor (browser A) and a radiologist (browser B) work the same worklist at the
same time, as in a reading room.
"""

import re

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(browser, browser_log):
    """Another person's browser: its own context (cookies, session), watched for errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.on("page", browser_log.watch)
    tab = context.new_page()
    yield tab
    context.close()


def test_a_claim_made_while_the_supervisor_picks_an_assignee_is_not_overwritten(
    page, second_page, triage, browser_log
):
    study = first_page_study(assigned_to=None)
    colleague = sandbox_user("radiologist3")
    reader = sandbox_user("radiologist1")  # the demo radiologist's Avara user
    browser_log.allow("409")  # the conflict answer is a 409, which Chromium logs

    triage.login(page, "supervisor")
    cell = row(page, study.study_id).locator("td.cell-assignee")
    cell.get_by_role("link", name="Unassigned").click()
    picker = cell.locator("select[name=value]")
    expect(picker).to_have_value("")

    triage.login(second_page, "radiologist")
    row(second_page, study.study_id).get_by_role("button", name="Claim").click()
    expect(row(second_page, study.study_id).locator(".tag-me")).to_be_visible()

    picker.select_option(colleague.user_id)
    row(page, study.study_id).get_by_role("button", name="Save").click()

    # A sees the conflict, with the claim shown, and their choice still selected.
    error = row(page, study.study_id).locator(".field-error")
    expect(error).to_contain_text(f"Assignee is now {display_name(reader)}")
    expect(error).to_contain_text("Save again to apply your choice over it")
    expect(row(page, study.study_id).locator("select[name=value]")).to_have_value(colleague.user_id)
    # B keeps the study, upstream and on a fresh look.
    study.refresh_from_db()
    assert study.assigned_to_id == reader.user_id
    second_page.reload()
    expect(row(second_page, study.study_id).locator(".tag-me")).to_be_visible()

    # One action applies A's choice over the new value, knowingly.
    row(page, study.study_id).get_by_role("button", name="Save").click()
    expect(row(page, study.study_id).locator("td.cell-assignee")).to_have_text(
        display_name(colleague)
    )
    study.refresh_from_db()
    assert study.assigned_to_id == colleague.user_id


def test_back_after_a_filter_shows_changes_made_meanwhile(page, triage):
    study = first_page_study(severity="normal")
    triage.login(page, "supervisor")
    expect(row(page, study.study_id).locator("td.cell-severity .badge")).to_have_text("Normal")

    page.locator("#filters").get_by_label("Severity").select_option("stat")
    expect(page).to_have_url(re.compile(r"severity=stat"))
    expect(row(page, study.study_id)).to_have_count(0)

    # Someone else changes the study while this list is on screen.
    from sandbox.models import Study

    Study.objects.filter(study_id=study.study_id).update(severity="high")

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"severity=stat"))
    expect(row(page, study.study_id).locator("td.cell-severity .badge")).to_have_text("High")
    expect(page.locator("td.editing")).to_have_count(0)


def test_back_never_brings_back_an_open_control(page, triage):
    study = first_page_study(severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    expect(row(page, study.study_id).locator("td.cell-severity select")).to_be_visible()

    page.locator("#filters").get_by_label("Severity").select_option("stat")
    expect(page).to_have_url(re.compile(r"severity=stat"))
    page.go_back()

    expect(row(page, study.study_id).locator("td.cell-severity .badge")).to_have_text("Normal")
    expect(page.locator("td.editing")).to_have_count(0)


def test_a_refused_complete_redraws_the_row_with_the_new_assignee(
    page, second_page, triage, browser_log
):
    """B marks complete a study A just reassigned: refused, and B's row shows the truth."""
    reader = sandbox_user("radiologist1")
    colleague = sandbox_user("radiologist3")
    study = first_page_study(assigned_to=reader.user_id, study_viewer_status="incomplete")
    browser_log.allow("403")

    triage.login(second_page, "radiologist")
    complete = row(second_page, study.study_id).get_by_role("button", name="Complete")
    expect(complete).to_be_visible()

    from sandbox.models import Study

    Study.objects.filter(study_id=study.study_id).update(assigned_to_id=colleague.user_id)
    complete.click()

    expect(toast(second_page, f"assigned to {display_name(colleague)}")).to_be_visible()
    the_row = row(second_page, study.study_id)
    expect(the_row.locator("td.cell-assignee")).to_have_text(display_name(colleague))
    expect(the_row.get_by_role("button", name="Complete")).to_have_count(0)
    study.refresh_from_db()
    assert study.study_viewer_status == "incomplete"
