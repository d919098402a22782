"""Where the workers may POST: the organisations' webhook and subscription endpoints.

An owner types these URLs, and a worker inside the network calls them, so an address of
the network itself (loopback, private, link-local such as a cloud metadata service) or a
plain-HTTP URL would let an owner reach internal services or send personal data in the
clear. Production allows neither; development and the test suite (which run their
endpoints on this machine) may, through settings.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeDestination(Exception):
    pass


def check(url: str) -> None:
    """Raise UnsafeDestination unless the URL may be called from here."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise UnsafeDestination("only https:// endpoints are called")
    if not parts.hostname:
        raise UnsafeDestination("the URL names no host")
    try:
        port = parts.port  # a URL field lets ":99999" through; urlsplit refuses it only here
    except ValueError:
        raise UnsafeDestination("the URL's port is not between 1 and 65535") from None
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise UnsafeDestination("the host does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeDestination("the host resolves to an address inside the network")
