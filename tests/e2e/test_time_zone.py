"""Times in the browser's own time zone: static/js/timezone.js tells the dashboard which
zone the browser is in (a cookie), and every later page shows its times there, naming
the zone on hover."""

import pytest
from playwright.sync_api import expect

from .conftest import person
from .pages import first_page_study, row

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser, browser_log):
    """A browser in Tokyo (UTC+09:00, no daylight saving: the hours are certain)."""
    with person(browser, browser_log, timezone_id="Asia/Tokyo") as tab:
        yield tab
    browser_log.assert_clean()


def test_times_show_in_the_browsers_zone_from_the_first_page_on(page, triage):
    study = first_page_study(triage.sandbox)
    page.goto(f"{triage.url}/accounts/login/")

    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["triage_tz"]["value"] == "Asia/Tokyo"
    assert cookies["triage_tz"]["path"] == "/"

    triage.login(page, "supervisor")
    age = row(page, study.study_id).locator("td.cell-age time")
    expect(age).to_have_attribute("title", f"Created {_tokyo(study.created_at)}")

    page.goto(f"{triage.url}/studies/{study.study_id}")
    created = page.locator("dt:text-is('Created in Avara') + dd time")
    expect(created).to_have_text(_tokyo(study.created_at, "%Y-%m-%d %H:%M"))
    expect(created).to_have_attribute(
        "title", _tokyo(study.created_at, "%Y-%m-%d %H:%M JST (Asia/Tokyo)")
    )


def _tokyo(moment, shown="%Y-%m-%d %H:%M:%S JST (Asia/Tokyo)") -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime(shown)
