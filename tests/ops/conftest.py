"""Fixtures for the operations tests: a mocked Avara (`avara`, tests/mocked_avara.py)
and a fresh cache.

Nothing here reaches the network: respx answers the fake base URL and fails any request
it has no route for.
"""

import pytest

USERS = "/v1/viewer/users"


@pytest.fixture
def avara_suite() -> str:
    return "door"
