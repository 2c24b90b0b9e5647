"""A user whose name is markup, planted through the sandbox's control plane as an Avara
user could really be named, shows in the dashboard as text: never parsed, never run."""

import pytest
from playwright.sync_api import expect

from .pages import display_name, first_page_study, row

pytestmark = pytest.mark.e2e

HOSTILE = {
    "email": "hostile@example.org",
    "firstName": "<img src=x onerror=\"document.title='pwned'\">",
    "lastName": "<script>document.title='pwned'</script>",
    "middleName": "{{ request }}",
    "suffix1": '"><b id=injected>MD</b>',
    "clinicRole": "Radiologist",
}


def _plant(triage) -> dict:
    """The hostile user (control plane) assigned to a study on the first page (API)."""
    created = triage.sandbox.control.post("/_sandbox/users", json=HOSTILE)
    assert created.status_code == 201, created.text
    user = created.json()
    study = first_page_study(triage.sandbox)
    triage.sandbox.update(study.study_id, assigned_to=user["userId"])
    return {"user": user, "study": study}


def test_a_hostile_user_name_renders_as_text(page, triage):
    planted = _plant(triage)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    triage.login(page, "supervisor")
    name = display_name(triage.sandbox.user_get(planted["user"]["userId"]))
    assert HOSTILE["firstName"] in name and HOSTILE["suffix1"] in name
    cell = row(page, planted["study"].study_id).locator("td.cell-assignee")
    expect(cell).to_contain_text(name)
    # The assignee filter lists the user by the same literal name.
    expect(
        page.locator("#filters select[name=assignee] option").filter(has_text=name)
    ).to_have_count(1)
    # Nothing of the name became markup, and nothing of it ran.
    expect(page.locator("td.cell-assignee img, td.cell-assignee script")).to_have_count(0)
    expect(page.locator("#injected")).to_have_count(0)
    assert page.title() != "pwned"

    page.goto(f"{triage.url}/studies/{planted['study'].study_id}")
    expect(page.locator("main")).to_contain_text(name)
    expect(page.locator("main img[src=x], #injected")).to_have_count(0)
    assert page.title() != "pwned"
    assert dialogs == []
