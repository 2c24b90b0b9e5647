"""The supervisor's board against the sandbox over HTTP, on seeded data.

Its counts equal an independent listing of everything the sandbox holds (read through
its API, page by page): per radiologist, for the unassigned pile and for everyone else,
by severity; studies assigned to someone Avara's user list did not hold when the
dashboard read it, and to people of other clinic roles, on the others' line; cancelled
and completed studies never counted. A page view costs Avara nothing once the picture
is built.
"""

from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client

from studies.upstream import client as upstream_client

pytestmark = pytest.mark.stores


@pytest.fixture
def room(dashboard, sandbox, settings):
    """The seeded room, plus studies for a technologist, a cancelled STAT of a reader,
    and (after the dashboard read Avara's users) a reader Avara's list did not hold yet."""
    settings.TRIAGE_QUEUE_SECONDS = 0  # every page view rebuilds the picture
    technologist = sandbox.user_by_email("technologist@example.org")
    reader = sandbox.user_by_email("radiologist3@example.org")
    sandbox.study(severity="high", assigned_to=technologist)
    sandbox.study(severity="stat", assigned_to=technologist, study_viewer_status="complete")
    sandbox.study(severity="stat", assigned_to=reader, is_cancelled=True)
    return sandbox


def expected(sandbox, readers: set[str]) -> dict[str, Counter]:
    """Open studies per line, from a full listing of the sandbox."""
    lines: dict[str, Counter] = {}
    for study in sandbox.studies():
        if study.is_cancelled or study.study_viewer_status != "incomplete":
            continue
        owner = study.assigned_to_id
        key = "none" if owner is None else owner if owner in readers else "other"
        lines.setdefault(key, Counter())[study.severity] += 1
    return lines


def shown(response) -> dict[str, Counter]:
    return {
        row.key: Counter({sev: n for sev, _, n, _ in row.counts if n})
        for row in response.context["rows"]
        if row.total
    }


def test_the_board_counts_what_a_full_listing_of_the_sandbox_counts(room, as_role):
    supervisor = as_role("Supervisor")
    supervisor.get("/workload")  # the users directory is read, and kept
    newcomer = room.user(first_name="Nadia", last_name="New")  # Avara lists her from now
    room.study(severity="stat", assigned_to=newcomer)
    room.study(severity="normal", assigned_to=newcomer)

    response = supervisor.get("/workload")

    assert response.status_code == 200
    readers = {u.user_id for u in room.users() if u.raw["clinicRole"] == "Radiologist"}
    readers.discard(newcomer.user_id)  # not in the list the dashboard read
    want = expected(room, readers)
    assert shown(response) == want
    assert want["other"] == Counter({"high": 1, "stat": 1, "normal": 1})
    others = dict(
        (name, n)
        for name, _, n in next(r for r in response.context["rows"] if r.key == "other").people
    )
    assert others == {"Maya Johnson, RT(R)": 1, "Nadia New": 2}
    board = response.context["board"]
    assert board.total == sum(sum(c.values()) for c in want.values())
    every_reader = {line.key for line in board.readers}
    assert every_reader == readers  # idle ones too
    page = response.content.decode()
    assert "Maya Johnson, RT(R)" in page and "not in Avara&#x27;s user list" in page


def test_a_page_view_costs_avara_nothing_once_the_picture_is_built(dashboard, sandbox, settings):
    settings.TRIAGE_QUEUE_SECONDS = 3600
    settings.TRIAGE_QUEUE_BACKGROUND = False  # the first view builds everything, in itself
    client = Client()
    assert client.login(username="supervisor", password="triage-supervisor")
    client.get("/workload")  # builds the picture, reads the users and the turnaround
    sandbox.clear_requests()

    for _ in range(3):
        assert client.get("/workload").status_code == 200
        assert client.get("/workload?line=none&severity=stat").status_code == 200

    assert sandbox.requests(path_prefix="/v1/") == []
    cache.clear()
    upstream_client.reset_client()


def test_a_radiologist_is_refused_the_board(as_role, sandbox):
    sandbox.clear_requests()
    response = as_role("Radiologist").get("/workload")

    assert response.status_code == 403
    assert "may not see the workload board" in response.content.decode()
    assert sandbox.requests(path_prefix="/v1/viewer/studies") == []
