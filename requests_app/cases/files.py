"""A request's files on disk: named by the SHA-256 of their content, and stored before
the transaction that writes the rows naming them.

Every file a request gets (the requester's evidence and authorisations, an export of
their records, the file a system owner gives them) goes through `store` first, with no
transaction open, and only then does the step lock the request and save the
`Attachment` row (`attachment`). So no row lock is held while the disk (or a network
volume) works, and a rollback never leaves a row pointing at a file that is not there.

A file stored for a step that is then refused (a wrong state, a lost race, a rolled
back transaction) stays on disk with no row naming it. That is harmless: its name is
its content's hash, so the next store of the same bytes finds it and writes nothing,
and no other content can take that name. Files are shared by content (two requests
with the same file name one copy): whatever deletes files one day deletes only those
no row names any more.
"""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile, File

from requests_app.models import Attachment, RightsRequest

DIRECTORY = "attachments"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file on disk under its hash, not yet named by any row."""

    name: str  # in the attachments' storage, e.g. attachments/ab/ab12...
    sha256: str
    size: int
    original_name: str
    content_type: str


def _storage():
    return Attachment._meta.get_field("file").storage


def _digest(content: File) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _holds(storage, name: str, sha256: str) -> bool:
    """Whether `name` is there with exactly these bytes (not a write cut short)."""
    if not storage.exists(name):
        return False
    with storage.open(name, "rb") as existing:
        return _digest(File(existing))[0] == sha256


def store(content: File | bytes, *, original_name: str, content_type: str = "") -> StoredFile:
    """Write `content` (an upload, or bytes) under its SHA-256 unless those bytes are
    there already. Call it before any transaction: it reads and writes the disk.

    Idempotent: storing the same bytes again writes nothing and returns the same name.
    A file found under the name with other bytes (a write cut short by a crash, or one
    still under way in another process) is left alone and these bytes go beside it
    under the storage's next free name."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    sha256, size = _digest(content)
    name = f"{DIRECTORY}/{sha256[:2]}/{sha256}"
    storage = _storage()
    if not _holds(storage, name, sha256):
        content.seek(0)
        name = storage.save(name, content)
    # The sender's claim; one the column cannot hold is no use to anyone: a plain download.
    if not content_type or len(content_type) > Attachment._meta.get_field("content_type").max_length:
        content_type = "application/octet-stream"
    return StoredFile(name=name, sha256=sha256, size=size, original_name=original_name[:255],
                      content_type=content_type)


def store_upload(upload: File) -> StoredFile:
    """`store` for an uploaded file: its name and claimed type come with it."""
    return store(upload, original_name=upload.name or "", content_type=getattr(upload, "content_type", "") or "")


def attachment(rights_request: RightsRequest, stored: StoredFile, *, purpose: str, **fields) -> Attachment:
    """The (unsaved) row naming a stored file; the step saves it under its lock."""
    return Attachment(
        request=rights_request, purpose=purpose, file=stored.name, original_name=stored.original_name,
        content_type=stored.content_type, size=stored.size, sha256=stored.sha256, **fields,
    )
