"""`python -m sandbox runsandbox [addr:port]`: argument parsing and what it prints."""

import socket

import pytest
from django.core.management import CommandError, call_command
from django.core.servers.basehttp import WSGIRequestHandler

from sandbox.management.commands import runsandbox
from sandbox.server import SandboxHTTPServer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("127.0.0.1", 8001)),
        ("8002", ("127.0.0.1", 8002)),
        ("10.0.0.5:9000", ("10.0.0.5", 9000)),
        ("localhost:8001", ("localhost", 8001)),
        ("[::1]:8003", ("::1", 8003)),
    ],
)
def test_addrport(value, expected):
    assert runsandbox.parse_addrport(value) == expected


@pytest.mark.parametrize("value", ["abc", "127.0.0.1:", "127.0.0.1:70000", ":8001", "1.2.3.4:0"])
def test_bad_addrport_is_a_command_error(value):
    with pytest.raises(CommandError, match="not a valid port"):
        runsandbox.parse_addrport(value)


@pytest.mark.django_db
def test_prints_base_url_and_dev_key_then_serves(monkeypatch, capsys, settings):
    served = {}

    def fake_run(addr, port, handler, **kwargs):
        served.update(addr=addr, port=port, handler=type(handler).__name__, **kwargs)

    monkeypatch.setattr(runsandbox, "run", fake_run)
    call_command("runsandbox", "127.0.0.1:8123")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in out
    assert settings.SANDBOX_DEV_API_KEY in out
    assert served == {
        "addr": "127.0.0.1",
        "port": 8123,
        "handler": "SandboxWSGIHandler",
        "ipv6": False,
        "threading": True,
        "server_cls": SandboxHTTPServer,
    }


def test_the_server_turns_off_nagle_on_every_connection():
    """Without TCP_NODELAY each kept-alive request waited ~40 ms for a delayed ACK."""
    server = SandboxHTTPServer(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        with socket.create_connection(server.server_address[:2]):
            accepted, _ = server.get_request()
            with accepted:
                nodelay = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()
    assert nodelay != 0


@pytest.mark.django_db
def test_configured_keys_are_never_printed(monkeypatch, capsys, settings):
    settings.SANDBOX_API_KEYS = {"sk_configured_api_0123": {"id": "x", "description": "ours"}}
    settings.SANDBOX_CONTROL_KEY = "sk_configured_control_0123"
    monkeypatch.setattr(runsandbox, "run", lambda *args, **kwargs: None)

    call_command("runsandbox", "127.0.0.1:8123")

    out = capsys.readouterr().out
    assert "sk_configured" not in out
    assert settings.SANDBOX_DEV_API_KEY not in out  # not configured here: not offered
    assert "API keys: from SANDBOX_API_KEYS" in out
    assert "key from SANDBOX_CONTROL_KEY" in out
