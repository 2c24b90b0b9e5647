"""Keyboard only: the skip link, focus after Save, Escape, a confirmation and a row that
leaves, and every shortcut (j/k, Enter, a, c, o, s, n, /, ?, Escape): each where the role
and the row allow it, and none while the user types or holds Ctrl, Alt or Meta."""

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import display_name, first_page_study, row, rows, sandbox_user, toast

pytestmark = pytest.mark.e2e


def focused_row_id(page: Page) -> str:
    """The id of the row that has the focus itself (j/k), or "" when none."""
    return page.evaluate(
        "() => { const a = document.activeElement;"
        " return a && a.matches('tr[id^=\"study-\"]') ? a.id.slice(6) : ''; }"
    )


def to_row(page: Page, study_id: str) -> None:
    """Move the ring with j until it is on this study's row."""
    page.keyboard.press("j")
    for _ in range(60):
        if focused_row_id(page) == study_id:
            return
        page.keyboard.press("j")
    raise AssertionError(f"j never reached {study_id}")


def viewer_opened_by(page: Page, key: str) -> str:
    """Press `key`; the id of the study the viewer tab it opens shows (tokenized link)."""
    with page.context.expect_page() as opened:
        page.keyboard.press(key)
    viewer = opened.value
    viewer.wait_for_load_state()
    found = re.search(r"/viewer/studies/(stu_[0-9a-f]{32})\?token=", viewer.url)
    assert found, viewer.url
    return found.group(1)


# --- The skip link and the ring ------------------------------------------------------------


@pytest.mark.parametrize(("username", "path"), [("supervisor", "/"), ("radiologist", "/queue")])
def test_skip_to_results_is_the_first_tab_stop_and_leads_to_the_first_row(
    page, triage, username, path
):
    triage.login(page, username, worklist=False)
    page.goto(triage.url + path)
    expect(rows(page).first).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to results")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown while it has the focus
    page.keyboard.press("Enter")

    expect(rows(page).first).to_be_focused()
    page.keyboard.press("Tab")  # on into the first row's controls, not back to the filters
    assert page.evaluate("document.activeElement.closest('tr') !== null")


