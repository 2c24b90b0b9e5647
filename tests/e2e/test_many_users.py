"""Many people, one queue (issue 6): two browsers on the same study, and Back after a
change made elsewhere. Nothing one user does is silently overwritten by another's stale
screen, and no screen shows a list older than the navigation."""

import re

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_a_picker_saved_after_someone_claimed_the_study_shows_the_conflict(
    page, second_page, triage, browser_log
):
    from studies.models import Account

    study = first_page_study(triage.sandbox, assigned_to=None)
    reader_id = Account.objects.get(user__username="radiologist").avara_user_id
    reader = display_name(triage.sandbox.user_get(reader_id))
    doctor = sandbox_user(triage.sandbox, "radiologist3")
    supervisor, radiologist = page, second_page
    triage.login(supervisor, "supervisor")
    triage.login(radiologist, "radiologist")

    # A opens the assignee picker and chooses a doctor...
    row(supervisor, study.study_id).locator("td.cell-assignee a").click()
    picker = row(supervisor, study.study_id).locator("td.cell-assignee select[name=value]")
    picker.select_option(doctor.user_id)
    # ...B claims the study meanwhile...
    row(radiologist, study.study_id).get_by_role("button", name="Claim").click()
    expect(toast(radiologist, f"Assignee saved: {reader}.")).to_be_visible()
    expect(row(radiologist, study.study_id).locator(".tag-me")).to_be_visible()
    # ...and A saves: a conflict, nothing written, the choice kept.
    browser_log.allow("status of 409")
    row(supervisor, study.study_id).get_by_role("button", name="Save").click()

    error = row(supervisor, study.study_id).locator("td.cell-assignee .field-error")
    expect(error).to_contain_text(f"Assignee is now {reader}, set ")
    expect(error).to_contain_text("Save again to apply your choice over it")
    expect(picker).to_have_value(doctor.user_id)
    assert triage.sandbox.get(study.study_id).assigned_to_id == reader_id
    radiologist.reload()
    expect(row(radiologist, study.study_id).locator(".tag-me")).to_be_visible()

    # Saving again is a decision made knowing the claim: it applies.
    row(supervisor, study.study_id).get_by_role("button", name="Save").click()
    expect(row(supervisor, study.study_id).locator("td.cell-assignee")).to_have_text(
        display_name(doctor)
    )
    assert triage.sandbox.get(study.study_id).assigned_to_id == doctor.user_id


def log_in(page, triage, username: str, password: str) -> None:
    page.goto(f"{triage.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("table.studies")).to_be_visible()  # readers land on the queue
    triage.worklist(page)


def second_radiologist(sandbox, password: str):
    """Another radiologist's login, acting as another seeded Avara radiologist."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from studies.models import Account

    taken = set(Account.objects.values_list("avara_user_id", flat=True))
    avara_user = min(
        (u for u in sandbox.users() if u.email.startswith("radiologist")),
        key=lambda u: (u.user_id in taken, u.email),
    )
    assert avara_user.user_id not in taken
    user = get_user_model().objects.create_user(
        username="reader2", password=password, first_name="Second", last_name="Reader"
    )
    user.groups.add(Group.objects.get(name="Radiologist"))
    Account.objects.create(user=user, avara_user_id=avara_user.user_id)
    return avara_user


def test_two_radiologists_claiming_the_same_study_one_is_told_who_won(
    page, second_page, triage, browser_log
):
    study = first_page_study(triage.sandbox, assigned_to=None)
    first, second = page, second_page
    second_radiologist(triage.sandbox, password="Reader-Two-Password-42")
    triage.login(first, "radiologist")
    log_in(second, triage, "reader2", "Reader-Two-Password-42")

    row(first, study.study_id).get_by_role("button", name="Claim").click()
    expect(row(first, study.study_id).locator(".tag-me")).to_be_visible()
    browser_log.allow("status of 409")
    row(second, study.study_id).get_by_role("button", name="Claim").click()

    owner = triage.sandbox.get(study.study_id).assigned_to
    name = display_name(owner)
    expect(toast(second, re.compile(rf"^{re.escape(name)} has this study"))).to_be_visible()
    expect(row(second, study.study_id).locator("td.cell-assignee")).to_have_text(name)
    expect(row(second, study.study_id).get_by_role("button", name="Claim")).to_have_count(0)


def test_back_shows_the_list_as_it_is_now_without_an_open_control(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a.badge").click()
    expect(row(page, study.study_id).locator("td.editing")).to_be_visible()

    page.locator("#filters").get_by_label("Severity").select_option("stat")
    page.wait_for_url(re.compile(r"[?&]severity=stat(&|$)"))
    expect(row(page, study.study_id)).to_have_count(0)
    # Someone else changes the study while this user looks at another list.
    triage.sandbox.update(study.study_id, study_description="Changed elsewhere", severity="high")

    page.go_back()

    page.wait_for_url(f"{triage.url}/")
    the_row = row(page, study.study_id)
    expect(the_row.locator("td.cell-description")).to_have_text("Changed elsewhere")
    expect(the_row.locator("td.cell-severity .badge")).to_have_text("High")
    expect(page.locator("td.editing")).to_have_count(0)
