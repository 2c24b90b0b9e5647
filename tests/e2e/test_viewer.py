"""Open in viewer: a new tab on the sandbox's viewer page, through a fresh tokenized
link that never appears in the dashboard's own HTML."""

import re

import pytest
from playwright.sync_api import expect

from .pages import first_page_study, row

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role", ["radiologist", "supervisor"])
def test_open_opens_the_viewer_in_a_new_tab(page, triage, role):
    study = first_page_study(triage.sandbox)
    triage.login(page, role)
    assert "token=" not in page.content()
    raw = page.request.get(triage.url + "/")
    assert raw.ok
    assert "token=" not in raw.text()

    with page.context.expect_page() as opened:
        row(page, study.study_id).get_by_role("link", name="Open in the viewer (new tab)").click()
    viewer = opened.value
    viewer.wait_for_load_state()

    viewer_url = re.compile(
        re.escape(f"{triage.sandbox_url}/viewer/studies/{study.study_id}?token=") + r"[^&]+$"
    )
    expect(viewer).to_have_url(viewer_url)
    expect(viewer.locator("h1.description")).to_have_text(study.study_description)
    expect(viewer.locator("dd code").first).to_have_text(study.study_id)
    # The worklist stays where it was, still without any token in it.
    expect(page).to_have_url(f"{triage.url}/")
    assert "token=" not in page.content()
