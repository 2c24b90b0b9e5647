"""Fixtures for the tests of studies/web/: how pages answer (middleware, rows kept
rendered), through pages against a mocked Avara, as the views' tests do
(tests/mocked_avara.py)."""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "pages"
