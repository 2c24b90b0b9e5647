"""The client's address: forwarded headers count only when our own proxy sent them."""

import pytest
from django.test import RequestFactory

from studies.infra.addresses import client_ip, from_trusted_proxy


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_claims(settings):
    settings.TRUSTED_PROXIES = []

    assert client_ip(request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_a_client_cannot_pick_its_address_through_our_proxy(settings):
    """The proxy appends the address it saw; anything the client wrote is to its left."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    forged = request("10.0.0.2", "1.2.3.4, 203.0.113.7")

    assert client_ip(forged) == "203.0.113.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2", "10.0.0.3"]

    chained = request("10.0.0.2", "203.0.113.7, 10.0.0.3")

    assert client_ip(chained) == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("not-an-address", "10.0.0.2"),
        ("", "10.0.0.2"),
    ],
)
def test_forwarded_forms_and_garbage(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]

    assert client_ip(request("10.0.0.2", forwarded)) == expected


def test_trusted_proxy_networks_and_addresses(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::1"]

    assert from_trusted_proxy(request("10.20.30.40"))
    assert from_trusted_proxy(request("2001:db8::1"))
    assert not from_trusted_proxy(request("11.0.0.1"))
    assert not from_trusted_proxy(request("garbage"))
