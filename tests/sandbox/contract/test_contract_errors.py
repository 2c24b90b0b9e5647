"""Error statuses reach the official client as its own exception classes."""

import avara
import httpx
import pytest

from sandbox.models import Study

UNKNOWN_STUDY = "stu_" + "0" * 32
UNKNOWN_USER = "usr_" + "0" * 32
FAULT = "X-Sandbox-Fault"


def error_of(exc: avara.APIStatusError) -> dict:
    """The sandbox's documented error object (docs/CONTRACTS.md)."""
    assert isinstance(exc.body, dict), exc.body
    return exc.body["error"]


def test_bad_key_is_an_authentication_error(sandbox_live_server, seeded):
    with avara.Avara(base_url=sandbox_live_server, api_key="sk_wrong", max_retries=0) as bad:
        with pytest.raises(avara.AuthenticationError) as caught:
            bad.viewer.studies.list()
        with pytest.raises(avara.AuthenticationError):
            bad.viewer.users.retrieve(UNKNOWN_USER)

    assert caught.value.status_code == 401
    assert error_of(caught.value)["type"] == "authentication_error"
    assert "sk_wrong" not in caught.value.response.text


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.viewer.studies.retrieve(UNKNOWN_STUDY),
        lambda c: c.viewer.studies.retrieve_by_uid("1.2.3.4.5.6.7"),
        lambda c: c.viewer.studies.update(UNKNOWN_STUDY, severity="stat"),
        lambda c: c.viewer.studies.cancel(study_id=UNKNOWN_STUDY),
        lambda c: c.viewer.studies.uncancel(study_instance_uid="1.2.3.4.5.6.7"),
        lambda c: c.viewer.studies.reroute_url(study_id=UNKNOWN_STUDY),
        lambda c: c.viewer.users.retrieve(UNKNOWN_USER),
    ],
    ids=["retrieve", "by-uid", "update", "cancel", "uncancel", "reroute", "user"],
)
def test_unknown_resources_are_not_found(avara_client, seeded, call):
    with pytest.raises(avara.NotFoundError) as caught:
        call(avara_client)

    assert caught.value.status_code == 404
    assert error_of(caught.value)["type"] == "not_found_error"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda c, uid: c.viewer.studies.create(
                severity="urgent", study_description="CT Head", study_instance_uid=uid
            ),
            "severity",
        ),
        (
            lambda c, uid: c.viewer.studies.create(
                severity="normal", study_description="CT Head", study_instance_uid="1.02.3"
            ),
            "studyInstanceUid",
        ),
        (
            lambda c, uid: c.viewer.studies.create(
                severity="normal", study_description="CT Head", study_instance_uid="1.2.abc"
            ),
            "studyInstanceUid",
        ),
        (
            lambda c, uid: c.viewer.studies.create(
                severity="normal", study_description="CT", study_instance_uid="1." + "2" * 64
            ),
            "studyInstanceUid",
        ),
        (
            lambda c, uid: c.viewer.studies.create(
                severity="normal",
                study_description="CT Head",
                study_instance_uid=uid,
                assigned_to="usr_nothex",
            ),
            "assignedTo",
        ),
        (
            lambda c, uid: c.viewer.studies.create(
                severity="normal",
                study_description="CT Head",
                study_instance_uid=uid,
                metadata={f"k{n}": "v" for n in range(51)},
            ),
            "metadata",
        ),
        (lambda c, uid: c.viewer.studies.list(limit=0), "limit"),
        (lambda c, uid: c.viewer.studies.list(limit=101), "limit"),
        (lambda c, uid: c.viewer.studies.list(severity="urgent"), "severity"),
        (lambda c, uid: c.viewer.studies.list(cursor="not-a-cursor"), "cursor"),
        (lambda c, uid: c.viewer.users.list(limit=500), "limit"),
        (lambda c, uid: c.viewer.users.list(level="king"), "level"),
    ],
    ids=[
        "create-severity",
        "create-uid-leading-zero",
        "create-uid-letters",
        "create-uid-too-long",
        "create-assignee-format",
        "create-metadata-51-pairs",
        "list-limit-0",
        "list-limit-101",
        "list-severity",
        "list-cursor",
        "users-limit",
        "users-level",
    ],
)
def test_invalid_requests_are_bad_requests_naming_the_field(
    avara_client, seeded, new_uid, call, field
):
    count = Study.objects.count()

    with pytest.raises(avara.BadRequestError) as caught:
        call(avara_client, new_uid())

    assert caught.value.status_code == 400
    error = error_of(caught.value)
    assert error["type"] == "invalid_request_error"
    assert field in error["fields"]
    assert Study.objects.count() == count


