"""Who is asking: the client's address, taking forwarded headers only from trusted proxies.

`DJANGO_TRUSTED_PROXIES` lists the addresses (or networks) of the proxies in front of
the dashboard. A request whose peer (REMOTE_ADDR) is one of them may say who the client
is in `X-Forwarded-For` (and what its request id is in `X-Request-Id`); anyone else's
headers are ignored, so a client cannot pick the address its failed logins count against.

`X-Forwarded-For` is read right to left, as each proxy appends the address it saw: the
first address that is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

type Network = ipaddress.IPv4Network | ipaddress.IPv6Network
type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: Address | None) -> bool:
    if address is None:
        return False
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return any(address in network for network in networks)


def from_trusted_proxy(request) -> bool:
    """Whether the peer that sent this request is one of our proxies."""
    return _trusted(_parse(request.META.get("REMOTE_ADDR", "")))


def client_ip(request) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE); REMOTE_ADDR unless behind our proxies."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not from_trusted_proxy(request):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # our proxy wrote nothing usable: count it against the proxy itself
        if not _trusted(address):
            return str(address)
    return remote
