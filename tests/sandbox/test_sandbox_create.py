"""POST /v1/viewer/studies: behaviour and one test per validation rule."""

import pytest
from sandbox_helpers import STUDIES, VALID_UID, error_of

from sandbox.models import Study

# `stores`: these also run on PostgreSQL (SANDBOX_DATABASE_URL=postgres://...).
pytestmark = [pytest.mark.django_db, pytest.mark.stores]

HEX32 = "0123456789abcdef" * 2


def body(**fields):
    base = {"severity": "high", "studyDescription": "CT Head", "studyInstanceUid": VALID_UID}
    return {k: v for k, v in (base | fields).items() if v is not ...}


def assert_invalid(response, field: str, fragment: str = "") -> None:
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert field in error["fields"], error
    assert fragment in error["fields"][field]
    assert not Study.objects.exists()


def test_create_returns_the_new_study(api):
    response = api.post(STUDIES, body())
    assert response.status_code == 201
    study = response.json()
    assert study["studyId"].startswith("stu_") and len(study["studyId"]) == 36
    assert study["severity"] == "high"
    assert study["studyDescription"] == "CT Head"
    assert study["studyInstanceUid"] == VALID_UID
    assert study["studyViewerStatus"] == "incomplete"
    assert study["isCancelled"] is False and study["cancelledAt"] is None
    assert study["createdAt"] == study["updatedAt"]
    assert study["assignedTo"] is None and study["expressCustomer"] is None
    assert study["metadata"] == {}
    assert api.get(f"{STUDIES}/{study['studyId']}").json() == study


def test_create_with_every_optional_field(api, sandbox_factory):
    user = sandbox_factory.user()
    customer = sandbox_factory.customer(name="City Medical Center")
    response = api.post(
        STUDIES,
        body(
            assignedTo=user.user_id,
            expressCustomerId=customer.customer_id,
            metadata={"department": "radiology"},
        ),
    )
    assert response.status_code == 201
    study = response.json()
    assert study["assignedTo"]["userId"] == user.user_id
    assert study["expressCustomer"]["expressCustomerName"] == "City Medical Center"
    assert study["metadata"] == {"department": "radiology"}


def test_null_optional_fields_mean_none(api):
    response = api.post(STUDIES, body(assignedTo=None, expressCustomerId=None, metadata=None))
    assert response.status_code == 201
    study = response.json()
    assert (study["assignedTo"], study["expressCustomer"], study["metadata"]) == (None, None, {})


@pytest.mark.parametrize("field", ["severity", "studyDescription", "studyInstanceUid"])
def test_required_field_missing(api, field):
    assert_invalid(api.post(STUDIES, body(**{field: ...})), field, "is required")


def test_empty_object_names_every_required_field(api):
    response = api.post(STUDIES, {})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"severity", "studyDescription", "studyInstanceUid"}


@pytest.mark.parametrize("field", ["studyViewerStatus", "isCancelled", "study_description", "x"])
def test_unknown_field_is_rejected(api, field):
    assert_invalid(api.post(STUDIES, body(**{field: "complete"})), field, "not a recognised")


@pytest.mark.parametrize("field", ["severity", "studyDescription", "studyInstanceUid"])
def test_null_required_field(api, field):
    assert_invalid(api.post(STUDIES, body(**{field: None})), field, "must not be null")


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("severity", 5, "must be a string"),
        ("studyDescription", 5, "must be a string"),
        ("studyDescription", ["CT"], "must be a string"),
        ("studyInstanceUid", 1.2, "must be a string"),
        ("assignedTo", 123, "must be a string"),
        ("expressCustomerId", True, "must be a string"),
        ("metadata", "department=x", "must be an object"),
        ("metadata", [["a", "b"]], "must be an object"),
    ],
)
def test_wrong_json_type(api, field, value, fragment):
    assert_invalid(api.post(STUDIES, body(**{field: value})), field, fragment)


