"""Filters and pages live in the URL: HTMX swaps the results, pushes the URL, and the
browser's back and forward buttons bring the earlier lists back."""

import re

import pytest
from playwright.sync_api import expect

from .pages import PAGE_SIZE, QUICK_MS, active_studies, pager_label, row_ids, rows

pytestmark = pytest.mark.e2e


def test_severity_filter_pushes_the_url_and_back_restores_the_list(page, triage):
    triage.login(page, "supervisor")
    first_page = row_ids(page)
    stat = [s.study_id for s in active_studies(triage.sandbox) if s.severity == "stat"]
    assert 0 < len(stat) < PAGE_SIZE, "the seed should give a short STAT list"

    page.locator("#filters").get_by_label("Severity").select_option("stat")

    page.wait_for_url(re.compile(r"[?&]severity=stat(&|$)"))
    expect(rows(page)).to_have_count(len(stat))
    expect(rows(page).locator("td.cell-severity .badge")).to_have_text(["STAT"] * len(stat))
    assert row_ids(page) == stat
    expect(rows(page).and_(page.locator(":not(.sev-stat)"))).to_have_count(0)

    page.go_back()

    page.wait_for_url(f"{triage.url}/")
    expect(rows(page)).to_have_count(PAGE_SIZE)
    assert row_ids(page) == first_page
    expect(page.locator("#filters").get_by_label("Severity")).to_have_value("")

    page.go_forward()

    page.wait_for_url(re.compile(r"[?&]severity=stat(&|$)"))
    expect(rows(page)).to_have_count(len(stat))


def test_next_and_previous_pages_and_the_browser_buttons(page, triage):
    triage.login(page, "supervisor")
    triage.worklist(page, f"?limit={PAGE_SIZE}")
    active = [s.study_id for s in active_studies(triage.sandbox)]
    pages = [active[i : i + PAGE_SIZE] for i in range(0, len(active), PAGE_SIZE)]
    assert len(pages) >= 3, "80 seeded studies should make several pages of 25"
    next_link = page.get_by_role("link", name="Next →")
    previous_link = page.get_by_role("link", name="← Previous")

    def shows(number: int) -> list[str]:
        # How many: "more than" the studies paged through so far, exact on the last page.
        shown, seen = len(pages[number - 1]), sum(len(p) for p in pages[:number])
        total = f"{len(active)}" if number == len(pages) else f"more than {seen}"
        expect(pager_label(page)).to_have_text(f"Page {number} · {shown} studies shown")
        expect(page.locator(".freshness .total")).to_have_text(f"{shown} of {total} studies")
        expect(rows(page)).to_have_count(len(pages[number - 1]))
        return row_ids(page)

    page_1 = shows(1)
    assert page_1 == pages[0]
    expect(previous_link).to_have_count(0)

    next_link.click()
    page.wait_for_url(re.compile(r"[?&]c="))
    page_2 = shows(2)
    assert page_2 == pages[1]
    assert not set(page_2) & set(page_1)

    next_link.click()
    page_3 = shows(3)
    assert page_3 == pages[2]
    assert not set(page_3) & (set(page_1) | set(page_2))

    previous_link.click()
    assert shows(2) == page_2
    previous_link.click()
    assert shows(1) == page_1
    expect(previous_link).to_have_count(0)
    assert "c=" not in page.url

    # History now holds: 1, 2, 3, 2, 1 (this one).
    page.go_back()
    assert shows(2) == page_2
    page.go_back()
    assert shows(3) == page_3
    page.go_forward()
    assert shows(2) == page_2

    # On to the last page, which has no Next link.
    for number in range(3, len(pages) + 1):
        next_link.click()
        assert shows(number) == pages[number - 1]
    expect(next_link).to_have_count(0)


def test_a_quick_filter_shows_in_the_filter_controls(page, triage, browser_log):
    triage.login(page, "supervisor")
    filters = page.locator("#filters")

    page.locator("nav.presets").get_by_role("link", name="Unassigned", exact=True).click()

    page.wait_for_url(re.compile(r"[?&]assignee=none(&|$)"))
    expect(rows(page).locator("td.cell-assignee")).not_to_have_count(0)
    expect(filters.get_by_label("Assignee")).to_have_value("none", timeout=QUICK_MS)

    filters.get_by_label("Severity").select_option("stat")

    page.wait_for_url(re.compile(r"[?&]severity=stat(&|$)"))
    assert re.search(r"[?&]assignee=none(&|$)", page.url)
    browser_log.assert_clean()
