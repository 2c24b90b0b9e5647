"""A refusal redraws the row from the truth, in a real browser (issue 6, item 4).

The picker-versus-claim conflict and Back after a filter are in test_many_users.py.
"""

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row, sandbox_user, toast

pytestmark = pytest.mark.e2e


def test_a_refused_complete_redraws_the_row_with_the_new_assignee(
    page, second_page, triage, browser_log
):
    """B marks complete a study A just reassigned: refused, and B's row shows the truth."""
    reader = sandbox_user(triage.sandbox, "radiologist1")
    colleague = sandbox_user(triage.sandbox, "radiologist3")
    study = first_page_study(
        triage.sandbox, assigned_to=reader.user_id, study_viewer_status="incomplete"
    )
    browser_log.allow("403")

    triage.login(second_page, "radiologist")
    complete = row(second_page, study.study_id).get_by_role("button", name="Complete")
    expect(complete).to_be_visible()

    triage.sandbox.update(study.study_id, assigned_to=colleague)
    complete.click()

    expect(toast(second_page, f"assigned to {display_name(colleague)}")).to_be_visible()
    the_row = row(second_page, study.study_id)
    expect(the_row.locator("td.cell-assignee")).to_have_text(display_name(colleague))
    expect(the_row.get_by_role("button", name="Complete")).to_have_count(0)
    assert triage.sandbox.get(study.study_id).study_viewer_status == "incomplete"
