"""Logging in as each role: the worklist with the seeded studies, and only the links and
buttons that role may use."""

import pytest
from playwright.sync_api import expect

from .conftest import RESULTS
from .pages import PAGE_SIZE, active_studies, row_ids, rows

pytestmark = pytest.mark.e2e

# role -> what its navigation and worklist show (True) or hide (False)
CAN = {
    "radiologist": {"New study": False, "Audit trail": False, "Accounts": False, "cancel": False,
                    "show filter": False, "severity edit": False},
    "supervisor": {"New study": True, "Audit trail": False, "Accounts": False, "cancel": True,
                   "show filter": False, "severity edit": True},
    "admin": {"New study": True, "Audit trail": True, "Accounts": True, "cancel": True,
              "show filter": True, "severity edit": True},
}  # fmt: skip


@pytest.mark.parametrize("role", ["radiologist", "supervisor", "admin"])
def test_each_role_logs_in_and_sees_what_it_may_do(page, triage, role):
    page.goto(triage.url + "/")
    page.wait_for_url("**/accounts/login/?next=/")
    triage.login(page, role)

    expected = [s.study_id for s in active_studies(triage.sandbox)[:PAGE_SIZE]]
    expect(rows(page)).to_have_count(PAGE_SIZE)
    assert row_ids(page) == expected
    expect(page.locator("#pager-count")).to_have_text(f"Page 1 · {PAGE_SIZE} studies shown")
    # How many the list holds: Avara says there are more.
    expect(page.locator(".freshness .total")).to_have_text(
        f"{PAGE_SIZE} of more than {PAGE_SIZE} studies"
    )

    nav = page.locator("header.topbar nav")
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
    for link in ("New study", "Audit trail", "Accounts"):
        expect(nav.get_by_role("link", name=link)).to_have_count(int(CAN[role][link]))
    cancel_buttons = page.locator("td.cell-actions").get_by_role("link", name="Cancel study…")
    expect(cancel_buttons).to_have_count(PAGE_SIZE if CAN[role]["cancel"] else 0)
    expect(page.locator("#filters").get_by_label("Show")).to_have_count(
        int(CAN[role]["show filter"])
    )
    severity_links = page.locator("td.cell-severity a.badge")
    expect(severity_links).to_have_count(PAGE_SIZE if CAN[role]["severity edit"] else 0)
    # Every role may open studies in the viewer.
    open_links = page.get_by_role("link", name="Open in the viewer (new tab)")
    expect(open_links).to_have_count(PAGE_SIZE)

    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=RESULTS / f"worklist-{role}.png", full_page=True)


def test_a_wrong_password_is_refused(page, triage):
    page.goto(triage.url + "/accounts/login/")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("p.error")).to_contain_text("didn't match")
    expect(page.locator("table.studies")).to_have_count(0)
