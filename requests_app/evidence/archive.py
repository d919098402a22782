"""The ZIP of a bundle, the same bytes for the same members: fixed order (as added),
fixed times and modes, and a manifest of every member's size and SHA-256, signed with the
transparency log's Ed25519 key (a detached signature beside it, `manifest.sig`).

Members are written as they come, a stored file streamed in chunks (never read whole),
so a bundle's memory is one chunk plus the ZIP's directory; the caller picks where the
ZIP goes (a spooled temporary file on the desk).
"""

import base64
import hashlib
import json
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder

from requests_app.transparency import heads

FORMAT = "rightsdesk-evidence/1"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
# Every member's time: the earliest a ZIP can state (times of building would change the bytes).
EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK = 1024 * 1024


def as_json(value) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, wherever it is built
    info.external_attr = 0o644 << 16
    return info


@dataclass
class Bundle:
    """A ZIP being written to `out`; `finish` adds the signed manifest and closes it."""

    out: object
    members: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.zip = zipfile.ZipFile(self.out, "w")

    def add(self, name: str, data: bytes | str) -> dict:
        data = data.encode() if isinstance(data, str) else data
        self.zip.writestr(_info(name), data)
        return self._listed(name, len(data), hashlib.sha256(data).hexdigest())

    def add_json(self, name: str, value) -> dict:
        return self.add(name, as_json(value))

    def add_stream(self, name: str, source) -> dict:
        """A file read in chunks from `source` (an open binary file)."""
        digest, size = hashlib.sha256(), 0
        with self.zip.open(_info(name), "w") as member:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
        return self._listed(name, size, digest.hexdigest())

    def _listed(self, name: str, size: int, sha256: str) -> dict:
        if any(member["name"] == name for member in self.members):
            raise ValueError(f"{name} is in the bundle already")
        entry = {"name": name, "size": size, "sha256": sha256}
        self.members.append(entry)
        return entry

    def finish(self, **about) -> str:
        """Write the manifest (`about` and every member) and its signature; returns the
        manifest's SHA-256, which names this bundle."""
        manifest = as_json({"format": FORMAT, **about, "log_key": heads.verifier_key(), "members": self.members})
        self.zip.writestr(_info(MANIFEST), manifest)
        self.zip.writestr(_info(SIGNATURE), base64.b64encode(heads.sign_detached(manifest)).decode() + "\n")
        self.zip.close()
        return hashlib.sha256(manifest).hexdigest()
