"""Where the workers may POST: the organisations' webhook and subscription endpoints.

An owner types these URLs, and a worker inside the network calls them, so an address of
the network itself (loopback, private, link-local such as a cloud metadata service) or a
plain-HTTP URL would let an owner reach internal services or send personal data in the
clear. Production allows neither; development and the test suite (which run their
endpoints on this machine) may, through settings.

The name is resolved once, by `post`, and the connection goes to the very address that
was checked: a second lookup by the HTTP client would let a name that answers with a
public address for the check and with 127.0.0.1 for the connection (DNS rebinding) walk
around the guard. TLS still uses the URL's host name (SNI and the certificate's name),
and so does the Host header. An IPv6 address that carries an IPv4 address inside it
(mapped, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it carries.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # RFC 4291 2.5.5.1 (deprecated, still routed by some stacks)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the well-known prefix, IPv4 in the last 32 bits
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: an operator's own translators
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")  # RFC 3056: IPv4 in bits 16-48
TEREDO = ipaddress.ip_network("2001::/32")  # RFC 4380: server and (inverted) client IPv4


class UnsafeDestination(Exception):
    pass


@dataclass(frozen=True)
class Destination:
    parts: SplitResult
    port: int
    addresses: tuple[str, ...]  # what the name resolved to, each checked, in the resolver's order


def inside_network(address: IPAddress) -> bool:
    """True if `address`, or an IPv4 address wrapped inside it, is not a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL:
            # Where the IPv4 address sits depends on the operator's prefix length, and the
            # prefix is never routed on the internet: always inside someone's network.
            return True
        for embedded in _embedded_ipv4(address):
            if inside_network(embedded):
                return True
    return not address.is_global or address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:  # ::ffff:0:0/96
        return [address.ipv4_mapped]
    if address in IPV4_COMPATIBLE or address in NAT64:
        return [low32]
    if address in SIX_TO_FOUR:
        return [address.sixtofour]
    if address in TEREDO:
        return list(address.teredo)  # (server, client)
    return []


def resolve(url: str, *, check_addresses: bool | None = None) -> Destination:
    """Check the URL and resolve its host once; raise UnsafeDestination unless it may be
    called from here. With private addresses allowed (development, tests) the addresses
    are not judged, but the connection is still pinned to them."""
    parts = _parts(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if check_addresses is None:
        check_addresses = not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeDestination("the host does not resolve") from None
    addresses = []
    for info in infos:
        address = info[4][0]
        if check_addresses and inside_network(ipaddress.ip_address(address)):
            raise UnsafeDestination("the host resolves to an address inside the network")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeDestination("the host does not resolve")
    return Destination(parts=parts, port=port, addresses=tuple(addresses))


def check(url: str) -> None:
    """Raise UnsafeDestination unless the URL may be called from here (when an owner
    types it; `post` checks again, at the moment it connects)."""
    _parts(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    resolve(url, check_addresses=True)


def _parts(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise UnsafeDestination("only https:// endpoints are called")
    if not parts.hostname:
        raise UnsafeDestination("the URL names no host")
    try:
        parts.port  # a URL field lets ":99999" through; urlsplit refuses it only here
    except ValueError:
        raise UnsafeDestination("the URL's port is not between 1 and 65535") from None
    return parts


def post(url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> requests.Response:
    """POST to `url` at an address its name resolved to just now, once checked; never
    follows a redirect. Raises UnsafeDestination (nothing was sent), or requests'
    ConnectionError / Timeout. An address that refuses the connection is passed over
    for the next one the name gave; once a request may have left, none is tried again."""
    destination = resolve(url)
    last = len(destination.addresses) - 1
    for index, address in enumerate(destination.addresses):
        try:
            return _post_to(destination, address, data=data, headers=headers, timeout=timeout)
        except requests.ConnectionError as exc:
            if index == last or not _not_connected(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _not_connected(exc: requests.ConnectionError) -> bool:
    """True if the connection itself failed, so the request cannot have been sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)


def _post_to(destination: Destination, address: str, *, data: bytes, headers: dict[str, str],
             timeout: float) -> requests.Response:
    parts = destination.parts
    userinfo, _at, host_header = parts.netloc.rpartition("@")
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{userinfo}@{literal}:{destination.port}" if userinfo else f"{literal}:{destination.port}"
    pinned_url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: it would resolve the name again
        session.mount(f"{parts.scheme}://", _PinnedAdapter(parts.hostname))
        return session.post(
            pinned_url, data=data, headers={**headers, "Host": host_header}, timeout=timeout,
            allow_redirects=False, verify=settings.WEBHOOK_CA_BUNDLE or True,
        )


class _PinnedAdapter(HTTPAdapter):
    """Connects to the URL's (pinned) address, and speaks TLS to the host name: sends it
    as SNI and checks the certificate against it, not against the address."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.hostname
            pool_kwargs["assert_hostname"] = self.hostname
        return host_params, pool_kwargs
