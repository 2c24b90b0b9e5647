"""The fault matrix: every user action and page while Avara misbehaves, against the sandbox
over HTTP with its run-time faults (control plane) and a malformed-body stub in between.

Faults: down (nothing listens), slow beyond every deadline (on every call, or on the
write alone, which then lands after the dashboard stopped waiting), 429 with Retry-After,
a burst of 5xx that retries absorb, persistent 5xx, and a 2xx whose body cannot be read
(truncated JSON, wrong types) after the write landed.

For each: never a 500; the user is told something (and, when it failed, that Avara is
why); the audit tells the truth, checked against what the sandbox holds: a write that
landed is never audited "refused" or "not applied", one that did not is never "applied",
and "unknown" only when a fresh read cannot tell (the read failed too, or the write may
still be on its way); an inline control that failed keeps the user's choice.
"""

import html
import json
from io import StringIO

import pytest
from avara_stub import Mangler
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from faultkit import (
    ACTIONS,
    HX,
    TRUNCATED,
    WRONG_TYPES,
    Faults,
    closed_port,
    open_study,
    wait_for_late_writes,
)

from studies.models import AuditEntry
from studies.upstream import client as upstream_client

# Run again on PostgreSQL + Redis by `make test`: audit rows, both databases.
pytestmark = pytest.mark.stores

# Slower than a whole save may take (TRIAGE_WRITE_DEADLINE in tighten()), so the dashboard has
# given up and read the study back before a slowed write lands.
SLOW_MS = 1200
LOGINS = {
    "Radiologist": ("radiologist", "triage-radiologist"),
    "Supervisor": ("supervisor", "triage-supervisor"),
    "Admin": ("admin", "triage-admin"),
}
# fault -> (aimed at: "all" calls or the action's "write"; the rule or the stub's body)
FAULTS = {
    "down": ("all", None),
    "slow": ("all", {"latencyMs": SLOW_MS}),
    "slow-write": ("write", {"latencyMs": SLOW_MS}),
    "429": ("all", {"status": 429}),
    "5xx-burst": ("write", {"status": 503, "count": 2}),
    "5xx": ("write", {"status": 500}),
    "truncated": ("write", TRUNCATED),
    "wrong-types": ("write", WRONG_TYPES),
}
# Faults after which a fresh read works and the write cannot still be on its way: the
# dashboard must know the outcome.
KNOWABLE = {"5xx-burst", "5xx", "truncated", "wrong-types"}
# Faults the dashboard recovers from by itself: the action must succeed.
ABSORBED = {"5xx-burst"}


@pytest.fixture
def stack(settings, sandbox):
    """The sandbox (seeded, demo accounts) and the dashboard pointed at it through the
    malformed-body stub."""
    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    settings.AVARA_VIEWER_HOSTS = ["127.0.0.1"]
    settings.AVARA_RETRY_BACKOFF = 0
    settings.TRIAGE_QUEUE_BACKGROUND = False
    settings.TRIAGE_LIST_SHARE_SECONDS = 0
    settings.TRIAGE_TITLE_COUNTS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    sandbox.reset(seed=1, studies=20)
    call_command("create_demo_accounts", stdout=StringIO())
    faults = Faults(sandbox)
    mangler = Mangler()
    upstream_client.set_client(upstream_client.build_client(transport=mangler))
    yield faults, mangler
    faults.close()
    cache.clear()
    upstream_client.reset_client()


def logged_in(role: str) -> Client:
    client = Client()
    username, password = LOGINS[role]
    assert client.login(username=username, password=password)
    return client


# Faults that are about waiting get short timeouts and deadlines (the bounds, not their
# values, are under test); the others keep the shipped ones, so a busy machine cannot turn
# an answered failure into a timeout.
WAITING = {"slow", "slow-write", "429"}


def tighten(settings) -> None:
    settings.AVARA_READ_TIMEOUT = 0.2
    settings.AVARA_CONNECT_TIMEOUT = 0.2
    settings.AVARA_CALL_DEADLINE = 0.45
    settings.TRIAGE_WRITE_DEADLINE = 1.0


def apply_fault(name: str, target, faults: Faults, mangler: Mangler, settings) -> None:
    aim, rule = FAULTS[name]
    method, path = target if aim == "write" else ("*", "/v1/*")
    if name in WAITING:
        tighten(settings)  # a new client: only the faults without the stub come here
    if name == "down":
        settings.AVARA_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    elif isinstance(rule, bytes):
        mangler.rules[(method, path)] = rule
    else:
        faults.add(method=method, path=path, **rule)


def said(response) -> str:
    """Everything the user is told: the toast, the fragment or page, the flash messages."""
    parts = [response.content.decode(errors="replace")]
    if "HX-Trigger" in response:
        parts.append(json.loads(response["HX-Trigger"])["toast"]["message"])
    parts += [m.message for m in get_messages(response.wsgi_request)]
    return "\n".join(parts)


CASES = [
    pytest.param(action, fault, id=f"{action.name}-{fault}")
    for action in ACTIONS
    for fault in FAULTS
    if action.write is not None or FAULTS[fault][0] == "all"
]