def test_j_and_k_move_a_visible_ring_and_enter_opens_the_study(page, triage):
    triage.login(page, "supervisor")
    first, second = rows(page).nth(0), rows(page).nth(1)

    page.keyboard.press("j")
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    ring = second.evaluate(
        "r => getComputedStyle(r).outlineStyle + ' ' + getComputedStyle(r).outlineWidth"
    )
    assert ring == "solid 3px"
    page.keyboard.press("k")
    expect(first).to_be_focused()

    study_id = focused_row_id(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/studies/{study_id}")


# --- Focus after Save, Escape, a confirmation, a row leaving -------------------------------


def test_escape_gives_the_focus_back_to_the_control_that_opened(page, triage):
    """Not to the row's severity badge: Enter after Escape on Assignee opens Assignee."""
    study = first_page_study(triage.sandbox, assigned_to=None)
    triage.login(page, "supervisor")
    assignee = row(page, study.study_id).locator("td.cell-assignee a")
    assignee.focus()

    page.keyboard.press("Enter")
    control = row(page, study.study_id).locator("td.cell-assignee select")
    expect(control).to_be_focused()
    page.keyboard.press("Escape")

    expect(control).to_have_count(0)
    expect(assignee).to_be_focused()
    page.keyboard.press("Enter")
    expect(control).to_be_focused()
    expect(row(page, study.study_id).locator("td.cell-severity select")).to_have_count(0)


def test_save_gives_the_focus_back_to_the_control_that_was_used(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    status = row(page, study.study_id).locator("td.cell-severity a")
    status.focus()
    page.keyboard.press("Enter")
    control = row(page, study.study_id).locator("td.cell-severity select")
    expect(control).to_be_focused()
    control.select_option("high")
    page.keyboard.press("Tab")
    expect(row(page, study.study_id).get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")

    badge = row(page, study.study_id).locator("td.cell-severity a.badge")
    expect(badge).to_have_text("High")
    expect(badge).to_be_focused()


def test_a_conflict_keeps_the_focus_in_the_control(page, triage, browser_log):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a").focus()
    page.keyboard.press("Enter")
    control = row(page, study.study_id).locator("td.cell-severity select")
    control.select_option("stat")
    triage.sandbox.update(study.study_id, severity="high")  # someone else, meanwhile
    browser_log.allow("status of 409")

    row(page, study.study_id).get_by_role("button", name="Save").click()

    expect(row(page, study.study_id).locator("td.cell-severity .field-error")).to_contain_text(
        "Severity is now High"
    )
    expect(control).to_be_focused()
    expect(control).to_have_value("stat")


def test_when_a_row_leaves_the_list_the_focus_moves_to_the_next_row(page, triage):
    triage.login(page, "supervisor")
    triage.worklist(page, "?assignee=none")
    first_id, second_id = (rows(page).nth(i).get_attribute("id") for i in (0, 1))
    doctor = sandbox_user(triage.sandbox, "radiologist3")
    page.locator(f"#{first_id} td.cell-assignee a").focus()
    page.keyboard.press("Enter")
    page.locator(f"#{first_id} td.cell-assignee select").select_option(doctor.user_id)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(
        toast(page, f"Assignee saved: {display_name(doctor)}. It left this list.")
    ).to_be_visible()
    expect(page.locator(f"#{first_id}")).to_have_count(0)
    expect(page.locator(f"#{second_id}")).to_be_focused()
    page.keyboard.press("j")  # the ring goes on from there
    expect(rows(page).nth(1)).to_be_focused()


@pytest.mark.parametrize(
    ("username", "link", "question", "query"),
    [
        ("supervisor", "Cancel study…", "Cancel this study?", ""),
        ("admin", "Restore…", "Restore this cancelled study?", "?cancelled=cancelled"),
    ],
)
def test_a_confirmation_focuses_keep_as_is_so_enter_twice_changes_nothing(
    page, triage, username, link, question, query
):
    triage.login(page, username)
    triage.worklist(page, query)
    the_row = rows(page).first
    study_id = the_row.get_attribute("id").removeprefix("study-")
    opener = the_row.get_by_role("link", name=link)
    opener.focus()

    page.keyboard.press("Enter")
    expect(the_row.locator("td.confirming")).to_contain_text(question)
    expect(the_row.get_by_role("link", name="Keep as is")).to_be_focused()
    page.keyboard.press("Enter")

    expect(the_row.locator("td.confirming")).to_have_count(0)
    expect(the_row.get_by_role("link", name=link)).to_be_focused()
    assert triage.sandbox.get(study_id).is_cancelled is (username == "admin")


# --- The shortcuts -------------------------------------------------------------------------


def test_a_claims_the_row_and_the_ring_moves_on_when_it_leaves(page, triage):
    triage.login(page, "radiologist", worklist=False)
    page.goto(triage.url + "/queue?show=unassigned")
    expect(rows(page).first).to_be_visible()
    page.keyboard.press("j")
    first_id = focused_row_id(page)
    second = page.locator("#" + rows(page).nth(1).get_attribute("id"))

    page.keyboard.press("a")

    expect(page.locator(f"#study-{first_id}")).to_have_count(0)
    expect(second).to_be_focused()
    me = sandbox_user(triage.sandbox, "radiologist1")
    assert triage.sandbox.get(first_id).assigned_to_id == me.user_id


def test_a_on_a_row_that_offers_no_claim_says_so_and_claims_nothing(page, triage):
    other = sandbox_user(triage.sandbox, "radiologist2")
    study = first_page_study(triage.sandbox, assigned_to=other.user_id)
    triage.login(page, "radiologist")
    to_row(page, study.study_id)

    page.keyboard.press("a")

    expect(toast(page, "Claim is not offered for this study")).to_be_visible()
    assert triage.sandbox.get(study.study_id).assigned_to_id == other.user_id


def test_c_marks_ones_own_study_complete(page, triage):
    me = sandbox_user(triage.sandbox, "radiologist1")
    study = first_page_study(
        triage.sandbox, assigned_to=me.user_id, study_viewer_status="incomplete"
    )
    triage.login(page, "radiologist")
    to_row(page, study.study_id)

    page.keyboard.press("c")

    expect(row(page, study.study_id).locator("td.cell-status")).to_have_text("Complete")
    expect(row(page, study.study_id)).to_be_focused()  # the used control is gone: its row
    assert triage.sandbox.get(study.study_id).study_viewer_status == "complete"


def test_o_opens_the_viewer_in_a_new_tab(page, triage):
    study = first_page_study(triage.sandbox)
    triage.login(page, "radiologist")
    to_row(page, study.study_id)

    viewer = viewer_opened_by(page, "o")

    assert viewer == study.study_id


def test_s_asks_why_escape_closes_and_the_focus_comes_back(page, triage):
    triage.login(page, "radiologist", worklist=False)
    page.goto(triage.url + "/queue?show=unassigned")
    page.keyboard.press("j")
    study_id = focused_row_id(page)
    the_row = row(page, study_id)

    page.keyboard.press("s")
    reason = the_row.locator("td.confirming select[name=reason]")
    expect(reason).to_be_focused()
    page.keyboard.press("Enter")  # no reason chosen: Enter twice skips nothing
    page.keyboard.press("Enter")
    expect(reason).to_be_visible()
    page.keyboard.press("Escape")

    expect(reason).to_have_count(0)
    expect(the_row.get_by_role("link", name="Skip…")).to_be_focused()
    assert not [r for r in triage.sandbox.requests(method="PATCH") if study_id in r["path"]]


def test_s_where_the_row_offers_no_skip_says_so(page, triage):
    triage.login(page, "supervisor")  # the worklist: Skip is the queue's
    page.keyboard.press("j")

    page.keyboard.press("s")

    expect(toast(page, "Skip is offered on the queue")).to_be_visible()
    expect(page.locator("td.confirming")).to_have_count(0)


def test_n_reads_next(page, triage):
    triage.login(page, "radiologist", worklist=False)
    expect(page.get_by_role("button", name="Read next")).to_be_visible()

    claimed = viewer_opened_by(page, "n")

    me = sandbox_user(triage.sandbox, "radiologist1")
    assert triage.sandbox.get(claimed).assigned_to_id == me.user_id


def test_slash_focuses_the_search(page, triage):
    triage.login(page, "supervisor")
    page.keyboard.press("j")

    page.keyboard.press("/")

    search = page.locator("#filters input[type=search]")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the slash is not typed into it


def test_question_mark_lists_the_shortcuts_in_a_dialog_and_escape_closes_it(page, triage):
    triage.login(page, "radiologist")
    page.keyboard.press("j")
    ringed = rows(page).first

    page.keyboard.press("?")

    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for key in ("j", "k", "Enter", "a", "c", "o", "s", "n", "/", "?", "Esc"):
        expect(dialog.locator("kbd", has_text=re.compile(rf"^{re.escape(key)}$"))).to_have_count(1)
    page.keyboard.press("j")  # the dialog has the keyboard: the ring stays
    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    expect(ringed).to_be_focused()
    page.get_by_role("button", name="Shortcuts").click()  # the same list from the top bar
    expect(dialog).to_be_visible()


# --- None while typing, or with a modifier -------------------------------------------------


def posts(page: Page) -> list[str]:
    """Every POST the page sends from now on (a shortcut's claim, complete, skip...)."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    return sent


def settled(page: Page) -> None:
    """A round trip through the page's key handling: a request a key sent is out by now."""
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")


def test_no_shortcut_fires_while_typing_in_the_search(page, triage):
    triage.login(page, "radiologist")
    sent = posts(page)
    search = page.locator("#filters input[type=search]")
    search.click()

    page.keyboard.type("jkacosn?/")
    settled(page)

    expect(search).to_have_value("jkacosn?/")
    expect(search).to_be_focused()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("td.confirming, td.editing")).to_have_count(0)
    assert sent == []


def test_no_shortcut_fires_in_an_open_control(page, triage):
    study = first_page_study(triage.sandbox, severity="normal")
    triage.login(page, "supervisor")
    row(page, study.study_id).locator("td.cell-severity a").focus()
    page.keyboard.press("Enter")
    control = row(page, study.study_id).locator("td.cell-severity select")
    expect(control).to_be_focused()

    sent = posts(page)

    for key in ("j", "a", "c", "s", "?", "/"):
        page.keyboard.press(key)
    settled(page)

    expect(control).to_be_focused()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert sent == []


@pytest.mark.parametrize("modifier", ["Control", "Alt", "Meta"])
def test_no_shortcut_fires_with_a_modifier(page, triage, modifier):
    study = first_page_study(triage.sandbox, assigned_to=None, study_viewer_status="incomplete")
    triage.login(page, "radiologist")
    to_row(page, study.study_id)
    sent = posts(page)

    page.keyboard.press(f"{modifier}+a")
    page.keyboard.press(f"{modifier}+j")
    settled(page)

    expect(row(page, study.study_id)).to_be_focused()  # j did not move the ring
    assert sent == []
    assert triage.sandbox.get(study.study_id).assigned_to_id is None
