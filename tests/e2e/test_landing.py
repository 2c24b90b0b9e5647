"""Where each role lands after logging in, with no landing page of their own chosen:
readers at the queue, their own open studies first (its Mine view, when they have
some); supervisors at the workload board (who has what); admins at the worklist with
cancelled studies shown (what only they can restore). The lists are reachable from the
top bar."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("username", "lands_on", "heading"),
    [
        ("radiologist", r"/queue\?show=mine$", "Queue"),
        ("supervisor", r"/workload$", "Workload"),
        ("admin", r"/\?cancelled=all$", "Worklist"),
    ],
)
def test_each_role_lands_where_its_work_is(page, triage, username, lands_on, heading):
    triage.login(page, username, worklist=False)

    expect(page).to_have_url(re.compile(lands_on))
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    if heading == "Queue":
        expect(page.locator(".rule")).to_contain_text("Every STAT study comes first")
        expect(page.locator('.presets a[aria-current="page"]')).to_have_text("Mine")
    nav = page.locator(".topbar nav")
    expect(nav.get_by_role("link", name="Queue")).to_be_visible()
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
