"""Fixtures for the tests of studies/accounts/: who is asking and what they may do.

Most go through pages, against a mocked Avara, with a client logged in by role
(`login`, tests/mocked_avara.py), as the views' tests do.
"""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "pages"
