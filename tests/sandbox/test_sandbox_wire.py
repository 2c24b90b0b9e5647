"""The wire form of a study and a user: keys, nesting, nulls, timestamp format."""

import re
from datetime import UTC, datetime

import pytest
from sandbox_helpers import STUDIES, USERS

pytestmark = pytest.mark.django_db

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
STUDY_KEYS = {
    "studyId",
    "studyInstanceUid",
    "studyDescription",
    "severity",
    "studyViewerStatus",
    "isCancelled",
    "cancelledAt",
    "createdAt",
    "updatedAt",
    "assignedTo",
    "createdByApiKey",
    "createdByUser",
    "expressCustomer",
    "metadata",
}


def test_bare_study_has_every_key_with_nulls_and_empty_metadata(api, sandbox_factory):
    study = sandbox_factory.study(metadata={})
    body = api.get(f"{STUDIES}/{study.study_id}").json()
    assert set(body) == STUDY_KEYS
    assert body["assignedTo"] is None
    assert body["createdByApiKey"] is None
    assert body["createdByUser"] is None
    assert body["expressCustomer"] is None
    assert body["cancelledAt"] is None
    assert body["metadata"] == {}
    assert body["isCancelled"] is False
    assert TIMESTAMP.match(body["createdAt"]) and TIMESTAMP.match(body["updatedAt"])


def test_references_are_nested_objects(api, sandbox_factory):
    full = sandbox_factory.user(
        first_name="John", last_name="Smith", middle_name="Robert", suffix1="MD", suffix2="FACR"
    )
    plain = sandbox_factory.user(first_name="Ann", last_name="Lee")
    customer = sandbox_factory.customer(name="City Medical Center")
    study = sandbox_factory.study(
        assigned_to=full,
        created_by_user=plain,
        express_customer=customer,
        metadata={"department": "radiology"},
        created_at=datetime(2024, 3, 15, 10, 30, tzinfo=UTC),
        updated_at=datetime(2024, 3, 15, 14, 20, 0, 123456, tzinfo=UTC),
    )
    body = api.get(f"{STUDIES}/{study.study_id}").json()
    assert body["assignedTo"] == {
        "userId": full.user_id,
        "email": full.email,
        "firstName": "John",
        "lastName": "Smith",
        "middleName": "Robert",
        "suffix1": "MD",
        "suffix2": "FACR",
    }
    # Optional name parts that are empty are omitted, never null.
    assert body["createdByUser"] == {
        "userId": plain.user_id,
        "email": plain.email,
        "firstName": "Ann",
        "lastName": "Lee",
    }
    assert body["expressCustomer"] == {
        "expressCustomerId": customer.customer_id,
        "expressCustomerName": "City Medical Center",
    }
    assert body["metadata"] == {"department": "radiology"}
    assert body["createdAt"] == "2024-03-15T10:30:00.000Z"
    assert body["updatedAt"] == "2024-03-15T14:20:00.123Z"


def test_user_wire_form(api, sandbox_factory):
    user = sandbox_factory.user(
        first_name="Maria",
        last_name="Garcia",
        phone_number="5551234567",
        level="admin",
        clinic_role="Radiologist",
        can_manage_studies=True,
        invited_source="api",
        created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    body = api.get(f"{USERS}/{user.user_id}").json()
    assert body == {
        "userId": user.user_id,
        "email": user.email,
        "firstName": "Maria",
        "lastName": "Garcia",
        "level": "admin",
        "clinicRole": "Radiologist",
        "canManageStudies": True,
        "hasDashboardAccess": True,
        "invitedSource": "api",
        "phoneNumber": "5551234567",
        "createdAt": "2025-01-02T03:04:05.000Z",
        "lastLoginAt": None,
    }
