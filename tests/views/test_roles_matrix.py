"""Every role against every action: allowed ones succeed with the expected upstream calls
(a write reads the study before changing it), refused ones answer 403 with a message,
change nothing upstream and (for mutations) leave a refused audit row. Anonymous visitors
are sent to the login page; the UI offers only what the role may do."""

from dataclasses import dataclass

import pytest
from django.test import Client
from view_helpers import (
    COLLEAGUE_ID,
    STUDIES,
    VIEWER_HOST,
    account_form,
    create_form,
    details_form,
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

from studies.models import AuditEntry
from studies.roles import ADMIN, RADIOLOGIST, SUPERVISOR

# Run again on PostgreSQL + Redis by `make test`: sessions and audit rows for every role and action.
pytestmark = pytest.mark.stores

SID = study_id(1)
STUDY = f"/studies/{SID}"
CANCELLED = f"/studies/{study_id(2)}"  # what a restore is tried on
# Saves carry the row's signed token of what it showed (studies/seen.py); opening a
# control without JavaScript needs none: its page is drawn from a fresh read.
ROW = row_token(SID)
SEVERITY_CONTROL = f"{STUDY}/edit/severity?{token_query(SID, 'severity', 'high')}"
ASSIGNEE_CONTROL = f"{STUDY}/edit/assignee?{token_query(SID, 'assignee', '')}"
STATUS_CONTROL = f"{STUDY}/edit/status?{token_query(SID, 'status', 'incomplete')}"
ROLES = (RADIOLOGIST, SUPERVISOR, ADMIN)
STAFF = (SUPERVISOR, ADMIN)


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    path: str
    allowed: tuple[str, ...]
    ok: int  # status when allowed
    calls: int  # upstream calls when allowed (directory cached)
    data: dict | None = None
    refusal: str = "may not"
    refused_calls: int = 0  # upstream reads a refusal needs (rules about the study now)


ACTIONS = [
    Action("worklist", "get", "/", ROLES, 200, 1),
    Action("detail", "get", STUDY, ROLES, 200, 1),
    Action("severity-control", "get", SEVERITY_CONTROL, STAFF, 200, 1),
    Action(
        "severity-save",
        "post",
        f"{STUDY}/edit/severity",
        STAFF,
        302,
        2,
        {"value": "stat", "t": ROW},
    ),
    Action("assignee-control", "get", ASSIGNEE_CONTROL, ROLES, 200, 1),
    Action(
        "claim",
        "post",
        f"{STUDY}/edit/assignee",
        ROLES,
        302,
        2,
        {"value": "me", "t": row_token(SID)},
    ),
    Action(
        "claim-button",
        "post",
        f"{STUDY}/claim",
        ROLES,
        302,
        2,
        {"t": row_token(SID)},
    ),
    Action(
        "assign-other",
        "post",
        f"{STUDY}/edit/assignee",
        STAFF,
        302,
        2,
        {"value": COLLEAGUE_ID, "t": row_token(SID)},
        refusal="Your role may only claim studies for yourself.",
    ),
    Action("status-control", "get", STATUS_CONTROL, ROLES, 200, 1),
    Action(
        "status-save",
        "post",
        f"{STUDY}/edit/status",
        STAFF,
        302,
        2,
        {"value": "complete", "t": ROW},
        # The stock study is unassigned: a radiologist changes only their own. The
        # refusal needs the read, and the control page shown again is drawn from another.
        refusal="only its reader or a supervisor can change it",
        refused_calls=2,
    ),
    Action("cancel-confirm", "get", f"{STUDY}/cancel", STAFF, 200, 1),
    Action("cancel", "post", f"{STUDY}/cancel", STAFF, 302, 3),
    Action("uncancel-confirm", "get", f"{CANCELLED}/uncancel", (ADMIN,), 200, 1),
    Action("uncancel", "post", f"{CANCELLED}/uncancel", (ADMIN,), 302, 3),
    Action("open-viewer", "post", f"{STUDY}/viewer", ROLES, 302, 1),
    # The page reads the study (its metadata keys), then the service reads and PATCHes.
    Action(
        "save-details",
        "post",
        f"{STUDY}/details",
        STAFF,
        302,
        3,
        details_form("Renamed"),
        refused_calls=1,
    ),
    Action("create-form", "get", "/studies/new", STAFF, 200, 0),
    Action("create", "post", "/studies/new", STAFF, 302, 1, create_form()),
    Action("accounts", "get", "/accounts/", (ADMIN,), 200, 0),
    Action("account-new-form", "get", "/accounts/new", (ADMIN,), 200, 0),
    Action("account-new", "post", "/accounts/new", (ADMIN,), 302, 0, account_form()),
    Action("account-edit-form", "get", "/accounts/{pk}/edit", (ADMIN,), 200, 0),
    Action("audit", "get", "/audit/", (ADMIN,), 200, 0),
]

MATRIX = [pytest.param(role, a, id=f"{a.name}-{role}") for a in ACTIONS for role in ROLES]


@pytest.fixture
def stock(avara):
    """Avara answering every call any action makes, for an unassigned active study."""
    unassigned = study_json(1, assignedTo=None)
    avara.get(STUDIES).respond(json=page_json(unassigned))
    avara.post(STUDIES).respond(201, json=study_json(42))
    avara.get(f"{STUDIES}/{SID}").respond(json=unassigned)
    avara.get(f"{STUDIES}/{study_id(2)}").respond(json=study_json(2, isCancelled=True))
    avara.patch(f"{STUDIES}/{SID}").respond(json=study_json(1))
    for verb in ("cancel", "uncancel"):
        avara.post(f"{STUDIES}/{verb}").respond(json={"success": True, "message": None})
    viewer_url = f"https://{VIEWER_HOST}/viewer/studies/{SID}?token=t"
    avara.post(f"{STUDIES}/reroute-url").respond(json={"url": viewer_url})
    return avara


@pytest.mark.parametrize(("role", "action"), MATRIX)
def test_role_against_action(login, stock, role, action):
    client = login(role)
    path = action.path.format(pk=client.user.pk)

    response = getattr(client, action.method)(path, action.data or {})

    if role in action.allowed:
        assert response.status_code == action.ok
        assert stock.calls.call_count == action.calls
        assert not AuditEntry.objects.filter(accepted=False).exists()
        assert AuditEntry.objects.filter(accepted=True).count() == (action.method == "post")
        if action.method == "post":
            entry = only_audit()
            assert (entry.actor, entry.outcome) == (client.user, "applied")
    else:
        assert response.status_code == 403
        assert action.refusal in text(response)
        assert stock.calls.call_count == action.refused_calls
        assert not any(c.request.method == "PATCH" for c in stock.calls)
        if action.method == "post":
            entry = only_audit()
            assert (entry.accepted, entry.outcome, entry.actor) == (False, "refused", client.user)
            assert entry.study_id == (
                path.split("/")[2] if path.startswith("/studies/stu_") else ""
            )
            assert action.refusal in entry.detail


ANONYMOUS = [
    ("get", "/"),
    ("get", STUDY),
    ("get", f"{STUDY}/row"),
    ("get", f"{STUDY}/edit/severity"),
    ("post", f"{STUDY}/edit/assignee"),
    ("get", f"{STUDY}/cancel"),
    ("post", f"{STUDY}/cancel"),
    ("post", f"{STUDY}/uncancel"),
    ("post", f"{STUDY}/viewer"),
    ("post", f"{STUDY}/details"),
    ("get", "/studies/new"),
    ("post", "/studies/new"),
    ("get", "/accounts/"),
    ("get", "/accounts/new"),
    ("get", "/accounts/1/edit"),
    ("get", "/audit/"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS)
def test_anonymous_visitors_are_sent_to_login(db, avara, method, path):
    response = getattr(Client(), method)(path, {"value": "me"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert avara.calls.call_count == 0
    assert AuditEntry.objects.count() == 0


def test_login_page_itself_is_open(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert 'name="password"' in text(response)


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
    assert f"{STUDY}/claim" not in html and 'data-t="' not in html  # nothing to send


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
