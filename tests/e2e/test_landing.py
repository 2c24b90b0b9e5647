"""Where each role lands after logging in: readers at the queue, supervisors and admins
at the workload board (the queue and the worklist reachable from the top bar)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("username", "lands_on", "heading"),
    [
        ("radiologist", r"/queue$", "Queue"),
        ("supervisor", r"/workload$", "Workload"),
        ("admin", r"/workload$", "Workload"),
    ],
)
def test_each_role_lands_where_its_work_is(page, triage, username, lands_on, heading):
    triage.login(page, username, worklist=False)

    expect(page).to_have_url(re.compile(lands_on))
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    if heading == "Queue":
        expect(page.locator(".rule")).to_contain_text("Every STAT study comes first")
    nav = page.locator(".topbar nav")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
