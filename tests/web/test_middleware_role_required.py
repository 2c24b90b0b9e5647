"""A login is not enough: every page needs a role."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def roleless(db):
    user = get_user_model().objects.create_user(username="nobody", password="x-Unused-Pass-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/queue", "/counts", "/studies/stu_" + "1" * 32, "/audit/"])
def test_an_account_without_a_role_sees_nothing(roleless, avara, path):
    answer = roleless.get(path)

    assert answer.status_code == 403
    assert "has no role yet" in answer.content.decode()
    assert sum(route.call_count for route in avara.routes) == 0  # nothing asked of Avara


def test_it_can_still_log_out(roleless, avara):
    assert roleless.post("/accounts/logout/").status_code == 302
