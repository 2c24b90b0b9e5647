"""The dashboard suite's hold on the sandbox: its control plane and its API, over HTTP only.

`SandboxControl` (the `sandbox` fixture, tests/conftest.py) sets the sandbox up and reads
it back the way any client of it would:

- `.reset(...)` (`empty=True`: nothing at all; `seed=`, `studies=`: the seeded data);
- `.user(...)`, `.customer(...)`, `.study(...)`: made through the control plane, with
  unique defaults; keyword arguments are the wire fields in snake_case
  (`study(severity="stat", assigned_to=user, created_at=five_hours_ago,
  study_viewer_status="complete", is_cancelled=True, express_customer=customer)`);
- `.get(id)`, `.studies(**filters)`, `.users()`, `.user_by_email(...)`: what Avara holds
  now, read through the API (studies) and the control plane (users);
- `.update(id, **changes)`, `.cancel(id)`: writes of "another Avara client", through the
  API; `.delete(id)` and `.set_times(id, ...)`: what only Avara itself could do;
- `.requests(...)`, `.clear_requests()`: the request log (counting upstream calls);
  `.fault(...)`, `.clear_faults()`: run-time faults.

Studies, users and customers come back as small frozen records with snake_case names,
read from the wire JSON (`.raw` keeps it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

STUDIES = "/v1/viewer/studies"
# A second API key of the dashboard suite's sandbox (tests/conftest.py), describing itself
# with markup: the XSS corpus creates a study with it, so createdByApiKey is hostile too.
MARKUP_API_KEY = "sk_sandbox_markup_0123456789abcdef"
MARKUP_KEY_DESCRIPTION = "<script>window.__xss=1</script> key \u202e"
_serial = itertools.count(1)


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def wire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    suffix1: str = ""
    suffix2: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, data: dict) -> User:
        return cls(
            user_id=data["userId"],
            email=data["email"],
            first_name=data.get("firstName", ""),
            middle_name=data.get("middleName", ""),
            last_name=data.get("lastName", ""),
            suffix1=data.get("suffix1", ""),
            suffix2=data.get("suffix2", ""),
            raw=data,
        )


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str


@dataclass(frozen=True)
class Study:
    study_id: str
    study_instance_uid: str
    study_description: str
    severity: str
    study_viewer_status: str
    is_cancelled: bool
    assigned_to: User | None
    express_customer_id: str | None
    created_at: datetime
    updated_at: datetime
    metadata: dict = field(compare=False)
    raw: dict = field(compare=False, repr=False)

    @property
    def assigned_to_id(self) -> str | None:
        return self.assigned_to.user_id if self.assigned_to else None

    @classmethod
    def of(cls, data: dict) -> Study:
        customer = data.get("expressCustomer")
        return cls(
            study_id=data["studyId"],
            study_instance_uid=data["studyInstanceUid"],
            study_description=data["studyDescription"],
            severity=data["severity"],
            study_viewer_status=data["studyViewerStatus"],
            is_cancelled=data["isCancelled"],
            assigned_to=User.of(data["assignedTo"]) if data.get("assignedTo") else None,
            express_customer_id=customer["expressCustomerId"] if customer else None,
            created_at=_time(data["createdAt"]),
            updated_at=_time(data["updatedAt"]),
            metadata=data.get("metadata") or {},
            raw=data,
        )


def _wire_value(value: Any) -> Any:
    if isinstance(value, User):
        return value.user_id
    if isinstance(value, Customer):
        return value.customer_id
    if isinstance(value, datetime):
        return wire_time(value)
    return value


def _wire(fields: dict[str, Any]) -> dict[str, Any]:
    """snake_case keyword arguments -> the wire body (`express_customer=` names the id)."""
    body = {}
    for name, value in fields.items():
        key = "expressCustomerId" if name == "express_customer" else camel(name)
        body[key] = _wire_value(value)
    return body


def _query(filters: dict[str, Any]) -> dict[str, str]:
    query = {}
    for name, value in filters.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[camel(name)] = "null" if value is None else str(_wire_value(value))
    return query


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text[:500]}"
    )
    return response


class SandboxControl:
    """A sandbox served in a process of its own (tests/support/served_sandbox.py):
    `.url`, `.api_key`, and `.api` / `.control` (httpx clients with the API's key and
    the control plane's)."""

    def __init__(self, url: str, *, api_key: str, control_key: str) -> None:
        self.url = url
        self.api_key = api_key
        self.control_key = control_key
        self.api = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
        )
        self.control = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {control_key}"}, timeout=120
        )

    def close(self) -> None:
        self.api.close()
        self.control.close()

    # --- State ------------------------------------------------------------------------------

    def reset(self, *, empty: bool = False, **options: Any) -> dict[str, int]:
        """`reset(empty=True)`: nothing at all; `reset(seed=1, studies=80)`: the seed's."""
        body = {"empty": True} if empty else {camel(k): _wire_value(v) for k, v in options.items()}
        return _ok(self.control.post("/_sandbox/reset", json=body)).json()

    def user(self, **fields: Any) -> User:
        n = next(_serial)
        defaults = {
            "email": f"user{n}@example.org",
            "first_name": f"First{n}",
            "last_name": f"Last{n}",
            "created_at": datetime.now(UTC) - timedelta(days=30) + timedelta(seconds=n),
        }
        created = self.control.post("/_sandbox/users", json=_wire(defaults | fields))
        return User.of(_ok(created, 201).json())

    def customer(self, name: str | None = None, **fields: Any) -> Customer:
        body = _wire({"express_customer_name": name or f"Customer {next(_serial)}", **fields})
        made = _ok(self.control.post("/_sandbox/customers", json=body), 201).json()
        return Customer(made["expressCustomerId"], made["expressCustomerName"])

    def study(self, **fields: Any) -> Study:
        n = next(_serial)
        defaults = {
            "study_instance_uid": f"1.2.826.0.1.3680043.8.498.{n}",
            "study_description": f"Study {n}",
            "severity": "normal",
        }
        created = self.control.post("/_sandbox/studies", json=_wire(defaults | fields))
        return Study.of(_ok(created, 201).json())

    def set_times(self, study_id: str, **times: datetime) -> Study:
        """createdAt and/or updatedAt (`created_at=`, `updated_at=`): nothing else changes."""
        moved = self.control.patch(f"/_sandbox/studies/{study_id}", json=_wire(times))
        return Study.of(_ok(moved).json())

    def delete(self, study_id: str) -> None:
        """The study is gone, as if deleted at Avara."""
        _ok(self.control.delete(f"/_sandbox/studies/{study_id}"), 204)

    # --- Another Avara client, through the API ----------------------------------------------

    def update(self, study_id: str, **changes: Any) -> Study:
        return Study.of(_ok(self.api.patch(f"{STUDIES}/{study_id}", json=_wire(changes))).json())

    def cancel(self, study_id: str) -> None:
        answer = _ok(self.api.post(f"{STUDIES}/cancel", json={"studyId": study_id})).json()
        assert answer["success"], answer

    # --- Reading what Avara holds ------------------------------------------------------------

    def get(self, study_id: str) -> Study:
        return Study.of(_ok(self.api.get(f"{STUDIES}/{study_id}")).json())

    def studies(self, **filters: Any) -> list[Study]:
        """Every study matching the list filters, in the list's order (newest first)."""
        found, cursor = [], None
        while True:
            query = _query(filters) | {"limit": "100"} | ({"cursor": cursor} if cursor else {})
            page = _ok(self.api.get(STUDIES, params=query)).json()
            found += [Study.of(item) for item in page["studies"]]
            if not page["hasMore"]:
                return found
            cursor = page["cursor"]

    def user_get(self, user_id: str) -> User:
        return User.of(_ok(self.api.get(f"/v1/viewer/users/{user_id}")).json())

    def users(self) -> list[User]:
        return [User.of(u) for u in _ok(self.control.get("/_sandbox/users")).json()["users"]]

    def user_by_email(self, email: str) -> User:
        (user,) = [u for u in self.users() if u.email == email]
        return user

    # --- The request log and faults -----------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict]:
        """The request log, oldest first (`method=`, `path=`, `path_prefix=`...)."""
        return _ok(self.control.get("/_sandbox/requests", params=_query(filters))).json()[
            "requests"
        ]

    def clear_requests(self) -> None:
        _ok(self.control.delete("/_sandbox/requests"), 204)

    def fault(self, **rule: Any) -> dict:
        """`fault(method="PATCH", path="/v1/viewer/studies/*", status=503, count=2)`."""
        return _ok(self.control.post("/_sandbox/faults", json=_wire(rule)), 201).json()

    def clear_faults(self) -> None:
        _ok(self.control.delete("/_sandbox/faults"), 204)
