"""A radiologist's day: claim an unassigned study, complete it, read its page."""

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_claim_complete_and_open_the_study_page(page, triage):
    study = first_page_study(triage.sandbox, assigned_to=None, study_viewer_status="incomplete")
    me = display_name(sandbox_user(triage.sandbox, "radiologist1"))
    triage.login(page, "radiologist")
    the_row = row(page, study.study_id)
    expect(the_row.locator("td.cell-assignee")).to_have_text("Unassigned")
    # A radiologist reads severity but cannot change it, and cannot cancel.
    expect(the_row.locator("td.cell-severity a")).to_have_count(0)
    expect(the_row.get_by_role("link", name="Cancel study…")).to_have_count(0)
    expect(the_row.get_by_role("button", name="Complete")).to_have_count(0)

    the_row.get_by_role("button", name="Claim").click()

    expect(the_row.locator("td.cell-assignee .tag-me")).to_have_text("Me")
    expect(the_row.locator("td.cell-assignee")).to_contain_text(me)
    expect(the_row.get_by_role("button", name="Claim")).to_have_count(0)
    expect(toast(page, f"Assignee saved: {me}.")).to_be_visible()

    the_row.get_by_role("button", name="Complete").click()

    expect(the_row.locator("td.cell-status")).to_have_text("Complete")
    expect(the_row.get_by_role("button", name="Complete")).to_have_count(0)
    expect(toast(page, "Viewer status saved: Complete.")).to_be_visible()

    the_row.locator("td.cell-description").get_by_role("link").click()

    page.wait_for_url(f"**/studies/{study.study_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(study.study_description)
    fields = page.locator("dl.fields")
    expect(fields.locator("dt:has-text('Assignee') + dd")).to_contain_text(me)
    expect(fields.locator("dt:has-text('Viewer status') + dd")).to_contain_text("Complete")
    expect(fields.locator("dt:has-text('Study ID') + dd code")).to_have_text(study.study_id)
    history = page.locator("table.audit tbody tr")
    expect(history).to_have_count(2)
    expect(history.filter(has_text="Assignee:")).to_contain_text(f"Unassigned → {me}")
    expect(history.filter(has_text="Viewer status:")).to_contain_text("Incomplete → Complete")
    # No severity or description editing for a radiologist on the study page either.
    expect(fields.locator("dt:has-text('Severity') + dd a")).to_have_count(0)
    expect(page.get_by_role("button", name="Save description and metadata")).to_have_count(0)


def test_a_radiologist_cannot_take_someone_elses_study(page, triage, browser_log):
    other = sandbox_user(triage.sandbox, "radiologist2")
    study = first_page_study(triage.sandbox, assigned_to=other.user_id)
    triage.login(page, "radiologist")
    the_row = row(page, study.study_id)

    expect(the_row.locator("td.cell-assignee")).to_have_text(display_name(other))
    expect(the_row.get_by_role("button", name="Claim")).to_have_count(0)
    expect(the_row.get_by_role("button", name="Complete")).to_have_count(0)

    # Someone else's study offers no assignee control at all (the server refuses it too,
    # see tests/views); the name is plain text.
    expect(the_row.locator("td.cell-assignee a")).to_have_count(0)
    page.reload()
    expect(row(page, study.study_id).locator("td.cell-assignee")).to_have_text(display_name(other))
