"""The service module against the live sandbox over real HTTP: one pass per function.

These prove the module and the sandbox agree on the wire (paths, query values such as
`assignedTo=null`, bodies, error shapes), not just that each matches a mocked picture.
"""

import pytest

from studies import upstream

LIVE_UID = "1.2.826.0.1.3680043.10.543.777.1"


@pytest.fixture
def live(settings, sandbox):
    """Point the service module at the sandbox (its own process) with its key."""
    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    settings.AVARA_MAX_RETRIES = 0
    yield sandbox
    upstream.reset_client()


@pytest.fixture
def rows(live):
    doctor = live.user(first_name="John", middle_name="Robert", last_name="Smith", suffix1="MD")
    customer = live.customer(name="City Medical Center")
    assigned = live.study(
        assigned_to=doctor, express_customer=customer, severity="stat", metadata={"a": "b"}
    )
    unassigned = live.study(study_description="Plain chest film")
    return doctor, customer, assigned, unassigned


def test_study_list_filters_including_null(rows):
    doctor, customer, assigned, unassigned = rows

    everything = upstream.study_list(limit=100)
    mine = upstream.study_list(assigned_to=doctor.user_id)
    nobody = upstream.study_list(assigned_to=upstream.NULL)
    no_customer = upstream.study_list(express_customer_id=upstream.NULL)
    theirs = upstream.study_list(express_customer_id=customer.customer_id)
    stat = upstream.study_list(severity="stat", is_cancelled=False)

    assert {s.study_id for s in everything.studies} == {assigned.study_id, unassigned.study_id}
    assert [s.study_id for s in mine.studies] == [assigned.study_id]
    assert [s.study_id for s in nobody.studies] == [unassigned.study_id]
    assert [s.study_id for s in no_customer.studies] == [unassigned.study_id]
    assert [s.study_id for s in theirs.studies] == [assigned.study_id]
    assert [s.study_id for s in stat.studies] == [assigned.study_id]


def test_study_list_pages_with_the_cursor(rows):
    first = upstream.study_list(limit=1)
    second = upstream.study_list(limit=1, cursor=first.cursor)

    assert first.has_more is True
    assert second.has_more is False
    assert first.studies[0].study_id != second.studies[0].study_id


def test_study_get_and_by_uid_decode_references(rows):
    doctor, customer, assigned, _ = rows

    study = upstream.study_get(study_id=assigned.study_id)
    same = upstream.study_get_by_uid(study_instance_uid=assigned.study_instance_uid)

    assert same == study
    assert study.assigned_to.user_id == doctor.user_id
    assert study.assigned_to.display_name == "John R. Smith, MD"
    assert study.express_customer.express_customer_id == customer.customer_id
    assert study.express_customer.express_customer_name == "City Medical Center"
    assert study.metadata == {"a": "b"}


def test_create_update_cancel_uncancel_reroute(rows):
    doctor = rows[0]

    created = upstream.study_create(
        severity="high", study_description="CT Head", study_instance_uid=LIVE_UID
    )
    updated = upstream.study_update(
        study_id=created.study_id,
        changes={"assigned_to": doctor.user_id, "study_viewer_status": "complete"},
    )
    cancelled = upstream.study_cancel(study_id=created.study_id)
    uncancelled = upstream.study_uncancel(study_id=created.study_id)
    url = upstream.study_reroute_url(study_id=created.study_id)
    cleared = upstream.study_update(study_id=created.study_id, changes={"assigned_to": None})

    assert created.study_instance_uid == LIVE_UID and created.metadata == {}
    assert updated.assigned_to.user_id == doctor.user_id
    assert updated.study_viewer_status == "complete"
    assert cancelled.success is True and uncancelled.success is True
    assert url.startswith("http")
    assert cleared.assigned_to is None


def test_errors_from_the_sandbox(rows, settings):
    _, _, assigned, _ = rows

    with pytest.raises(upstream.NotFound):
        upstream.study_get(study_id="stu_" + "0" * 32)
    with pytest.raises(upstream.Conflict):
        upstream.study_create(
            severity="normal",
            study_description="dup",
            study_instance_uid=assigned.study_instance_uid,
        )
    with pytest.raises(upstream.ValidationFailed) as caught:
        upstream.study_create(severity="urgent", study_description="x", study_instance_uid="1.2")
    assert "severity" in caught.value.field_errors

    settings.AVARA_API_KEY = "sk_wrong"
    with pytest.raises(upstream.BadCredentials) as refused:
        upstream.study_list()
    assert "sk_wrong" not in str(refused.value)


def test_user_directory_and_user_get(rows):
    doctor = rows[0]

    users = upstream.user_directory()
    one = upstream.user_get(user_id=doctor.user_id)

    assert [u.user_id for u in users] == [doctor.user_id]
    assert one.display_name == "John R. Smith, MD"
    assert upstream.user_list(email=doctor.email).users == [one]
