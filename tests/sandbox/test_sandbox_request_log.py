"""The request log and run-time faults across the worker processes of a real server
(`served`: gunicorn, 2 processes x 8 threads): what any worker answered is in the one
log, and a fault's count is shared, never overspent."""

import httpx
import pytest
from django.conf import settings
from sandbox_helpers import STUDIES, USERS, simultaneously

pytestmark = pytest.mark.stores


def _log(served, **filters) -> list[dict]:
    response = served.control.get("/_sandbox/requests", params=filters)
    assert response.status_code == 200, response.text
    return response.json()["requests"]


def test_the_log_records_what_was_answered_and_can_be_filtered_and_cleared(served):
    assert _log(served) == []  # reset cleared it
    served.api.get(STUDIES, params={"limit": 5})
    served.api.get(STUDIES, params={"severity": "urgent"})
    served.api.get(USERS)
    created = served.create()
    served.api.get(f"{STUDIES}/{created['studyId']}")

    log = _log(served)
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", STUDIES, 200),
        ("GET", STUDIES, 400),
        ("GET", USERS, 200),
        ("POST", STUDIES, 201),
        ("GET", f"{STUDIES}/{created['studyId']}", 200),
    ]
    assert log[0]["query"] == "limit=5"
    assert all(r["durationMs"] >= 0 and r["at"].endswith("Z") for r in log)
    assert "Authorization" not in str(log) and settings.SANDBOX_DEV_API_KEY not in str(log)

    assert len(_log(served, method="GET", path=STUDIES)) == 2
    assert len(_log(served, status=400)) == 1
    assert len(_log(served, pathPrefix=f"{STUDIES}/")) == 1
    assert [r["id"] for r in _log(served, after=log[2]["id"])] == [r["id"] for r in log[3:]]
    assert len(_log(served, limit=2)) == 2
    assert _log(served, method="DELETE") == []

    assert served.control.delete("/_sandbox/requests").status_code == 204
    assert _log(served) == []


def test_every_worker_writes_the_one_log(served):
    calls = [lambda: httpx.get(served.url + USERS) for _ in range(16)]  # no key: 401s
    answers = simultaneously(calls)
    assert {a.status_code for a in answers} == {401}
    assert len(_log(served, path=USERS, status=401)) == 16


def test_a_fault_count_is_shared_by_every_worker(served):
    rule = served.control.post(
        "/_sandbox/faults", json={"method": "GET", "path": STUDIES, "status": 503, "count": 3}
    ).json()
    headers = {"Authorization": f"Bearer {settings.SANDBOX_DEV_API_KEY}"}
    answers = simultaneously([lambda: httpx.get(served.url + STUDIES, headers=headers)] * 12)
    assert sorted(a.status_code for a in answers) == [200] * 9 + [503] * 3
    (listed,) = served.control.get("/_sandbox/faults").json()["faults"]
    assert (listed["faultId"], listed["remaining"], listed["fired"]) == (rule["faultId"], 0, 3)
    assert len(_log(served, path=STUDIES, status=503)) == 3
