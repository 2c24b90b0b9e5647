"""The XSS corpus planted in every string Avara returns, checked in a real browser.

Planted through the sandbox's control plane (a user, a customer), its API (a study with
the corpus in its description and metadata, created with an API key whose description is
hostile too, MARKUP_API_KEY) and a stub between the dashboard and the sandbox (a study
whose id and UID break the expected format, with a NUL in its description, first in
every list it matches: no sandbox would hold it). Then the worklist, the queue, the study page, an
opened inline control, the audit trail and the accounts pages are visited in Chromium:
nothing runs (no dialog, `window.__xss` never set, no console error or CSP report: the
`page` fixture fails the test on those), every string shows literally, no 500.

Lone surrogates cannot be stored by either sandbox engine nor decoded from JSON by the
dashboard (msgspec refuses them); that path is covered by tests/views/test_audit_values.py
and tests/upstream/test_hostile.py.
"""

import pytest
from avara_stub import Mangler, planted_in_lists
from django.utils import timezone
from playwright.sync_api import Page, expect
from sandbox_control import MARKUP_API_KEY, MARKUP_KEY_DESCRIPTION

from .pages import display_name, row

pytestmark = pytest.mark.e2e

RUN = "window.__xss=1"
CORPUS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'"><svg onload="{RUN}">',
    f"'><body onload='{RUN}'>",
    f"javascript:{RUN}//",
    "{{ 7*7 }}{% csrf_token %}${7*7}",
    f"</textarea><script>{RUN}</script>",
    "</style><b>bold?</b>&lt;b&gt;&amp;amp;",
    "\u202eevil\u200d\u0301 \u0440\u0430\u0443\u0440\u0430l \U0001f600",  # RTL, ZWJ, homoglyphs
]
LONG = "L" * 600 + "<b>end</b>"  # long, with the corpus the description is ~1000 characters
KEY_DESCRIPTION = MARKUP_KEY_DESCRIPTION
assert RUN in KEY_DESCRIPTION
HOSTILE_USER = {
    "email": f'"<img/src=x/onerror={RUN}>"@example.org',  # a quoted local part
    "firstName": CORPUS[1],
    "lastName": CORPUS[0],
    "middleName": CORPUS[2],
    "suffix1": CORPUS[5],
    "suffix2": CORPUS[8],
    "clinicRole": CORPUS[3],
}
BAD_ID = "stu_<svg onload=window.__xss=1>"
BAD_UID = '1.2"><svg onload=window.__xss=1>'


def _plant(triage) -> dict:
    """Everything hostile, through the control plane and the API."""
    sandbox = triage.sandbox
    user = sandbox.control.post("/_sandbox/users", json=HOSTILE_USER)
    assert user.status_code == 201, user.text
    customer_name = CORPUS[2] + CORPUS[4]
    customer = sandbox.control.post(
        "/_sandbox/customers", json={"expressCustomerName": customer_name}
    )
    assert customer.status_code == 201, customer.text
    body = {
        "severity": "stat",
        "studyDescription": " | ".join(CORPUS) + " " + LONG,
        "studyInstanceUid": "1.2.826.0.1.3680043.10.543.666",
        "assignedTo": user.json()["userId"],
        "expressCustomerId": customer.json()["expressCustomerId"],
        "metadata": {value[:100]: value for value in CORPUS} | {"long": LONG},
    }
    # Created with the key that describes itself with markup.
    study = sandbox.api.post(
        "/v1/viewer/studies", json=body, headers={"Authorization": f"Bearer {MARKUP_API_KEY}"}
    )
    assert study.status_code == 201, study.text
    return {
        "user": sandbox.user_get(user.json()["userId"]),
        "customer": customer_name,
        "study": study.json(),
    }


def _malformed() -> dict:
    """A study whose id and UID break the expected format, a NUL in its description."""
    now = timezone.now().isoformat()
    return {
        "studyId": BAD_ID,
        "studyInstanceUid": BAD_UID,
        "studyDescription": "Malformed id <b>here</b> NUL\x00end",
        "severity": "stat",
        "studyViewerStatus": "incomplete",
        "isCancelled": False,
        "cancelledAt": None,
        "createdAt": now,
        "updatedAt": now,
        "assignedTo": None,
        "createdByApiKey": None,
        "createdByUser": None,
        "expressCustomer": None,
        "metadata": {},
    }


def _nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert dialogs == []


def _visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)


@pytest.fixture
def planted(triage, page):
    from studies.upstream import client as upstream_client

    hostile = _plant(triage)
    stub = Mangler()
    stub.rules[("GET", "/v1/viewer/studies")] = planted_in_lists(_malformed())
    upstream_client.set_client(upstream_client.build_client(transport=stub))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile["dialogs"] = dialogs
    hostile["name"] = display_name(hostile["user"])
    yield hostile
    upstream_client.reset_client()


