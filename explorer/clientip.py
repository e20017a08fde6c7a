"""The address a request comes from, for the sign-in lockout and the reader-report limit.

Behind the TLS proxy the README requires, REMOTE_ADDR is the proxy's. The client's address is taken from
X-Forwarded-For only when the direct peer is a proxy we trust (FORWARDED_ALLOW_IPS, the same list gunicorn
trusts for X-Forwarded-Proto): from the right, the first address that is not a trusted proxy. Anyone else's
X-Forwarded-For is ignored, so a client cannot pick its own address.
"""
from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted_networks(allowed: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The trusted proxies as networks; None when every peer is trusted ("*")."""
    if "*" in allowed:
        return None
    networks = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # a host name or a typo trusts nobody
    return tuple(networks)


def _is_trusted(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if networks is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _plain(address: str) -> str | None:
    """An address as written in X-Forwarded-For, checked: brackets and an IPv4 port removed; None if invalid."""
    address = address.strip()
    if address.startswith("[") and "]" in address:
        address = address[1:address.index("]")]
    elif address.count(":") == 1:
        address = address.split(":")[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module docstring); AXES_CLIENT_IP_CALLABLE uses this too."""
    peer = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(peer):
        return peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _plain(hop)
        if address is None:
            break  # a malformed entry: nothing to its left can be trusted
        if not _is_trusted(address):
            return address
    return peer
