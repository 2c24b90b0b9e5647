"""A reading room seen by a radiologist, a supervisor and an admin at once (fresh-eyes
review): each test is a defect found by using the product, kept from coming back."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import first_page_study

pytestmark = pytest.mark.e2e


def test_back_to_a_study_page_shows_the_study_as_it_is_now(page, triage):
    from sandbox.models import Study

    study = first_page_study()
    triage.login(page, "supervisor")
    page.goto(f"{triage.url}/studies/{study.study_id}")
    page.get_by_role("link", name="← Worklist").click()
    expect(page.locator("table.studies")).to_be_visible()
    # Someone else changes the study while this user looks at the worklist.
    Study.objects.filter(pk=study.pk).update(
        study_description="Changed elsewhere", severity="stat", updated_at=timezone.now()
    )

    page.go_back()

    page.wait_for_url(f"{triage.url}/studies/{study.study_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Changed elsewhere")
    expect(page.get_by_label("Description")).to_have_value("Changed elsewhere")
