"""axe-core on every page, as every role that may see it, in every state a person meets:
shown, with an inline control open, a confirmation asked, errors shown, Avara down, on a
phone, and without JavaScript. Zero violations of any impact; the only exceptions are in
EXCEPTIONS below, one line each with the reason.

axe-core comes with the PyPI package axe-playwright-python (a dev dependency: no CDN, no
npm), injected into the page by Playwright, so the page's strict CSP does not apply to it.

To add a page: one line in VISITS, (path, role, state). A path may name "{study}" (an
open, unassigned study on the worklist's first page), "{mine}" (an open study assigned to
the radiologist), "{cancelled}" (a cancelled study) or "{account}" (the radiologist's
account). A role of None is nobody logged in. The states are the keys of STATES (what is
done on the page before axe looks), and "no-js".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Locator, Page, expect

from studies.audit import audit_record
from studies.models import AuditAction, AuditOutcome

from .conftest import PASSWORDS, TIMEOUT_MS, BrowserLog, Triage
from .pages import first_page_study, sandbox_user

pytestmark = pytest.mark.e2e

R, S, A = "radiologist", "supervisor", "admin"
STAFF = (S, A)
EVERYONE = (R, S, A)

# (path, role, state): every page, for each role that can see it.
VISITS: list[tuple[str, str | None, str]] = [
    ("/accounts/login/", None, "shown"),
    ("/accounts/login/", None, "errors"),
    ("/accounts/login/", None, "no-js"),
    ("/accounts/login/", None, "phone"),
    *[("/", role, state) for role in EVERYONE for state in ("shown", "no-js", "phone")],
    ("/", R, "control:assignee"),
    ("/", S, "control:severity"),
    ("/", S, "control:assignee"),
    ("/", S, "conflict:severity"),
    ("/", S, "confirm:cancel"),
    ("/", S, "avara-down"),
    ("/?assignee=me&status=incomplete", R, "control:status"),
    ("/?cancelled=cancelled", A, "shown"),
    ("/?cancelled=cancelled", A, "confirm:restore"),
    *[("/queue", role, state) for role in EVERYONE for state in ("shown", "no-js", "phone")],
    ("/queue", R, "skip"),
    ("/queue", S, "confirm:cancel"),
    *[("/studies/{study}", role, state) for role in EVERYONE for state in ("shown", "no-js")],
    ("/studies/{study}", R, "phone"),
    ("/studies/{study}", S, "errors"),
    ("/studies/{mine}", R, "shown"),
    ("/studies/{cancelled}", A, "shown"),
    ("/studies/new", S, "shown"),
    ("/studies/new", S, "errors"),
    ("/studies/new", A, "no-js"),
    ("/studies/new", S, "phone"),
    *[("/studies/{study}/skip", role, "no-js") for role in EVERYONE],
    *[("/studies/{study}/claim", role, "no-js") for role in EVERYONE],
    ("/studies/{mine}/complete", R, "no-js"),
    *[("/studies/{study}/cancel", role, "no-js") for role in STAFF],
    ("/studies/{cancelled}/uncancel", A, "no-js"),
    *[("/studies/{study}/edit/severity", role, "no-js") for role in STAFF],
    *[("/studies/{study}/edit/assignee", role, "no-js") for role in EVERYONE],
    ("/studies/{mine}/edit/status", R, "no-js"),
    ("/audit/", A, "shown"),
    ("/audit/", A, "no-js"),
    ("/audit/", A, "phone"),
    ("/audit/?actor=Elena+Petrova", A, "shown"),
    ("/accounts/", A, "shown"),
    ("/accounts/", A, "phone"),
    ("/accounts/new", A, "shown"),
    ("/accounts/new", A, "errors"),
    ("/accounts/{account}/edit", A, "no-js"),
    # The supervisor's board (issue 22), bulk actions, saved lists (issue 23).
    *[("/workload", role, "shown") for role in STAFF],
    ("/workload", S, "no-js"),
    ("/workload", S, "phone"),
    ("/workload/balance", S, "shown"),
    ("/workload/balance", S, "no-js"),
    ("/", S, "bulk:picked"),
    ("/queue", S, "bulk:picked"),
    ("/", S, "save-view"),
    *[("/lists/", role, "shown") for role in EVERYONE],
    ("/lists/", R, "phone"),
    ("/lists/", S, "no-js"),
    # Error pages: not found, a role refused, a form without its security token.
    ("/nowhere", R, "shown"),
    ("/nowhere", None, "shown"),
    ("/audit/", R, "shown"),
    ("/accounts/", S, "shown"),
    ("/", S, "csrf"),
]

# (rule id, a part of the failing element's selector, why it is accepted): none today.
EXCEPTIONS: list[tuple[str, str, str]] = []

# What a browser logs on pages that answer an error on purpose (their status).
EXPECTED_ERRORS = {
    "avara-down": ["503"],
    "csrf": ["403"],
    "errors": ["400", "401"],
    "conflict:severity": ["409"],
}


def _visit_id(visit: tuple[str, str | None, str]) -> str:
    path, role, state = visit
    return f"{role or 'nobody'} {path} {state}"


# --- The states: what is done on the page before axe looks ------------------------------


def _row_with(page: Page, link: str) -> tuple[Locator, str]:
    """The first row offering `link`, by its id (its cells are swapped, it stays)."""
    found = page.locator("table.studies tbody tr[id^=study-]", has=page.locator(link)).first
    row_id = found.get_attribute("id") or ""
    return page.locator(f"#{row_id}"), row_id.removeprefix("study-")


def _opens(link: str, opened: str) -> Callable[[Page, dict], None]:
    """Click a row's `link` (an inline control, a confirmation): `opened` is then shown."""

    def act(page: Page, ids: dict) -> None:
        row, ids["row"] = _row_with(page, link)
        row.locator(link).click()
        expect(row.locator(opened)).to_be_visible()

    return act


