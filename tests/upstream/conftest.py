"""Fixtures for the tests of studies/upstream/, the door to Avara: a mocked Avara
(`avara`, tests/mocked_avara.py) and the example study.

No test here touches the network: respx mocks every request to the fake base URL
(and refuses any other), and retries never sleep (the sleep is recorded instead).
"""

import copy

import pytest
from samples import EXAMPLE_STUDY


@pytest.fixture
def avara_suite() -> str:
    return "door"


@pytest.fixture(autouse=True)
def _retries_never_pause(sleeps) -> None:
    """Each wait the retry layer asks for is recorded in `sleeps`, not slept."""


@pytest.fixture
def study_json() -> dict:
    """A fresh deep copy of the example study, safe to modify."""
    return copy.deepcopy(EXAMPLE_STUDY)
