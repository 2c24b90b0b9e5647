"""What each role is offered (the UI shows only what the role may do) and how a refusal
looks over HTMX. The server-side checks themselves are the table in test_roles_matrix.py."""

import pytest
from view_helpers import (
    STUDIES,
    hx,
    only_audit,
    page_json,
    row_token,
    study_id,
    study_json,
    text,
    toast_of,
    token_query,
)

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

# Run again on PostgreSQL + Redis by `make test`: sessions and audit rows.
pytestmark = pytest.mark.stores

SID = study_id(1)
STUDY = f"/studies/{SID}"
ROW = row_token(SID)
SEVERITY_CONTROL = f"{STUDY}/edit/severity?{token_query(SID, 'severity', 'high')}"
ROLES = (RADIOLOGIST, SUPERVISOR, ADMIN)


@pytest.fixture
def stock(avara):
    """The worklist lists one unassigned active study."""
    avara.get(STUDIES).respond(json=page_json(study_json(1, assignedTo=None)))
    return avara


# role -> what its worklist must (True) or must not (False) offer
WORKLIST_UI = {
    "severity link": f'href="{STUDY}/edit/severity',
    "status link": f'href="{STUDY}/edit/status',
    "assignee link": f'href="{STUDY}/edit/assignee',
    "claim button": f'href="{STUDY}/claim" data-post>Claim</a>',
    "open button": f'href="{STUDY}/viewer" data-viewer>',
    "cancel link": f'href="{STUDY}/cancel"',
    "new study": 'href="/studies/new"',
    "audit trail": 'href="/audit/"',
    "accounts": 'href="/accounts/"',
    "cancelled filter": 'name="cancelled"',
}
OFFERS = {
    # The stock study is a colleague's: no status link for a radiologist on it.
    RADIOLOGIST: {"assignee link", "claim button", "open button"},
    SUPERVISOR: {
        "severity link",
        "status link",
        "assignee link",
        "claim button",
        "open button",
        "cancel link",
        "new study",
    },
    ADMIN: set(WORKLIST_UI),
}


@pytest.mark.parametrize("role", ROLES)
def test_worklist_offers_only_what_the_role_may_do(login, stock, role):
    html = text(login(role).get("/"))

    for name, marker in WORKLIST_UI.items():
        assert (marker in html) is (name in OFFERS[role]), name


@pytest.mark.parametrize("role", ROLES)
def test_cancelled_row_offers_restore_to_admins_only(login, avara, role):
    avara.get(STUDIES).respond(json=page_json(study_json(1, isCancelled=True)))

    html = text(login(role).get("/?cancelled=all"))

    assert (f'href="{STUDY}/uncancel"' in html) is (role == ADMIN)
    assert f'href="{STUDY}/cancel"' not in html
    assert f"{STUDY}/edit/" not in html and f'href="{STUDY}/viewer"' not in html
    assert f"{STUDY}/claim" not in html  # (its token stays: a bulk restore sends it)


# Opening a control or a confirmation is refused with a toast swapped into #toasts; a
# write is refused by its service, whose answer leaves the row alone and asks for a toast.
HTMX_REFUSALS = [
    pytest.param(RADIOLOGIST, "get", SEVERITY_CONTROL, "swap", id="severity-control"),
    pytest.param(RADIOLOGIST, "get", f"{STUDY}/cancel", "swap", id="cancel-confirm"),
    pytest.param(RADIOLOGIST, "post", f"{STUDY}/edit/severity", "trigger", id="severity-save"),
    pytest.param(RADIOLOGIST, "post", f"{STUDY}/cancel", "trigger", id="cancel"),
    pytest.param(SUPERVISOR, "post", f"{STUDY}/uncancel", "trigger", id="uncancel"),
]


@pytest.mark.parametrize(("role", "method", "path", "shape"), HTMX_REFUSALS)
def test_htmx_refusal_is_a_403_error_toast(login, avara, role, method, path, shape):
    client = login(role)
    data = {"value": "stat", "t": ROW} if method == "post" else {}

    response = getattr(client, method)(path, data, headers=hx())

    assert response.status_code == 403
    if shape == "swap":
        assert response["HX-Retarget"] == "#toasts"
        assert "toast-error" in text(response) and "may not" in text(response)
    else:
        toast = toast_of(response)
        assert toast["level"] == "error" and f"Your role ({role}) may not" in toast["message"]
        assert response["HX-Reswap"] == "none" and text(response) == ""
        assert only_audit().outcome == "refused"
    assert avara.calls.call_count == 0
