#!/usr/bin/env python3
"""Check a Rightsdesk log proof yourself, with none of Rightsdesk's code.

    python3 verify_log_proof.py PROOF.json KEY

PROOF.json is an inclusion proof (from a certificate or case file: it says that one
event of your request is in the public log) or a consistency proof (from
/log/proof/consistency: it says a later tree head extends an earlier one). KEY is the
log's public key as /log/key shows it (name+keyid+base64), or a file holding it.

What it checks, by RFC 9162 (Certificate Transparency 2.0) and the C2SP signed-note
checkpoint format: the checkpoint is signed by KEY; for an inclusion proof, the event's
content hashes to the event hash, that hash is the leaf, and the leaf with the proof's
path gives the signed root; for a consistency proof, both checkpoints are signed and
the path takes the first root to the second. Needs Python 3.9+ and `cryptography`
(pip install cryptography) for the Ed25519 signature. Exit status 0 if it holds.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def read_key(text: str):
    name, key_id, blob = text.strip().split("+", 2)
    raw = base64.b64decode(blob)
    if raw[:1] != b"\x01" or len(raw) != 33:
        raise ValueError("not an Ed25519 verifier key")
    public = raw[1:]
    if sha256(name.encode() + b"\n" + raw)[:4].hex() != key_id:
        raise ValueError("the key id does not match the key")
    return name, public


def checkpoint_root(text: str, name: str, public: bytes) -> tuple[int, bytes]:
    """The (size, root) a checkpoint states, once its signature by `public` is checked."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    body, _, signatures = text.partition("\n\n")
    origin, size, root = body.split("\n")[:3]
    want = sha256(name.encode() + b"\n\x01" + public)[:4]
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == name:
            raw = base64.b64decode(parts[2])
            if raw[:4] == want:
                try:
                    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], (body + "\n").encode())
                except InvalidSignature:
                    break
                return int(size), base64.b64decode(root)
    raise ValueError("the checkpoint is not signed by this key")


def root_from_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
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


def consistency_holds(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> bool:
    """RFC 9162, 2.1.4.2."""
    if first == second:
        return not path and first_root == second_root
    if not 0 < first < second or not path and first & (first - 1) != 0:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def main(proof_file: str, key: str) -> str:
    proof = json.loads(Path(proof_file).read_text(encoding="utf-8"))
    key_text = Path(key).read_text() if Path(key).is_file() else key
    name, public = read_key(key_text)
    if "inclusion_path" in proof:
        size, root = checkpoint_root(proof["checkpoint"], name, public)
        if "event" in proof:  # a case file's or certificate's proof carries what was logged
            canonical = json.dumps(proof["event"], sort_keys=True, separators=(",", ":"))
            if hashlib.sha256(canonical.encode()).hexdigest() != proof["event_hash"]:
                raise ValueError("the event's content does not have the event hash")
        leaf = sha256(b"\x00" + bytes.fromhex(proof["event_hash"]))
        path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
        if size != proof["tree_size"] or root_from_inclusion(leaf, proof["leaf_index"], size, path) != root:
            raise ValueError("the event is not in the signed tree")
        event = proof.get("event", {})
        what = f"event {event['seq']} ({event['action']}) of the request" if event else "the event"
        return f"OK: {what} is entry {proof['leaf_index']} of the log's signed tree of {size} entries."
    first_size, first_root = checkpoint_root(proof["first_checkpoint"], name, public)
    second_size, second_root = checkpoint_root(proof["second_checkpoint"], name, public)
    path = [bytes.fromhex(h) for h in proof["consistency_path"]]
    if not consistency_holds(first_size, second_size, first_root, second_root, path):
        raise ValueError("the later tree does not extend the earlier one")
    return f"OK: the log's tree of {second_size} entries extends its tree of {first_size}."


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        print(main(sys.argv[1], sys.argv[2]))
    except (ValueError, KeyError, json.JSONDecodeError) as error:
        sys.exit(f"NOT VERIFIED: {error}")
