"""Fixtures for the write services' tests: a mocked Avara (`avara`,
tests/mocked_avara.py) that test_edits.py turns into a stateful one (fake_avara.py).

No test here touches the network, and retries never sleep (the sleep is recorded).
"""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "door"


@pytest.fixture(autouse=True)
def _retries_never_pause(sleeps) -> None:
    """Each wait the retry layer asks for is recorded in `sleeps`, not slept."""
