"""Fixtures for the tests of studies/infra/: most use the shared store directly; those
that go through pages (test_shared_store.py) meet a mocked Avara as the views' tests
do (tests/mocked_avara.py). Every test starts and ends with an empty store."""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "pages"
