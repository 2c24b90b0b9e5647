"""The control plane under /_sandbox/ (Django's test client): its own key, users and
Express customers with any text, reset to a seed, study times, the test clock, faults."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from sandbox_helpers import STUDIES, USERS, error_of

from sandbox import faults
from sandbox.models import ApiUser, Study

pytestmark = [pytest.mark.django_db, pytest.mark.stores]

HOSTILE = {
    "email": "o'brien+tag@example.org",
    "firstName": "<script>alert('first')</script>",
    "lastName": '"; DROP TABLE users; -- \u202eevil',
    "middleName": "{{ 7*7 }} ${7*7}",
    "suffix1": "<img src=x onerror=alert(1)>",
    "suffix2": "\U0001f480 &amp; &lt;b&gt;",
    "level": "admin",
    "clinicRole": "<b>Radiologist</b>",
    "canManageStudies": True,
    "hasDashboardAccess": False,
    "invitedSource": "api",
    "phoneNumber": "+1 (555) <0100>",
    "createdAt": "2024-03-15T10:30:00.000Z",
    "lastLoginAt": None,
}


def test_the_control_plane_takes_only_its_own_key(control, api, anonymous, settings):
    assert control.get("/_sandbox/users").status_code == 200
    no_key = anonymous.get("/_sandbox/users")
    assert no_key.status_code == 401
    assert error_of(no_key)["type"] == "authentication_error"
    api_key = api.get("/_sandbox/users")
    assert api_key.status_code == 401
    assert "not an API key" in error_of(api_key)["message"]
    # ...and the control key opens nothing on the API.
    assert control.get(STUDIES).status_code == 401


def test_an_empty_control_key_turns_the_control_plane_off(control, settings):
    settings.SANDBOX_CONTROL_KEY = ""
    for path in ("/_sandbox/users", "/_sandbox/reset", "/_sandbox/faults"):
        response = control.get(path)
        assert response.status_code == 404
        assert error_of(response)["type"] == "not_found_error"


def test_a_user_with_hostile_text_in_every_field_reads_back_exactly(control, api):
    created = control.post("/_sandbox/users", HOSTILE)
    assert created.status_code == 201, created.content
    user = created.json()
    expected = {k: v for k, v in HOSTILE.items()} | {"userId": user["userId"]}
    assert user == expected
    assert api.get(f"{USERS}/{user['userId']}").json() == user
    assert api.get(USERS, {"email": HOSTILE["email"]}).json()["users"] == [user]


def test_users_can_be_updated_and_removed(control, api, sandbox_factory):
    user = control.post("/_sandbox/users", {"email": "a@example.org", "firstName": "A",
                                              "lastName": "B"}).json()  # fmt: skip
    assert user["clinicRole"] == "Radiologist" and user["level"] == "member"
    url = f"/_sandbox/users/{user['userId']}"
    changed = control.patch(url, {"lastName": "<i>C</i>", "suffix1": "MD", "level": "owner"})
    assert changed.status_code == 200
    assert (changed.json()["lastName"], changed.json()["suffix1"]) == ("<i>C</i>", "MD")
    assert api.get(f"{USERS}/{user['userId']}").json() == changed.json()

    study = api.create(assignedTo=user["userId"])
    refused = control.send("DELETE", url)
    assert refused.status_code == 409
    assert "1 study refers" in error_of(refused)["message"]
    api.patch(f"{STUDIES}/{study['studyId']}", {"assignedTo": None})
    assert control.send("DELETE", url).status_code == 204
    assert api.get(f"{USERS}/{user['userId']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an email", "firstName": "A", "lastName": "B"}, "email"),
        ({"email": "a@example.org", "firstName": "", "lastName": "B"}, "firstName"),
        ({"email": "a@example.org", "firstName": "A", "lastName": "B", "level": "Owner"}, "level"),
        ({"email": "a@example.org", "firstName": "A\x00", "lastName": "B"}, "firstName"),
        ({"email": "a@example.org", "firstName": "A", "lastName": "B", "x": 1}, "x"),
        ({"email": "a@example.org", "lastName": "B"}, "firstName"),
        (
            {"email": "a@example.org", "firstName": "A", "lastName": "B", "createdAt": "x"},
            "createdAt",
        ),
    ],
)
def test_invalid_users_are_refused_naming_the_field(control, body, field):
    response = control.post("/_sandbox/users", body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not ApiUser.objects.exists()


def test_a_taken_email_is_a_conflict(control):
    body = {"email": "a@example.org", "firstName": "A", "lastName": "B"}
    assert control.post("/_sandbox/users", body).status_code == 201
    again = control.post("/_sandbox/users", body)
    assert again.status_code == 409
    assert error_of(again)["fields"] == {"email": "already exists"}


def test_express_customers_can_be_created_renamed_and_removed(control, api):
    made = control.post("/_sandbox/customers", {"expressCustomerName": "<b>Clinic</b> & Co"})
    assert made.status_code == 201
    customer = made.json()
    study = api.create(expressCustomerId=customer["expressCustomerId"])
    assert study["expressCustomer"] == customer

    url = f"/_sandbox/customers/{customer['expressCustomerId']}"
    renamed = control.patch(url, {"expressCustomerName": "Renamed"}).json()
    assert api.get(f"{STUDIES}/{study['studyId']}").json()["expressCustomer"] == renamed
    assert control.send("DELETE", url).status_code == 409
    api.patch(f"{STUDIES}/{study['studyId']}", {"metadata": None})
    Study.objects.all().delete()
    assert control.send("DELETE", url).status_code == 204
    listed = control.get("/_sandbox/customers").json()["customers"]
    assert customer["expressCustomerId"] not in [c["expressCustomerId"] for c in listed]


def test_ids_can_be_chosen_once(control):
    user = {"userId": "usr_" + "a" * 32, "email": "a@example.org", "firstName": "A",
            "lastName": "B"}  # fmt: skip
    assert control.post("/_sandbox/users", user).json()["userId"] == user["userId"]
    again = control.post("/_sandbox/users", user | {"email": "b@example.org"})
    assert (again.status_code, error_of(again)["fields"]) == (409, {"userId": "already exists"})
    customer = {"expressCustomerId": "cus_" + "b" * 32, "expressCustomerName": "C"}
    assert control.post("/_sandbox/customers", customer).status_code == 201
    twice = control.post("/_sandbox/customers", customer)
    assert twice.status_code == 409
    assert error_of(twice)["fields"] == {"expressCustomerId": "already exists"}


def test_reset_replaces_everything_with_a_seed(control, api):
    api.create()
    control.post("/_sandbox/users", {"email": "x@example.org", "firstName": "X", "lastName": "Y"})
    control.post("/_sandbox/faults", {"path": "/v1/*", "status": 503})
    control.post("/_sandbox/clock/advance", {"seconds": 3600})

    response = control.post("/_sandbox/reset", {"seed": 2, "studies": 7})
    assert response.status_code == 200
    assert response.json() == {"studies": 7, "users": 12, "customers": 3}
    assert len(api.get(STUDIES, {"limit": 100}).json()["studies"]) == 7
    assert "x@example.org" not in [u["email"] for u in api.get(USERS).json()["users"]]
    assert control.get("/_sandbox/faults").json() == {"faults": []}
    assert control.get("/_sandbox/clock").json()["offsetSeconds"] == 0


def test_reset_without_a_body_seeds_the_defaults(control):
    response = control.send("POST", "/_sandbox/reset", raw=b"", content_type="")
    assert response.status_code == 200
    assert response.json() == {"studies": 300, "users": 12, "customers": 3}


def test_reset_reads_a_body_like_the_api_does(control, settings):
    settings.SANDBOX_MAX_BODY_BYTES = 100
    too_large = control.send("POST", "/_sandbox/reset", raw=b'{"seed": 1' + b" " * 200 + b"}")
    assert too_large.status_code == 413
    assert control.send("POST", "/_sandbox/reset", raw=b"  ").status_code == 400
    assert control.post("/_sandbox/reset", {"studies": -1}).status_code == 400


def test_a_study_can_be_aged_for_turnaround_tests(control, api):
    study = api.create()
    five_hours_ago = timezone.now() - timedelta(hours=5)
    stamp = five_hours_ago.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    response = control.patch(f"/_sandbox/studies/{study['studyId']}", {"createdAt": stamp})
    assert response.status_code == 200
    aged = api.get(f"{STUDIES}/{study['studyId']}").json()
    assert aged["createdAt"] == stamp
    assert aged["updatedAt"] == study["updatedAt"]  # time travel is not an API write
    assert aged == response.json()


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({"createdAt": "2999-01-01T00:00:00Z"}, "createdAt"),
        ({"updatedAt": "2000-01-01T00:00:00Z"}, "updatedAt"),
        ({}, "createdAt"),
        ({"createdAt": "2024-01-01T00:00:00"}, "createdAt"),
        ({"createdAt": "0001-01-01T00:00:00+05:00"}, "createdAt"),
    ],
)
def test_impossible_study_times_are_refused(control, api, times, field):
    study = api.create()
    response = control.patch(f"/_sandbox/studies/{study['studyId']}", times)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert api.get(f"{STUDIES}/{study['studyId']}").json() == study


def test_any_offset_python_reads_is_stored_in_utc(control, api):
    # PostgreSQL refuses offsets beyond +-15:59; the sandbox stores UTC.
    body = {"email": "tz@example.org", "firstName": "T", "lastName": "Z",
            "createdAt": "0930-12-01T07:03:38-18:19"}  # fmt: skip
    created = control.post("/_sandbox/users", body)
    assert created.status_code == 201, created.content
    assert created.json()["createdAt"] == "0930-12-02T01:22:38.000Z"
    assert api.get(f"{USERS}/{created.json()['userId']}").json() == created.json()


def test_the_test_clock_moves_the_stamps_the_sandbox_writes(control, api):
    before = api.create()
    advanced = control.post("/_sandbox/clock/advance", {"seconds": 3 * 3600})
    assert advanced.status_code == 200
    assert advanced.json()["offsetSeconds"] == 3 * 3600
    done = api.patch(f"{STUDIES}/{before['studyId']}", {"studyViewerStatus": "complete"}).json()
    created, completed = (
        datetime.fromisoformat(s) for s in (before["createdAt"], done["updatedAt"])
    )
    assert timedelta(hours=3) <= completed - created < timedelta(hours=3, minutes=5)
    later = api.create()
    assert later["createdAt"] >= done["updatedAt"]

    back = control.send("DELETE", "/_sandbox/clock")
    assert back.json()["offsetSeconds"] == 0
    # Back in real time, updatedAt still only moves forward.
    again = api.patch(f"{STUDIES}/{before['studyId']}", {"severity": "stat"}).json()
    assert again["updatedAt"] > done["updatedAt"]


@pytest.mark.parametrize("seconds", [0, -5, "60", None, 10 * 366 * 86_400])
def test_the_clock_only_moves_forward_by_a_sane_amount(control, seconds):
    response = control.post("/_sandbox/clock/advance", {"seconds": seconds})
    assert response.status_code == 400
    assert "seconds" in error_of(response)["fields"]


def test_a_fault_rule_fails_matching_requests_count_times(control, api):
    rule = control.post(
        "/_sandbox/faults",
        {"method": "GET", "path": "/v1/viewer/studies", "status": 503, "count": 2},
    ).json()
    assert [api.get(STUDIES).status_code for _ in range(3)] == [503, 503, 200]
    assert api.post(STUDIES, {"severity": "x"}).status_code == 400  # POST: not matched
    listed = control.get("/_sandbox/faults").json()["faults"]
    assert [(f["faultId"], f["remaining"], f["fired"]) for f in listed] == [(rule["faultId"], 0, 2)]


def test_fault_rules_match_globs_and_carry_their_status(control, api, sandbox_factory):
    study = sandbox_factory.study()
    control.post("/_sandbox/faults", {"path": "/v1/viewer/studies/*", "status": 429})
    limited = api.get(f"{STUDIES}/{study.study_id}")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "1"
    assert error_of(limited)["type"] == "rate_limit_error"
    assert api.get(STUDIES).status_code == 200  # the glob needs a segment after /studies/
    before = Study.objects.get().updated_at
    assert api.patch(f"{STUDIES}/{study.study_id}", {"severity": "stat"}).status_code == 429
    assert Study.objects.get().updated_at == before  # a fault never changes anything
    assert control.send("DELETE", "/_sandbox/faults").status_code == 204
    assert api.get(f"{STUDIES}/{study.study_id}").status_code == 200


def test_latency_rules_delay_and_rates_are_reproducible(control, api, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", sleeps.append)
    control.post("/_sandbox/faults", {"path": "/v1/viewer/users", "latencyMs": 250})
    control.post("/_sandbox/faults", {"path": "/v1/viewer/studies", "status": 500, "rate": 0.5})
    api.get(USERS)
    assert sleeps == [0.25]

    def run() -> list[int]:
        faults.rng.seed(7)
        return [api.get(STUDIES).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert set(first) == {200, 500}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"path": "v1/*", "status": 503}, "path"),
        ({"path": "/v1/*", "status": 404}, "status"),
        ({"path": "/v1/*", "status": 503, "rate": 0}, "rate"),
        ({"path": "/v1/*", "status": 503, "rate": 1.5}, "rate"),
        ({"path": "/v1/*", "latencyMs": 60_001}, "latencyMs"),
        ({"path": "/v1/*", "status": 503, "count": 0}, "count"),
        ({"path": "/v1/*", "status": 503, "method": "get"}, "method"),
        ({"path": "/v1/*"}, "status"),
        ({"status": 503}, "path"),
    ],
)
def test_invalid_fault_rules_are_refused(control, body, field):
    response = control.post("/_sandbox/faults", body)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert control.get("/_sandbox/faults").json() == {"faults": []}


def test_control_plane_bodies_are_read_like_the_api_reads_them(control):
    response = control.send(
        "POST", "/_sandbox/users", raw=json.dumps({"a": 1}), content_type="text/plain"
    )
    assert response.status_code == 415
    response = control.send("POST", "/_sandbox/faults", raw=b"[1]")
    assert response.status_code == 400
    assert control.send("PUT", "/_sandbox/users").status_code == 405
