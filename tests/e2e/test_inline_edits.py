"""Inline edits as a supervisor: one click opens the control, Save redraws the row and
says so in a toast, and the change is still there after a reload. A refused save keeps
the user's choice open and says why."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_severity(page, triage):
    study = first_page_study(severity="normal")
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
    study = first_page_study(assigned_to=None)
    doctor = sandbox_user("radiologist3")
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
    study = first_page_study(study_viewer_status="incomplete")
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
    study = first_page_study(severity="normal")
    triage.login(page, "supervisor")

    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    control.select_option("high")
    row(page, study.study_id).get_by_role("link", name="Cancel", exact=True).click()

    expect(control).to_have_count(0)
    expect(row(page, study.study_id).locator("td.cell-severity a.badge")).to_have_text("Normal")


def test_a_refused_save_keeps_the_choice_and_says_why(page, triage, browser_log):
    from sandbox.models import Study

    study = first_page_study(severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    control = row(page, study.study_id).locator("td.cell-severity select[name=value]")
    expect(control).to_be_visible()

    # Someone cancels the study upstream while the control is open: Avara answers 409.
    now = timezone.now()
    Study.objects.filter(pk=study.pk).update(is_cancelled=True, cancelled_at=now, updated_at=now)
    browser_log.allow("status of 409")
    control.select_option("high")
    row(page, study.study_id).get_by_role("button", name="Save").click()

    error = row(page, study.study_id).locator("td.cell-severity .field-error")
    expect(error).to_have_text("The study is cancelled; uncancel it first.")
    expect(control).to_be_visible()
    expect(control).to_have_value("high")
    expect(row(page, study.study_id).get_by_role("button", name="Save")).to_be_visible()
    assert Study.objects.get(pk=study.pk).severity == "normal"
