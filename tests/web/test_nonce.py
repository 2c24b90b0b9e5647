"""Single-use form nonces (studies/web/nonce.py): a bulk form is acted on once."""

import pytest
from django.core import signing

from studies.web import nonce
from studies.web.nonce import (
    BAD,
    FRESH,
    USED,
    form_nonce,
    form_nonce_done,
    form_nonce_record,
    form_nonce_state,
    form_nonce_use,
)

pytestmark = [pytest.mark.django_db, pytest.mark.stores]


@pytest.fixture
def people(django_user_model):
    return (
        django_user_model.objects.create_user(username="ann"),
        django_user_model.objects.create_user(username="bea"),
    )


def test_used_once_then_said_used(people):
    ann, _ = people
    made = form_nonce(ann)

    assert form_nonce_state(made, ann) == FRESH
    assert form_nonce_use(made, ann) == FRESH
    assert form_nonce_use(made, ann) == USED
    assert form_nonce_state(made, ann) == USED


def test_what_the_first_did_is_kept_for_the_second(people):
    ann, _ = people
    made = form_nonce(ann)
    form_nonce_use(made, ann)

    form_nonce_done(made, ann, {"done": 3, "total": 3})

    assert form_nonce_record(made, ann)["summary"] == {"done": 3, "total": 3}


def test_another_users_altered_or_expired_nonce_is_bad(people, monkeypatch):
    ann, bea = people
    made = form_nonce(ann)

    assert form_nonce_use(made, bea) == BAD
    assert form_nonce_use(made[:-2] + "xx", ann) == BAD
    assert form_nonce_use("", ann) == BAD
    assert form_nonce_use(made, ann) == FRESH  # none of the above used it up
    old = signing.TimestampSigner(salt=nonce.SALT)
    monkeypatch.setattr(nonce, "NONCE_SECONDS", -1)
    assert form_nonce_state(old.sign(f"{ann.pk}:abc"), ann) == BAD


def test_each_page_gets_its_own(people):
    ann, _ = people
    assert form_nonce(ann) != form_nonce(ann)
