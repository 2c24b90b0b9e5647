"""cancel, uncancel and reroute-url: the study lookup rules and their behaviour."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sandbox_helpers import STUDIES, error_of

# `stores`: these also run on PostgreSQL (SANDBOX_DATABASE_URL=postgres://...).
pytestmark = [pytest.mark.django_db, pytest.mark.stores]

HEX32 = "0123456789abcdef" * 2
PAST = datetime(2024, 3, 15, 10, 30, tzinfo=UTC)
ACTIONS = ["cancel", "uncancel", "reroute-url"]


@pytest.fixture
def study(sandbox_factory):
    return sandbox_factory.study(study_instance_uid="1.2.3.4", created_at=PAST, updated_at=PAST)


@pytest.fixture
def other(sandbox_factory):
    return sandbox_factory.study(study_instance_uid="1.2.3.5")


def read(api, study) -> dict:
    return api.get(f"{STUDIES}/{study.study_id}").json()


@pytest.mark.parametrize("by", ["studyId", "studyInstanceUid", "both"])
def test_cancel_sets_is_cancelled_and_cancelled_at(api, study, by):
    lookup = {"studyId": study.study_id, "studyInstanceUid": "1.2.3.4"}
    if by != "both":
        lookup = {by: lookup[by]}
    response = api.post(f"{STUDIES}/cancel", lookup)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": f"Study {study.study_id} was cancelled."}
    after = read(api, study)
    assert after["isCancelled"] is True
    assert after["cancelledAt"] == after["updatedAt"]
    assert after["updatedAt"] > "2024-03-15T10:30:00.000Z"


def test_cancelling_a_cancelled_study_answers_success_false(api, study):
    api.post(f"{STUDIES}/cancel", {"studyId": study.study_id})
    first = read(api, study)
    response = api.post(f"{STUDIES}/cancel", {"studyId": study.study_id})
    assert response.status_code == 200
    assert response.json() == {
        "success": False,
        "message": f"Study {study.study_id} is already cancelled.",
    }
    assert read(api, study) == first


def test_uncancel_clears_is_cancelled_and_cancelled_at(api, study):
    api.post(f"{STUDIES}/cancel", {"studyId": study.study_id})
    cancelled = read(api, study)
    response = api.post(f"{STUDIES}/uncancel", {"studyInstanceUid": "1.2.3.4"})
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": f"Study {study.study_id} was restored."}
    after = read(api, study)
    assert after["isCancelled"] is False
    assert after["cancelledAt"] is None
    assert after["updatedAt"] > cancelled["updatedAt"]


def test_uncancelling_an_active_study_answers_success_false(api, study):
    before = read(api, study)
    response = api.post(f"{STUDIES}/uncancel", {"studyId": study.study_id})
    assert response.status_code == 200
    assert response.json() == {
        "success": False,
        "message": f"Study {study.study_id} is not cancelled.",
    }
    assert read(api, study) == before


def test_cancel_then_uncancel_round_trip_leaves_the_rest_alone(api, study):
    before = read(api, study)
    api.post(f"{STUDIES}/cancel", {"studyId": study.study_id})
    api.post(f"{STUDIES}/uncancel", {"studyId": study.study_id})
    after = read(api, study)
    assert {k: v for k, v in after.items() if k != "updatedAt"} == {
        k: v for k, v in before.items() if k != "updatedAt"
    }


def test_reroute_url_is_an_absolute_signed_link_to_the_sandbox_viewer(api, study):
    response = api.post(f"{STUDIES}/reroute-url", {"studyId": study.study_id})
    assert response.status_code == 200
    assert set(response.json()) == {"url"}
    parts = urlsplit(response.json()["url"])
    assert (parts.scheme, parts.netloc) == ("http", "testserver")
    assert parts.path == f"/viewer/studies/{study.study_id}"
    assert parse_qs(parts.query)["token"][0].startswith(study.study_id + ":")


@pytest.mark.parametrize("action", ACTIONS)
def test_study_id_or_uid_is_required(api, action):
    response = api.post(f"{STUDIES}/{action}", {})
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields == {
        "studyId": "studyId or studyInstanceUid is required",
        "studyInstanceUid": "studyId or studyInstanceUid is required",
    }


@pytest.mark.parametrize("action", ACTIONS)
def test_both_given_must_name_the_same_study(api, action, study, other):
    before = read(api, study)
    response = api.post(
        f"{STUDIES}/{action}", {"studyId": study.study_id, "studyInstanceUid": "1.2.3.5"}
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "studyInstanceUid": "names a different study than studyId"
    }
    assert read(api, study) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("lookup", "field"),
    [({"studyId": f"stu_{HEX32}"}, "studyId"), ({"studyInstanceUid": "9.9.9"}, "studyInstanceUid")],
)
def test_unknown_study_is_404(api, action, lookup, field):
    response = api.post(f"{STUDIES}/{action}", lookup)
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert error["fields"] == {field: "no such study"}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("known", "fields"),
    [
        ("studyId", {"studyInstanceUid": "no such study"}),
        ("studyInstanceUid", {"studyId": "no such study"}),
        ("neither", {"studyId": "no such study", "studyInstanceUid": "no such study"}),
    ],
)
def test_with_both_given_an_unknown_one_is_404_naming_it(api, action, study, known, fields):
    """Whichever identifier names nothing, the answer is the same 404 (it was a 400
    "name different studies" for a known studyId with an unknown UID)."""
    before = read(api, study)
    lookup = {"studyId": f"stu_{HEX32}", "studyInstanceUid": "9.9.9"}
    if known != "neither":
        lookup[known] = {"studyId": study.study_id, "studyInstanceUid": "1.2.3.4"}[known]
    response = api.post(f"{STUDIES}/{action}", lookup)
    assert response.status_code == 404, response.content
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert error["fields"] == fields
    assert read(api, study) == before


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("lookup", "field", "fragment"),
    [
        ({"studyId": "stu_1"}, "studyId", "'stu_' followed by 32"),
        ({"studyId": 5}, "studyId", "must be a string"),
        ({"studyId": None}, "studyId", "must not be null"),
        ({"studyInstanceUid": "1.02"}, "studyInstanceUid", "leading zero"),
        ({"studyInstanceUid": "abc"}, "studyInstanceUid", "only digits and dots"),
        ({"studyId": f"stu_{HEX32}", "reason": "dup"}, "reason", "not a recognised"),
    ],
)
def test_invalid_lookup_is_400(api, action, lookup, field, fragment):
    response = api.post(f"{STUDIES}/{action}", lookup)
    assert response.status_code == 400
    assert fragment in error_of(response)["fields"][field]