def _control(field: str) -> Callable[[Page, dict], None]:
    return _opens(f"td.cell-{field} a[data-cell]", "td.editing select")


def _conflict(page: Page, ids: dict, *, triage: Triage) -> None:
    """Someone else changes the severity while the control is open: Save keeps it open,
    saying so."""
    _control("severity")(page, ids)
    row = page.locator(f"#study-{ids['row']}")
    now = triage.sandbox.get(ids["row"]).severity
    triage.sandbox.update(ids["row"], severity="stat" if now != "stat" else "high")
    row.locator("select[name=value]").select_option("normal" if now != "normal" else "high")
    row.get_by_role("button", name="Save").click()
    expect(row.locator("td.editing .field-error")).to_be_visible()


def _errors(page: Page, ids: dict) -> None:
    """The page's form sent with its required fields empty (the browser's own checks
    off): the server's messages are shown."""
    form = page.locator("main form[method=post]:not([target])", has=page.locator("button.primary"))
    form = form.last
    form.evaluate(
        "f => { f.noValidate = true; f.querySelectorAll('[required]').forEach(i => i.value = '') }"
    )
    form.locator("button.primary").click()
    page.wait_for_load_state()
    expect(page.locator(".field-error, .error, .banner-error").first).to_be_visible()


def _csrf(page: Page, ids: dict) -> None:
    """A form posted without its security token: the page that says so."""
    page.evaluate(
        """() => { const f = document.createElement('form'); f.method = 'post';
        f.action = '/queue/next'; document.body.appendChild(f); f.submit(); }"""
    )
    expect(page.get_by_role("heading", name="Please reload the page")).to_be_visible()


def _picked(page: Page, ids: dict) -> None:
    """Two rows picked for a bulk action: the bulk bar shows its choices."""
    picks = page.locator("input[name=pick]")
    picks.nth(0).check()
    picks.nth(1).check()
    expect(page.locator("#bulk")).to_be_visible()


def _opens_page(opener: str, opened: str) -> Callable[[Page, dict], None]:
    """Open a part of the page (not of a row): `opened` is then shown."""

    def act(page: Page, ids: dict) -> None:
        page.locator(opener).first.click()
        expect(page.locator(opened).first).to_be_visible()

    return act


STATES: dict[str, Callable[..., None]] = {
    "shown": lambda page, ids: None,
    "phone": lambda page, ids: None,  # a 390 px wide screen
    "control:severity": _control("severity"),
    "control:assignee": _control("assignee"),
    "control:status": _control("status"),
    "conflict:severity": _conflict,
    "confirm:cancel": _opens("a.danger[href$='/cancel']", "td.confirming"),
    "confirm:restore": _opens("a[href$='/uncancel']", "td.confirming"),
    "skip": _opens("a[href$='/skip']", "td.confirming select"),
    "errors": _errors,
    "avara-down": lambda page, ids: None,  # the fault is set before the page loads
    "csrf": _csrf,
    "bulk:picked": _picked,
    "save-view": _opens_page("summary:has-text('Save view')", "input[name=name]"),
}


