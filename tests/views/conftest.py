"""Fixtures for the views' tests: pages against a mocked Avara, one logged-in client per
role (`login`, tests/mocked_avara.py).

No test here touches the network: respx mocks every request to the fake base URL and
fails the test on any request it has no route for. Retries are off (AVARA_MAX_RETRIES
= 0) so a route's call count is the number of requests the view made; the retry policy
itself is tested in tests/upstream.
"""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "pages"
