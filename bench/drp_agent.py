"""An authorised agent of the Data Rights Protocol 1.0, from the command line, against a
Rightsdesk (`make run`, or any server) as the covered business's PIP.

It signs each message as DRP 3.07.1 says: the JSON document with its Ed25519 signature
prepended (PyNaCl's combined mode), base64-encoded, sent as text/plain. Its identity (agent
id, business id, API base, signing key) is read from a JSON file, as `seed_demo` writes it
for the demo agent of Golden Gate Fitness (var/demo-drp-agent.json); `register` adds the
bearer token to that file.

    .venv/bin/python bench/drp_agent.py register
    .venv/bin/python bench/drp_agent.py listen --port 8766 &      # prints each status callback
    .venv/bin/python bench/drp_agent.py file --exercise deletion --name "Jordan Lee" \\
        --email jordan.lee@demo.rightsdesk.example --callback http://127.0.0.1:8766/drp/status
    .venv/bin/python bench/drp_agent.py status <request_id>
    .venv/bin/python bench/drp_agent.py revoke <request_id> --reason "I changed my mind"
    .venv/bin/python bench/drp_agent.py info

Options before the command: --config FILE (default var/demo-drp-agent.json), --base URL
(default the file's api_base). Exit status 0 on HTTP 2xx, 1 otherwise; the answer is printed.
Only the standard library and PyNaCl: an agent is not a Django process.
"""

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nacl.encoding import Base64Encoder
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

WINDOW = timedelta(minutes=10)  # DRP 2.01: keep expires-at short


def now_iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).isoformat()


def envelope(config: dict) -> dict:
    """DRP 2.01 group 1 (and 2.05): who signs, to whom, when, until when."""
    issued = datetime.now(timezone.utc)
    return {"agent-id": config["agent_id"], "business-id": config["business_id"],
            "issued-at": now_iso(issued), "expires-at": now_iso(issued + WINDOW)}


def sign(config: dict, message: dict) -> bytes:
    key = SigningKey(config["signing_key"].encode(), encoder=Base64Encoder)
    return base64.b64encode(key.sign(json.dumps(message).encode()))


def call(config: dict, base: str, method: str, path: str, body: bytes | None = None, token: bool = True):
    headers = {"Content-Type": "text/plain"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {config.get('token', '')}"
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def save(path: Path, config: dict) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(config, indent=2))
    partial.chmod(0o600)
    os.replace(partial, path)


def listen(config: dict, base: str, port: int) -> None:
    """Print every status callback, with whether the PIP's signature verifies."""
    status, text = call(config, base, "GET", f"/v1/agent/{config['agent_id']}")
    pip_key = json.loads(text).get("pip-verify-key") if status == 200 else None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            verified = "unchecked"
            if pip_key:
                try:
                    VerifyKey(pip_key.encode(), encoder=Base64Encoder).verify(
                        body, base64.b64decode(self.headers.get("X-DRP-Signature", "")))
                    verified = "signature ok"
                except (BadSignatureError, ValueError):
                    verified = "BAD SIGNATURE"
            print(f"callback ({verified}): {body.decode()}", flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    print(f"listening on http://127.0.0.1:{port}/ for status callbacks", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="var/demo-drp-agent.json")
    parser.add_argument("--base", default=None, help="the PIP's API base (default: the config's api_base)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("register", help="POST /v1/agent/{id}: pair-wise key setup; saves the token")
    commands.add_parser("info", help="GET /v1/agent/{id}")
    filing = commands.add_parser("file", help="POST /v1/data-rights-request")
    filing.add_argument("--exercise", default="deletion")
    filing.add_argument("--regime", default="ccpa")
    filing.add_argument("--name", default="")
    filing.add_argument("--email", default="")
    filing.add_argument("--phone", default="")
    filing.add_argument("--callback", default="")
    filing.add_argument("--agent-request-id", default="")
    for name in ("status", "revoke"):
        command = commands.add_parser(name, help=f"{'GET' if name == 'status' else 'DELETE'} "
                                                 "/v1/data-rights-request/{id}")
        command.add_argument("request_id")
        if name == "revoke":
            command.add_argument("--reason", default="")
    listening = commands.add_parser("listen", help="receive status callbacks on a local port")
    listening.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)

    path = Path(args.config)
    config = json.loads(path.read_text())
    base = (args.base or config["api_base"]).rstrip("/")
    if args.command == "listen":
        listen(config, base, args.port)
        return 0
    if args.command == "register":
        message = {**envelope(config), "drp.version": "1.0"}
        status, text = call(config, base, "POST", f"/v1/agent/{config['agent_id']}", sign(config, message), False)
        if status == 200:
            config["token"] = json.loads(text)["token"]
            save(path, config)
    elif args.command == "info":
        status, text = call(config, base, "GET", f"/v1/agent/{config['agent_id']}")
    elif args.command == "file":
        message = {**envelope(config), "agent-request-id": args.agent_request_id or str(uuid.uuid4()),
                   "drp.version": "1.0", "exercise": args.exercise, "relationships": ["customer"]}
        if args.regime:
            message["regime"] = args.regime
        if args.callback:
            message["status_callback"] = args.callback
        for claim, value in (("name", args.name), ("email", args.email), ("phone_number", args.phone)):
            if value:
                message[claim] = value
        if args.email:
            message["email_verified"] = True
        status, text = call(config, base, "POST", "/v1/data-rights-request", sign(config, message))
    elif args.command == "status":
        status, text = call(config, base, "GET", f"/v1/data-rights-request/{args.request_id}")
    else:
        message = {**envelope(config), "reason": args.reason} if args.reason else envelope(config)
        status, text = call(config, base, "DELETE", f"/v1/data-rights-request/{args.request_id}",
                            sign(config, message))
    print(f"HTTP {status}")
    if text:
        print(text)
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
