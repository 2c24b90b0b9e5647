"""GET /v1/viewer/users and /v1/viewer/users/{userId}."""

from datetime import UTC, datetime, timedelta

import pytest
from sandbox_helpers import USERS, error_of

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HEX32 = "0123456789abcdef" * 2


@pytest.fixture
def people(sandbox_factory):
    def user(n, **fields):
        return sandbox_factory.user(created_at=T0 + timedelta(minutes=n), **fields)

    return {
        "maria": user(1, email="Maria.Garcia@example.org", first_name="Maria", last_name="Garcia"),
        "mario": user(
            2, email="mario@example.org", first_name="Mario", last_name="Rossi", level="admin"
        ),
        "ann": user(
            3,
            email="ann@example.org",
            first_name="Ann",
            last_name="Garcia-Lee",
            invited_source="api",
        ),
        "owner": user(
            4, email="boss@example.org", first_name="Olga", last_name="Ng", level="owner"
        ),
    }


def user_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [u["userId"] for u in response.json()["users"]]


def test_list_is_newest_first(api, people):
    response = api.get(USERS)
    assert user_ids(response) == [people[n].user_id for n in ("owner", "ann", "mario", "maria")]
    assert response.json()["hasMore"] is False and response.json()["cursor"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email": "mario@example.org"}, ["mario"]),
        ({"email": "maria.garcia@EXAMPLE.org"}, ["maria"]),
        ({"email": "example.org"}, []),
        ({"firstName": "mari"}, ["mario", "maria"]),
        ({"firstName": "MARIA"}, ["maria"]),
        ({"lastName": "garcia"}, ["ann", "maria"]),
        ({"level": "admin"}, ["mario"]),
        ({"level": "owner"}, ["owner"]),
        ({"invitedSource": "api"}, ["ann"]),
        ({"invitedSource": "dashboard", "lastName": "Garcia"}, ["maria"]),
        ({"firstName": "mar", "level": "member"}, ["maria"]),
    ],
)
def test_filters(api, people, params, expected):
    assert user_ids(api.get(USERS, params)) == [people[n].user_id for n in expected]


def test_paging_with_a_cursor(api, sandbox_factory):
    users = [sandbox_factory.user(created_at=T0 + timedelta(seconds=i)) for i in range(23)]
    seen, cursor = [], None
    while True:
        page = api.get(USERS, {"limit": 5} | ({"cursor": cursor} if cursor else {})).json()
        seen += [u["userId"] for u in page["users"]]
        cursor = page["cursor"]
        if not page["hasMore"]:
            break
    assert seen == [u.user_id for u in reversed(users)]


def test_cursor_replayed_with_other_filters_is_400(api, people):
    cursor = api.get(USERS, {"lastName": "garcia", "limit": 1}).json()["cursor"]
    response = api.get(USERS, {"lastName": "rossi", "cursor": cursor, "limit": 1})
    assert response.status_code == 400
    assert "different filters" in error_of(response)["fields"]["cursor"]


def test_tampered_cursor_is_400(api, people):
    cursor = api.get(USERS, {"limit": 1}).json()["cursor"]
    response = api.get(USERS, {"cursor": "x" + cursor, "limit": 1})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"cursor": "is invalid or has been tampered with"}


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"level": "superuser"}, "level", "owner, admin, member"),
        ({"invitedSource": "email"}, "invitedSource", "dashboard, api"),
        ({"limit": "0"}, "limit", "from 1 to 100"),
        ({"limit": "101"}, "limit", "from 1 to 100"),
        ({"email": ""}, "email", "must not be empty"),
        ({"firstName": " "}, "firstName", "must not be empty"),
        ({"role": "x"}, "role", "not a recognised query parameter"),
    ],
)
def test_invalid_query_is_400(api, params, field, fragment):
    response = api.get(USERS, params)
    assert response.status_code == 400
    assert fragment in error_of(response)["fields"][field]


def test_retrieve_user(api, people):
    response = api.get(f"{USERS}/{people['mario'].user_id}")
    assert response.status_code == 200
    assert response.json()["email"] == "mario@example.org"
    assert response.json()["level"] == "admin"


@pytest.mark.parametrize("bad_id", ["usr_1", "stu_" + HEX32, "usr_" + HEX32.upper()])
def test_retrieve_malformed_user_id_is_400(api, bad_id):
    response = api.get(f"{USERS}/{bad_id}")
    assert response.status_code == 400
    assert "'usr_' followed by 32" in error_of(response)["fields"]["userId"]


def test_retrieve_unknown_user_is_404(api):
    response = api.get(f"{USERS}/usr_{HEX32}")
    assert response.status_code == 404
    error = error_of(response)
    assert error["type"] == "not_found_error"
    assert error["fields"] == {"userId": "no such user"}
