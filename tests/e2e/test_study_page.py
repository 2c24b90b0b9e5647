"""The study page: its own edits (description, and the Change / Cancel study… links, which open
full-page controls), and New study."""

import re

import pytest
from playwright.sync_api import expect

from .pages import QUICK_MS, first_page_study, row, toast

pytestmark = pytest.mark.e2e


def test_description_saved_from_the_study_page(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/{study.study_id}")

    page.get_by_label("Description").fill("CT Head without Contrast, repeat")
    page.get_by_role("button", name="Save description and metadata").click()

    expect(toast(page, "Description saved: CT Head without Contrast, repeat.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CT Head without Contrast, repeat")
    history = page.locator("table.audit tbody tr")
    expect(history).to_have_count(1)
    expect(history.locator("td").nth(3)).to_have_text(
        f"Description: {study.study_description} → CT Head without Contrast, repeat"
    )


def test_change_severity_from_the_study_page(page, triage, browser_log):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/{study.study_id}")
    severity = page.locator("dl.fields dt:has-text('Severity') + dd")

    severity.get_by_role("link", name="Change").click()
    page.locator("select[name=value]").select_option("high")
    page.get_by_role("button", name="Save").click()

    expect(toast(page, "Severity saved: High.")).to_be_visible()
    expect(page).to_have_url(f"{triage.url}/studies/{study.study_id}", timeout=QUICK_MS)
    expect(severity).to_contain_text("High")
    browser_log.assert_clean()


@pytest.mark.parametrize(("role", "sees_cancelled"), [("admin", True), ("supervisor", False)])
def test_cancel_from_the_study_page(page, triage, browser_log, role, sees_cancelled):
    """The cancel leads to a page saying what happened, with Undo (tests/e2e/test_undo.py)
    and the way on: the study's page for admins; supervisors (who may not see cancelled
    studies) are told so and led back to the worklist instead of to a refusal."""
    study = first_page_study(triage.sandbox)
    triage.login(page, role)
    page.goto(f"{triage.url}/studies/{study.study_id}")

    page.get_by_role("link", name="Cancel study…").click()
    expect(page.get_by_role("heading", name="Cancel this study?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel study").click()

    page.wait_for_url(f"**/studies/{study.study_id}/cancelled?*", timeout=QUICK_MS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Study cancelled")
    expect(page.get_by_role("button", name="Undo the cancel")).to_be_visible()
    if sees_cancelled:
        page.get_by_role("link", name="Open the study page").click()
        page.wait_for_url(f"**/studies/{study.study_id}")
        expect(page.get_by_role("heading", level=1).locator(".tag")).to_have_text("Cancelled")
    else:
        expect(page.get_by_role("link", name="Open the study page")).to_have_count(0)
        page.get_by_role("link", name="Back to the list").click()
        expect(page).to_have_url(f"{triage.url}/", timeout=QUICK_MS)
    browser_log.assert_clean()


def test_new_study(page, triage, browser_log):
    uid = "1.2.826.0.1.3680043.10.543.99.1"
    triage.login(page, "supervisor")
    page.locator("header.topbar nav").get_by_role("link", name="New study").click()
    page.wait_for_url("**/studies/new")

    page.get_by_label("Severity").select_option("stat")
    page.get_by_label("Description").fill("CT Head without Contrast (trauma)")
    page.get_by_label("Study Instance UID").fill(uid)
    page.get_by_role("button", name="Create study").click()

    page.wait_for_url(re.compile(r"/studies/stu_[0-9a-f]+$"))
    expect(toast(page, "Study created: CT Head without Contrast (trauma).")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "STAT CT Head without Contrast (trauma)"
    )
    study_id = page.url.rsplit("/", 1)[1]
    triage.worklist(page)
    expect(row(page, study_id).locator("td.cell-severity .badge")).to_have_text("STAT")

    # The same UID again is refused next to the field, with a link to the existing study.
    browser_log.allow("status of 400")  # the refused form comes back as a 400 page
    page.goto(f"{triage.url}/studies/new")
    page.get_by_label("Description").fill("Duplicate")
    page.get_by_label("Study Instance UID").fill(uid)
    page.get_by_role("button", name="Create study").click()
    expect(page.get_by_role("alert")).to_have_text("Not created: the Study Instance UID is taken.")
    expect(page.locator(".field-error")).to_contain_text("already exists")
    expect(page.locator(".field-error").get_by_role("link", name="Open it")).to_have_attribute(
        "href", f"/studies/{study_id}"
    )


def test_new_study_with_more_metadata_rows_than_the_form_starts_with(page, triage, browser_log):
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/new")
    add_row = page.get_by_role("button", name="Add a row")
    for _ in range(2):
        add_row.click()
    rows = page.locator("#meta-table tbody tr")
    expect(rows).to_have_count(5)
    for i in range(5):
        rows.nth(i).locator("input").nth(0).fill(f"key{i}")
        rows.nth(i).locator("input").nth(1).fill(f"value {i}")
    page.get_by_label("Description").fill("MR Brain with five metadata pairs")
    page.get_by_label("Study Instance UID").fill("1.2.826.0.1.3680043.10.543.99.5")
    page.get_by_role("button", name="Create study").click()

    page.wait_for_url(re.compile(r"/studies/stu_[0-9a-f]+$"))
    keys = page.locator("#meta-table tbody tr td:first-child input")
    expect(keys.nth(4)).to_have_value("key4")
    browser_log.assert_clean()
