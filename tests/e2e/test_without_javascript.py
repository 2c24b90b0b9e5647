"""The worklist without JavaScript: a row's controls are plain links to pages of their
own (a control drawn from a fresh read, a confirmation), and a form posts the change."""

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(page_without_js):
    return page_without_js


def test_severity_changed_on_the_controls_own_page(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")

    row(page, study.study_id).locator("td.cell-severity a.badge").click()

    page.wait_for_url(f"**/studies/{study.study_id}/edit/severity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change severity")
    control = page.locator("select[name=value]")
    expect(control).to_have_value("normal")
    control.select_option("stat")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**/studies/{study.study_id}")
    expect(toast(page, "Severity saved: STAT.")).to_be_visible()
    assert triage.sandbox.get(study.study_id).severity == "stat"


def test_claim_asks_first_then_claims(page, triage):
    study = first_page_study(triage.sandbox, assigned_to=None)
    me = sandbox_user(triage.sandbox, "radiologist1")
    triage.login(page, "radiologist")

    row(page, study.study_id).get_by_role("button", name="Claim").click()

    page.wait_for_url(f"**/studies/{study.study_id}/claim")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim this study?")
    assert triage.sandbox.get(study.study_id).assigned_to_id is None  # nothing yet
    page.get_by_role("button", name="Yes, claim it").click()

    page.wait_for_url(f"**/studies/{study.study_id}")
    expect(toast(page, f"Assignee saved: {display_name(me)}.")).to_be_visible()
    assert triage.sandbox.get(study.study_id).assigned_to_id == me.user_id


def test_a_bulk_action_posts_and_shows_its_results_without_javascript(page, triage, browser_log):
    browser_log.allow("status of 409")  # the second post's answer: Already sent
    triage.login(page, "supervisor")  # the worklist, newest first
    boxes = page.locator("input[name='pick'][form='bulk']")
    ids = [boxes.nth(i).get_attribute("value").split("~")[0] for i in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()

    page.locator("#bulk-severity").select_option("stat")
    page.get_by_role("button", name="Set", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set severity to STAT: 2 studies")
    expect(page.locator(".bulk-summary")).to_contain_text("of 2 done")
    assert {triage.sandbox.get(i).severity for i in ids} == {"stat"}
    page.reload()  # the browser sends the same form again: acted on once, and said so
    expect(page.get_by_role("heading", level=1)).to_have_text("Already sent")
    expect(page.locator("main")).to_contain_text("nothing was sent again")
