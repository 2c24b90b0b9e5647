"""Every study operation of the official client against the sandbox."""

import re
from datetime import UTC, datetime, timedelta

import avara
import httpx
import pytest

from sandbox.models import Study

STUDY_ID = re.compile(r"^stu_[0-9a-f]{32}$")
WIRE_FIELDS = {
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


def assert_fully_populated(study) -> None:
    """Every field of the client's model was sent by the sandbox (none left to defaults)."""
    assert set(type(study).model_fields) - study.model_fields_set == set()


def fields(study, *, exclude: set[str] = frozenset()) -> dict:
    """The model's attributes by Python name, some left out."""
    return {name: getattr(study, name) for name in type(study).model_fields if name not in exclude}


def create_full(avara_client, new_uid, radiologist, customer):
    return avara_client.viewer.studies.create(
        severity="high",
        study_description="CT Head without Contrast",
        study_instance_uid=new_uid(),
        assigned_to=radiologist.user_id,
        express_customer_id=customer.customer_id,
        metadata={"department": "emergency", "accession": "ACC0001"},
    )


def test_create_returns_the_whole_study(avara_client, new_uid, radiologist, customer, dev_key_info):
    before = datetime.now(UTC) - timedelta(seconds=1)
    uid = new_uid()
    raw = avara_client.viewer.studies.with_raw_response.create(
        severity="high",
        study_description="CT Head without Contrast",
        study_instance_uid=uid,
        assigned_to=radiologist.user_id,
        express_customer_id=customer.customer_id,
        metadata={"department": "emergency", "accession": "ACC0001"},
    )
    study = raw.parse()

    assert raw.http_response.status_code in (200, 201)
    assert set(raw.http_response.json()) == WIRE_FIELDS
    assert_fully_populated(study)
    assert STUDY_ID.match(study.study_id)
    assert (study.study_instance_uid, study.study_description, study.severity) == (
        uid,
        "CT Head without Contrast",
        "high",
    )
    assert (study.study_viewer_status, study.is_cancelled, study.cancelled_at) == (
        "incomplete",
        False,
        None,
    )
    assert before <= study.created_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert study.updated_at >= study.created_at
    assigned = study.assigned_to
    assert (assigned.user_id, assigned.email) == (radiologist.user_id, radiologist.email)
    assert (assigned.first_name, assigned.last_name, assigned.suffix1) == (
        radiologist.first_name,
        radiologist.last_name,
        "MD",
    )
    assert study.created_by_api_key.api_key_id == dev_key_info["id"]
    assert study.created_by_api_key.description == dev_key_info["description"]
    assert study.created_by_api_key.is_viewer_enabled is True
    assert study.created_by_user is None
    assert study.express_customer.express_customer_id == customer.customer_id
    assert study.express_customer.express_customer_name == "City Medical Center"
    assert study.metadata == {"department": "emergency", "accession": "ACC0001"}
    # ...and the sandbox kept what it answered.
    row = Study.objects.get(study_id=study.study_id)
    assert (row.study_instance_uid, row.assigned_to_id, row.express_customer_id) == (
        uid,
        radiologist.user_id,
        customer.customer_id,
    )


def test_create_with_required_fields_only(avara_client, new_uid, seeded):
    study = avara_client.viewer.studies.create(
        severity="normal", study_description="XR Chest PA and Lateral", study_instance_uid=new_uid()
    )

    assert_fully_populated(study)
    assert study.assigned_to is None
    assert study.express_customer is None
    assert study.created_by_user is None
    assert study.created_by_api_key is not None
    assert study.metadata == {}


def test_retrieve_and_retrieve_by_uid_return_the_created_study(
    avara_client, new_uid, radiologist, customer
):
    created = create_full(avara_client, new_uid, radiologist, customer)

    by_id = avara_client.viewer.studies.retrieve(created.study_id)
    by_uid = avara_client.viewer.studies.retrieve_by_uid(created.study_instance_uid)

    assert_fully_populated(by_id)
    assert_fully_populated(by_uid)
    assert fields(by_id) == fields(created)
    assert fields(by_uid) == fields(created)


def test_retrieve_shows_a_seeded_study_as_stored(avara_client, seeded):
    row = Study.objects.filter(created_by_user__isnull=False, assigned_to__isnull=False).first()

    study = avara_client.viewer.studies.retrieve(row.study_id)

    assert_fully_populated(study)
    assert study.created_at == row.created_at
    assert study.updated_at == row.updated_at
    assert study.created_by_user.user_id == row.created_by_user_id
    assert study.created_by_user.email == row.created_by_user.email
    assert study.created_by_api_key is None
    assert study.assigned_to.user_id == row.assigned_to_id
    assert study.metadata == row.metadata


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("severity", "stat"),
        ("study_description", "MRI Brain with and without Contrast"),
        ("study_viewer_status", "complete"),
        ("metadata", {"department": "neurology"}),
    ],
)
def test_update_with_one_field_changes_only_that_field(
    avara_client, new_uid, radiologist, customer, field, value
):
    created = create_full(avara_client, new_uid, radiologist, customer)

    updated = avara_client.viewer.studies.update(created.study_id, **{field: value})

    assert_fully_populated(updated)
    assert getattr(updated, field) == value
    changed = {"updated_at", field}
    assert fields(updated, exclude=changed) == fields(created, exclude=changed)
    assert updated.updated_at > created.updated_at
    assert fields(avara_client.viewer.studies.retrieve(created.study_id)) == fields(updated)