def test_the_worklist_queue_and_an_open_control_show_the_corpus_as_text(page, triage, planted):
    study = planted["study"]
    triage.login(page, "admin")
    _visit(page, f"{triage.url}/")

    line = row(page, study["studyId"])
    for value in CORPUS:
        expect(line.locator("td.cell-description")).to_contain_text(value)
    expect(line.locator("td.cell-assignee")).to_contain_text(planted["name"])
    expect(line).to_contain_text(planted["customer"])
    # The malformed id's row is shown, without a link or a control built from it.
    bad = page.locator("tr", has_text="Malformed id <b>here</b>")
    expect(bad).to_have_count(1)
    expect(bad.locator("a[href], [data-t]")).to_have_count(0)
    expect(bad.locator("code")).to_have_attribute("title", BAD_UID)
    # The filter lists name the hostile user and customer literally.
    options = page.locator("#filters option")
    expect(options.filter(has_text=planted["name"])).to_have_count(1)
    expect(options.filter(has_text=planted["customer"])).to_have_count(1)
    _nothing_ran(page, planted["dialogs"])

    # An opened inline control: the assignee picker lists the user by the literal name.
    line.locator("td.cell-assignee a").click()
    picker = line.locator("td.cell-assignee.editing select")
    expect(picker).to_be_visible()
    expect(picker.locator("option", has_text=planted["name"])).to_have_count(1)
    _nothing_ran(page, planted["dialogs"])

    _visit(page, f"{triage.url}/queue")
    expect(row(page, study["studyId"])).to_contain_text(CORPUS[0])
    expect(page.locator("tr", has_text="Malformed id <b>here</b>")).to_have_count(1)
    _nothing_ran(page, planted["dialogs"])


def test_the_study_page_shows_every_planted_string_as_text(page, triage, planted):
    study = planted["study"]
    triage.login(page, "admin")
    _visit(page, f"{triage.url}/studies/{study['studyId']}")

    main = page.locator("main")
    expect(page.locator("h1")).to_contain_text(CORPUS[0])
    assert page.title().startswith(CORPUS[0])  # the title element holds text only
    expect(page.locator("h1")).to_contain_text("{{ 7*7 }}{% csrf_token %}${7*7}")  # not run
    expect(main).to_contain_text(planted["name"])
    expect(main).to_contain_text(HOSTILE_USER["email"])
    expect(main).to_contain_text(planted["customer"])
    expect(main).to_contain_text(KEY_DESCRIPTION)
    # Metadata is an editable table for admins: every key and value is an input's value.
    values = page.locator("#meta-table input").evaluate_all("els => els.map(e => e.value)")
    for value in CORPUS:
        assert value[:100] in values and value in values
    assert LONG in values
    expect(page.locator("textarea[name=study_description]")).to_have_value(
        study["studyDescription"]
    )
    _nothing_ran(page, planted["dialogs"])


def test_the_audit_trail_and_accounts_show_the_corpus_as_text(page, triage, planted):
    from studies.models import Account

    study, user = planted["study"], planted["user"]
    # An account acts as the hostile user: its name shows on the accounts pages.
    Account.objects.filter(user__username="radiologist").update(avara_user_id=user.user_id)
    triage.login(page, "admin")
    # A change through the dashboard puts the hostile name in the audit trail.
    _visit(page, f"{triage.url}/studies/{study['studyId']}/edit/severity")
    page.locator("select[name=value]").select_option("high")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text(CORPUS[0])

    _visit(page, f"{triage.url}/audit/")
    expect(page.locator("table.audit")).to_contain_text("Changed study")
    _visit(page, f"{triage.url}/studies/{study['studyId']}")
    expect(page.locator("table.audit")).to_contain_text("Changed study")
    _nothing_ran(page, planted["dialogs"])

    _visit(page, f"{triage.url}/accounts/")
    expect(page.locator("table.accounts").first).to_contain_text(planted["name"])
    page.get_by_role("row", name="radiologist").first.get_by_role("link", name="Edit").click()
    choice = page.locator("select[name=avara_user_id] option", has_text=planted["name"])
    expect(choice).to_have_count(1)
    _nothing_ran(page, planted["dialogs"])


def test_a_new_study_from_the_form_with_the_corpus_is_shown_as_text(page, triage, planted):
    """What a user types goes to Avara and comes back: shown as text, audited as text."""
    triage.login(page, "supervisor")
    _visit(page, f"{triage.url}/studies/new")
    description = " ".join(CORPUS[:5])
    page.get_by_label("Description").fill(description)
    page.get_by_label("Study Instance UID").fill("1.2.826.0.1.3680043.10.543.667")
    page.locator("input[name='meta-0-key']").fill(CORPUS[1][:100])
    page.locator("input[name='meta-0-value']").fill(CORPUS[6])
    page.get_by_role("button", name="Create study").click()

    expect(page.locator("h1")).to_contain_text(description)
    expect(page.locator("#toasts")).to_contain_text("Study created")
    assert page.url.startswith(f"{triage.url}/studies/stu_")
    values = page.locator("#meta-table input").evaluate_all("els => els.map(e => e.value)")
    assert CORPUS[1][:100] in values and CORPUS[6] in values
    _nothing_ran(page, planted["dialogs"])
