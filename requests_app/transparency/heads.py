"""Signed tree heads as C2SP checkpoints (the signed-note format of Go's checksum
database, Sigsum and other transparency logs):

    <origin>
    <tree size>
    <root hash, base64>

    — <key name> <base64 of 4-byte key id and 64-byte Ed25519 signature>

The signing key is a file (settings.TRANSPARENCY_LOG_KEY_FILE), never a database row:
whoever owns the database can change rows but cannot sign a head. Each head is also
written to files outside the database (settings.TRANSPARENCY_LOG_DIR): `checkpoint`,
the newest, and `checkpoints`, every head in order, for anyone to copy and keep.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNATURE_DASH = "\u2014 "
ED25519_ALGORITHM = b"\x01"


class BadCheckpoint(ValueError):
    """Not a checkpoint of this log, or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def origin() -> str:
    return settings.TRANSPARENCY_LOG_ORIGIN


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALGORITHM + public_key).digest()[:4]


def _private_key() -> Ed25519PrivateKey:
    path = Path(settings.TRANSPARENCY_LOG_KEY_FILE)
    if settings.DEBUG and not path.exists():
        create_key(path)  # the embedded set-up makes its own, as it derives its other secrets
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"The log's signing key {path} does not exist; create it with `manage.py create_log_key`."
        ) from None
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


def create_key(path: Path) -> None:
    """Write a new Ed25519 key readable by its owner only; refuses to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(pem)


def public_key_bytes() -> bytes:
    return _private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key() -> str:
    """The public key as a note verifier key: `<name>+<key id hex>+<base64(0x01 || key)>`."""
    public = public_key_bytes()
    return f"{origin()}+{key_id(origin(), public).hex()}+{base64.b64encode(ED25519_ALGORITHM + public).decode()}"


def sign_detached(data: bytes) -> bytes:
    """The log key's Ed25519 signature of `data` (an evidence bundle's manifest,
    requests_app/evidence/): whoever checks the heads with public_key_bytes() can check it."""
    return _private_key().sign(data)


def sign(size: int, root: bytes) -> str:
    checkpoint = Checkpoint(origin(), size, root)
    key = _private_key()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = base64.b64encode(key_id(origin(), public) + key.sign(checkpoint.body.encode())).decode()
    return f"{checkpoint.body}\n{SIGNATURE_DASH}{origin()} {signature}\n"


def parse(text: str, public: bytes | None = None) -> Checkpoint:
    """The checkpoint in `text` if this log's key signed it; BadCheckpoint otherwise."""
    public = public if public is not None else public_key_bytes()
    body, separator, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) < 3:
        raise BadCheckpoint("not a signed checkpoint")
    try:
        checkpoint = Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True))
    except ValueError:
        raise BadCheckpoint("the size or root hash cannot be read") from None
    if checkpoint.origin != origin() or len(checkpoint.root) != 32 or checkpoint.size < 0:
        raise BadCheckpoint("a checkpoint of another log")
    verifier = Ed25519PublicKey.from_public_bytes(public)
    wanted_id = key_id(origin(), public)
    for line in signatures.splitlines():
        name, _space, blob = line.removeprefix(SIGNATURE_DASH).partition(" ")
        if not line.startswith(SIGNATURE_DASH) or name != origin():
            continue
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            continue
        if raw[:4] != wanted_id:
            continue
        try:
            verifier.verify(raw[4:], (body + "\n").encode())
        except InvalidSignature:
            raise BadCheckpoint("the signature does not verify with the log's key") from None
        return checkpoint
    raise BadCheckpoint("not signed with the log's key")


# --- the files outside the database -----------------------------------------------------

def log_dir() -> Path:
    return Path(settings.TRANSPARENCY_LOG_DIR)


def publish(checkpoint_text: str) -> None:
    """Append the head to `checkpoints` and make it the `checkpoint` (renamed into place,
    so a reader never sees half of one) unless a larger head got there first."""
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "checkpoints", "a", encoding="utf-8") as every_head:
        every_head.write(checkpoint_text + "\n")
    try:
        newest = int((directory / "checkpoint").read_text(encoding="utf-8").split("\n")[1])
    except (FileNotFoundError, IndexError, ValueError):
        newest = -1
    if int(checkpoint_text.split("\n")[1]) < newest:
        return
    temporary = directory / f".checkpoint.{os.getpid()}"
    temporary.write_text(checkpoint_text, encoding="utf-8")
    os.replace(temporary, directory / "checkpoint")


def published_checkpoints(path: Path | None = None) -> list[str]:
    """The heads in a file of checkpoints (blank-line separated pairs of blocks)."""
    path = path or log_dir() / "checkpoints"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    blocks = [block for block in text.split("\n\n") if block.strip()]
    # Each checkpoint is two blocks: the body, then its signature lines.
    return [f"{body.strip(chr(10))}\n\n{signature.strip(chr(10))}\n" for body, signature in zip(blocks[::2], blocks[1::2])]
