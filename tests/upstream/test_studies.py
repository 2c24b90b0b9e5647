"""The studies functions: what goes on the wire, and what comes back decoded."""

import json
from datetime import UTC, datetime

import httpx
import pytest
from samples import API_KEY, CUSTOMER_ID, STUDY_ID, UID, USER_ID

from studies import upstream


def sent_json(route) -> dict:
    return json.loads(route.calls.last.request.content)


def sent_query(route) -> dict[str, str]:
    return dict(route.calls.last.request.url.params)


# --- study_list ---------------------------------------------------------------------------


def test_study_list_sends_only_the_default_limit_and_the_api_key(avara, study_json):
    route = avara.get("/v1/viewer/studies").respond(
        json={"studies": [study_json], "cursor": None, "hasMore": False}
    )

    page = upstream.study_list()

    request = route.calls.last.request
    assert request.method == "GET"
    assert sent_query(route) == {"limit": "25"}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"] == "avara-triage/0.1"
    assert [s.study_id for s in page.studies] == [STUDY_ID]
    assert page.has_more is False


def test_study_list_translates_every_filter_to_its_wire_name(avara):
    route = avara.get("/v1/viewer/studies").respond(json={"studies": [], "hasMore": False})

    upstream.study_list(
        assigned_to=USER_ID,
        express_customer_id=CUSTOMER_ID,
        is_cancelled=False,
        severity="stat",
        study_description="Chest CT",
        study_viewer_status="incomplete",
        cursor="eyJvZmZzZXQiOjIwfQ==",
        limit=100,
    )

    assert sent_query(route) == {
        "assignedTo": USER_ID,
        "expressCustomerId": CUSTOMER_ID,
        "isCancelled": "false",
        "severity": "stat",
        "studyDescription": "Chest CT",
        "studyViewerStatus": "incomplete",
        "cursor": "eyJvZmZzZXQiOjIwfQ==",
        "limit": "100",
    }


def test_study_list_null_sentinel_sends_literal_null(avara):
    route = avara.get("/v1/viewer/studies").respond(json={"studies": [], "hasMore": False})

    upstream.study_list(assigned_to=upstream.NULL, express_customer_id=upstream.NULL)

    assert "assignedTo=null" in str(route.calls.last.request.url)
    assert sent_query(route) == {"assignedTo": "null", "expressCustomerId": "null", "limit": "25"}


def test_study_list_true_boolean_and_empty_strings(avara):
    route = avara.get("/v1/viewer/studies").respond(json={"studies": [], "hasMore": False})

    upstream.study_list(is_cancelled=True, severity="", study_description="")

    assert sent_query(route) == {"isCancelled": "true", "limit": "25"}


@pytest.mark.parametrize("limit", [0, 101, -1, True, "25"])
def test_study_list_rejects_bad_limit_without_calling_avara(avara, limit):
    route = avara.get("/v1/viewer/studies")

    with pytest.raises(ValueError, match="limit"):
        upstream.study_list(limit=limit)

    assert route.call_count == 0


def test_study_list_page_keeps_cursor_and_has_more(avara, study_json):
    avara.get("/v1/viewer/studies").respond(
        json={"studies": [study_json, study_json], "cursor": "abc", "hasMore": True}
    )

    page = upstream.study_list(limit=2)

    assert len(page.studies) == 2
    assert (page.cursor, page.has_more) == ("abc", True)


def test_study_list_without_has_more_follows_the_cursor(avara):
    avara.get("/v1/viewer/studies").respond(json={"studies": [], "cursor": "abc"})

    assert upstream.study_list().has_more is True


# --- decoding -------------------------------------------------------------------------------


