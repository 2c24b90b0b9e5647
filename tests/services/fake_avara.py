"""A small stateful Avara for the write services' tests, on top of respx.

It holds studies as wire JSON, answers GET / PATCH / cancel / uncancel / reroute-url /
create like Avara, moves `updatedAt` on every change, and lets a test play "someone
else" by changing a study between the user's look and the user's save. Every request
it answers is counted per (method, path), so a test asserts exactly what was called.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
from samples import EXAMPLE_STUDY

STUDIES = "/v1/viewer/studies"
_clock = itertools.count(1)


def stamp() -> str:
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=next(_clock))
    return moment.isoformat().replace("+00:00", "Z")


def person(user_id: str, first: str = "Ada", last: str = "Reader") -> dict:
    return {
        "userId": user_id,
        "email": f"{first.lower()}@clinic.test",
        "firstName": first,
        "lastName": last,
    }


class FakeAvara:
    def __init__(self, router) -> None:
        self.studies: dict[str, dict] = {}
        self.calls: Counter[tuple[str, str]] = Counter()
        self.people: dict[str, dict] = {}
        # Set to make the next write fail: a callable(request) -> httpx.Response or raise.
        self.fail_next_write = None
        self.down = False  # answer 503 to everything
        router.route(path__startswith=STUDIES).mock(side_effect=self._answer)

    # --- setting the scene -------------------------------------------------------------
    def add(self, study_id: str, **fields) -> dict:
        body = copy.deepcopy(EXAMPLE_STUDY)
        body.update(
            studyId=study_id,
            studyInstanceUid=f"1.2.840.99.{len(self.studies) + 1}",
            assignedTo=None,
            updatedAt=stamp(),
        )
        body.update(fields)
        self.studies[study_id] = body
        return body

    def someone_sets(self, study_id: str, **fields) -> None:
        """Another user changes the study upstream (the user's screen does not know)."""
        self.studies[study_id].update(fields, updatedAt=stamp())

    def count(self, method: str, suffix: str = "") -> int:
        return sum(n for (m, p), n in self.calls.items() if m == method and p.endswith(suffix))

    # --- answering -----------------------------------------------------------------------
    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls[(request.method, path)] += 1
        if self.down:
            return httpx.Response(503, json={"error": {"message": "Down for maintenance."}})
        if request.method != "GET" and self.fail_next_write is not None:
            fail, self.fail_next_write = self.fail_next_write, None
            return fail(request, self)
        body = json.loads(request.content) if request.content else {}
        if path.endswith(("/cancel", "/uncancel")):
            return self._flip(body["studyId"], cancel=path.endswith("/cancel"))
        if path.endswith("/reroute-url"):
            return httpx.Response(200, json={"url": "https://viewer.avara.test/s?t=secret"})
        if request.method == "POST":
            return self._create(body)
        study_id = path.rsplit("/", 1)[-1]
        if "/by-uid/" in path:
            found = [s for s in self.studies.values() if s["studyInstanceUid"] == study_id]
            study_id = found[0]["studyId"] if found else ""
        study = self.studies.get(study_id)
        if study is None:
            return httpx.Response(404, json={"error": {"message": "No such study."}})
        if request.method == "PATCH":
            self.apply(study_id, body)
        return httpx.Response(200, json=study)

    def apply(self, study_id: str, body: dict) -> None:
        study = self.studies[study_id]
        for key, value in body.items():
            if key == "assignedTo":
                value = person(value) if value else None
            if key == "metadata":
                value = value or {}
            study[key] = value
        study["updatedAt"] = stamp()

    def _flip(self, study_id: str, *, cancel: bool) -> httpx.Response:
        study = self.studies[study_id]
        if study["isCancelled"] == cancel:
            return httpx.Response(200, json={"success": False, "message": "Nothing to do."})
        study.update(isCancelled=cancel, cancelledAt=stamp() if cancel else None, updatedAt=stamp())
        return httpx.Response(200, json={"success": True})

    def _create(self, body: dict) -> httpx.Response:
        if any(s["studyInstanceUid"] == body["studyInstanceUid"] for s in self.studies.values()):
            return httpx.Response(409, json={"error": {"message": "Duplicate UID."}})
        study_id = f"stu_{len(self.studies) + 1:032x}"
        study = self.add(study_id, **{k: v for k, v in body.items() if k != "assignedTo"})
        study["studyInstanceUid"] = body["studyInstanceUid"]
        return httpx.Response(201, json=study)
