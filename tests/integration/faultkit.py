"""What the fault matrix (test_fault_matrix.py) is made of: the sandbox's run-time faults,
a malformed-body stub, and the dashboard's actions with how to tell whether each landed.

- `Faults` sets run-time faults through the sandbox's control plane (`/_sandbox/faults`,
  its own key): a status and/or a latency per method and path glob, for `count` requests
  or until removed. Faults fire before any state change, so an injected status never
  changes a study; a latency delays the request, which then runs (and may land after the
  dashboard gave up waiting).
- `Mangler` (tests/support/avara_stub.py) stands between the dashboard and the sandbox:
  the request goes through and lands, then the answer's body is replaced (truncated
  JSON, wrong types): Avara said yes in a way the dashboard cannot read.
- `ACTIONS`: each user action, who does it, the Avara write it makes (for faults aimed at
  the write alone), and `prepare(sandbox)`: the study it acts on and `landed()`, read
  back from the sandbox through its API (another client's view, past any stub).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox_control import SandboxControl, Study

from studies.web.seen import seen_token_for

HX = {"HX-Request": "true"}
STUDIES = "/v1/viewer/studies"


class Faults:
    """The sandbox's run-time faults, through its control plane."""

    def __init__(self, sandbox: SandboxControl) -> None:
        self.sandbox = sandbox

    def add(self, *, method: str = "*", path: str = "/v1/*", **rule) -> None:
        self.sandbox.fault(method=method, path=path, **rule)

    def clear(self) -> None:
        self.sandbox.clear_faults()

    def close(self) -> None:
        self.clear()


TRUNCATED = b'{"studyId": "stu_'
WRONG_TYPES = b'{"studyId": 5, "severity": ["stat"], "isCancelled": "no", "success": "yes"}'


