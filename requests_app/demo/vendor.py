"""The demo's gate vendor: a small HTTP server that plays an external system behind a
webhook data system, as `make run` starts it beside the worker (Procfile `vendor`).

It behaves like a real vendor's endpoint: it checks the signature of each request
(requests_app/delivery/signing.py), answers 202 at once, does its work later (a few seconds,
and now and then much later), and then calls the request's callback URL, signed with
the same shared secret, saying what became of the person's data. It never reads the
Rightsdesk database: all it knows is what the signed request told it.
"""

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from django.conf import settings

from requests_app.delivery import signing

logger = logging.getLogger(__name__)
PATH = "/hooks/rightsdesk"
# What the vendor's cloud holds for each kind of request: copies of the gate templates.
OUTCOME_FOR_KIND = {"deletion": "deleted", "withdraw_consent": "deleted", "restriction": "storage_only"}


def demo_secret() -> str:
    """The secret the seeded webhook system and this vendor share (derived, never stored in clear)."""
    return hmac.new(settings.SECRET_KEY.encode(), b"rightsdesk-demo-gate-vendor", hashlib.sha256).hexdigest()


class Vendor:
    def __init__(self, *, secret: str, delay: tuple[float, float] = (1.0, 4.0), late_every: int = 5,
                 late_delay: float = 25.0, seed: int | None = None):
        self.secret, self.delay, self.late_every, self.late_delay = secret, delay, late_every, late_delay
        self.random = random.Random(seed)
        self.received = 0
        self.lock = threading.Lock()

    def accept(self, body: bytes, timestamp: str | None, signature: str | None) -> tuple[int, dict]:
        """Check and take one request; the answer comes later by callback."""
        try:
            signing.verify(self.secret, body, timestamp, signature)
        except signing.BadSignature as exc:
            return 401, {"error": str(exc)}
        try:
            job = json.loads(body)
            callback_url, task, kind = job["callback_url"], job["task"], job["kind"]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "expected a JSON object with task, kind and callback_url"}
        with self.lock:
            self.received += 1
            late = self.late_every and self.received % self.late_every == 0
            wait = self.late_delay if late else self.random.uniform(*self.delay)
        threading.Timer(wait, self.call_back, args=(callback_url, task, kind, job.get("request", ""))).start()
        logger.info("vendor: task %s accepted, answering in %.0f s", task, wait)
        return 202, {"accepted": task, "answer_in_seconds": round(wait)}

    def answer(self, task: str, kind: str, reference: str) -> dict:
        outcome = OUTCOME_FOR_KIND.get(kind)
        external_id = "gate-cloud-" + hashlib.sha256(task.encode()).hexdigest()[:12]
        if outcome is None:
            return {"status": "done", "records": [{"external_id": external_id, "outcome": "not_found"}],
                    "note": "The gate cloud keeps only matching templates; nothing else to provide or change."}
        return {"status": "done", "records": [{"external_id": external_id, "outcome": outcome}],
                "note": f"Copies for request {reference} removed from every device and the vendor cloud."}

    def call_back(self, callback_url: str, task: str, kind: str, reference: str) -> None:
        body = json.dumps(self.answer(task, kind, reference)).encode()
        for attempt in range(1, 6):  # the web server may be restarting
            headers = {"Content-Type": "application/json", **signing.sign(self.secret, body)}
            try:
                response = requests.post(callback_url, data=body, headers=headers, timeout=10)
            except requests.RequestException as exc:
                logger.warning("vendor: callback for %s failed (%s), attempt %s", task, type(exc).__name__, attempt)
            else:
                logger.info("vendor: callback for %s answered HTTP %s", task, response.status_code)
                if response.status_code < 500:
                    return
            time.sleep(2 * attempt)


def serve(vendor: Vendor, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            if self.path != PATH:
                return self._reply(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1_000_000:
                return self._reply(413, {"error": "too large"})
            status, payload = vendor.accept(
                self.rfile.read(length), self.headers.get(signing.TIMESTAMP_HEADER),
                self.headers.get(signing.SIGNATURE_HEADER),
            )
            self._reply(status, payload)

        def _reply(self, status: int, payload: dict):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            logger.info("vendor: %s", format % args)

    return ThreadingHTTPServer((host, port), Handler)
