"""Every edit leaves a line in the audit trail: on the admin's Audit trail page and in
the study page's History."""

import re

import pytest
from playwright.sync_api import expect

from .pages import first_page_study, log_out, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_an_edit_shows_in_the_audit_trail_and_the_study_history(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    who = sandbox_user(triage.sandbox, "supervisor")
    supervisor = f"{who.first_name} {who.last_name}"  # the demo account's name
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    row(page, study.study_id).locator("select[name=value]").select_option("high")
    row(page, study.study_id).get_by_role("button", name="Save").click()
    expect(toast(page, "Severity saved: High.")).to_be_visible()
    log_out(page)

    triage.login(page, "admin")
    page.locator("header.topbar nav").get_by_role("link", name="Audit trail").click()

    page.wait_for_url("**/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    entries = page.locator("table.audit tbody tr")
    expect(entries).to_have_count(1)
    # People by name, fields and values in the page's words.
    expect(entries.locator("td")).to_have_text(
        [
            re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"),  # when (the zone on hover)
            supervisor,
            "Changed study",
            f"{study.study_id[:12]}…",
            "Severity: Normal → High",
            "Applied",
        ]
    )
    expect(entries.locator("td time")).to_have_attribute("title", re.compile(r" UTC$"))
    expect(entries.locator("td span[title='Login: supervisor']")).to_have_text(supervisor)

    entries.first.get_by_role("link").click()

    page.wait_for_url(f"**/studies/{study.study_id}")
    history = page.locator("table.audit tbody tr")
    expect(history).to_have_count(1)
    expect(history.locator("td").nth(1)).to_have_text(supervisor)
    expect(history.locator("td").nth(3)).to_have_text("Severity: Normal → High")
    expect(page.locator("dl.fields dt:has-text('Severity') + dd")).to_contain_text("High")
