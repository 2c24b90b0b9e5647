"""List query values: `limit` as the official client sends it (a float: "20.0"), and
NUL characters in filter values (SQLite's LIKE stops at a NUL, so `%00` matched
everything)."""

import pytest
from sandbox_helpers import STUDIES, USERS, error_of

pytestmark = pytest.mark.django_db

LISTS = [STUDIES, USERS]
NUL = "must not contain NUL characters (\\u0000)"


@pytest.fixture
def rows(sandbox_factory):
    for _ in range(3):
        sandbox_factory.user()
        sandbox_factory.study()


def count(response) -> int:
    assert response.status_code == 200, response.content
    body = response.json()
    return len(body["studies"] if "studies" in body else body["users"])


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("limit", "expected"), [("2.0", 2), ("2.", 2), ("2.000", 2), ("02", 2)])
def test_a_whole_decimal_limit_is_accepted(api, rows, path, limit, expected):
    assert count(api.get(path, {"limit": limit})) == expected


@pytest.mark.parametrize("path", LISTS)
def test_the_official_client_float_limit_pages(api, rows, path):
    page = api.get(path, {"limit": 2.0}).json()  # sent as "2.0"
    assert page["hasMore"] is True
    assert count(api.get(path, {"limit": 100.0, "cursor": page["cursor"]})) == 1


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "limit",
    ["2.5", "1e2", "0.0", "100.1", "101.0", ".5", "+5", " 5", "5 ", "0x10", "1_0", "٣", "9" * 5000],
)
def test_a_non_integral_or_out_of_range_limit_is_400(api, path, limit):
    response = api.get(path, {"limit": limit})
    assert response.status_code == 400, response.content
    assert error_of(response)["fields"] == {"limit": "must be an integer from 1 to 100"}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (STUDIES, "studyDescription"),
        (STUDIES, "severity"),
        (STUDIES, "cursor"),
        (USERS, "email"),
        (USERS, "firstName"),
        (USERS, "lastName"),
    ],
)
@pytest.mark.parametrize("value", ["\x00", "CT\x00", "\x00x"])
def test_nul_in_a_filter_value_is_400(api, rows, path, field, value):
    response = api.get(path, {field: value})
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["fields"] == {field: NUL}


def test_nul_filter_no_longer_matches_everything(api, rows):
    response = api.client.get(
        f"{STUDIES}?studyDescription=%00", headers={"Authorization": f"Bearer {api.key}"}
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"studyDescription": NUL}
