"""The control plane's studies: one in any state in one call (POST /_sandbox/studies),
removed as if deleted at Avara (DELETE /_sandbox/studies/{id}), and a reset to nothing
at all (POST /_sandbox/reset {"empty": true}). What a client of the dashboard needs to
set up its tests over HTTP only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from sandbox_helpers import STUDIES, USERS, error_of

from sandbox.models import Study

pytestmark = [pytest.mark.django_db, pytest.mark.stores]

UID = "1.2.826.0.1.3680043.10.543.42"
REQUIRED = {"severity": "stat", "studyDescription": "CT Head", "studyInstanceUid": UID}


def wire_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ago(**delta: float) -> str:
    return wire_time(timezone.now() - timedelta(**delta))


@pytest.fixture
def people(control) -> dict:
    def user(email: str) -> str:
        body = {"email": email, "firstName": "A", "lastName": email[0].upper()}
        return control.post("/_sandbox/users", body).json()["userId"]

    customer = control.post("/_sandbox/customers", {"expressCustomerName": "Clinic"}).json()
    return {
        "reader": user("reader@example.org"),
        "author": user("author@example.org"),
        "customer": customer["expressCustomerId"],
    }


def test_a_study_in_any_state_in_one_call(control, api, people):
    body = REQUIRED | {
        "studyId": "stu_" + "c" * 32,
        "assignedTo": people["reader"],
        "createdByUser": people["author"],
        "expressCustomerId": people["customer"],
        "studyViewerStatus": "complete",
        "isCancelled": True,
        "metadata": {"room": "<b>3</b>"},
        "createdAt": ago(hours=5),
        "updatedAt": ago(hours=1),
    }

    response = control.post("/_sandbox/studies", body)

    assert response.status_code == 201, response.content
    study = response.json()
    assert api.get(f"{STUDIES}/{body['studyId']}").json() == study
    assert study["studyId"] == body["studyId"]
    assert (study["severity"], study["studyViewerStatus"]) == ("stat", "complete")
    assert study["assignedTo"]["userId"] == people["reader"]
    assert study["createdByUser"]["userId"] == people["author"]
    assert study["createdByApiKey"] is None  # no key made it
    assert study["expressCustomer"]["expressCustomerId"] == people["customer"]
    assert (study["createdAt"], study["updatedAt"]) == (body["createdAt"], body["updatedAt"])
    assert study["isCancelled"] is True
    assert study["cancelledAt"] == body["updatedAt"]  # by default, its last change
    assert study["metadata"] == {"room": "<b>3</b>"}
    listed = api.get(STUDIES, {"isCancelled": "true"}).json()["studies"]
    assert [s["studyId"] for s in listed] == [body["studyId"]]


def test_only_what_the_api_requires_is_needed(control, api):
    before = timezone.now() - timedelta(seconds=1)

    study = control.post("/_sandbox/studies", REQUIRED).json()

    assert study["studyId"].startswith("stu_") and len(study["studyId"]) == 36
    assert study["createdAt"] == study["updatedAt"]
    assert datetime.fromisoformat(study["createdAt"]) >= before
    assert (study["studyViewerStatus"], study["isCancelled"]) == ("incomplete", False)
    assert (study["assignedTo"], study["createdByUser"], study["cancelledAt"]) == (None,) * 3
    assert study["metadata"] == {}
    old = control.post(
        "/_sandbox/studies",
        REQUIRED | {"studyInstanceUid": "1.2.3", "createdAt": ago(days=2)},
    ).json()
    assert old["updatedAt"] == old["createdAt"]  # an old study nobody touched since
    assert [s["studyId"] for s in api.get(STUDIES).json()["studies"]] == [
        study["studyId"],
        old["studyId"],
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"severity": None}, "severity"),
        ({"severity": "urgent"}, "severity"),
        ({"studyInstanceUid": "1.02"}, "studyInstanceUid"),
        ({"studyDescription": "  "}, "studyDescription"),
        ({"studyId": "stu_XYZ"}, "studyId"),
        ({"studyViewerStatus": "done"}, "studyViewerStatus"),
        ({"isCancelled": "yes"}, "isCancelled"),
        ({"createdAt": "2999-01-01T00:00:00Z"}, "createdAt"),
        ({"createdAt": "2024-01-01T00:00:00"}, "createdAt"),
        ({"createdAt": "2024-02-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}, "createdAt"),
        ({"cancelledAt": "2024-01-01T00:00:00Z"}, "cancelledAt"),
        (
            {
                "isCancelled": True,
                "createdAt": "2024-01-02T00:00:00Z",
                "cancelledAt": "2024-01-01T00:00:00Z",
            },
            "cancelledAt",
        ),
        ({"assignedTo": "usr_" + "0" * 32}, "assignedTo"),
        ({"createdByUser": "usr_" + "0" * 32}, "createdByUser"),
        ({"expressCustomerId": "cus_" + "0" * 32}, "expressCustomerId"),
        ({"metadata": {"k": 1}}, "metadata"),
    ],
)
def test_an_impossible_study_is_refused_naming_the_field(control, changes, field):
    body = {name: value for name, value in (REQUIRED | changes).items() if value is not None}

    response = control.post("/_sandbox/studies", body)

    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert not Study.objects.exists()


def test_a_taken_uid_or_id_is_a_conflict(control):
    first = control.post("/_sandbox/studies", REQUIRED).json()

    same_uid = control.post("/_sandbox/studies", REQUIRED)
    same_id = control.post(
        "/_sandbox/studies", REQUIRED | {"studyId": first["studyId"], "studyInstanceUid": "1.2.3"}
    )

    assert same_uid.status_code == 409
    assert error_of(same_uid)["fields"] == {"studyInstanceUid": "already exists"}
    assert same_id.status_code == 409
    assert error_of(same_id)["fields"] == {"studyId": "already exists"}
    assert Study.objects.count() == 1


def test_a_study_removed_as_at_avara_is_gone_from_the_api(control, api):
    study = control.post("/_sandbox/studies", REQUIRED).json()
    url = f"/_sandbox/studies/{study['studyId']}"

    assert control.send("DELETE", url).status_code == 204

    assert api.get(f"{STUDIES}/{study['studyId']}").status_code == 404
    again = control.send("DELETE", url)
    assert (again.status_code, error_of(again)["fields"]) == (404, {"studyId": "no such study"})
    malformed = control.send("DELETE", "/_sandbox/studies/stu_XYZ")
    assert malformed.status_code == 400 and "studyId" in error_of(malformed)["fields"]
    assert api.send("DELETE", url).status_code == 401  # an API key opens nothing here


def test_reset_can_leave_nothing_at_all(control, api, people):
    control.post("/_sandbox/studies", REQUIRED | {"assignedTo": people["reader"]})
    control.post("/_sandbox/faults", {"path": "/v1/*", "status": 503})

    emptied = control.post("/_sandbox/reset", {"empty": True})

    assert emptied.status_code == 200
    assert emptied.json() == {"studies": 0, "users": 0, "customers": 0}
    assert api.get(STUDIES).json()["studies"] == []
    assert api.get(USERS).json()["users"] == []
    assert control.get("/_sandbox/customers").json() == {"customers": []}
    assert control.get("/_sandbox/faults").json() == {"faults": []}


def test_an_empty_reset_takes_no_seed(control):
    refused = control.post("/_sandbox/reset", {"empty": True, "seed": 2})

    assert refused.status_code == 400
    assert set(error_of(refused)["fields"]) == {"empty", "seed"}
    seeded = control.post("/_sandbox/reset", {"empty": False, "studies": 2})
    assert seeded.json() == {"studies": 2, "users": 12, "customers": 3}
