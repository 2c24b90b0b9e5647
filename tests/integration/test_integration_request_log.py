"""What the dashboard asks of Avara, counted by the sandbox's request log (control plane,
GET /_sandbox/requests): a worklist page is one list call plus the users directory,
which is then cached; a study page is one GET of that study."""

import pytest

pytestmark = pytest.mark.stores

STUDIES = "/v1/viewer/studies"
USERS = "/v1/viewer/users"


@pytest.fixture
def log(dashboard, sandbox):
    """The sandbox's request log, emptied first: `log()` lists (method, path, status)."""
    sandbox.clear_requests()

    def calls() -> list[tuple[str, str, int]]:
        return [(r["method"], r["path"], r["status"]) for r in sandbox.requests()]

    return calls


def test_a_worklist_page_is_one_list_call_plus_the_users_directory(as_role, log):
    client = as_role("Supervisor")
    assert log() == []

    assert client.get("/").status_code == 200
    first = log()
    assert first.count(("GET", STUDIES, 200)) == 1
    assert first.count(("GET", USERS, 200)) == 1  # 12 users: one page of the directory
    assert len(first) == 2

    assert client.get("/?severity=stat").status_code == 200
    # The directory is cached: the second page costs one call.
    assert log()[len(first) :] == [("GET", STUDIES, 200)]


def test_a_study_page_reads_that_study(as_role, log, sandbox):
    study = sandbox.studies(is_cancelled=False)[0]
    client = as_role("Supervisor")
    client.get("/")  # warm the users directory
    before = len(log())
    assert client.get(f"/studies/{study.study_id}").status_code == 200
    study_calls = [c for c in log()[before:] if c[1].startswith(STUDIES)]
    assert study_calls == [("GET", f"{STUDIES}/{study.study_id}", 200)]
