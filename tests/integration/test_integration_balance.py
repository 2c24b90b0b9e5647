"""Balance against the sandbox over HTTP: a plan is only a plan until it is applied; what
is applied goes through bulk reassign, checked against the assignee the plan saw; a plan
made from a picture that has changed is not applied but made again.
"""

import re

import pytest
from django.core.cache import cache

from studies.models import AuditEntry, ReaderCap

pytestmark = pytest.mark.stores

MOVE = re.compile(r'name="move" value="(\d+)"')


@pytest.fixture
def small_room(settings, sandbox, as_role):
    """Two readers with a cap of 2 (one off to a flying start), four STAT/normal studies
    waiting; the demo accounts (as_role) and nothing else."""
    settings.TRIAGE_QUEUE_SECONDS = 0
    sandbox.reset(empty=True)
    cache.clear()
    sandbox.user(
        email="supervisor@example.org",
        first_name="Elena",
        last_name="Petrova",
        clinic_role="Administrative Director",
    )
    first = sandbox.user(first_name="Ann", last_name="Alpha")
    second = sandbox.user(first_name="Bea", last_name="Beta")
    sandbox.study(severity="normal", assigned_to=first)
    waiting = [
        sandbox.study(severity="normal", study_description="Routine 1"),
        sandbox.study(severity="stat", study_description="Emergency"),
        sandbox.study(severity="normal", study_description="Routine 2"),
    ]
    ReaderCap.objects.create(avara_user_id=first.user_id, cap=2)
    ReaderCap.objects.create(avara_user_id=second.user_id, cap=2)
    client = as_role("Supervisor")
    return client, first, second, waiting


def plan_form(html: str) -> dict:
    form = html.split('class="plan-apply"')[1]
    return {
        "plan": re.search(r'name="plan" value="([^"]+)"', form).group(1),
        "nonce": re.search(r'name="nonce" value="([^"]+)"', form).group(1),
        "move": MOVE.findall(form),
    }


def test_the_plan_moves_nothing_until_applied(small_room, sandbox):
    client, first, second, waiting = small_room
    sandbox.clear_requests()

    response = client.get("/workload/balance")

    html = response.content.decode()
    assert response.status_code == 200
    plan = response.context["plan"]
    assert [(m.description, m.target) for m in plan.moves] == [
        ("Emergency", second.user_id),  # STAT first, to the least loaded
        ("Routine 1", first.user_id),  # then the longest waiting; Ann and Bea at 1 each
        ("Routine 2", second.user_id),
    ]
    assert "Ann Alpha" in html and "Apply the ticked moves" in html
    assert [r["method"] for r in sandbox.requests(path_prefix="/v1/")] == ["GET"] * len(
        sandbox.requests(path_prefix="/v1/")
    )
    assert {
        s.assigned_to_id for s in sandbox.studies() if s.study_id in {w.study_id for w in waiting}
    } == {None}
    assert not AuditEntry.objects.exists()


def test_the_ticked_moves_are_applied_and_the_unticked_not(small_room, sandbox):
    client, first, second, _waiting = small_room
    form = plan_form(client.get("/workload/balance").content.decode())

    response = client.post("/workload/balance", {**form, "move": form["move"][:2]})

    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert body.count('class="result result-done"') == 2
    now = {s.study_description: s.assigned_to_id for s in sandbox.studies()}
    assert now["Emergency"] == second.user_id and now["Routine 1"] == first.user_id
    assert now["Routine 2"] is None  # unticked: left alone
    assert AuditEntry.objects.filter(outcome="applied").count() == 2


def test_a_plan_whose_picture_changed_is_made_again_not_applied(small_room, sandbox):
    client, first, _second, waiting = small_room
    form = plan_form(client.get("/workload/balance").content.decode())
    sandbox.update(waiting[1].study_id, assigned_to=first)  # someone took the STAT meanwhile
    sandbox.clear_requests()

    response = client.post("/workload/balance", form)

    html = response.content.decode()
    assert response.status_code == 409
    assert "The open work changed since that plan was made" in html
    assert "Nothing was moved" in html
    assert sandbox.requests(method="PATCH") == []
    assert not AuditEntry.objects.exists()
    assert "Emergency" not in [m.description for m in response.context["plan"].moves]
    assert plan_form(html)["plan"] != form["plan"]  # the new plan, to apply instead


def test_a_move_checked_against_what_the_plan_saw(small_room, sandbox, settings):
    """Between the check of the picture and the write, another client takes a study: the
    stale check of that one move says so, and the others go on."""
    client, _first, second, waiting = small_room
    form = plan_form(client.get("/workload/balance").content.decode())
    settings.TRIAGE_QUEUE_SECONDS = 3600  # the picture is kept: this change is not in it
    settings.TRIAGE_BALANCE_FRESH_SECONDS = 3600  # (as if it came just after Apply's read)
    client.get("/workload")
    sandbox.update(waiting[0].study_id, assigned_to=second)

    response = client.post("/workload/balance", form)

    body = b"".join(response.streaming_content).decode()
    assert sorted(re.findall(r'class="result result-(\w+)"', body)) == ["conflict", "done", "done"]
    assert "Assignee is now Bea Beta" in body
    now = {s.study_description: s.assigned_to_id for s in sandbox.studies()}
    assert now["Routine 1"] == second.user_id  # theirs, not overwritten


def test_apply_sees_a_study_given_to_a_reader_elsewhere_moments_ago(small_room, sandbox, settings):
    """The board's picture may be up to TRIAGE_QUEUE_SECONDS old: a study another Avara
    client gave a reader since it was built is not in it. Apply reads the open work afresh,
    so the moves never take that reader over their cap: a new plan, nothing moved."""
    settings.TRIAGE_QUEUE_SECONDS = 3600  # pages keep the picture they were shown
    settings.TRIAGE_BALANCE_FRESH_SECONDS = 0  # however soon Apply follows (default 1 s)
    client, first, _second, _waiting = small_room
    form = plan_form(client.get("/workload/balance").content.decode())
    assert client.get("/workload").status_code == 200  # the picture the plan came from
    sandbox.study(severity="high", study_description="Given elsewhere", assigned_to=first)
    sandbox.clear_requests()

    response = client.post("/workload/balance", form)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Nothing was moved" in html
    assert sandbox.requests(method="PATCH") == []
    assert len(sandbox.requests(method="GET")) >= 1  # the open work, read again
    load = sum(1 for s in sandbox.studies() if s.assigned_to_id == first.user_id)
    assert load == 2  # within the cap of 2; the old plan would have given Ann a third
