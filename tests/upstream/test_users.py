"""The users functions, the cached user directory, and how names are displayed."""

from datetime import UTC, datetime

import httpx
import pytest
from samples import API_KEY, USER_ID, user_json

from studies import upstream

# Run again on PostgreSQL + Redis by `make test`: the users directory in the cache.
pytestmark = pytest.mark.stores

USERS = "/v1/viewer/users"


def test_user_list_sends_given_filters_with_wire_names(avara):
    route = avara.get(USERS).respond(json={"users": [user_json(1)], "hasMore": False})

    page = upstream.user_list(
        email="a@b.test",
        first_name="Jo",
        last_name="Sm",
        level="admin",
        invited_source="dashboard",
        cursor="c1",
        limit=10,
    )

    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert dict(request.url.params) == {
        "email": "a@b.test",
        "firstName": "Jo",
        "lastName": "Sm",
        "level": "admin",
        "invitedSource": "dashboard",
        "cursor": "c1",
        "limit": "10",
    }
    assert [u.email for u in page.users] == ["user1@clinic.test"]
    assert page.has_more is False


def test_user_list_defaults_to_a_full_page(avara):
    route = avara.get(USERS).respond(json={"users": [], "cursor": None, "hasMore": False})

    upstream.user_list()

    assert dict(route.calls.last.request.url.params) == {"limit": "100"}


def test_user_list_rejects_bad_limit(avara):
    with pytest.raises(ValueError):
        upstream.user_list(limit=500)
    assert len(avara.calls) == 0


def test_user_get_decodes_every_user_field(avara):
    body = user_json(
        7,
        userId=USER_ID,
        firstName="Jane",
        middleName="ann",
        lastName="Doe",
        suffix1="MD",
        phoneNumber="5551234567",
        level="owner",
        hasDashboardAccess=True,
        invitedSource="dashboard",
        lastLoginAt="2024-05-06T07:08:09Z",
    )
    route = avara.get(f"{USERS}/{USER_ID}").respond(json=body)

    user = upstream.user_get(user_id=USER_ID)

    assert route.call_count == 1
    assert user.user_id == USER_ID
    assert user.display_name == "Jane A. Doe, MD"
    assert (user.level, user.clinic_role, user.invited_source) == (
        "owner",
        "Radiologist",
        "dashboard",
    )
    assert (user.can_manage_studies, user.has_dashboard_access) == (True, True)
    assert user.phone_number == "5551234567"
    assert user.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert user.last_login_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_user_missing_a_required_field_is_bad_response(avara):
    body = user_json(1)
    del body["level"]
    avara.get(f"{USERS}/{USER_ID}").respond(json=body)

    with pytest.raises(upstream.BadResponse):
        upstream.user_get(user_id=USER_ID)


# --- display names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ({"firstName": "John", "middleName": "Robert", "lastName": "Smith"}, "John R. Smith"),
        ({"firstName": "John", "lastName": "Smith", "suffix2": "FACR"}, "John Smith, FACR"),
        ({"firstName": "John", "suffix1": "Jr.", "suffix2": "MD"}, "John, Jr., MD"),
        ({"lastName": "Smith"}, "Smith"),
        ({}, "ref@clinic.test"),
        ({"firstName": " ", "lastName": "", "suffix1": "MD"}, "ref@clinic.test"),
    ],
)
def test_user_reference_display_name(avara, study_json, names, expected):
    study_json["assignedTo"] = {"userId": USER_ID, "email": "ref@clinic.test", **names}
    avara.get(url__regex=r"/v1/viewer/studies/.+").respond(json=study_json)

    study = upstream.study_get(study_id="stu_x")

    assert study.assigned_to.display_name == expected


# --- the directory ------------------------------------------------------------------------------


def test_user_directory_pages_through_every_user(avara):
    route = avara.get(USERS)
    route.side_effect = [
        _page([user_json(1), user_json(2)], cursor="p2", has_more=True),
        _page([user_json(3)], cursor="p3", has_more=True),
        _page([user_json(4)], cursor=None, has_more=False),
    ]

    users = upstream.user_directory()

    assert [u.email for u in users] == [f"user{n}@clinic.test" for n in (1, 2, 3, 4)]
    sent = [dict(call.request.url.params) for call in route.calls]
    assert sent == [
        {"limit": "100"},
        {"limit": "100", "cursor": "p2"},
        {"limit": "100", "cursor": "p3"},
    ]


def test_user_directory_is_cached_until_cleared(avara):
    route = avara.get(USERS)
    route.side_effect = [
        _page([user_json(1)], cursor=None, has_more=False),
        _page([user_json(1), user_json(2)], cursor=None, has_more=False),
    ]

    first = upstream.user_directory()
    second = upstream.user_directory()
    assert route.call_count == 1
    assert second == first
    assert second[0].display_name == "First1 Last1"

    upstream.user_directory_clear()
    third = upstream.user_directory()

    assert route.call_count == 2
    assert len(third) == 2


def test_user_directory_cache_is_per_api_key(avara, settings):
    route = avara.get(USERS)
    route.side_effect = [
        _page([user_json(1)], cursor=None, has_more=False),
        _page([user_json(2)], cursor=None, has_more=False),
    ]
    upstream.user_directory()

    settings.AVARA_API_KEY = "sk_other_clinic"
    users = upstream.user_directory()

    assert route.call_count == 2
    assert [u.email for u in users] == ["user2@clinic.test"]


def test_user_directory_failure_is_not_cached(avara):
    route = avara.get(USERS)
    route.side_effect = [
        _page([user_json(1)], cursor="p2", has_more=True),
        _page([], status=404),
        _page([user_json(1)], cursor=None, has_more=False),
    ]

    with pytest.raises(upstream.NotFound):
        upstream.user_directory()
    users = upstream.user_directory()

    assert route.call_count == 3
    assert len(users) == 1


def test_user_directory_repeating_cursor_stops_with_bad_response(avara):
    avara.get(USERS).mock(return_value=_page([user_json(1)], cursor="same", has_more=True))

    with pytest.raises(upstream.BadResponse):
        upstream.user_directory()

    assert len(avara.calls) == 2


def _page(users, *, cursor=None, has_more=False, status=200):
    if status != 200:
        return httpx.Response(status, json={"error": {"type": "x", "message": "gone"}})
    return httpx.Response(200, json={"users": users, "cursor": cursor, "hasMore": has_more})
