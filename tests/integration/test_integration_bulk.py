"""Bulk actions against the sandbox over HTTP: each study through the same service as a
single edit, with the same stale check against what its row showed.

Fifty studies reassigned while five of them are changed upstream by another Avara
client: 45 done, 5 conflicts that say what changed, nothing of the other client's
overwritten, fifty audit entries. The same as a radiologist: every study refused,
nothing sent. A form sent twice is acted on once; a cancel asks first.
"""

import re

import pytest
from django.test import Client

from studies.models import AuditEntry

pytestmark = pytest.mark.stores

PICK = re.compile(r'name="pick" value="(stu_[0-9a-f]{32}~[^"]*)"')
NONCE = re.compile(r'<form id="bulk".*?name="nonce" value="([^"]+)"', re.S)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def picks_of(html: str, ids: set[str]) -> list[str]:
    return [value for value in PICK.findall(html) if value.split("~")[0] in ids]


def post(client: Client, data: dict) -> tuple[int, str]:
    response = client.post("/bulk", data)
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    return response.status_code, body


def outcomes(body: str) -> list[str]:
    return re.findall(r'<tr class="result result-(\w+)">', body)


@pytest.fixture
def fifty(dashboard, sandbox, settings):
    """Fifty unassigned STAT studies (the seeded room has others), and two readers."""
    settings.TRIAGE_QUEUE_SECONDS = 0
    settings.TRIAGE_BULK_CONCURRENCY = 6
    made = [sandbox.study(severity="stat", study_description=f"Bulk {n}") for n in range(50)]
    return [s.study_id for s in made]


def board_picks(client: Client, ids: list[str]) -> tuple[list[str], str]:
    html = page(client, "/workload?line=none&severity=stat")
    html += page(client, "/workload?line=none&severity=stat&page=2")
    picks = picks_of(html, set(ids))
    assert len(picks) == len(ids)
    return picks, NONCE.search(html).group(1)


def test_fifty_reassigned_five_changed_meanwhile(fifty, sandbox, as_role):
    supervisor = as_role("Supervisor")
    target = sandbox.user_by_email("radiologist2@example.org")
    other = sandbox.user_by_email("radiologist5@example.org")
    picks, nonce = board_picks(supervisor, fifty)
    changed = fifty[::10]  # five of them, claimed by someone using another Avara client
    for study_id in changed:
        sandbox.update(study_id, assigned_to=other)
    sandbox.clear_requests()

    status, body = post(
        supervisor,
        {"action": "assign", "assignee": target.user_id, "pick": picks, "nonce": nonce},
    )

    assert status == 200
    assert sorted(outcomes(body)) == ["conflict"] * 5 + ["done"] * 45
    assert body.count("Assignee is now ") == 5
    assert "45 of 50 done" in body and "5 conflicts" in body
    now = {s.study_id: s.assigned_to_id for s in sandbox.studies(severity="stat")}
    assert {now[i] for i in changed} == {other.user_id}  # nothing overwritten
    assert {now[i] for i in fifty if i not in changed} == {target.user_id}
    patches = sandbox.requests(method="PATCH")
    assert len(patches) == 45
    entries = AuditEntry.objects.filter(study_id__in=fifty)
    assert entries.count() == 50
    assert sorted(e.outcome for e in entries) == ["applied"] * 45 + ["conflict"] * 5
    assert {e.study_id for e in entries if e.outcome == "conflict"} == set(changed)


def test_the_same_as_a_radiologist_is_refused(fifty, sandbox, as_role):
    radiologist = as_role("Radiologist")
    target = sandbox.user_by_email("radiologist2@example.org")
    html = page(radiologist, "/?assignee=none&severity=stat&status=incomplete&limit=100")
    picks = picks_of(html, set(fifty))
    assert len(picks) == 50
    nonce = NONCE.search(html).group(1)
    assert 'value="assign"' not in html.split('<form id="bulk"')[1]  # not offered
    sandbox.clear_requests()

    status, body = post(
        radiologist,
        {"action": "assign", "assignee": target.user_id, "pick": picks, "nonce": nonce},
    )

    assert status == 403
    assert outcomes(body) == ["refused"] * 50
    assert "may only claim studies for yourself" in body
    assert sandbox.requests(path_prefix="/v1/") == []
    assert {s.assigned_to_id for s in sandbox.studies(severity="stat") if s.study_id in fifty} == {
        None
    }
    entries = AuditEntry.objects.filter(study_id__in=fifty)
    assert entries.count() == 50 and {e.outcome for e in entries} == {"refused"}


def test_a_form_sent_twice_is_acted_on_once(fifty, sandbox, as_role):
    supervisor = as_role("Supervisor")
    picks, nonce = board_picks(supervisor, fifty[:3] + fifty[3:])
    form = {"action": "severity", "severity": "high", "pick": picks[:3], "nonce": nonce}
    status, _ = post(supervisor, form)
    assert status == 200
    sandbox.clear_requests()

    again, body = post(supervisor, form)

    assert again == 409
    assert "sent already" in body and "3 of 3 done" in body
    assert sandbox.requests(method="PATCH") == []
    assert AuditEntry.objects.filter(study_id__in=fifty).count() == 3


def test_cancelling_asks_first_and_an_admin_restores(fifty, sandbox, as_role):
    supervisor = as_role("Supervisor")
    picks, nonce = board_picks(supervisor, fifty)
    form = {"action": "cancel", "pick": picks[:2], "nonce": nonce}
    sandbox.clear_requests()

    status, body = post(supervisor, form)

    assert status == 200 and "Cancel 2 studies?" in body
    assert [r for r in sandbox.requests(path_prefix="/v1/") if r["method"] != "GET"] == []
    assert "Bulk " in body  # which ones, from the queue's picture
    status, body = post(supervisor, {**form, "confirmed": "on"})
    assert status == 200 and outcomes(body) == ["done", "done"]
    cancelled = {s.study_id for s in sandbox.studies(is_cancelled=True)}
    assert set(fifty[:2]) <= cancelled

    admin = as_role("Admin")
    html = page(admin, "/?cancelled=cancelled&severity=stat&limit=100")
    assert 'value="restore"' in html
    restore = picks_of(html, set(fifty[:2]))
    status, body = post(
        admin, {"action": "restore", "pick": restore, "nonce": NONCE.search(html).group(1)}
    )
    assert status == 200 and outcomes(body) == ["done", "done"]
    assert not set(fifty[:2]) & {s.study_id for s in sandbox.studies(is_cancelled=True)}


def test_a_radiologist_claims_in_bulk_what_is_free(fifty, sandbox, as_role):
    radiologist = as_role("Radiologist")
    other = sandbox.user_by_email("radiologist5@example.org")
    html = page(radiologist, "/?assignee=none&severity=stat&status=incomplete&limit=100")
    picks = picks_of(html, set(fifty[:4]))
    sandbox.update(fifty[0], assigned_to=other)  # taken meanwhile

    status, body = post(
        radiologist, {"action": "claim", "pick": picks, "nonce": NONCE.search(html).group(1)}
    )

    assert status == 200
    assert sorted(outcomes(body)) == ["conflict", "done", "done", "done"]
    me = sandbox.user_by_email("radiologist1@example.org").user_id
    now = {s.study_id: s.assigned_to_id for s in sandbox.studies(severity="stat")}
    assert [now[i] for i in fifty[:4]] == [other.user_id, me, me, me]
