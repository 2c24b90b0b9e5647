"""Saved lists as people use them, in the browser: choose filters, save the view, find
it in the top bar's menu with its count, make it the landing page, and land there after
logging in again; the customer picker by keyboard; an export showing its progress;
a study found by the short UID its row shows."""

import csv
import re

import pytest
from playwright.sync_api import expect

from .pages import log_out, row_ids, rows, toast

pytestmark = pytest.mark.e2e


def test_save_a_view_and_land_on_it(page, triage):
    triage.login(page, "supervisor")
    stat_open = triage.sandbox.studies(
        severity="stat", study_viewer_status="incomplete", is_cancelled=False
    )
    filters = page.locator("#filters")
    filters.get_by_label("Severity").select_option("stat")
    page.wait_for_url(re.compile(r"severity=stat"))
    filters.get_by_label("Status").select_option("incomplete")
    page.wait_for_url(re.compile(r"status=incomplete"))
    expect(rows(page)).to_have_count(len(stat_open))

    page.get_by_text("Save view…").click()
    page.get_by_label("Name").fill("STAT to read")
    page.get_by_label("Name").press("Enter")

    expect(toast(page, "Saved “STAT to read”.")).to_be_visible()
    expect(page).to_have_url(f"{triage.url}/?severity=stat&status=incomplete")
    menu = page.locator(".lists-menu")
    menu.locator("summary").click()
    entry = menu.get_by_role("link", name="STAT to read")
    expect(entry).to_have_attribute("aria-current", "page")
    expect(menu.locator(".count")).to_have_text(str(len(stat_open)))
    menu.get_by_role("link", name="Manage saved lists…").click()
    page.get_by_role("button", name="Land here").click()
    expect(toast(page, "You will land on “STAT to read” after logging in.")).to_be_visible()

    log_out(page)
    triage.login(page, "supervisor", worklist=False)

    expect(page).to_have_url(f"{triage.url}/?severity=stat&status=incomplete")
    expect(page.locator("#filters").get_by_label("Severity")).to_have_value("stat")
    assert sorted(row_ids(page)) == sorted(s.study_id for s in stat_open)


def test_the_menu_works_from_the_keyboard_and_closes_with_escape(page, triage):
    triage.login(page, "radiologist")
    summary = page.locator(".lists-menu summary")

    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".lists-menu-body")).to_contain_text("No saved lists yet")
    page.keyboard.press("Escape")

    expect(page.locator(".lists-menu")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_the_customer_is_picked_by_keyboard(page, triage):
    customer = triage.sandbox.customer("Harbour View Clinic")
    triage.sandbox.study(express_customer=customer)  # seen on a study: the dashboard knows it
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/queue")  # the queue's picture remembers the customers it reads
    page.goto(f"{triage.url}/studies/new")
    box = page.get_by_role("combobox", name="Express customer")

    box.fill("harb")
    listbox = page.get_by_role("listbox", name="Known customers")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option")).to_contain_text(customer.customer_id)
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("customer-listbox"))
    box.press("Enter")

    expect(box).to_have_value("Harbour View Clinic")
    expect(listbox).to_be_hidden()
    page.get_by_label("Description").fill("CT Head")
    page.get_by_label("Study Instance UID").fill("1.2.826.0.1.3680043.8.498.777")
    page.get_by_role("button", name="Create study").click()
    expect(page.locator("body")).to_contain_text("Harbour View Clinic")
    (made,) = [s for s in triage.sandbox.studies() if s.study_instance_uid.endswith(".777")]
    assert made.express_customer_id == customer.customer_id


def test_an_export_shows_its_progress_then_saves_the_file(page, triage, tmp_path):
    triage.login(page, "supervisor")
    expect(page.locator("#results")).to_contain_text("(up to 10,000)")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()

    path = tmp_path / "export.csv"
    download.value.save_as(path)
    studies = triage.sandbox.studies(is_cancelled=False)
    expect(toast(page, f"{len(studies)} studies.")).to_be_visible()
    with path.open(encoding="utf-8-sig") as handle:
        rows_written = list(csv.reader(handle))
    assert len(rows_written) == 1 + len(studies)
    assert download.value.suggested_filename.startswith("avara-worklist-")


def test_a_study_is_found_by_the_short_uid_its_row_shows(page, triage):
    triage.login(page, "radiologist", worklist=False)
    first = page.locator("table.studies tbody tr[id^='study-']").first
    wanted = first.get_attribute("id")
    short = first.locator("code").inner_text()

    search = page.get_by_role("link", name="Worklist")
    search.click()
    page.get_by_label("Search").fill(short)
    page.get_by_label("Search").press("Enter")

    expect(page.locator("#results")).to_contain_text("Searched the open work")
    assert f"study-{row_ids(page)[0]}" == wanted