def closed_port() -> int:
    """A loopback port nothing listens on (Avara down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The sandbox's state, through its API --------------------------------------------------


def avara_id(username: str) -> str:
    from studies.models import Account

    return Account.objects.get(user__username=username).avara_user_id


def open_study(sandbox: SandboxControl, **conditions) -> Study:
    """The newest active, unassigned study still to be read, of normal severity, unless
    told."""
    wanted = {
        "is_cancelled": False,
        "assigned_to": None,
        "study_viewer_status": "incomplete",
        "severity": "normal",
    } | conditions
    found = sandbox.studies(**wanted)
    assert found, wanted
    return found[0]


def token(study: Study) -> str:
    return seen_token_for(
        study_id=study.study_id,
        severity=study.severity,
        status=study.study_viewer_status,
        assignee=study.assigned_to_id or "",
    )


def wait_for_late_writes(seconds: float) -> None:
    """Give requests the sandbox is still sleeping on time to finish (not a timing
    assertion: the test then reads what they did)."""
    time.sleep(seconds)


# --- The actions ----------------------------------------------------------------------------


@dataclass
class Prepared:
    study: Study | None
    send: Callable  # (client) -> response
    landed: Callable[[], bool]
    chosen: str = ""  # an inline save's value: what the user chose


@dataclass(frozen=True)
class Action:
    name: str
    role: str
    write: tuple[str, str] | None  # (method, path glob) of the Avara write it makes
    audit: str | None  # the audit action it records
    prepare: Callable[[SandboxControl], Prepared]
    inline: str | None = None  # the inline field, whose control must keep the choice


def _edit(field: str, value_of: Callable[[], str], check: Callable[[Study], bool]):
    def prepare(sandbox: SandboxControl) -> Prepared:
        study = open_study(sandbox)
        value = value_of()

        def send(client):
            data = {"value": value, "t": token(study)}
            return client.post(f"/studies/{study.study_id}/edit/{field}", data, headers=HX)

        return Prepared(study, send, lambda: check(sandbox.get(study.study_id)), chosen=value)

    return prepare


def _claim(sandbox: SandboxControl) -> Prepared:
    study = open_study(sandbox)
    me = avara_id("radiologist")

    def send(client):
        data = {"t": token(study)}
        return client.post(f"/studies/{study.study_id}/claim", data, headers=HX)

    return Prepared(study, send, lambda: sandbox.get(study.study_id).assigned_to_id == me)


def _complete(sandbox: SandboxControl) -> Prepared:
    study = sandbox.update(open_study(sandbox).study_id, assigned_to=avara_id("radiologist"))

    def send(client):
        return client.post(f"/studies/{study.study_id}/complete", headers=HX)

    def landed() -> bool:
        return sandbox.get(study.study_id).study_viewer_status == "complete"

    return Prepared(study, send, landed)


def _flip(verb: str) -> Callable[[SandboxControl], Prepared]:
    def prepare(sandbox: SandboxControl) -> Prepared:
        study = open_study(sandbox)
        if verb == "uncancel":
            sandbox.cancel(study.study_id)

        def send(client):
            return client.post(f"/studies/{study.study_id}/{verb}", headers=HX)

        def landed() -> bool:
            return sandbox.get(study.study_id).is_cancelled == (verb == "cancel")

        return Prepared(study, send, landed)

    return prepare


NEW_UID = "1.2.826.0.1.3680043.10.543.4711"


def _create(sandbox: SandboxControl) -> Prepared:
    form = {
        "severity": "stat",
        "study_description": "Fault matrix CT",
        "study_instance_uid": NEW_UID,
        "assigned_to": "",
        "express_customer_id": "",
        "meta-TOTAL_FORMS": "1",
        "meta-INITIAL_FORMS": "0",
        "meta-MIN_NUM_FORMS": "0",
        "meta-MAX_NUM_FORMS": "1000",
        "meta-0-key": "",
        "meta-0-value": "",
    }

    def send(client):
        return client.post("/studies/new", form)

    def landed() -> bool:
        return any(s.study_instance_uid == NEW_UID for s in sandbox.studies())

    return Prepared(None, send, landed)


def _read_next(sandbox: SandboxControl) -> Prepared:
    me = avara_id("radiologist")

    def mine() -> set[str]:
        return {s.study_id for s in sandbox.studies(assigned_to=me)}

    before = mine()

    def send(client):
        return client.post("/queue/next")

    return Prepared(None, send, lambda: bool(mine() - before))


def _skip(sandbox: SandboxControl) -> Prepared:
    study = open_study(sandbox)

    def send(client):
        return client.post(f"/studies/{study.study_id}/skip", {"reason": "Other"}, headers=HX)

    return Prepared(study, send, lambda: False)  # a skip changes nothing at Avara


def _viewer(sandbox: SandboxControl) -> Prepared:
    study = open_study(sandbox)

    def send(client):
        return client.post(f"/studies/{study.study_id}/viewer")

    return Prepared(study, send, lambda: False)


PATCH = ("PATCH", f"{STUDIES}/stu_*")

ACTIONS = [
    Action(
        "severity",
        "Supervisor",
        PATCH,
        "update",
        _edit("severity", lambda: "stat", lambda s: s.severity == "stat"),
        inline="severity",
    ),
    Action(
        "assignee",
        "Supervisor",
        PATCH,
        "update",
        _edit(
            "assignee",
            lambda: avara_id("radiologist"),
            lambda s: s.assigned_to_id == avara_id("radiologist"),
        ),
        inline="assignee",
    ),
    Action(
        "status",
        "Supervisor",
        PATCH,
        "update",
        _edit("status", lambda: "complete", lambda s: s.study_viewer_status == "complete"),
        inline="status",
    ),
    Action("claim", "Radiologist", PATCH, "update", _claim),
    Action("complete", "Radiologist", PATCH, "update", _complete),
    Action("cancel", "Supervisor", ("POST", f"{STUDIES}/cancel"), "cancel", _flip("cancel")),
    Action("restore", "Admin", ("POST", f"{STUDIES}/uncancel"), "uncancel", _flip("uncancel")),
    Action("create", "Supervisor", ("POST", STUDIES), "create", _create),
    Action("read-next", "Radiologist", PATCH, "update", _read_next),
    Action("skip", "Radiologist", None, "skip", _skip),
    Action("viewer", "Radiologist", ("POST", f"{STUDIES}/reroute-url"), "open_viewer", _viewer),
]
