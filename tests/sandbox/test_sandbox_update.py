"""PATCH /v1/viewer/studies/{studyId}: only given fields change; updatedAt moves on change."""

from datetime import UTC, datetime

import pytest
from sandbox_helpers import STUDIES, error_of

from sandbox.models import Study

# `stores`: these also run on PostgreSQL (SANDBOX_DATABASE_URL=postgres://...).
pytestmark = [pytest.mark.django_db, pytest.mark.stores]

HEX32 = "0123456789abcdef" * 2
PAST = datetime(2024, 3, 15, 10, 30, tzinfo=UTC)


@pytest.fixture
def people(sandbox_factory):
    return sandbox_factory.user(first_name="Ann"), sandbox_factory.user(first_name="Bob")


@pytest.fixture
def study(sandbox_factory, people):
    return sandbox_factory.study(
        study_description="CT Chest",
        severity="normal",
        assigned_to=people[0],
        express_customer=sandbox_factory.customer(),
        metadata={"department": "radiology", "room": "3"},
        created_at=PAST,
        updated_at=PAST,
    )


def url(study) -> str:
    return f"{STUDIES}/{study.study_id}"


def test_only_the_given_field_changes_and_updated_at_moves(api, study):
    before = api.get(url(study)).json()
    response = api.patch(url(study), {"severity": "stat"})
    assert response.status_code == 200
    after = response.json()
    assert after["severity"] == "stat"
    assert after["updatedAt"] > before["updatedAt"]
    unchanged = {k: v for k, v in before.items() if k not in ("severity", "updatedAt")}
    assert {k: after[k] for k in unchanged} == unchanged
    assert api.get(url(study)).json() == after


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"studyDescription": "MRI Brain"}, "studyDescription", "MRI Brain"),
        ({"studyViewerStatus": "complete"}, "studyViewerStatus", "complete"),
        ({"severity": "high"}, "severity", "high"),
        ({"metadata": {"a": "1"}}, "metadata", {"a": "1"}),
        ({"metadata": None}, "metadata", {}),
        ({"metadata": {}}, "metadata", {}),
        ({"assignedTo": None}, "assignedTo", None),
    ],
)
def test_each_field_can_be_updated(api, study, change, field, expected):
    response = api.patch(url(study), change)
    assert response.status_code == 200
    assert response.json()[field] == expected
    assert response.json()["updatedAt"] > "2024-03-15T10:30:00.000Z"


def test_metadata_replaces_the_whole_object(api, study):
    response = api.patch(url(study), {"metadata": {"room": "4"}})
    assert response.json()["metadata"] == {"room": "4"}


def test_assigned_to_reassigns(api, study, people):
    response = api.patch(url(study), {"assignedTo": people[1].user_id})
    assert response.json()["assignedTo"]["userId"] == people[1].user_id
    assert response.json()["assignedTo"]["firstName"] == "Bob"


def test_assigned_to_null_unassigns_and_keeps_the_rest(api, study):
    response = api.patch(url(study), {"assignedTo": None})
    body = response.json()
    assert body["assignedTo"] is None
    assert body["expressCustomer"] is not None
    assert body["metadata"] == {"department": "radiology", "room": "3"}


def test_empty_object_changes_nothing(api, study):
    before = api.get(url(study)).json()
    response = api.patch(url(study), {})
    assert response.status_code == 200
    assert response.json() == before
    assert before["updatedAt"] == "2024-03-15T10:30:00.000Z"


def test_same_values_do_not_move_updated_at(api, study):
    before = api.get(url(study)).json()
    response = api.patch(url(study), {"severity": "normal", "studyDescription": "CT Chest"})
    assert response.json() == before


def test_consecutive_changes_each_move_updated_at(api, study):
    stamps = [api.patch(url(study), {"severity": s}).json()["updatedAt"] for s in ("high", "stat")]
    assert stamps[0] < stamps[1]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"expressCustomerId": "cus_" + HEX32}, "expressCustomerId", "not a recognised"),
        ({"studyInstanceUid": "1.2.3"}, "studyInstanceUid", "not a recognised"),
        ({"isCancelled": True}, "isCancelled", "not a recognised"),
        ({"severity": None}, "severity", "must not be null"),
        ({"studyDescription": None}, "studyDescription", "must not be null"),
        ({"studyViewerStatus": None}, "studyViewerStatus", "must not be null"),
        ({"severity": "urgent"}, "severity", "normal, high, stat"),
        ({"severity": 5}, "severity", "must be a string"),
        ({"studyViewerStatus": "done"}, "studyViewerStatus", "incomplete, complete"),
        ({"studyDescription": ""}, "studyDescription", "at least 1 character"),
        ({"studyDescription": "  "}, "studyDescription", "only whitespace"),
        ({"metadata": {"k": 1}}, "metadata", "must be a string"),
        ({"metadata": "x"}, "metadata", "must be an object"),
        ({"assignedTo": "usr_1"}, "assignedTo", "'usr_' followed by 32"),
        ({"assignedTo": "usr_" + HEX32}, "assignedTo", "no user"),
    ],
)
def test_invalid_change_is_400_and_changes_nothing(api, study, change, field, fragment):
    before = api.get(url(study)).json()
    # A valid change sent alongside the invalid one must not be applied either.
    alongside = {} if field == "severity" else {"severity": "stat"}
    response = api.patch(url(study), change | alongside)
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert fragment in error["fields"][field]
    assert api.get(url(study)).json() == before


@pytest.mark.parametrize(
    "bad_id", ["stu_123", "STU_" + HEX32, "stu_" + HEX32.upper(), "usr_" + HEX32]
)
def test_malformed_path_id_is_400_naming_study_id(api, bad_id):
    response = api.patch(f"{STUDIES}/{bad_id}", {"severity": "high"})
    assert response.status_code == 400
    assert "'stu_' followed by 32" in error_of(response)["fields"]["studyId"]


def test_unknown_study_is_404(api):
    response = api.patch(f"{STUDIES}/stu_{HEX32}", {"severity": "high"})
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert error["fields"] == {"studyId": "no such study"}


def test_cancelled_study_cannot_be_updated(api, study):
    assert api.post(f"{STUDIES}/cancel", {"studyId": study.study_id}).json()["success"] is True
    before = api.get(url(study)).json()
    response = api.patch(url(study), {"severity": "stat"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["type"] == "conflict_error"
    assert error["message"] == "The study is cancelled; uncancel it first."
    assert response["x-should-retry"] == "false"
    assert api.get(url(study)).json() == before


def test_updated_at_moves_forward_even_when_the_stored_one_is_ahead(api, study):
    """A stored updatedAt in the future (clock skew) still moves forward on change."""
    Study.objects.filter(pk=study.pk).update(updated_at=datetime(2999, 1, 1, tzinfo=UTC))
    response = api.patch(url(study), {"severity": "high"})
    assert response.json()["updatedAt"] == "2999-01-01T00:00:00.001Z"
