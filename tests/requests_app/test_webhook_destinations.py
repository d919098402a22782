"""The webhook guard cannot be walked around: the connection goes to the very address that
was checked (a name answering first with a public address, then with 127.0.0.1, never
reaches 127.0.0.1), TLS still checks the URL's host name, and every IPv6 form that wraps
a private or loopback IPv4 address is refused.

The endpoints are real HTTP(S) servers on 127.0.0.1. What stands in for the internet is
the name service (socket.getaddrinfo answers the test's names) and, for the public
address the check lets through, the route to it: a connection to PUBLIC lands on a
local server, as a router would carry it there. Nothing else is replaced."""

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from requests_app import fulfilment, tasks
from requests_app.delivery import destinations
from requests_app.models import EventDelivery, FulfilmentTask
from tests import factories

PUBLIC = "93.184.215.14"  # a public address (is_global), carried to a local server below
OTHER_PUBLIC = "93.184.215.15"
HOST = "hooks.example"
INTERNAL = ("127.0.0.1", "10.1.2.3", "169.254.169.254")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for HOST (its own CA), the key beside it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


class Endpoint:
    """An HTTP or HTTPS server on 127.0.0.1 that answers 204 and keeps the Host header,
    the SNI name and the body of what it received."""

    def __init__(self, certificate=None):
        self.received: list[dict] = []
        self.server_names: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"host": self.headers["Host"], "body": body, "headers": dict(self.headers)})
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        if certificate:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def production(settings, certificate):
    """As in production: https and public addresses only; the test's CA is the one trusted."""
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    settings.WEBHOOK_CA_BUNDLE = str(certificate[0])
    return settings


@pytest.fixture
def servers(certificate):
    made = []

    def make(tls=True):
        made.append(Endpoint(certificate if tls else None))
        return made[-1]

    yield make
    for server in made:
        server.close()


