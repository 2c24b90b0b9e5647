"""Fixtures for the tests of studies/board/. Most tests here are pure (no Avara, no
store; factory.py builds their studies and users); those that read Avara meet a mocked
one as the views' tests do (tests/mocked_avara.py)."""

import pytest


@pytest.fixture
def avara_suite() -> str:
    return "pages"
