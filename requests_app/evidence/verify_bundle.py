#!/usr/bin/env python3
"""Check a Rightsdesk evidence bundle offline, with none of Rightsdesk's code.

    python3 verify_bundle.py bundle.zip [--log-key HEX_OR_FILE]

--log-key is the transparency log's public key as the organisation publishes it at
/log/key (name+keyid+base64), or its 32 bytes in hex, or a file holding either. Without
it the key inside the bundle is used, and you are told to compare it with the published
one (a bundle signed with some other key proves nothing about the organisation).

Checks: the manifest's Ed25519 signature; every member's size and SHA-256, none missing,
none added; for a case, each event's hash recomputed from its JSON as the log computes
it, its RFC 9162 inclusion proof up to the signed tree head, the head's signature (C2SP
checkpoint), the request's hash chain (no event missing, each naming the one before, the
last the chain's head) and each shared file against its hash and the requester's consent
on record; the certificate's hash (and, for a case, that the log's event states it); each
device receipt's signature with the device's key. Needs Python 3.9+ and `cryptography`.
Exit status 0 only if everything holds; 1 naming what failed; 2 if the file is unreadable.
"""

import argparse
import base64
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class Report:
    def __init__(self):
        self.problems, self.passed, self.notes = [], [], []

    def check(self, holds: bool, good: str, bad: str) -> bool:
        """Note `bad` as a problem unless `holds`; `good` (if any) as passed if it does."""
        if not holds:
            self.problems.append(bad)
        elif good:
            self.passed.append(good)
        return holds


# --- keys and signatures --------------------------------------------------------------------


def read_key(text: str):
    """(name or None, 32-byte Ed25519 public key) from a note verifier key or hex."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return None, bytes.fromhex(text)
    name, key_id, blob = text.split("+", 2)
    raw = base64.b64decode(blob)
    if raw[:1] != b"\x01" or len(raw) != 33 or sha256(name.encode() + b"\n" + raw)[:4].hex() != key_id:
        raise ValueError("not an Ed25519 verifier key of a log")
    return name, raw[1:]


def signed_by(public: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_root(text: str, name: str, public: bytes):
    """(size, root) of a checkpoint signed by the log's key; ValueError otherwise."""
    body, _, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if len(lines) < 3 or lines[0] != name:
        raise ValueError("not a checkpoint of this log")
    want = sha256(name.encode() + b"\n\x01" + public)[:4]
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == name:
            raw = base64.b64decode(parts[2])
            if raw[:4] == want and signed_by(public, raw[4:], (body + "\n").encode()):
                return int(lines[1]), base64.b64decode(lines[2])
    raise ValueError("the signed tree head is not signed by the log's key")


