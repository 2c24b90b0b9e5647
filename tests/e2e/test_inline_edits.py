"""Inline edits as a supervisor: one click opens the control, Save redraws the row and
says so in a toast, and the change is still there after a reload. A save refused because
of what happened meanwhile redraws the row as it is now and says why."""

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_severity(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    cell = row(page, study.study_id).locator("td.cell-severity")
    expect(cell.locator("a.badge")).to_have_text("Normal")

    cell.locator("a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    expect(control).to_have_value("normal")
    control.select_option("stat")
    row(page, study.study_id).get_by_role("button", name="Save").click()

    expect(cell.locator("a.badge")).to_have_text("STAT")
    expect(cell.locator("a.badge")).to_have_class("badge badge-stat")
    expect(row(page, study.study_id)).to_have_class("sev-stat")
    expect(toast(page, "Severity saved: STAT.")).to_be_visible()

    page.reload()
    expect(row(page, study.study_id).locator("td.cell-severity .badge")).to_have_text("STAT")


def test_assignee(page, triage):
    study = first_page_study(triage.sandbox, assigned_to=None)
    doctor = sandbox_user(triage.sandbox, "radiologist3")
    name = display_name(doctor)
    triage.login(page, "supervisor")
    cell = row(page, study.study_id).locator("td.cell-assignee")
    expect(cell).to_have_text("Unassigned")

    cell.get_by_role("link", name="Unassigned").click()
    control = row(page, study.study_id).locator("td.cell-assignee select[name=value]")
    expect(control).to_have_value("")
    expect(control.locator(f"option[value='{doctor.user_id}']")).to_have_text(
        f"{name} — Radiologist"
    )
    control.select_option(doctor.user_id)
    row(page, study.study_id).get_by_role("button", name="Save").click()

    expect(cell).to_have_text(name)
    expect(toast(page, f"Assignee saved: {name}.")).to_be_visible()
    # Someone else's study: no "Me" tag, no Claim button left on the row.
    expect(cell.locator(".tag-me")).to_have_count(0)
    expect(row(page, study.study_id).get_by_role("button", name="Claim")).to_have_count(0)

    page.reload()
    expect(row(page, study.study_id).locator("td.cell-assignee")).to_have_text(name)


def test_status(page, triage):
    study = first_page_study(triage.sandbox, study_viewer_status="incomplete")
    triage.login(page, "supervisor")
    cell = row(page, study.study_id).locator("td.cell-status")
    expect(cell).to_have_text("To read")

    cell.get_by_role("link", name="To read").click()
    control = row(page, study.study_id).locator("td.cell-status select[name=value]")
    expect(control).to_have_value("incomplete")
    control.select_option(label="Complete")
    row(page, study.study_id).get_by_role("button", name="Save").click()

    expect(cell).to_have_text("Complete")
    expect(toast(page, "Viewer status saved: Complete.")).to_be_visible()

    page.reload()
    expect(row(page, study.study_id).locator("td.cell-status")).to_have_text("Complete")


def test_dismissing_a_control_puts_the_row_back_unchanged(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")

    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    control.select_option("high")
    row(page, study.study_id).get_by_role("link", name="Close", exact=True).click()

    expect(control).to_have_count(0)
    expect(row(page, study.study_id).locator("td.cell-severity a.badge")).to_have_text("Normal")


def test_a_save_on_a_study_cancelled_meanwhile_is_refused_and_the_row_leaves(
    page, triage, browser_log
):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    expect(control).to_be_visible()

    # Someone cancels the study upstream while the control is open: the read before the
    # write sees it, nothing is sent, and a supervisor's list no longer shows the study.
    triage.sandbox.cancel(study.study_id)
    browser_log.allow("status of 409")
    control.select_option("high")
    row(page, study.study_id).get_by_role("button", name="Save").click()

    message = "This study is cancelled; it must be restored before it can be changed."
    expect(toast(page, f"{message} It left this list.")).to_be_visible()
    expect(row(page, study.study_id)).to_have_count(0)
    assert triage.sandbox.get(study.study_id).severity == "normal"


def test_a_failed_save_keeps_the_choice_open_with_the_reason(page, triage, browser_log):
    """Avara down for the save: the control stays open with the user's choice and why."""
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    control.select_option("stat")

    triage.sandbox.fault(path="/v1/*", status=503)  # Avara down
    browser_log.allow("status of 503")
    row(page, study.study_id).get_by_role("button", name="Save").click()

    error = row(page, study.study_id).locator("td.cell-severity .field-error")
    expect(error).to_contain_text("Avara is not answering right now")
    expect(control).to_be_visible()
    expect(control).to_have_value("stat")
    triage.sandbox.clear_faults()
    assert triage.sandbox.get(study.study_id).severity == "normal"
