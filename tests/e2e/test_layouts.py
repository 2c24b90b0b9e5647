"""Layouts that fit (static/css/triage.css): at 1,024 px the UID and its Copy stay while
the least used columns (Updated, then Customer) give way, their filter with them; at
390 px rows are cards with every action within reach (at least 24 px high) and no page is
wider than the screen."""

from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import BrowserLog, Triage, person
from .pages import first_page_study, row, rows, sandbox_user

pytestmark = pytest.mark.e2e

ROLES = ("radiologist", "supervisor", "admin")


@contextmanager
def _screen(browser: Browser, log: BrowserLog, width: int):
    with person(browser, log, width=width) as page:
        yield page
    log.assert_clean()


def _shown(page: Page, selector: str) -> list[bool]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.getClientRects().length > 0)")


def _scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/", "/queue"])
def test_at_1024_px_the_uid_and_copy_stay_and_the_least_used_columns_go(
    browser, browser_log, triage: Triage, role, path
):
    with _screen(browser, browser_log, 1024) as page:
        triage.login(page, role, worklist=False)
        page.goto(triage.url + path)
        first = rows(page).first

        expect(page.locator("th.col-uid")).to_be_visible()
        expect(first.locator("td.cell-uid code")).to_be_visible()
        expect(first.locator("td.cell-uid button.copy")).to_be_visible()
        for column in ("customer", "updated"):
            expect(page.locator(f"th.col-{column}")).to_be_hidden()
            assert not any(_shown(page, f"td.cell-{column}")), column
        if path == "/":  # no filter for a column one cannot see
            expect(page.locator("label.filter-customer")).to_be_hidden()
        assert _scroll_width(page) <= 1024


def test_a_customer_filter_that_is_set_stays_in_sight(browser, browser_log, triage):
    customer = triage.sandbox.customer("Harbour Imaging")
    triage.sandbox.study(express_customer_id=customer.customer_id)
    with _screen(browser, browser_log, 1024) as page:
        triage.login(page, "supervisor")
        triage.worklist(page, f"?customer={customer.customer_id}")

        expect(page.locator("label.filter-customer select")).to_be_visible()
        expect(page.locator("label.filter-customer select")).to_have_value(customer.customer_id)


@pytest.mark.parametrize(
    ("width", "customer", "updated"), [(1280, True, False), (1920, True, True)]
)
def test_wider_screens_show_the_columns_again(
    browser, browser_log, triage, width, customer, updated
):
    with _screen(browser, browser_log, width) as page:
        triage.login(page, "supervisor")

        for column, visible in (("uid", True), ("customer", customer), ("updated", updated)):
            header = page.locator(f"th.col-{column}")
            (expect(header).to_be_visible if visible else expect(header).to_be_hidden)()
        expect(page.locator("label.filter-customer")).to_be_visible()
        assert _scroll_width(page) <= width


def _phone_pages(triage: Triage, role: str) -> list[str]:
    study = first_page_study(triage.sandbox, assigned_to=None)
    pages = ["/", "/queue", f"/studies/{study.study_id}", f"/studies/{study.study_id}/skip"]
    pages += ["/lists/"]
    if role != "radiologist":
        pages += ["/studies/new", f"/studies/{study.study_id}/cancel", "/workload"]
        pages += ["/workload/balance"]
    if role == "admin":
        pages += ["/audit/", "/accounts/", "/accounts/new", "/?cancelled=all"]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_at_390_px_no_page_is_wider_than_the_screen(browser, browser_log, triage, role):
    with _screen(browser, browser_log, 390) as page:
        triage.login(page, role, worklist=False)
        for path in _phone_pages(triage, role):
            page.goto(triage.url + path)
            page.wait_for_load_state()
            assert _scroll_width(page) <= 390, path
        page.goto(f"{triage.url}/accounts/login/")
        assert _scroll_width(page) <= 390


def test_at_390_px_balance_moves_are_cards_that_say_from_whom_to_whom(browser, browser_log, triage):
    """A move's cells after its first line (pick, severity, study) each say what they
    are, a line each, inside the card."""
    with _screen(browser, browser_log, 390) as page:
        triage.login(page, "supervisor", worklist=False)
        page.goto(triage.url + "/workload/balance")
        first = page.locator("table.moves tbody tr").first

        expect(first).to_have_css("display", "grid")
        labels = first.locator("td").evaluate_all(
            """tds => tds.map(td => getComputedStyle(td, "::before").content)"""
        )
        assert labels[3:] == ['"Waiting: "', '"From: "', '"To: "', '"Why: "'], labels
        for cell in _targets(page, "table.moves tbody tr:first-child td"):
            assert cell["left"] >= 0 and cell["right"] <= 390, cell
        assert _scroll_width(page) <= 390


def _targets(page: Page, selector: str) -> list[dict]:
    return page.locator(selector).evaluate_all(
        """els => els.filter(e => e.getClientRects().length).map(e => {
            const r = e.getBoundingClientRect();
            return {text: e.textContent.trim(), left: r.left, right: r.right, height: r.height};
        })"""
    )


@pytest.mark.parametrize(("role", "path"), [("radiologist", "/queue"), ("supervisor", "/")])
def test_at_390_px_rows_are_cards_with_every_action_within_reach(
    browser, browser_log, triage, role, path
):
    with _screen(browser, browser_log, 390) as page:
        triage.login(page, role, worklist=False)
        page.goto(triage.url + path)
        first = rows(page).first

        expect(page.locator("table.studies thead")).to_have_css("position", "absolute")
        expect(first).to_have_css("display", "grid")  # a card
        for cell in ("severity", "description", "uid", "assignee", "status", "age"):
            expect(first.locator(f"td.cell-{cell}")).to_be_visible()
        actions = _targets(page, "table.studies td.cell-actions a")
        assert {a["text"] for a in actions} >= {"Open in the viewer (new tab)"}
        for action in actions:
            assert action["left"] >= 0 and action["right"] <= 390, action
            assert action["height"] >= 24, action
        for link in _targets(page, "header.topbar a, header.topbar button"):
            assert link["left"] >= 0 and link["right"] <= 390, link
        assert _scroll_width(page) <= 390


def test_at_390_px_an_open_picker_fits_the_card(browser, browser_log, triage):
    study = first_page_study(triage.sandbox, assigned_to=None)
    longest = sandbox_user(triage.sandbox, "radiologist1")
    triage.sandbox.update(study.study_id, assigned_to=longest.user_id)
    with _screen(browser, browser_log, 390) as page:
        triage.login(page, "supervisor")

        row(page, study.study_id).locator("td.cell-assignee a[data-cell]").click()
        control = row(page, study.study_id).locator("td.editing select")
        expect(control).to_be_visible()
        for button in _targets(page, "td.editing button, td.editing a"):
            assert button["right"] <= 390 and button["height"] >= 24, button
        assert _scroll_width(page) <= 390
