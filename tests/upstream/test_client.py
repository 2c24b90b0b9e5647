"""The process-wide client (settings, reuse, rebuild) and the call recorder."""

import logging
import threading

import httpx
import pytest
from django.test import override_settings
from samples import API_KEY, STUDY_ID

from studies import upstream
from studies.upstream import client

STUDY_PATH = f"/v1/viewer/studies/{STUDY_ID}"


def test_client_is_built_from_settings(settings):
    settings.AVARA_READ_TIMEOUT = 12.0
    settings.AVARA_CONNECT_TIMEOUT = 3.0
    settings.AVARA_MAX_RETRIES = 4
    settings.AVARA_RETRY_MAX_BACKOFF = 6.0

    http = client.get_client()
    retry = client.make_retry()

    assert str(http.base_url) == "http://avara.test"
    assert http.headers["authorization"] == f"Bearer {API_KEY}"
    assert http.headers["user-agent"] == "avara-triage/0.1"
    assert http.headers["accept"] == "application/json"
    assert http.headers["content-type"] == "application/json"
    assert http.timeout == httpx.Timeout(12.0, connect=3.0)
    assert retry.total == 4
    assert retry.max_backoff_wait == 6.0
    assert retry.respect_retry_after_header is True
    assert retry.status_forcelist == {408, 429, 500, 502, 503, 504}
    assert retry.allowed_methods == {"GET", "HEAD", "PATCH", "POST"}


def test_client_is_reused_until_settings_change(settings):
    first = client.get_client()
    assert client.get_client() is first

    settings.AVARA_API_KEY = "sk_rotated"
    second = client.get_client()

    assert second is not first
    assert first.is_closed
    assert second.headers["authorization"] == "Bearer sk_rotated"


def test_override_settings_gets_its_own_client():
    outer = client.get_client()
    with override_settings(AVARA_BASE_URL="http://other.test"):
        inner = client.get_client()
        assert str(inner.base_url) == "http://other.test"
    assert str(client.get_client().base_url) == "http://avara.test"
    assert inner is not outer


def test_unrelated_setting_change_keeps_the_client(settings):
    first = client.get_client()
    settings.TIME_ZONE = "Europe/Paris"
    assert client.get_client() is first


def test_reset_client_forces_a_new_one():
    first = client.get_client()
    upstream.reset_client()
    assert client.get_client() is not first


def test_concurrent_first_use_builds_one_client():
    client.reset_client()
    barrier = threading.Barrier(8)
    got = []

    def use():
        barrier.wait()
        got.append(client.get_client())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(c) for c in got}) == 1


# --- recording ----------------------------------------------------------------------------------


def test_record_calls_lists_each_call_without_headers(avara, study_json):
    avara.get(STUDY_PATH).respond(json=study_json)
    avara.get("/v1/viewer/studies").respond(json={"studies": [], "hasMore": False})

    with upstream.record_calls() as calls:
        upstream.study_get(study_id=STUDY_ID)
        upstream.study_list(assigned_to=upstream.NULL)

    assert [(c.method, c.path, c.status, c.attempts) for c in calls] == [
        ("GET", STUDY_PATH, 200, 1),
        ("GET", "/v1/viewer/studies", 200, 1),
    ]
    assert all(c.duration_ms >= 0 for c in calls)
    assert API_KEY not in repr(calls)
    assert "null" not in repr(calls)  # no query strings recorded


def test_record_calls_records_failures_and_nests(avara):
    avara.get(STUDY_PATH).respond(404)
    avara.get("/v1/viewer/users/usr_x").mock(side_effect=httpx.ConnectError("down"))

    with upstream.record_calls() as outer:
        with pytest.raises(upstream.NotFound):
            upstream.study_get(study_id=STUDY_ID)
        with upstream.record_calls() as inner, pytest.raises(upstream.Unavailable):
            upstream.user_get(user_id="usr_x")

    assert [(c.status, c.attempts) for c in inner] == [(None, 3)]
    assert [c.status for c in outer] == [404, None]


def test_calls_outside_a_recorder_are_not_kept(avara, study_json):
    avara.get(STUDY_PATH).respond(json=study_json)
    upstream.study_get(study_id=STUDY_ID)

    with upstream.record_calls() as calls:
        pass

    assert calls == []


def test_current_stats_totals_since_reset(avara, study_json):
    avara.get(STUDY_PATH).respond(json=study_json)
    upstream.study_get(study_id=STUDY_ID)

    stats = upstream.stats_reset()
    upstream.study_get(study_id=STUDY_ID)
    upstream.study_get(study_id=STUDY_ID)

    assert upstream.current_stats() is stats
    assert (stats.count, stats.attempts) == (2, 2)
    assert stats.total_ms > 0


def test_stats_are_per_thread_context(avara, study_json):
    avara.get(STUDY_PATH).respond(json=study_json)
    upstream.stats_reset()
    other = []

    def work():
        upstream.stats_reset()
        upstream.study_get(study_id=STUDY_ID)
        other.append(upstream.current_stats().count)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()

    assert other == [1]
    assert upstream.current_stats().count == 0


def test_nothing_logged_contains_the_key(avara, caplog):
    avara.get(STUDY_PATH).respond(401, json={"error": {"message": f"bad key {API_KEY}"}})
    caplog.set_level(logging.DEBUG)

    with pytest.raises(upstream.BadCredentials):
        upstream.study_get(study_id=STUDY_ID)

    assert any("avara GET" in record.getMessage() for record in caplog.records)
    assert API_KEY not in caplog.text
