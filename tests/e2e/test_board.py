"""The supervisor's board in Chromium, as a supervisor uses it: the bars and what they
link to, ticking rows (shift-click, select all, the keyboard), a bulk action's results
page, Balance's preview and apply, and an axe check of the board."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .pages import display_name, sandbox_user

pytestmark = pytest.mark.e2e


def board(page: Page, triage, query: str = "") -> None:
    page.goto(f"{triage.url}/workload{query}")
    expect(page.locator("table.workload")).to_be_visible()


def picks(page: Page):
    return page.locator("input[name='pick'][form='bulk']")


def test_the_board_draws_a_bar_per_reader_that_leads_to_their_studies(page, triage):
    triage.login(page, "supervisor", worklist=False)
    expect(page).to_have_url(re.compile(r"/workload$"))
    chen = display_name(sandbox_user(triage.sandbox, "radiologist1"))
    line = page.locator("table.workload tr", has=page.get_by_role("link", name=chen, exact=True))

    bar = line.locator("svg.bar[role='img']")
    expect(bar).to_have_attribute("aria-label", re.compile(rf"^{re.escape(chen)}: \d+ open \("))
    expect(line.locator("td.num").nth(3)).to_contain_text("/ 20")  # open / cap
    total = int(line.locator("td.num").nth(3).inner_text().split("/")[0])

    line.locator("a.bar-link").click()

    expect(page).to_have_url(re.compile(r"line=usr_[0-9a-f]{32}#studies$"))
    expect(page.locator("#studies h2")).to_contain_text(f"{chen}: open studies ({total})")
    expect(picks(page)).to_have_count(min(total, 50))
    expect(page.locator("#bulk")).to_be_visible()


def test_shift_click_ticks_a_range_and_the_bar_counts_it(page, triage):
    triage.login(page, "supervisor")  # the worklist: 25 rows
    boxes = picks(page)
    count = page.locator("[data-bulk-count]")
    expect(count).to_have_text("Tick studies in the list")

    boxes.nth(2).click()
    boxes.nth(6).click(modifiers=["Shift"])

    expect(count).to_have_text("5 studies selected")
    checked = [boxes.nth(i).is_checked() for i in range(10)]
    assert checked == [False, False, True, True, True, True, True, False, False, False]
    expect(page.locator("#bulk")).to_have_class(re.compile(r"\bhas-selection\b"))
    everything = page.get_by_label("Select every study on this page")
    expect(everything).to_have_js_property("indeterminate", True)

    everything.check()
    expect(count).to_have_text("25 studies selected")
    boxes.nth(6).click(modifiers=["Shift"])  # "select all" starts no range: just this one
    expect(count).to_have_text("24 studies selected")
    everything.click()  # partly ticked: a click ticks them all, a second none
    expect(count).to_have_text("25 studies selected")
    everything.click()
    expect(count).to_have_text("Tick studies in the list")


def test_a_bulk_action_shows_each_studys_result(page, triage):
    triage.login(page, "supervisor", worklist=False)
    board(page, triage, "?line=none&severity=normal")
    ids = [picks(page).nth(i).get_attribute("value").split("~")[0] for i in range(3)]
    for i in range(3):
        picks(page).nth(i).check()
    okafor = sandbox_user(triage.sandbox, "radiologist2")
    triage.sandbox.update(ids[1], assigned_to=sandbox_user(triage.sandbox, "radiologist7"))

    page.get_by_label("Assign to").select_option(okafor.user_id)
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Assign to {display_name(okafor)}: 3 studies"
    )
    summary = page.locator(".bulk-summary")
    expect(summary).to_contain_text("2 of 3 done")
    expect(summary).to_contain_text("1 conflict")
    expect(page.locator("tr.result-conflict")).to_contain_text("Assignee is now Hannah Kowalski")
    expect(page.locator("[data-bulk-progress]")).to_be_hidden()  # finished
    assert [triage.sandbox.get(i).assigned_to_id for i in ids] == [
        okafor.user_id,
        sandbox_user(triage.sandbox, "radiologist7").user_id,
        okafor.user_id,
    ]
    summary.get_by_role("link", name="Back to the list").click()
    expect(page).to_have_url(re.compile(r"/workload\?line=none&severity=normal$"))


def test_the_keyboard_ticks_a_range_and_applies_an_action(page, triage):
    triage.login(page, "supervisor", worklist=False)
    board(page, triage, "?line=none&severity=high")
    boxes = picks(page)
    ids = [boxes.nth(i).get_attribute("value").split("~")[0] for i in range(4)]

    boxes.nth(0).focus()
    page.keyboard.press("Space")
    boxes.nth(3).focus()
    page.keyboard.press("Shift+Space")
    expect(page.locator("[data-bulk-count]")).to_have_text("4 studies selected")
    page.get_by_label("Severity", exact=True).focus()
    page.keyboard.press("ArrowDown")  # STAT
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Set", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".bulk-summary")).to_contain_text("4 of 4 done")
    assert {triage.sandbox.get(i).severity for i in ids} == {"stat"}


def test_balance_shows_the_plan_and_applies_only_the_ticked_moves(page, triage):
    triage.login(page, "supervisor", worklist=False)
    page.get_by_role("link", name="Balance…").click()
    expect(page.get_by_role("heading", name="Balance the open work")).to_be_visible()
    moves = page.locator("form.plan-apply input[name='move']")
    planned = moves.count()
    assert planned > 3
    expect(page.locator("table.plan-bars svg.bar").first).to_be_visible()
    first_rows = page.locator("table.moves tbody tr")
    kept_id = first_rows.nth(1).locator("a").get_attribute("href").rsplit("/", 1)[1]
    before = triage.sandbox.get(kept_id).assigned_to_id

    moves.nth(1).uncheck()
    moves.nth(planned - 1).click()
    moves.nth(planned - 3).click(modifiers=["Shift"])  # unticks the last three
    expect(page.locator("form.plan-apply [data-bulk-count]")).to_have_text(
        f"{planned - 4} moves ticked"
    )
    page.get_by_role("button", name="Apply the ticked moves").click()

    expect(page.locator(".bulk-summary")).to_contain_text(f"{planned - 4} of {planned - 4} done")
    assert triage.sandbox.get(kept_id).assigned_to_id == before  # unticked: left alone


def test_the_board_has_no_serious_accessibility_violation(page, triage):
    triage.login(page, "supervisor", worklist=False)
    board(page, triage, "?line=none&severity=stat")
    expect(page.locator(".turnaround table.tat-table, .turnaround .note").first).to_be_visible()

    results = Axe().run(page)

    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []


def test_the_board_refreshes_itself_and_a_selection_survives_it(page, triage, settings):
    settings.TRIAGE_REFRESH_SECONDS = 1
    settings.TRIAGE_QUEUE_SECONDS = 0
    triage.login(page, "supervisor", worklist=False)
    board(page, triage, "?line=none")
    unassigned = page.locator("tr.line-unassigned td.num").nth(0)
    before = int(unassigned.inner_text())
    picks(page).nth(0).check()
    kept = picks(page).nth(0).get_attribute("value")
    taken = picks(page).nth(1).get_attribute("value").split("~")[0]

    triage.sandbox.study(severity="stat", study_description="Arrived while watching")
    expect(unassigned).to_have_text(str(before + 1), timeout=8000)  # no reload
    expect(page.locator("#studies")).to_contain_text("Arrived while watching")
    expect(page.locator(f"input[value='{kept}']")).to_be_checked()
    picks(page).last.check()  # neither of the two above
    triage.sandbox.update(taken, assigned_to=sandbox_user(triage.sandbox, "radiologist4"))

    expect(page.locator(f"#study-{taken}")).to_have_count(0, timeout=8000)
    expect(page.locator(f"input[value='{kept}']")).to_be_checked()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 studies selected")


def test_the_results_lead_back_to_the_list_as_it_was_filtered(page, triage):
    triage.login(page, "supervisor")  # the worklist
    quick = page.get_by_role("navigation", name="Quick filters")
    quick.get_by_role("link", name="Unassigned").click()  # swapped in by htmx
    expect(page).to_have_url(re.compile(r"\?assignee=none$"))
    expect(page.locator("#results td.cell-assignee").first).to_have_text("Unassigned")
    picks(page).nth(0).check()
    expect(page.locator("[data-bulk-count]")).to_have_text("1 study selected")

    page.locator("#bulk-severity").select_option("high")  # not a filter: the list stays
    expect(page.locator("[data-bulk-count]")).to_have_text("1 study selected")
    page.get_by_role("button", name="Set", exact=True).click()
    page.locator(".bulk-summary").get_by_role("link", name="Back to the list").click()

    expect(page).to_have_url(re.compile(r"/\?assignee=none$"))