@pytest.mark.parametrize(("action", "fault"), CASES)
def test_an_action_while_avara_misbehaves(stack, sandbox, settings, action, fault):
    faults, mangler = stack
    prepared = action.prepare(sandbox)
    client = logged_in(action.role)
    apply_fault(fault, action.write, faults, mangler, settings)

    response = prepared.send(client)
    if fault == "slow-write":  # the slowed writes land now: the audit must allow for it
        wait_for_late_writes(SLOW_MS / 1000 + 0.5)
    faults.clear()

    assert response.status_code != 500
    told = said(response)
    landed = prepared.landed()
    entries = list(AuditEntry.objects.filter(action=action.audit).order_by("id"))
    outcomes = [e.outcome for e in entries]
    if not entries:
        # Only Read next may stop before touching any study (the queue could not be read).
        assert action.name == "read-next" and not landed, told[:300]
        assert response.status_code >= 400 and "Avara" in told, told[:300]
        return
    if fault in ABSORBED:
        assert response.status_code in (200, 302), told[:300]
        assert outcomes[-1] == "applied", outcomes
    if action.name in ("skip", "viewer"):  # nothing to land at Avara: said as done, or not
        done = response.status_code in (200, 302)
        assert (outcomes[-1] == "applied") is done, (outcomes, response.status_code)
    elif landed:
        assert outcomes[-1] in ("applied", "unknown"), (outcomes, told[:300])
        assert "refused" not in outcomes and "not_applied" not in outcomes[-1:], outcomes
    else:
        assert "applied" not in outcomes, outcomes
    if fault in KNOWABLE:
        assert "unknown" not in outcomes, (outcomes, told[:300])
    if response.status_code >= 400:
        assert "Avara" in told, told[:500]
        if action.name == "create" and not landed:
            assert 'value="Fault matrix CT"' in told  # the form comes back as filled in
        if action.inline and not landed and outcomes[-1] != "unknown":
            # Not saved: the control stays open, with the user's choice still selected.
            assert f'<option value="{prepared.chosen}" selected>' in told, told[:800]


READS = {
    "worklist": lambda sid: "/",
    "worklist-results": lambda sid: "/?severity=stat",
    "queue": lambda sid: "/queue",
    "study": lambda sid: f"/studies/{sid}",
}
READ_FAULTS = ["down", "slow", "429", "5xx", "5xx-burst", "truncated"]


@pytest.mark.parametrize("fault", READ_FAULTS)
@pytest.mark.parametrize("page", list(READS))
def test_a_page_while_avara_misbehaves(stack, sandbox, settings, page, fault):
    faults, mangler = stack
    study = open_study(sandbox)
    client = logged_in("Supervisor")
    target = ("GET", "/v1/viewer/studies*")
    if fault == "5xx":
        faults.add(method="GET", path="/v1/*", status=500)
    elif fault == "truncated":
        mangler.rules[target] = TRUNCATED
    else:
        apply_fault(fault, target, faults, mangler, settings)
    headers = HX | {"HX-Target": "results"} if page == "worklist-results" else {}

    response = client.get(READS[page](study.study_id), headers=headers)
    faults.clear()

    if fault in ABSORBED:
        assert response.status_code == 200
        assert study.study_description in said(response) or page != "study"
    else:
        assert response.status_code in (502, 503), response.status_code
        assert "Avara" in said(response)


# Ids a stub puts in Avara's answer to a whole-UID search (GET .../by-uid/{uid}).
MALFORMED_IDS = {
    "not-hex": "stu_XYZ",
    "upper-hex": "stu_" + "AB" * 16,
    "empty": "",
    "markup": "<script>alert(1)</script>",
    "trailing-newline": "stu_" + "a" * 32 + "\n",
}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("bad", list(MALFORMED_IDS.values()), ids=list(MALFORMED_IDS))
def test_a_uid_search_answered_with_a_malformed_study_id(stack, sandbox, bad, htmx):
    """The worklist's search box takes a whole DICOM UID and opens that study: when
    Avara's answer names a study id the dashboard cannot use, the user is told so (a
    message, not a 500), and no link or redirect is built from it."""
    _, mangler = stack
    study = open_study(sandbox)
    mangler.rules[("GET", "/v1/viewer/studies/by-uid/*")] = lambda request, answer: (
        answer | {"studyId": bad}
    )
    client = logged_in("Supervisor")
    search = {"q": study.study_instance_uid}
    headers = HX | {"HX-Target": "results"} if htmx else {}

    response = client.get("/", search, headers=headers)
    mangler.rules.clear()
    answered = client.get("/", search, headers=headers)  # the real answer opens the study

    assert response.status_code == 502
    assert "HX-Redirect" not in response and "Location" not in response
    told = html.unescape(said(response))
    assert f"Avara's answer for the Study Instance UID {study.study_instance_uid}" in told
    assert "could not be used" in told
    for end in ('"', "/", "?"):  # no link built from it
        assert f'href="/studies/{html.escape(bad)}{end}' not in response.content.decode()
    page = f"/studies/{study.study_id}"
    if htmx:
        assert (answered.status_code, answered["HX-Redirect"]) == (200, page)
    else:
        assert (answered.status_code, answered["Location"]) == (302, page)