# --- RFC 9162 --------------------------------------------------------------------------------


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def root_from_inclusion(leaf: bytes, index: int, size: int, path: list) -> bytes:
    """RFC 9162, 2.1.3.2."""
    if index >= size:
        raise ValueError("leaf index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def event_hash(event: dict) -> str:
    """As the log hashes an event (requests_app/transparency/audit.py)."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def certificate_hash(body: dict) -> str:
    """As the organisation hashes a certificate's body (orgs/certificates.py)."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


# --- the checks ------------------------------------------------------------------------------


def check_members(report, bundle, manifest) -> None:
    listed = {member["name"]: member for member in manifest.get("members", [])}
    names = [name for name in bundle.namelist() if name not in (MANIFEST, SIGNATURE)]
    for name in sorted(set(names) - set(listed)):
        report.check(False, "", f"{name}: in the bundle but not in the manifest (added)")
    if len(names) != len(set(names)):
        report.check(False, "", "a member name appears twice in the ZIP")
    for name, member in listed.items():
        if name not in names:
            report.check(False, "", f"{name}: listed in the manifest but missing from the bundle (removed)")
            continue
        digest, size = hashlib.sha256(), 0
        with bundle.open(name) as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        report.check(digest.hexdigest() == member["sha256"] and size == member["size"], "",
                     f"{name}: its content is not what the manifest lists (changed)")
    report.passed.append(f"{len(listed)} members listed in the signed manifest checked")


def load(bundle, name):
    return json.loads(bundle.read(name).decode("utf-8"))


def check_events(report, bundle, name, public) -> list:
    try:
        size, root = checkpoint_root(bundle.read("log/checkpoint.txt").decode("utf-8"), name, public)
    except (KeyError, ValueError) as error:
        report.check(False, "", f"log/checkpoint.txt: {error}")
        return []
    report.passed.append(f"signed tree head of {size} entries: signature holds")
    checkpoint = bundle.read("log/checkpoint.txt").decode("utf-8")
    events = []
    for member in sorted(n for n in bundle.namelist() if re.fullmatch(r"events/\d{4}\.json", n)):
        proof = load(bundle, member)
        event = proof.get("event", {})
        if not report.check(event_hash(event) == proof.get("event_hash"), "",
                            f"{member}: the event's content does not hash to its event hash (changed)"):
            continue
        try:
            path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
            leaf = sha256(b"\x00" + bytes.fromhex(proof["event_hash"]))
            proved = root_from_inclusion(leaf, proof["leaf_index"], size, path) == root
        except (KeyError, TypeError, ValueError):
            proved = False
        report.check(proved and proof.get("tree_size") == size and proof.get("checkpoint") == checkpoint, "",
                     f"{member}: its inclusion proof does not lead to the signed head's root")
        events.append(event | {"hash": proof["event_hash"]})
    report.passed.append(f"{len(events)} events: hashes recomputed, inclusion proofs checked")
    return sorted(events, key=lambda e: e.get("seq", 0))


def check_chain(report, bundle, events) -> None:
    chain = load(bundle, "chain.json")
    previous, good = "", True
    for expected, event in enumerate(events, start=1):
        if event.get("seq") != expected:
            good = report.check(False, "", f"chain: event {expected} is missing (removed)")
            break
        if event.get("prev") != previous or event.get("request") != chain.get("request"):
            good = report.check(False, "", f"chain: event {expected} does not follow the event before it")
            break
        previous = event["hash"]
    if good:
        good = report.check(len(events) == chain.get("event_count") and previous == chain.get("chain_head"), "",
                            "chain: the events do not end at the chain's head (events removed or added)")
    if good:
        report.passed.append(f"hash chain of request {chain.get('reference')}: {len(events)} events hold")


def check_attachments(report, bundle, events) -> None:
    choices = [e for e in events if e.get("action") == "share_files"]
    consented = set(choices[-1].get("data", {}).get("sha256", [])) if choices else set()
    included = 0
    for entry in load(bundle, "attachments/index.json"):
        if not entry.get("file"):
            continue
        included += 1
        data = bundle.read(entry["file"]) if entry["file"] in bundle.namelist() else None
        report.check(data is not None and hashlib.sha256(data).hexdigest() == entry["sha256"]
                     and len(data) == entry["size"], "",
                     f"{entry['file']}: the file does not have the SHA-256 and size listed for it")
        report.check(entry["sha256"] in consented, "",
                     f"{entry['file']}: included, but the requester's consent on record does not name it")
    report.passed.append(f"{included} shared file(s) checked against their hashes and the consent on record")


def certificate_receipts(body: dict) -> list:
    if body.get("type") == "erasure_order":
        return list(body.get("devices") or [])
    return [device for entry in body.get("systems", []) for device in entry.get("devices", []) or []]


def check_certificate(report, bundle, events) -> None:
    names = [n for n in bundle.namelist() if re.fullmatch(r"certificate/[^/]+\.json", n)]
    for name in names:
        certificate = load(bundle, name)
        body = certificate.get("body", {})
        report.check(certificate_hash(body) == certificate.get("body_sha256"),
                     f"certificate {certificate.get('number')}: its body has its hash",
                     f"{name}: the certificate's body does not have its hash (changed)")
        if events:
            logged = {e.get("data", {}).get("certificate_sha256") for e in events}
            report.check(certificate.get("body_sha256") in logged, "the certificate's hash is stated by a logged event",
                         f"{name}: no event in the log states this certificate's hash")
        devices = certificate_receipts(body)
        listed = load(bundle, "devices/receipts.json") if "devices/receipts.json" in bundle.namelist() else None
        report.check(listed == devices, "", "devices/receipts.json: not the receipts the certificate lists (changed)")
        count = 0
        for device in devices:
            for receipt in device.get("receipts", []):
                count += 1
                text = (receipt.get("body") or "").encode()
                try:
                    good = (hashlib.sha256(text).hexdigest() == receipt.get("body_sha256") and signed_by(
                        base64.b64decode(receipt["verify_key"]), base64.b64decode(receipt["signature"]), text))
                except (KeyError, ValueError):
                    good = False
                report.check(good, "", f"the receipt of device {device.get('device')} ({receipt.get('body_sha256', '')[:12]}…)"
                                       " does not verify with its key")
        report.passed.append(f"{count} device receipt signature(s) checked")


def verify(path: str, log_key: str | None) -> Report:
    report = Report()
    bundle = zipfile.ZipFile(path)
    manifest_bytes = bundle.read(MANIFEST)
    manifest = json.loads(manifest_bytes)
    name, public = read_key(manifest["log_key"])
    if log_key:
        given_name, given = read_key(Path(log_key).read_text() if Path(log_key).is_file() else log_key)
        report.check(given == public and given_name in (None, name), "the bundle's log key is the one given",
                     "the bundle is signed with another key than the one given (--log-key)")
        public = given
    else:
        report.notes.append(f"The log key was read from the bundle itself ({manifest['log_key']}): compare it with "
                            "the one the organisation publishes at /log/key, or pass it with --log-key.")
    try:
        signature = base64.b64decode(bundle.read(SIGNATURE).strip(), validate=True)
    except (KeyError, ValueError):
        signature = b""
    report.check(signed_by(public, signature, manifest_bytes), "manifest signature holds (the log's key)",
                 "manifest.sig: the manifest's signature does not verify with the log's key (forged or changed)")
    if "log/key.txt" in bundle.namelist():
        report.check(bundle.read("log/key.txt").decode().strip() == manifest["log_key"], "",
                     "log/key.txt: not the key the manifest names")
    check_members(report, bundle, manifest)
    events = []
    if manifest.get("kind") == "case":
        events = check_events(report, bundle, name, public)
        check_chain(report, bundle, events)
        check_attachments(report, bundle, events)
    else:
        report.notes.append("An order's steps are not in the transparency log: the manifest, the certificate's "
                            "hash and the devices' receipts are what can be checked.")
    check_certificate(report, bundle, events)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check a Rightsdesk evidence bundle offline.")
    parser.add_argument("bundle")
    parser.add_argument("--log-key", help="the log's public key (/log/key), its hex, or a file holding it")
    args = parser.parse_args(argv)
    try:
        report = verify(args.bundle, args.log_key)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        print(f"NOT VERIFIED: the bundle cannot be read ({error!r})")
        return 2
    for line in report.passed:
        print(f"ok    {line}")
    for line in report.notes:
        print(f"note  {line}")
    for line in report.problems:
        print(f"FAIL  {line}")
    if report.problems:
        print(f"NOT VERIFIED: {len(report.problems)} problem(s)")
        return 1
    print("VERIFIED: every check holds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
