"""What the browser tests look at: rows, toasts, and the seeded studies behind them.

The sandbox lists studies newest first (createdAt, then studyId, descending), so
`active_studies()` gives the worklist's rows in the order a user sees them.
"""

import re

from playwright.sync_api import Locator, Page
from sandbox_control import SandboxControl, Study, User

PAGE_SIZE = 25
# How long the tests of known bugs (strict xfail) wait for the right outcome: a correct
# app shows it at once, so they fail fast instead of waiting the full default timeout.
QUICK_MS = 3_000


def active_studies(sandbox: SandboxControl) -> list[Study]:
    """Every active (not cancelled) study, in worklist order (read through the API)."""
    return sandbox.studies(is_cancelled=False)


def first_page_study(sandbox: SandboxControl, **conditions) -> Study:
    """The first study on page 1 of the default worklist matching every condition,
    e.g. first_page_study(triage.sandbox, severity="normal", assigned_to=None)."""
    for study in active_studies(sandbox)[:PAGE_SIZE]:
        if all(_attr(study, name) == value for name, value in conditions.items()):
            return study
    raise AssertionError(f"No study on the first page matches {conditions}")


def _attr(study, name: str):
    if name == "assigned_to":
        return study.assigned_to_id
    return getattr(study, name)


def sandbox_user(sandbox: SandboxControl, key: str) -> User:
    """A seeded sandbox user by the local part of its email (radiologist1, supervisor...)."""
    return sandbox.user_by_email(f"{key}@example.org")


def display_name(user) -> str:
    """How the dashboard names an Avara user: "Marcus T. Okafor, MD, FACR"."""
    initial = f"{user.middle_name[0]}." if user.middle_name else ""
    name = " ".join(p for p in (user.first_name, initial, user.last_name) if p)
    return ", ".join([name, *[s for s in (user.suffix1, user.suffix2) if s]])


def row(page: Page, study_id: str) -> Locator:
    return page.locator(f"#study-{study_id}")


def rows(page: Page) -> Locator:
    return page.locator("table.studies tbody tr[id^='study-']")


def row_ids(page: Page) -> list[str]:
    return [i.removeprefix("study-") for i in rows(page).evaluate_all("rs => rs.map(r => r.id)")]


def toast(page: Page, text: str | re.Pattern) -> Locator:
    return page.locator("#toasts .toast").filter(has_text=text)


def pager_label(page: Page) -> Locator:
    return page.locator("#pager-count")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
