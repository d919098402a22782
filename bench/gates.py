"""A device simulator: gates that keep face templates on themselves, coming and going.

Each gate has its own token and Ed25519 key (from a JSON file, as the demo writes it to
var/demo-gates.json, or as `bench/devices.py` makes them). Every `--every` seconds each
gate that is online polls GET /api/v1/device/deletions/, "deletes" what it is asked (one
record, a range of an order's records, or everything), and
acknowledges with a receipt signed by its key (POST /api/v1/device/receipts/). With
`--offline SERIAL:SECONDS` a gate stays away that long first, its deletions queued
meanwhile, then comes back and sends its inventory (POST /api/v1/device/inventory/).

    .venv/bin/python bench/gates.py --config var/demo-gates.json --url http://127.0.0.1:8000
    .venv/bin/python bench/gates.py --config var/demo-gates.json --offline HWW-NG-02:600

Only the standard library and `cryptography`: a gate is not a Django process.
"""

import argparse
import base64
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def new_key() -> tuple[str, str]:
    """A fresh key pair: (private key, public key), both raw bytes in base64."""
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def signed_receipt(serial: str, private_key: str, deletion_ids: list[int]) -> dict:
    """The receipt a gate sends: canonical JSON (sorted keys, no spaces) and its signature."""
    body = json.dumps({"device": serial, "deleted": deletion_ids,
                       "deleted_at": datetime.now(timezone.utc).isoformat(), "nonce": secrets.token_hex(8)},
                      sort_keys=True, separators=(",", ":"))
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return {"body": body, "signature": base64.b64encode(key.sign(body.encode())).decode()}


class Gate:
    def __init__(self, spec: dict, url: str):
        self.serial, self.token, self.private_key = spec["serial"], spec["token"], spec["private_key"]
        self.url = url.rstrip("/")
        self.holds: set[int] = set(spec.get("holds", []))
        self.offline_until = 0.0

    def _call(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Device {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def round(self) -> int:
        """Poll, delete, acknowledge until nothing waits; returns how many deletions it confirmed."""
        confirmed = 0
        while True:
            deletions = self._call("GET", "/api/v1/device/deletions/")["deletions"]
            if not deletions:
                return confirmed
            for deletion in deletions:
                if deletion.get("wipe"):
                    self.holds.clear()
                elif deletion.get("range"):
                    first, last = deletion["range"]
                    self.holds = {held for held in self.holds if not first <= held <= last}
                else:
                    self.holds.discard(deletion["record"])
            ids = [d["id"] for d in deletions]
            self._call("POST", "/api/v1/device/receipts/", signed_receipt(self.serial, self.private_key, ids))
            confirmed += len(ids)

    def reconcile(self) -> list[int]:
        told = self._call("POST", "/api/v1/device/inventory/", {"holds": sorted(self.holds)})["delete"]
        self.holds -= set(told)
        return told


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="var/demo-gates.json", help="the gates: serial, token, private_key")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between polls")
    parser.add_argument("--offline", action="append", default=[], metavar="SERIAL:SECONDS",
                        help="keep this gate away this long first (repeatable)")
    parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (0: run on)")
    args = parser.parse_args(argv)

    config = Path(args.config)
    while not config.exists():  # `make run` starts the gates beside the seeding that writes the file
        print(f"gates: waiting for {config}", flush=True)
        time.sleep(args.every)
    gates = [Gate(spec, args.url) for spec in json.loads(config.read_text())["gates"]]
    start = time.monotonic()
    for item in args.offline:
        serial, _colon, seconds = item.partition(":")
        for gate in gates:
            if gate.serial == serial:
                gate.offline_until = start + float(seconds or 0)
    print(f"gates: {len(gates)} at {args.url}: {', '.join(g.serial for g in gates)}", flush=True)
    rounds = 0
    while True:
        now = time.monotonic()
        for gate in gates:
            if gate.offline_until > now:
                continue
            try:
                if gate.offline_until:  # back after being away: the queue, then the inventory
                    gate.offline_until = 0.0
                    print(f"gates: {gate.serial} is back", flush=True)
                confirmed = gate.round()
                if confirmed:
                    print(f"gates: {gate.serial} deleted and confirmed {confirmed}", flush=True)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                print(f"gates: {gate.serial}: {exc}", flush=True)
        rounds += 1
        if args.rounds and rounds >= args.rounds:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