def test_update_reassigns(avara_client, new_uid, radiologist, supervisor, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)

    updated = avara_client.viewer.studies.update(created.study_id, assigned_to=supervisor.user_id)

    assert updated.assigned_to.user_id == supervisor.user_id
    assert updated.assigned_to.email == supervisor.email
    assert (updated.assigned_to.suffix1, updated.assigned_to.suffix2) == ("MD", "FACR")
    assert updated.severity == created.severity


def test_update_with_explicit_none_unassigns(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)

    raw = avara_client.viewer.studies.with_raw_response.update(created.study_id, assigned_to=None)
    updated = raw.parse()

    # The official client sends an explicit JSON null for None (omits only `omit`).
    assert raw.http_request.content == b'{"assignedTo":null}'
    assert updated.assigned_to is None
    assert avara_client.viewer.studies.retrieve(created.study_id).assigned_to is None
    assert updated.metadata == created.metadata
    assert updated.express_customer == created.express_customer


def test_update_with_metadata_none_clears_it(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)

    updated = avara_client.viewer.studies.update(created.study_id, metadata=None)

    assert updated.metadata == {}
    assert avara_client.viewer.studies.retrieve(created.study_id).metadata == {}
    assert updated.assigned_to == created.assigned_to
    assert Study.objects.get(study_id=created.study_id).metadata == {}


def test_update_with_no_field_changes_nothing(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)

    updated = avara_client.viewer.studies.update(created.study_id)

    assert fields(updated) == fields(created)


def test_cancel_and_uncancel_report_success_once(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)
    studies = avara_client.viewer.studies

    first = studies.cancel(study_id=created.study_id)
    cancelled = studies.retrieve(created.study_id)
    again = studies.cancel(study_id=created.study_id)

    assert first.success is True
    assert again.success is False
    assert again.message
    assert cancelled.is_cancelled is True
    assert cancelled.cancelled_at is not None
    assert cancelled.cancelled_at >= created.created_at
    assert studies.retrieve(created.study_id).cancelled_at == cancelled.cancelled_at

    restored = studies.uncancel(study_id=created.study_id)
    active = studies.retrieve(created.study_id)
    restored_again = studies.uncancel(study_id=created.study_id)

    assert restored.success is True
    assert restored_again.success is False
    assert restored_again.message
    assert (active.is_cancelled, active.cancelled_at) == (False, None)
    assert active.assigned_to == created.assigned_to


def test_cancel_and_uncancel_by_study_instance_uid(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)
    uid = created.study_instance_uid

    assert avara_client.viewer.studies.cancel(study_instance_uid=uid).success is True
    assert avara_client.viewer.studies.retrieve_by_uid(uid).is_cancelled is True
    assert avara_client.viewer.studies.uncancel(study_instance_uid=uid).success is True
    assert avara_client.viewer.studies.retrieve_by_uid(uid).is_cancelled is False


def test_a_cancelled_study_is_listed_but_not_updatable(
    avara_client, new_uid, radiologist, customer
):
    """Sandbox rule (sandbox/services.py): uncancel before updating; a 409 otherwise."""
    created = create_full(avara_client, new_uid, radiologist, customer)
    avara_client.viewer.studies.cancel(study_id=created.study_id)
    cancelled = avara_client.viewer.studies.retrieve(created.study_id)

    with pytest.raises(avara.ConflictError) as caught:
        avara_client.viewer.studies.update(created.study_id, severity="normal")
    cancelled_ids = {
        s.study_id for s in avara_client.viewer.studies.list(is_cancelled=True, limit=100)
    }
    active_ids = {
        s.study_id for s in avara_client.viewer.studies.list(is_cancelled=False, limit=100)
    }

    assert "studyId" in caught.value.body["error"]["fields"]
    assert fields(avara_client.viewer.studies.retrieve(created.study_id)) == fields(cancelled)
    assert created.study_id in cancelled_ids
    assert created.study_id not in active_ids


def test_reroute_url_opens_the_viewer(avara_client, new_uid, radiologist, customer):
    created = create_full(avara_client, new_uid, radiologist, customer)

    url = avara_client.viewer.studies.reroute_url(study_id=created.study_id).url
    page = httpx.get(url, follow_redirects=True)

    assert url.startswith(("http://", "https://"))
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert created.study_instance_uid in page.text
    assert "CT Head without Contrast" in page.text


def test_reroute_url_by_uid_and_a_tampered_token_is_refused(
    avara_client, new_uid, radiologist, customer
):
    created = create_full(avara_client, new_uid, radiologist, customer)
    url = avara_client.viewer.studies.reroute_url(study_instance_uid=created.study_instance_uid).url
    parsed = httpx.URL(url)
    token_params = [k for k in parsed.params if "token" in k.lower()]
    assert token_params, f"no token parameter in {url}"
    token = parsed.params[token_params[0]]
    flipped = ("A" if token[-1] != "A" else "B") + token[1:]

    tampered = httpx.get(parsed.copy_set_param(token_params[0], flipped))
    truncated = httpx.get(parsed.copy_set_param(token_params[0], token[:-4]))
    missing = httpx.get(parsed.copy_remove_param(token_params[0]))

    assert httpx.get(url).status_code == 200
    assert tampered.status_code == 403
    assert truncated.status_code == 403
    assert missing.status_code in (400, 403)
    assert created.study_instance_uid not in tampered.text
