"""Cancel (supervisor) and restore (admin), each behind a confirmation step."""

import re

import pytest
from playwright.sync_api import expect

from .pages import QUICK_MS, first_page_study, log_out, row, rows, toast

pytestmark = pytest.mark.e2e


def test_supervisor_cancels_then_admin_restores(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    the_row = row(page, study.study_id)

    the_row.get_by_role("link", name="Cancel study…").click()
    expect(the_row.locator("td.cell-actions")).to_contain_text("Cancel this study?")
    the_row.get_by_role("button", name="Yes, cancel study").click()

    # In its place: what happened, and Undo (tests/e2e/test_undo.py).
    expect(the_row).to_have_class("row-notice")
    expect(the_row).to_contain_text(f"Study cancelled: {study.study_description}")
    expect(the_row.get_by_role("button", name="Undo")).to_be_visible()
    page.reload()
    expect(rows(page).first).to_be_visible()
    expect(row(page, study.study_id)).to_have_count(0)

    log_out(page)
    triage.login(page, "admin")
    show = page.locator("#filters").get_by_label("Show")
    show.select_option("cancelled")
    page.wait_for_url(re.compile(r"[?&]cancelled=cancelled(&|$)"))
    the_row = row(page, study.study_id)
    expect(the_row.locator("td.cell-description .tag")).to_have_text("Cancelled")
    cancelled = rows(page).count()
    expect(rows(page).locator("td.cell-description .tag")).to_have_text(["Cancelled"] * cancelled)

    the_row.get_by_role("link", name="Restore…").click()
    expect(the_row.locator("td.cell-actions")).to_contain_text("Restore this cancelled study?")
    the_row.get_by_role("button", name="Yes, restore study").click()

    expect(toast(page, "Study restored. It left this list.")).to_be_visible()
    expect(the_row).to_have_count(0)

    show.select_option("active")
    page.wait_for_url(re.compile(r"[?&]cancelled=active(&|$)"))
    the_row = row(page, study.study_id)
    expect(the_row).to_be_visible()
    expect(the_row.locator("td.cell-description .tag")).to_have_count(0)
    expect(the_row.get_by_role("link", name="Cancel study…")).to_be_visible()


def test_keep_as_is_leaves_the_study_alone(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    the_row = row(page, study.study_id)

    the_row.get_by_role("link", name="Cancel study…").click()
    the_row.get_by_role("link", name="Keep as is").click()

    expect(the_row.get_by_role("link", name="Cancel study…")).to_be_visible()
    expect(the_row.get_by_role("button", name="Yes, cancel study")).to_have_count(0)
    page.reload()
    expect(row(page, study.study_id)).to_be_visible()


def test_cancelling_a_study_avara_no_longer_has_says_so_in_a_toast(page, triage, browser_log):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    the_row = row(page, study.study_id)
    the_row.get_by_role("link", name="Cancel study…").click()
    confirm = the_row.get_by_role("button", name="Yes, cancel study")
    expect(confirm).to_be_visible()

    triage.sandbox.delete(study.study_id)  # removed upstream meanwhile
    browser_log.allow("status of 404")
    confirm.click()

    expect(
        toast(page, "That study does not exist in Avara (it may have been removed")
    ).to_be_visible(timeout=QUICK_MS)
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    expect(rows(page)).to_have_count(25)
    browser_log.assert_clean()
