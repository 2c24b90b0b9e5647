"""Role x URL x method: every route of the dashboard, every HTTP method, every role and
anonymous visitors, checked on the server.

- ROUTES (routes_table.py) lists every URL (studies/urls.py, dashboard/urls.py and the
  health probes the middleware answers) with the methods it serves; a new URL without a
  row fails `test_every_url_is_in_the_table`, a served method without an ACTIONS row
  fails `test_every_served_method_has_a_row`.
- Methods a route does not serve, anonymous visitors, the open pages: test_routes_methods.py.
- ACTIONS: allowed roles succeed with the expected upstream calls (a write reads the study
  before changing it) and audit rows; refused ones are told why (403, or for a button
  without JavaScript a redirect with the message), change nothing upstream and (for
  mutations) leave a refused audit row.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.messages import get_messages
from django.urls import get_resolver
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
    token_query,
)

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry, SavedWorklist
from studies.web.middleware import HealthCheckMiddleware

from .routes_table import OPEN, PROBES, ROUTES, route_of, url_names

# Run again on PostgreSQL + Redis by `make test`: sessions and audit rows for every role and action.
pytestmark = pytest.mark.stores

SID = study_id(1)
STUDY = f"/studies/{SID}"
CANCELLED = f"/studies/{study_id(2)}"  # what a restore is tried on
# Saves carry the row's signed token of what it showed (studies/web/seen.py); opening a
# control without JavaScript needs none: its page is drawn from a fresh read.
ROW = row_token(SID)
SEVERITY_CONTROL = f"{STUDY}/edit/severity?{token_query(SID, 'severity', 'high')}"
ASSIGNEE_CONTROL = f"{STUDY}/edit/assignee?{token_query(SID, 'assignee', '')}"
STATUS_CONTROL = f"{STUDY}/edit/status?{token_query(SID, 'status', 'incomplete')}"
ROLES = (RADIOLOGIST, SUPERVISOR, ADMIN)
STAFF = (SUPERVISOR, ADMIN)


def test_every_url_is_in_the_table():
    served = set(url_names(get_resolver().url_patterns)) | set(PROBES.values())

    assert served == set(ROUTES), "add the new URL (or remove the old one) in ROUTES"
    assert set(HealthCheckMiddleware.PATHS) == set(PROBES)
    for name, (path, _) in ROUTES.items():
        assert route_of(path) == name, path


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
    refused_status: int = 403  # a button without JavaScript goes back, with the message
    audit: tuple[str, ...] | None = None  # outcomes when allowed; default: POST "applied"
    htmx: bool = False
    headers: dict = field(default_factory=dict)
    role_calls: dict = field(default_factory=dict)  # upstream calls for one role, if others

    def calls_for(self, role: str) -> int:
        return self.role_calls.get(role, self.calls)

    @property
    def audits(self) -> tuple[str, ...]:
        if self.audit is not None:
            return self.audit
        return ("applied",) if self.method == "post" else ()


SKIP = {"reason": "Conflict of interest"}
LIST_FORM = {"name": "STAT to read", "page": "worklist", "query": "severity=stat&status=incomplete"}

ACTIONS = [
    Action("worklist", "get", "/", ROLES, 200, 1),
    # A reader lands on the queue's "Mine" when they have open studies: its picture.
    Action("start", "get", "/start", ROLES, 302, 0, role_calls={RADIOLOGIST: 3}),
    # The title's count (off in these tests: TRIAGE_TITLE_COUNTS, see conftest).
    Action("counts", "get", "/counts", ROLES, 200, 0),
    # The queue picture: one list read per severity.
    Action("queue", "get", "/queue", ROLES, 200, 3),
    # The picture; no STAT in it, so Avara is asked for one (one list read); the claim's
    # read and PATCH, the viewer link: two audit rows.
    Action("read-next", "post", "/queue/next", ROLES, 302, 7, audit=("applied", "applied")),
    # Reached by GET (the login page sending the user back): the queue, nothing claimed.
    Action("read-next-get", "get", "/queue/next", ROLES, 302, 0),
    # Reached by GET: the study page, nothing saved.
    Action("save-details-get", "get", f"{STUDY}/details", ROLES, 302, 0),
    # Its own page names the study: one read.
    Action("skip-form", "get", f"{STUDY}/skip", ROLES, 200, 1),
    Action("skip", "post", f"{STUDY}/skip", ROLES, 302, 1, SKIP),
    Action("detail", "get", STUDY, ROLES, 200, 1),
    Action("row", "get", f"{STUDY}/row", ROLES, 200, 1, htmx=True),
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
    Action("claim-confirm", "get", f"{STUDY}/claim", ROLES, 200, 1),
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
    Action("complete-confirm", "get", f"{STUDY}/complete", ROLES, 200, 1),
    Action(
        "complete",
        "post",
        f"{STUDY}/complete",
        STAFF,
        302,
        2,
        # Not a radiologist's own study: refused after the read, back to the page.
        refusal="only its reader or a supervisor can change it",
        refused_calls=1,
        refused_status=302,
    ),
    Action("cancel-confirm", "get", f"{STUDY}/cancel", STAFF, 200, 1),
    Action("cancel", "post", f"{STUDY}/cancel", STAFF, 302, 3),
    Action("uncancel-confirm", "get", f"{CANCELLED}/uncancel", (ADMIN,), 200, 1),
    Action("uncancel", "post", f"{CANCELLED}/uncancel", (ADMIN,), 302, 3),
    # After a cancel without JavaScript: shown to its author (the Undo token in the URL) or
    # to a role that sees cancelled studies; anyone else is sent to the study page.
    Action(
        "cancelled-page",
        "get",
        f"{CANCELLED}/cancelled",
        (ADMIN,),
        200,
        1,
        refusal="",
        refused_status=302,
    ),
    # Undo needs its author's token (studies/services/undo.py; tests/views/test_undo.py):
    # without one nobody may, whatever the role.
    Action("undo-cancel", "post", f"{CANCELLED}/undo", (), 302, 0, refusal="not yours"),
    # A GET never mints a viewer link: it shows the study page, whose button does.
    Action("viewer-get", "get", f"{STUDY}/viewer", ROLES, 302, 0),
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
    # The board: the queue picture (a list read per severity) and, the first time, the
    # turnaround figures (one read of completed studies; in the request in these tests).
    Action("workload", "get", "/workload", STAFF, 200, 4),
    Action("balance", "get", "/workload/balance", STAFF, 200, 3),
    # A plan that is not one the dashboard signed: nothing read, nothing moved.
    Action("balance-apply", "post", "/workload/balance", STAFF, 400, 0, {"plan": "x"}, audit=()),
    # A bulk form whose nonce is not one the dashboard made: each study refused, unread.
    Action(
        "bulk",
        "post",
        "/bulk",
        ROLES,
        400,
        0,
        {"action": "claim", "pick": f"{SID}~{ROW}", "nonce": "forged"},
        audit=("refused",),
    ),
    Action("reader-caps-form", "get", "/accounts/caps", (ADMIN,), 200, 0),
    Action("reader-caps", "post", "/accounts/caps", (ADMIN,), 302, 0, {f"cap-{COLLEAGUE_ID}": "5"}),
    Action("accounts", "get", "/accounts/", (ADMIN,), 200, 0),
    Action("account-new-form", "get", "/accounts/new", (ADMIN,), 200, 0),
    Action("account-new", "post", "/accounts/new", (ADMIN,), 302, 0, account_form()),
    Action("account-edit-form", "get", "/accounts/{pk}/edit", (ADMIN,), 200, 0),
    Action(
        "account-edit",
        "post",
        "/accounts/{pk}/edit",
        (ADMIN,),
        302,
        0,
        account_form(username="admin", role=ADMIN, password="", avara_user_id=""),
    ),
    # Nothing is locked: the admin is told so, and the attempt is audited as refused.
    Action(
        "login-unlock",
        "post",
        "/accounts/locks/unlock",
        (ADMIN,),
        302,
        0,
        {"username": "someone", "ip_address": "10.0.0.7"},
        audit=("refused",),
    ),
    Action("audit", "get", "/audit/", (ADMIN,), 200, 0),
    # Exports: the first rows are read before answering; the audit entry is written when
    # the file ends (here, within those rows). A role's rules are the list's.
    Action("export", "get", "/export", ROLES, 200, 1, audit=("applied",)),
    Action("queue-export", "get", "/queue/export", ROLES, 200, 3, audit=("applied",)),
    # Saved lists: the user's own ("{list}", made for each case). The page and the menu
    # count them from the queue's picture (one list read per severity); the rest, no call.
    Action("lists", "get", "/lists/", ROLES, 200, 3),
    Action("list-menu", "get", "/lists/menu", ROLES, 200, 3, htmx=True),
    Action("list-open", "get", "/lists/{list}", ROLES, 302, 0),
    Action("list-create", "post", "/lists/new", ROLES, 302, 0, LIST_FORM),
    Action("list-rename", "post", "/lists/{list}/rename", ROLES, 302, 0, {"name": "Renamed"}),
    Action("list-delete", "post", "/lists/{list}/delete", ROLES, 302, 0),
    Action("list-copy", "post", "/lists/{list}/copy", ROLES, 302, 0),
    Action("list-landing", "post", "/lists/landing", ROLES, 302, 0, {"list": "{list}"}),
    Action(
        "list-publish",
        "post",
        "/lists/{list}/publish",
        (ADMIN,),
        302,
        0,
        {"role": RADIOLOGIST},
        refusal="may not publish saved worklists",
    ),
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


def _said(response) -> str:
    """The page, or for a redirect the messages it leaves for the next page."""
    if response.status_code in (301, 302):
        return " ".join(m.message for m in get_messages(response.wsgi_request))
    return text(response)


@pytest.mark.parametrize(("role", "action"), MATRIX)
def test_role_against_action(login, stock, role, action):
    client = login(role)
    saved = SavedWorklist.objects.create(owner=client.user, name="Mine", page="worklist")
    path = action.path.format(pk=client.user.pk, list=saved.pk)
    data = {k: v.replace("{list}", str(saved.pk)) for k, v in (action.data or {}).items()}
    headers = hx() if action.htmx else {}

    response = getattr(client, action.method)(path, data, headers=headers)
    if response.streaming:  # an export: the whole file, as a browser reads it
        b"".join(response.streaming_content)

    if role in action.allowed:
        assert response.status_code == action.ok
        assert stock.calls.call_count == action.calls_for(role)
        entries = AuditEntry.objects.order_by("id")
        assert sorted(e.outcome for e in entries) == sorted(action.audits)
        assert all(e.actor == client.user for e in entries)
    else:
        assert response.status_code == action.refused_status
        assert action.refusal in _said(response)
        assert stock.calls.call_count == action.refused_calls
        assert not any(c.request.method == "PATCH" for c in stock.calls)
        if action.method == "post":
            entry = only_audit()
            assert (entry.accepted, entry.outcome, entry.actor) == (False, "refused", client.user)
            assert entry.study_id == (
                path.split("/")[2] if path.startswith("/studies/stu_") else ""
            )
            assert action.refusal in entry.detail


def test_every_served_method_has_a_row():
    """Each method a route serves to logged-in users is checked for every role above, or
    for the open routes in the tests below."""
    covered = {(route_of(a.path), a.method.upper()) for a in ACTIONS}
    covered |= {(name, m) for name in OPEN | {"logout"} for m in ROUTES[name][1]}

    served = {(name, m) for name, (_, methods) in ROUTES.items() for m in methods}

    assert served <= covered, sorted(served - covered)