class Network:
    """The test's name service and routes. `answers[name]` is a list of answers, one per
    lookup (the last repeats); `routes[(address, port)]` carries a connection to a local
    port. Lookups of names and connections made are recorded."""

    def __init__(self, monkeypatch):
        self.answers: dict[str, list[list[str]]] = {}
        self.routes: dict[tuple[str, int], int] = {}
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, *args, **kwargs):
            if host not in self.answers:
                return real_getaddrinfo(host, port, *args, **kwargs)
            asked = self.lookups.count(host)
            self.lookups.append(host)
            answers = self.answers[host]
            answer = answers[min(asked, len(answers) - 1)]
            return [info for address in answer for info in real_getaddrinfo(address, port, *args, **kwargs)]

        def connect(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
                self.connections.append((address[0], address[1]))
                if (address[0], address[1]) in self.routes:
                    address = ("127.0.0.1", self.routes[(address[0], address[1])])
            return real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def network(monkeypatch):
    return Network(monkeypatch)


def rebinding(network, public_server, internal_server):
    """HOST answers PUBLIC at the first lookup and 127.0.0.1 after; PUBLIC:<port> is carried
    to `public_server`, while 127.0.0.1:<port> is `internal_server` itself."""
    port = internal_server.port
    network.answers[HOST] = [[PUBLIC], ["127.0.0.1"]]
    network.routes[(PUBLIC, port)] = public_server.port
    return port


@pytest.mark.parametrize("tls", [True, False], ids=["https", "http"])
def test_a_rebinding_name_is_connected_at_the_address_that_was_checked(production, servers, network, tls):
    production.WEBHOOK_ALLOW_HTTP = not tls
    public, internal = servers(tls), servers(tls)
    port = rebinding(network, public, internal)
    scheme = "https" if tls else "http"

    response = destinations.post(f"{scheme}://{HOST}:{port}/hook?x=1", data=b'{"a": 1}',
                                 headers={"Content-Type": "application/json"}, timeout=5)

    assert response.status_code == 204
    assert network.lookups == [HOST]  # resolved once: the HTTP client did not ask again
    assert internal.received == [] and ("127.0.0.1", port) not in network.connections
    assert [(r["host"], r["body"]) for r in public.received] == [(f"{HOST}:{port}", b'{"a": 1}')]
    if tls:
        assert public.server_names == [HOST]  # SNI is the host name, not the address


def test_an_event_delivery_to_a_rebinding_name_never_reaches_the_internal_address(
    production, servers, network, org_a
):
    public, internal = servers(), servers()
    port = rebinding(network, public, internal)
    factories.event_subscription(org_a, url=f"https://{HOST}:{port}/events")
    factories.submitted_request(org_a)

    tasks.deliver_event(EventDelivery.objects.get().pk)

    assert EventDelivery.objects.get().last_status == 204
    assert internal.received == []
    assert json.loads(public.received[0]["body"])["event"] == "request.received"


def test_a_fulfilment_webhook_to_a_rebinding_name_never_reaches_the_internal_address(
    production, servers, network, org_a, officer_a
):
    public, internal = servers(), servers()
    port = rebinding(network, public, internal)
    factories.webhook_system(org_a, url=f"https://{HOST}:{port}/crm", secret="crm-shared-secret-6f1c2a9e8b7d")
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    network.lookups.clear()

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert task.status == FulfilmentTask.Status.AWAITING_CALLBACK
    assert len(public.received) == 1 and internal.received == []
    assert network.lookups == [HOST]


def test_a_name_whose_first_answer_is_internal_is_refused_and_nothing_is_sent(production, servers, network):
    internal = servers()
    network.answers[HOST] = [["127.0.0.1"], [PUBLIC]]

    with pytest.raises(destinations.UnsafeDestination):
        destinations.post(f"https://{HOST}:{internal.port}/hook", data=b"{}", headers={}, timeout=5)

    assert internal.received == [] and network.connections == []


def test_one_internal_address_among_the_answers_refuses_the_name(production, network):
    network.answers[HOST] = [[PUBLIC, "10.0.0.7"]]

    with pytest.raises(destinations.UnsafeDestination, match="inside the network"):
        destinations.check(f"https://{HOST}/hook")


def test_the_certificate_is_checked_against_the_host_name_not_the_address(production, servers, network):
    public = servers()
    network.answers["elsewhere.example"] = [[PUBLIC]]
    network.routes[(PUBLIC, public.port)] = public.port

    with pytest.raises(requests.exceptions.SSLError):
        destinations.post(f"https://elsewhere.example:{public.port}/hook", data=b"{}", headers={}, timeout=5)

    assert public.received == []  # a certificate for hooks.example does not speak for elsewhere.example


def test_an_address_that_refuses_the_connection_is_passed_over_for_the_next_checked_one(
    production, servers, network
):
    public = servers()
    closed = servers()
    closed_port = closed.port
    closed.close()  # nothing listens there now: the connection is refused
    network.answers[HOST] = [[OTHER_PUBLIC, PUBLIC]]
    network.routes[(OTHER_PUBLIC, public.port)] = closed_port
    network.routes[(PUBLIC, public.port)] = public.port

    response = destinations.post(f"https://{HOST}:{public.port}/hook", data=b"{}", headers={}, timeout=5)

    assert response.status_code == 204 and len(public.received) == 1
    assert [address for address, _port in network.connections] == [OTHER_PUBLIC, PUBLIC]


def test_where_private_addresses_are_allowed_the_connection_is_still_pinned(settings, servers, network):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    first, second = servers(tls=False), servers(tls=False)
    network.answers["dev.example"] = [["127.0.0.1"], ["127.0.0.2"]]
    network.routes[("127.0.0.1", second.port)] = first.port

    destinations.post(f"http://dev.example:{second.port}/hook", data=b"{}", headers={}, timeout=5)

    assert len(first.received) == 1 and second.received == [] and network.lookups == ["dev.example"]


# --- IPv6 forms that carry an IPv4 address ----------------------------------------------------


def wrapped_forms(v4: str) -> dict[str, str]:
    value = int(ipaddress.IPv4Address(v4))
    teredo_server = int(ipaddress.IPv4Address("65.54.227.120"))
    return {
        "mapped": f"::ffff:{v4}",
        "compatible": str(ipaddress.IPv6Address(value)),
        "nat64": str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | value)),
        "nat64-local": str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b:1::")) | value)),
        "6to4": str(ipaddress.IPv6Address((0x2002 << 112) | (value << 80) | 1)),
        "teredo": str(ipaddress.IPv6Address(
            (0x20010000 << 96) | (teredo_server << 64) | (value ^ 0xFFFFFFFF))),  # client inverted
    }


@pytest.mark.parametrize("v4", INTERNAL)
@pytest.mark.parametrize("form", ["mapped", "compatible", "nat64", "nat64-local", "6to4", "teredo"])
def test_every_ipv6_form_wrapping_an_internal_ipv4_address_is_refused(production, v4, form):
    address = wrapped_forms(v4)[form]
    assert destinations.inside_network(ipaddress.ip_address(address))

    with pytest.raises(destinations.UnsafeDestination, match="inside the network"):
        destinations.check(f"https://[{address}]/hook")


@pytest.mark.parametrize("form", ["nat64", "6to4"])
def test_a_name_resolving_to_a_wrapped_loopback_address_is_refused(production, network, form):
    network.answers[HOST] = [[wrapped_forms("127.0.0.1")[form]]]

    with pytest.raises(destinations.UnsafeDestination, match="inside the network"):
        destinations.check(f"https://{HOST}/hook")


@pytest.mark.parametrize("address", ["64:ff9b::93.184.215.14", "2002:5db8:d70e::1", "2606:4700::1111"])
def test_a_wrapped_or_plain_public_address_is_not_refused(address):
    assert not destinations.inside_network(ipaddress.ip_address(address))
