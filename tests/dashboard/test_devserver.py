"""The development server answers kept-alive requests without a ~40 ms Nagle stall."""

import socket
import threading

from django.core.management import load_command_class
from django.core.servers.basehttp import WSGIRequestHandler

from dashboard.devserver import NoDelayWSGIServer


def test_runserver_uses_the_no_delay_server_and_keeps_whitenoise():
    command = load_command_class("studies", "runserver")

    assert command.server_cls is NoDelayWSGIServer
    # Still whitenoise's runserver underneath: static files served as in production.
    assert any("whitenoise" in cls.__module__ for cls in type(command).__mro__)


def test_every_accepted_connection_has_tcp_nodelay():
    server = NoDelayWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    accepted = {}

    def accept_one():
        sock, _ = server.get_request()
        accepted["nodelay"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        sock.close()

    thread = threading.Thread(target=accept_one)
    thread.start()
    with socket.create_connection(server.server_address[:2]):
        thread.join(timeout=5)
    server.server_close()
    assert accepted["nodelay"] != 0