def test_study_get_decodes_the_documented_example_with_every_reference(avara, study_json):
    route = avara.get(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    study = upstream.study_get(study_id=STUDY_ID)

    assert route.calls.last.request.method == "GET"
    assert study.study_id == STUDY_ID
    assert study.study_instance_uid == UID
    assert study.study_description == "CT Chest/Abdomen/Pelvis"
    assert (study.severity, study.study_viewer_status) == ("high", "incomplete")
    assert study.is_cancelled is False and study.cancelled_at is None
    assert study.created_at == datetime(2024, 3, 15, 10, 30, tzinfo=UTC)
    assert study.updated_at == datetime(2024, 3, 15, 14, 20, tzinfo=UTC)
    assert study.assigned_to.user_id == USER_ID
    assert study.assigned_to.email == "dr.smith@radiology.com"
    assert study.assigned_to.middle_name == "Robert"
    assert study.assigned_to.display_name == "John R. Smith, MD, FACR"
    assert study.created_by_user.display_name == "John R. Smith, MD, FACR"
    assert study.created_by_api_key.api_key_id == "550e8400-e29b-41d4-a716-446655440000"
    assert study.created_by_api_key.description == "Production API Key"
    assert study.created_by_api_key.is_viewer_enabled is True
    assert study.express_customer.express_customer_id == CUSTOMER_ID
    assert study.express_customer.express_customer_name == "City Medical Center"
    assert study.metadata == {"department": "radiology", "priority": "urgent"}


@pytest.mark.parametrize("metadata", ["null", "missing"])
def test_metadata_null_or_missing_decodes_to_empty_dict(avara, study_json, metadata):
    if metadata == "null":
        study_json["metadata"] = None
    else:
        del study_json["metadata"]
    for key in ("assignedTo", "createdByApiKey", "createdByUser", "expressCustomer"):
        study_json[key] = None
    avara.get(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    study = upstream.study_get(study_id=STUDY_ID)

    assert study.metadata == {}
    assert study.assigned_to is None and study.express_customer is None


def test_unknown_fields_from_avara_are_ignored(avara, study_json):
    study_json["someNewField"] = {"nested": [1, 2]}
    avara.get(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    assert upstream.study_get(study_id=STUDY_ID).study_id == STUDY_ID


def test_study_get_by_uid_quotes_the_uid_in_the_path(avara, study_json):
    odd_uid = "1.2.3/4 5?x"
    route = avara.get(url__regex=r"/v1/viewer/studies/by-uid/.*").respond(json=study_json)

    upstream.study_get_by_uid(study_instance_uid=odd_uid)

    raw = route.calls.last.request.url.raw_path.decode()
    assert raw == "/v1/viewer/studies/by-uid/1.2.3%2F4%205%3Fx"


def test_study_get_by_uid_plain_dicom_uid(avara, study_json):
    route = avara.get(f"/v1/viewer/studies/by-uid/{UID}").respond(json=study_json)

    assert upstream.study_get_by_uid(study_instance_uid=UID).study_instance_uid == UID
    assert route.call_count == 1


@pytest.mark.parametrize("bad_id", ["", ".", ".."])
def test_ids_that_would_escape_the_path_are_not_found_without_a_call(avara, bad_id):
    with pytest.raises(upstream.NotFound):
        upstream.study_get(study_id=bad_id)
    assert len(avara.calls) == 0


def test_study_id_with_slash_stays_one_path_segment(avara, study_json):
    route = avara.get(url__regex=r"/v1/viewer/studies/.*").respond(json=study_json)

    upstream.study_get(study_id="../users")

    assert route.calls.last.request.url.raw_path == b"/v1/viewer/studies/..%2Fusers"


# --- study_create ---------------------------------------------------------------------------


def test_study_create_sends_required_fields_only(avara, study_json):
    route = avara.post("/v1/viewer/studies").respond(201, json=study_json)

    study = upstream.study_create(
        severity="high", study_description="CT Chest/Abdomen/Pelvis", study_instance_uid=UID
    )

    assert sent_json(route) == {
        "severity": "high",
        "studyDescription": "CT Chest/Abdomen/Pelvis",
        "studyInstanceUid": UID,
    }
    assert route.calls.last.request.headers["content-type"] == "application/json"
    assert study.study_id == STUDY_ID


def test_study_create_sends_optional_fields_when_given(avara, study_json):
    route = avara.post("/v1/viewer/studies").respond(201, json=study_json)

    upstream.study_create(
        severity="stat",
        study_description="Head CT",
        study_instance_uid=UID,
        assigned_to=USER_ID,
        express_customer_id=CUSTOMER_ID,
        metadata={"ward": "4B"},
    )

    assert sent_json(route) == {
        "severity": "stat",
        "studyDescription": "Head CT",
        "studyInstanceUid": UID,
        "assignedTo": USER_ID,
        "expressCustomerId": CUSTOMER_ID,
        "metadata": {"ward": "4B"},
    }


# --- study_update ---------------------------------------------------------------------------


def test_study_update_translates_keys_to_camel_case(avara, study_json):
    route = avara.patch(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    study = upstream.study_update(
        study_id=STUDY_ID,
        changes={
            "severity": "stat",
            "study_description": "New",
            "assigned_to": USER_ID,
            "metadata": {"a": "b"},
            "study_viewer_status": "complete",
        },
    )

    assert route.calls.last.request.method == "PATCH"
    assert sent_json(route) == {
        "severity": "stat",
        "studyDescription": "New",
        "assignedTo": USER_ID,
        "metadata": {"a": "b"},
        "studyViewerStatus": "complete",
    }
    assert study.study_id == STUDY_ID


def test_study_update_none_unassigns_and_clears_metadata(avara, study_json):
    route = avara.patch(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    upstream.study_update(study_id=STUDY_ID, changes={"assigned_to": None, "metadata": None})

    assert route.calls.last.request.content == b'{"assignedTo":null,"metadata":null}'


def test_study_update_null_sentinel_also_unassigns(avara, study_json):
    route = avara.patch(f"/v1/viewer/studies/{STUDY_ID}").respond(json=study_json)

    upstream.study_update(study_id=STUDY_ID, changes={"assigned_to": upstream.NULL})

    assert sent_json(route) == {"assignedTo": None}


@pytest.mark.parametrize(
    "changes",
    [{"is_cancelled": True}, {"studyDescription": "camel"}, {"severity": None}],
)
def test_study_update_rejects_unknown_keys_and_bad_nulls_locally(avara, changes):
    route = avara.patch(f"/v1/viewer/studies/{STUDY_ID}")

    with pytest.raises(ValueError):
        upstream.study_update(study_id=STUDY_ID, changes=changes)

    assert route.call_count == 0


# --- cancel / uncancel / reroute -------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "action"),
    [(upstream.study_cancel, "cancel"), (upstream.study_uncancel, "uncancel")],
)
def test_cancel_and_uncancel_post_the_study_id(avara, function, action):
    route = avara.post(f"/v1/viewer/studies/{action}").respond(json={"success": True})

    result = function(study_id=STUDY_ID)

    assert sent_json(route) == {"studyId": STUDY_ID}
    assert (result.success, result.message) == (True, None)


def test_cancel_reports_upstream_refusal_with_its_message(avara):
    avara.post("/v1/viewer/studies/cancel").respond(
        json={"success": False, "message": "Study is already cancelled"}
    )

    result = upstream.study_cancel(study_id=STUDY_ID)

    assert result.success is False
    assert result.message == "Study is already cancelled"


def test_reroute_url_returns_the_url(avara):
    url = "http://localhost:8001/viewer/open?token=abc"
    route = avara.post("/v1/viewer/studies/reroute-url").respond(json={"url": url})

    assert upstream.study_reroute_url(study_id=STUDY_ID) == url
    assert sent_json(route) == {"studyId": STUDY_ID}


def test_reroute_url_missing_in_answer_is_bad_response(avara):
    avara.post("/v1/viewer/studies/reroute-url").mock(
        return_value=httpx.Response(200, json={"link": "x"})
    )

    with pytest.raises(upstream.BadResponse):
        upstream.study_reroute_url(study_id=STUDY_ID)
