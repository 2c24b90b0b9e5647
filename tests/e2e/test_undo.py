"""Undo after a cancel, in a real browser: the row's place says what happened and offers
Undo to the one who cancelled, for 30 seconds; the server holds the rule (an expired or
reused Undo is refused whatever the page shows); without JavaScript the page after the
cancel offers the same."""

import pytest
from playwright.sync_api import expect

from studies.models import AuditEntry
from studies.services import undo

from .pages import first_page_study, row, toast

pytestmark = pytest.mark.e2e
UNDONE = "Cancel undone: the study is active again."


def cancel_from_the_row(page, study_id: str):
    the_row = row(page, study_id)
    the_row.get_by_role("link", name="Cancel study…").click()
    the_row.get_by_role("button", name="Yes, cancel study").click()
    expect(the_row).to_have_class("row-notice")
    return the_row


def test_a_supervisor_undoes_their_own_cancel(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")

    notice = cancel_from_the_row(page, study.study_id)

    expect(notice).to_contain_text(f"Study cancelled: {study.study_description}")
    expect(notice).to_contain_text("You can undo this for 30 seconds.")
    expect(notice.get_by_role("link", name="Open the study")).to_have_count(0)  # not theirs to see
    expect(notice).to_be_focused()  # announced where the row was; Tab reaches Undo
    assert triage.sandbox.get(study.study_id).is_cancelled

    page.keyboard.press("Tab")
    expect(notice.get_by_role("button", name="Undo")).to_be_focused()
    page.keyboard.press("Enter")

    the_row = row(page, study.study_id)
    expect(the_row).not_to_have_class("row-notice")
    expect(the_row.get_by_role("link", name="Cancel study…")).to_be_visible()
    expect(toast(page, UNDONE)).to_be_visible()
    assert not triage.sandbox.get(study.study_id).is_cancelled
    entry = AuditEntry.objects.filter(action="undo_cancel").get()
    assert (entry.actor_username, entry.outcome) == ("supervisor", "applied")
    page.reload()
    expect(row(page, study.study_id)).to_be_visible()


def test_undo_goes_after_30_seconds_on_the_page(page, triage, settings):
    settings.TRIAGE_REFRESH_SECONDS = 0  # no refresh to take the notice away meanwhile
    study = first_page_study(triage.sandbox)
    page.clock.install()
    triage.login(page, "supervisor")
    notice = cancel_from_the_row(page, study.study_id)
    expect(notice.get_by_role("button", name="Undo")).to_be_visible()

    page.clock.fast_forward(31_000)

    expect(notice.get_by_role("button", name="Undo")).to_be_hidden()
    expect(notice).to_contain_text("Undo is no longer available.")
    assert triage.sandbox.get(study.study_id).is_cancelled


def test_an_undo_sent_after_the_window_is_refused_by_the_server(
    page, triage, monkeypatch, browser_log
):
    """Whatever the page still shows, the server measures the window itself."""
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    notice = cancel_from_the_row(page, study.study_id)
    now = undo.now()
    monkeypatch.setattr(undo, "now", lambda: now + 31)  # the server's clock, not the page's
    browser_log.allow("status of 403")

    notice.get_by_role("button", name="Undo").click()

    expect(toast(page, "Undo is no longer available: it lasts 30 seconds")).to_be_visible()
    expect(row(page, study.study_id)).to_have_class("row-notice")
    assert triage.sandbox.get(study.study_id).is_cancelled
    assert AuditEntry.objects.get(action="undo_cancel").outcome == "refused"


def test_someone_elses_undo_is_refused_even_sent_by_hand(page, second_page, triage, browser_log):
    """The button is only the author's, and the server says so too: another account
    sending the author's token (copied from their page) changes nothing."""
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    notice = cancel_from_the_row(page, study.study_id)
    token = notice.locator("input[name=u]").get_attribute("value")
    triage.login(second_page, "admin")
    browser_log.allow("status of 403")

    status = second_page.evaluate(
        """async ([url, token]) => {
            const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"];
            const body = new URLSearchParams({u: token});
            const headers = {"X-CSRFToken": csrf, "HX-Request": "true"};
            const answer = await fetch(url, {method: "POST", body, headers});
            return answer.status;
        }""",
        [f"{triage.url}/studies/{study.study_id}/undo", token],
    )

    assert status == 403
    assert triage.sandbox.get(study.study_id).is_cancelled
    entry = AuditEntry.objects.get(action="undo_cancel")
    assert (entry.actor_username, entry.outcome) == ("admin", "refused")
    notice.get_by_role("button", name="Undo").click()  # the author's own still works
    expect(toast(page, UNDONE)).to_be_visible()


def test_an_admin_is_offered_undo_and_the_study_page(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "admin")

    notice = cancel_from_the_row(page, study.study_id)

    expect(notice.get_by_role("button", name="Undo")).to_be_visible()
    notice.get_by_role("link", name="Open the study").click()
    page.wait_for_url(f"**/studies/{study.study_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancelled")


def test_the_notice_holds_the_live_refresh_until_undo_goes(page, triage, settings):
    """A refresh would wipe the notice (the study left the list): the rows wait."""
    settings.TRIAGE_REFRESH_SECONDS = 1
    settings.TRIAGE_LIST_SHARE_SECONDS = 0
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    notice = cancel_from_the_row(page, study.study_id)
    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("x-triage-refresh") else None)

    for _ in range(2):  # the STAT count is still read, every interval
        with page.expect_response(lambda r: "/counts" in r.url):
            pass

    expect(notice.get_by_role("button", name="Undo")).to_be_visible()
    assert polls == []


# --- Without JavaScript --------------------------------------------------------------------


def test_without_javascript_the_page_after_the_cancel_offers_undo(page_without_js, triage):
    page = page_without_js
    study = first_page_study(triage.sandbox)
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/{study.study_id}")

    page.get_by_role("link", name="Cancel study…").click()
    expect(page.get_by_role("link", name="Keep as is")).to_be_focused()  # the safe choice
    page.get_by_role("button", name="Yes, cancel study").click()

    page.wait_for_url(f"**/studies/{study.study_id}/cancelled?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Study cancelled")
    expect(page.locator("main")).to_contain_text(study.study_description)
    expect(page.locator("main")).to_contain_text("your role cannot open cancelled studies")
    assert triage.sandbox.get(study.study_id).is_cancelled

    page.get_by_role("button", name="Undo the cancel").click()

    expect(toast(page, UNDONE)).to_be_visible()
    assert not triage.sandbox.get(study.study_id).is_cancelled
    page.go_back()  # the page after the cancel, again: its Undo is used
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("This study is active")
    expect(page.get_by_role("button", name="Undo the cancel")).to_have_count(0)
