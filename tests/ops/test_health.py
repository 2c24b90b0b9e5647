"""/healthz and /readyz: no login, no host or HTTPS refusal, each dependency on its own."""

import socket

import httpx
import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from samples import API_KEY, user_json

from studies.web import health

from .conftest import USERS

PROXY_HOST = {"HTTP_HOST": "10.1.2.3:8000"}  # a probe by address, not a configured host


def users_ok(avara):
    return avara.get(USERS).respond(
        json={"users": [user_json(1)], "cursor": None, "hasMore": False}
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_login_host_or_https(settings, db):
    settings.ALLOWED_HOSTS = ["triage.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    response = Client().get("/healthz", **PROXY_HOST)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_probes_refuse_other_methods(db):
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/readyz").status_code == 405


@pytest.mark.stores
def test_readyz_all_ready_makes_one_cheap_authenticated_call(settings, avara, db):
    settings.ALLOWED_HOSTS = ["triage.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    route = users_ok(avara)

    response = Client().get("/readyz", **PROXY_HOST)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "avara": "ok",
    }
    assert route.call_count == 1
    sent = route.calls.last.request
    assert sent.url.params["limit"] == "1"
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in response.content.decode()


@pytest.mark.parametrize(
    ("answer", "error", "http_status"),
    [
        (httpx.ConnectError("refused"), "Unavailable", None),
        (httpx.ReadTimeout("slow"), "Unavailable", None),
        (httpx.Response(503, headers={"Retry-After": "5"}), "Unavailable", 503),
        (httpx.Response(429, headers={"Retry-After": "5"}), "RateLimited", 429),
        (httpx.Response(401, json={"error": {"message": API_KEY}}), "BadCredentials", 401),
    ],
    ids=["down", "slow", "503", "429", "bad-key"],
)
def test_readyz_reports_avara_trouble_after_one_try(avara, db, answer, error, http_status):
    # AVARA_MAX_RETRIES is 2 here: the worklist's client would retry, the probe must not.
    if isinstance(answer, Exception):
        route = avara.get(USERS).mock(side_effect=answer)
    else:
        route = avara.get(USERS).mock(return_value=answer)

    response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["avara"]["status"] == "fail"
    assert checks["avara"]["error"] == error
    assert checks["avara"].get("http_status") == http_status
    assert checks["database"]["status"] == "ok"
    assert checks["cache"]["status"] == "ok"
    assert route.call_count == 1
    assert API_KEY not in response.content.decode()


def test_readyz_reports_an_unreachable_cache_without_its_url(avara, db):
    users_ok(avara)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:cache-Secret-pw@127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    with override_settings(CACHES=unreachable):
        response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["status"] == "fail"
    assert checks["cache"]["error"] == "ConnectionError"
    assert checks["database"]["status"] == "ok"
    assert checks["avara"]["status"] == "ok"
    assert "cache-Secret-pw" not in response.content.decode()


def test_readyz_reports_a_database_failure_by_kind_only(monkeypatch, avara, db):
    users_ok(avara)

    class BrokenConnections:
        def __getitem__(self, alias):
            raise OperationalError('connection to "db.internal" failed: password=hunter2')

    monkeypatch.setattr(health, "connections", BrokenConnections())

    response = Client().get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["database"]["error"] == "OperationalError"
    assert "hunter2" not in response.content.decode()
    assert checks["cache"]["status"] == checks["avara"]["status"] == "ok"
