"""Sessions are Django's cached_db, read in one round trip with the accounts' generation
(studies/accounts/sessions.py): the same sessions, one store read fewer per request, and never
a generation another request read."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import SessionStore as DjangoStore
from django.core.cache import cache
from django.urls import reverse
from view_helpers import STUDIES, StoreReads, page_json

from studies.accounts import sessions
from studies.accounts.roles import RADIOLOGIST, SUPERVISOR
from studies.infra import shared
from studies.infra.shared import accounts_generation_bump

pytestmark = pytest.mark.stores  # on Redis too, where the two keys are one MGET


def test_a_session_is_djangos_cached_db_session():
    assert issubclass(sessions.SessionStore, DjangoStore)
    assert sessions.SessionStore.cache_key_prefix == DjangoStore.cache_key_prefix


def _logged_in(answer) -> bool:
    """/queue/next redirects everyone: a logged-in user to work, anyone else to log in."""
    return answer.status_code == 302 and not answer["Location"].startswith(reverse("login"))


def test_a_request_reads_its_session_and_the_generation_together(login, avara, monkeypatch):
    client = login(SUPERVISOR)
    client.get("/queue/next")  # the session is in the store now
    reads = StoreReads(monkeypatch, cache)

    answer = client.get("/queue/next")

    assert _logged_in(answer)  # the session was read
    session_key = DjangoStore.cache_key_prefix + client.session.session_key
    assert [session_key, shared.ACCOUNTS_KEY] in reads.many
    assert shared.ACCOUNTS_KEY not in reads.single
    assert not any(key.startswith(DjangoStore.cache_key_prefix) for key in reads.single)


def test_a_session_only_in_the_database_still_logs_in(login, avara):
    """The store may drop keys (a Redis restart): the database copy is read, as Django's."""
    client = login(SUPERVISOR)
    cache.delete(DjangoStore.cache_key_prefix + client.session.session_key)

    assert _logged_in(client.get("/queue/next"))


def test_a_role_taken_away_shows_at_the_next_request(login, avara, settings):
    """The generation read with the session is the store's, read afresh each request."""
    settings.TRIAGE_KEEP_USERS = True
    avara.get(STUDIES).respond(json=page_json())
    client = login(SUPERVISOR)
    assert client.get("/studies/new").status_code == 200

    client.user.groups.set([Group.objects.get(name=RADIOLOGIST)])  # as a shell would

    assert client.get("/studies/new").status_code == 403


def test_a_generation_read_in_one_request_is_never_used_in_another(login, avara, monkeypatch):
    client = login(SUPERVISOR)
    client.get("/queue/next")
    asked = []
    real = shared._counter
    monkeypatch.setattr(shared, "_counter", lambda key: asked.append(key) or real(key))

    accounts_generation_bump()  # outside any request: a shell, another process
    assert shared.accounts_generation() == real(shared.ACCOUNTS_KEY)  # asks the store
    assert asked == [shared.ACCOUNTS_KEY]

    with shared.request_scope():
        shared.accounts_generation_seen(7)
        assert shared.accounts_generation() == 7  # within the request that read it
        shared.accounts_generation_bump()
        assert shared.accounts_generation() != 7  # its own change: asked again
    assert shared.accounts_generation() != 7  # and gone with the request