@pytest.mark.parametrize("value", ["urgent", "HIGH", "", " high"])
def test_severity_must_be_a_documented_value(api, value):
    assert_invalid(api.post(STUDIES, body(severity=value)), "severity", "normal, high, stat")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("assignedTo", "usr_123"),
        ("assignedTo", "usr_" + HEX32.upper()),
        ("assignedTo", "usr_" + HEX32 + "0"),
        ("assignedTo", "stu_" + HEX32),
        ("assignedTo", "usr-" + HEX32),
        ("assignedTo", "usr_" + "g" * 32),
        ("expressCustomerId", "cus_" + HEX32[:31]),
        ("expressCustomerId", "usr_" + HEX32),
        ("expressCustomerId", ""),
    ],
)
def test_identifier_format(api, field, value):
    expected = {"assignedTo": "'usr_' followed by 32", "expressCustomerId": "'cus_' followed by 32"}
    assert_invalid(api.post(STUDIES, body(**{field: value})), field, expected[field])


@pytest.mark.parametrize(
    ("uid", "fragment"),
    [
        ("1.2.03", "leading zero"),
        ("01.2", "leading zero"),
        ("1..2", "empty component"),
        (".1.2", "empty component"),
        ("1.2.", "empty component"),
        ("1.2.a", "only digits and dots"),
        ("1.2 3", "only digits and dots"),
        ("1.2.-3", "only digits and dots"),
        ("", "must not be empty"),
        ("1." + "2" * 63, "at most 64"),
    ],
)
def test_study_instance_uid_syntax(api, uid, fragment):
    assert_invalid(api.post(STUDIES, body(studyInstanceUid=uid)), "studyInstanceUid", fragment)


@pytest.mark.parametrize("uid", ["1.2.0.3", "0.0", "1." + "2" * 62, "2.25.100"])
def test_valid_uid_edge_cases_are_accepted(api, uid):
    response = api.post(STUDIES, body(studyInstanceUid=uid))
    assert response.status_code == 201
    assert response.json()["studyInstanceUid"] == uid


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("", "at least 1 character"), ("   \t", "only whitespace"), ("x" * 1001, "at most 1000")],
)
def test_study_description_constraints(api, value, fragment):
    assert_invalid(api.post(STUDIES, body(studyDescription=value)), "studyDescription", fragment)


def test_one_character_description_is_enough(api):
    assert api.post(STUDIES, body(studyDescription="x")).status_code == 201


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ({f"k{i}": "v" for i in range(51)}, "at most 50 pairs"),
        ({"k" * 101: "v"}, "1 to 100 characters"),
        ({"": "v"}, "1 to 100 characters"),
        ({"k": "v" * 1001}, "at most 1000 characters"),
        ({"k": 5}, "must be a string"),
        ({"k": None}, "must be a string"),
        ({"k": {"nested": "x"}}, "must be a string"),
    ],
)
def test_metadata_constraints(api, metadata, fragment):
    assert_invalid(api.post(STUDIES, body(metadata=metadata)), "metadata", fragment)


def test_metadata_at_the_limits_is_accepted(api):
    metadata = {f"{i:0>100}": "v" * 1000 for i in range(50)}
    response = api.post(STUDIES, body(metadata=metadata))
    assert response.status_code == 201
    assert response.json()["metadata"] == metadata


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("assignedTo", "usr_" + HEX32, f"no user usr_{HEX32} exists"),
        ("expressCustomerId", "cus_" + HEX32, f"no Express customer cus_{HEX32} exists"),
    ],
)
def test_reference_that_does_not_exist(api, field, value, message):
    assert_invalid(api.post(STUDIES, body(**{field: value})), field, message)


def test_several_problems_are_reported_together(api):
    response = api.post(STUDIES, {"severity": "urgent", "studyInstanceUid": "1..2", "x": 1})
    fields = error_of(response)["fields"]
    assert set(fields) == {"severity", "studyInstanceUid", "studyDescription", "x"}


def test_duplicate_study_instance_uid_is_409(api):
    first = api.post(STUDIES, body())
    assert first.status_code == 201
    response = api.post(STUDIES, body(studyDescription="Another"))
    assert response.status_code == 409
    error = error_of(response)
    assert error["type"] == "conflict_error"
    assert error["fields"] == {"studyInstanceUid": "already exists"}
    assert response["x-should-retry"] == "false"
    assert list(Study.objects.values_list("study_description", flat=True)) == ["CT Head"]
