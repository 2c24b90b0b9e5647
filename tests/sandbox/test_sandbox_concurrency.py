"""Writers at the same moment, over real HTTP, against a multi-process server: each write
answers what it left, updatedAt strictly increases, one UID is created once.

`served` is gunicorn (2 processes x 8 threads) on a private database: SQLite by
default, PostgreSQL in the `stores` run (SANDBOX_DATABASE_URL=postgres://...).
"""

import httpx
import pytest
from django.conf import settings
from sandbox_helpers import STUDIES, simultaneously

pytestmark = pytest.mark.stores

HEADERS = {"Authorization": f"Bearer {settings.SANDBOX_DEV_API_KEY}"}


def _call(served, method: str, path: str, body: dict):
    def call():
        with httpx.Client(base_url=served.url, headers=HEADERS, timeout=60) as client:
            return client.request(method, path, json=body)

    return call


def test_simultaneous_patches_each_answer_their_own_write(served):
    study = served.create(studyDescription="before")
    url = f"{STUDIES}/{study['studyId']}"
    writers = 24
    answers = simultaneously(
        [_call(served, "PATCH", url, {"studyDescription": f"writer {n}"}) for n in range(writers)]
    )

    assert [a.status_code for a in answers] == [200] * writers
    bodies = [a.json() for a in answers]
    # Each answer shows its own change, never another writer's.
    assert [b["studyDescription"] for b in bodies] == [f"writer {n}" for n in range(writers)]
    stamps = [b["updatedAt"] for b in bodies]
    assert len(set(stamps)) == writers, "two writes answered the same updatedAt"
    assert min(stamps) > study["updatedAt"]
    # The study ends as the write with the latest updatedAt left it.
    last = max(bodies, key=lambda b: b["updatedAt"])
    assert served.api.get(url).json() == last


def test_simultaneous_creates_of_one_uid_give_exactly_one_study(served):
    uid = "1.2.826.0.1.3680043.10.999.16"
    body = {"severity": "high", "studyDescription": "CT Head", "studyInstanceUid": uid}
    answers = simultaneously([_call(served, "POST", STUDIES, body) for _ in range(16)])

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 15
    created = next(a.json() for a in answers if a.status_code == 201)
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["error"]["type"] == "conflict_error"
        assert refused.json()["error"]["fields"] == {"studyInstanceUid": "already exists"}
    listed = served.api.get(STUDIES).json()["studies"]
    assert [s["studyId"] for s in listed] == [created["studyId"]]
    assert served.api.get(f"{STUDIES}/by-uid/{uid}").json() == created


def test_simultaneous_cancels_succeed_once_then_uncancels_once(served):
    study = served.create()
    lookup = {"studyId": study["studyId"]}
    cancels = simultaneously([_call(served, "POST", f"{STUDIES}/cancel", lookup)] * 16)
    assert [c.status_code for c in cancels] == [200] * 16
    assert sorted(c.json()["success"] for c in cancels) == [False] * 15 + [True]
    assert {c.json()["message"] for c in cancels if not c.json()["success"]} == {
        f"Study {study['studyId']} is already cancelled."
    }
    cancelled = served.api.get(f"{STUDIES}/{study['studyId']}").json()
    assert cancelled["isCancelled"] is True
    assert cancelled["cancelledAt"] == cancelled["updatedAt"] > study["updatedAt"]

    restores = simultaneously([_call(served, "POST", f"{STUDIES}/uncancel", lookup)] * 16)
    assert sorted(r.json()["success"] for r in restores) == [False] * 15 + [True]
    restored = served.api.get(f"{STUDIES}/{study['studyId']}").json()
    assert (restored["isCancelled"], restored["cancelledAt"]) == (False, None)
    assert restored["updatedAt"] > cancelled["updatedAt"]


def test_patches_racing_a_cancel_land_before_it_or_are_refused(served):
    study = served.create()
    url = f"{STUDIES}/{study['studyId']}"
    calls = [_call(served, "PATCH", url, {"studyDescription": f"writer {n}"}) for n in range(12)]
    calls.insert(6, _call(served, "POST", f"{STUDIES}/cancel", {"studyId": study["studyId"]}))
    answers = simultaneously(calls)

    cancel = answers.pop(6)
    assert cancel.json()["success"] is True
    final = served.api.get(url).json()
    applied = [a.json() for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    assert all(r.status_code == 409 for r in refused)
    # Every applied PATCH committed before the cancel: its stamp is earlier.
    assert all(a["updatedAt"] < final["cancelledAt"] for a in applied)
    assert all(a["isCancelled"] is False for a in applied)
    assert len({a["updatedAt"] for a in applied}) == len(applied)
