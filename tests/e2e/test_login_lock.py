"""In the browser: repeated wrong passwords lock a login (the page says until when), an
admin sees the lock on the Accounts page and lifts it, and the right password works."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import PASSWORDS
from .pages import log_out

pytestmark = pytest.mark.e2e


def try_login(page, triage, username: str, password: str) -> None:
    page.goto(f"{triage.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_locked_login_is_explained_and_an_admin_unlocks_it(page, triage, browser_log):
    browser_log.allow("status of 429")  # the lock page's own status, in Chromium's console
    for _ in range(settings.AXES_FAILURE_LIMIT):
        try_login(page, triage, "radiologist", "not-the-password")

    try_login(page, triage, "radiologist", PASSWORDS["radiologist"])

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Too many failed logins for this username from your address.")
    expect(alert).to_contain_text(re.compile(r"paused until \d\d:\d\d \(about \d+ minutes?\)"))
    # The zone is named on hover.
    expect(alert.locator("time")).to_have_attribute("title", re.compile(r"\d\d:\d\d \S+"))
    expect(page.locator("table.studies")).to_have_count(0)

    triage.login(page, "admin")
    page.locator("header.topbar nav").get_by_role("link", name="Accounts").click()
    locks = page.locator("#login-locks tbody tr")
    expect(locks).to_have_count(1)
    expect(locks.locator("td").nth(0)).to_have_text("radiologist")
    expect(page.locator("table.accounts").first).to_contain_text("Login locked")
    locks.get_by_role("button", name=re.compile("Unlock")).click()

    expect(page.locator("#toasts")).to_contain_text("Unlocked radiologist from 127.0.0.1.")
    expect(page.locator("#login-locks tbody")).to_contain_text("No login is locked.")
    log_out(page)

    triage.login(page, "radiologist")