# --- The harness ------------------------------------------------------------------------


@contextmanager
def _tab(browser: Browser, log: BrowserLog, state: str) -> Iterator[Page]:
    """A browser of its own. "no-js": the page's own scripts never load (they are all
    files of their own: the CSP allows no inline script), so axe sees the page a browser
    without JavaScript shows; axe itself needs JavaScript, which a context with it
    switched off would not run."""
    width = 390 if state == "phone" else 1400
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", log.watch)
    if state == "no-js":
        context.route(
            "**/*",
            lambda route: (
                route.abort() if route.request.resource_type == "script" else route.continue_()
            ),
        )
        log.allow("net::ERR_FAILED")
    try:
        yield context.new_page()
    finally:
        context.close()


def _log_in(page: Page, triage: Triage, role: str) -> None:
    page.goto(f"{triage.url}/accounts/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".whoami")).to_be_visible()


def _ids(triage: Triage) -> dict[str, str]:
    """The studies and the account the paths name, and the history they show."""
    sandbox = triage.sandbox
    me = sandbox_user(sandbox, "radiologist1")
    mine = sandbox.study(assigned_to=me.user_id, study_description="Mine, to read")
    cancelled = sandbox.study(study_description="Cancelled one", is_cancelled=True)
    study = first_page_study(sandbox, assigned_to=None)
    account = get_user_model().objects.get(username=R)
    _history(study.study_id, me.user_id, account)
    return {
        "study": study.study_id,
        "mine": mine.study_id,
        "cancelled": cancelled.study_id,
        "account": str(account.pk),
    }


def _history(study_id: str, user_id: str, actor) -> None:
    """Entries of every kind, for the study's history and the audit trail to show."""
    changes = [
        (AuditAction.UPDATE, {"assigned_to": None}, {"assigned_to": user_id}, "applied"),
        (AuditAction.UPDATE, {"severity": "normal"}, {"severity": "stat"}, "conflict"),
        (AuditAction.CANCEL, {"is_cancelled": False}, {"is_cancelled": True}, "applied"),
        (AuditAction.SKIP, {}, {"reason": "Outside my subspecialty"}, "applied"),
    ]
    for action, before, after, outcome in changes:
        audit_record(
            actor=actor,
            action=action,
            study_id=study_id,
            before=before,
            after=after,
            outcome=outcome,
            detail="" if outcome == AuditOutcome.APPLIED else "Changed meanwhile.",
        )
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        after={"username": "someone", "address": "10.0.0.9"},
        outcome=AuditOutcome.REFUSED,
        detail="Wrong username or password (1 of 5 before a lock).",
    )


def _violations(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    problems = []
    for violation in found:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if any(rule == violation["id"] and part in target for rule, part, _ in EXCEPTIONS):
                continue
            problems.append(
                f"{violation['id']} ({violation['impact']}): {target}\n    {node['html'][:200]}"
                f"\n    {node.get('failureSummary', '')}"
            )
    return problems


@pytest.mark.parametrize("visit", VISITS, ids=_visit_id)
def test_axe_finds_nothing(browser, browser_log, triage, visit):
    path, role, state = visit
    ids = _ids(triage)
    for fragment in EXPECTED_ERRORS.get(state, []):
        browser_log.allow(fragment)
    if path in ("/nowhere",) or (role, path) in ((R, "/audit/"), (S, "/accounts/")):
        browser_log.allow("40")  # the error page's own status
    with _tab(browser, browser_log, state) as page:
        if role is not None:
            _log_in(page, triage, role)
        if state == "avara-down":
            triage.sandbox.fault(path="/v1/*", status=503)
        page.goto(triage.url + path.format(**ids))
        act = STATES[state] if state != "no-js" else STATES["shown"]
        if state == "conflict:severity":
            _conflict(page, ids, triage=triage)
        else:
            act(page, ids)
        problems = _violations(page)
    assert not problems, f"axe on {_visit_id(visit)}:\n" + "\n".join(problems)
    browser_log.assert_clean()