def test_invalid_update_is_a_bad_request_and_changes_nothing(avara_client, seeded):
    study = Study.objects.order_by("pk").first()
    before = avara_client.viewer.studies.retrieve(study.study_id)

    with pytest.raises(avara.BadRequestError) as caught:
        avara_client.viewer.studies.update(study.study_id, severity="urgent", study_description="x")

    assert "severity" in error_of(caught.value)["fields"]
    assert avara_client.viewer.studies.retrieve(study.study_id).model_dump() == before.model_dump()


def test_cursor_replayed_with_other_filters_is_refused(avara_client, seeded):
    page = avara_client.viewer.studies.list(severity="high", limit=5)
    assert page.cursor

    with pytest.raises(avara.BadRequestError) as caught:
        avara_client.viewer.studies.list(severity="stat", limit=5, cursor=page.cursor)

    assert "cursor" in error_of(caught.value)["fields"]


def test_duplicate_uid_is_a_conflict(avara_client, seeded, new_uid):
    uid = new_uid()
    avara_client.viewer.studies.create(
        severity="normal", study_description="CT", study_instance_uid=uid
    )

    with pytest.raises(avara.ConflictError) as caught:
        avara_client.viewer.studies.create(
            severity="stat", study_description="MR", study_instance_uid=uid
        )

    assert caught.value.status_code == 409
    assert error_of(caught.value)["type"] == "conflict_error"
    assert Study.objects.filter(study_instance_uid=uid).count() == 1


def test_duplicate_of_a_seeded_uid_is_a_conflict(avara_client, seeded):
    uid = Study.objects.order_by("pk").values_list("study_instance_uid", flat=True).first()

    with pytest.raises(avara.ConflictError):
        avara_client.viewer.studies.create(
            severity="normal", study_description="CT", study_instance_uid=uid
        )


def test_injected_429_is_a_rate_limit_error_with_retry_after(avara_client, seeded):
    with pytest.raises(avara.RateLimitError) as caught:
        avara_client.viewer.studies.list(extra_headers={FAULT: "429"})

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    assert error_of(caught.value)["type"] == "rate_limit_error"


@pytest.mark.parametrize("status", [500, 503])
def test_injected_server_errors_are_internal_server_errors(avara_client, seeded, status):
    with pytest.raises(avara.InternalServerError) as caught:
        avara_client.viewer.users.list(extra_headers={FAULT: str(status)})

    assert caught.value.status_code == status
    assert error_of(caught.value)["type"] == "api_error"


def test_an_injected_fault_changes_no_state(avara_client, seeded):
    study = Study.objects.filter(is_cancelled=False).order_by("pk").first()
    before = avara_client.viewer.studies.retrieve(study.study_id)

    with pytest.raises(avara.InternalServerError):
        avara_client.viewer.studies.update(
            study.study_id, severity="stat", extra_headers={FAULT: "503"}
        )
    with pytest.raises(avara.RateLimitError):
        avara_client.viewer.studies.cancel(study_id=study.study_id, extra_headers={FAULT: "429"})

    assert avara_client.viewer.studies.retrieve(study.study_id).model_dump() == before.model_dump()


def test_the_client_retries_injected_faults_when_allowed(
    sandbox_live_server, sandbox_api_key, seeded
):
    """The sandbox marks a 503 retryable; with retries on, the client tries again."""
    sent = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    with (
        avara.Avara(
            base_url=sandbox_live_server, api_key=sandbox_api_key, max_retries=1, http_client=http
        ) as retrying,
        pytest.raises(avara.InternalServerError) as caught,
    ):
        retrying.viewer.studies.list(extra_headers={FAULT: "503"})

    assert caught.value.status_code == 503
    assert caught.value.response.headers["x-should-retry"] == "true"
    assert len(sent) == 2
