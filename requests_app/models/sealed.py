"""Sealed texts: the purgeable words of a request's history, encrypted under the person's key.

An event's `data` is append-only and covered by its hash (requests_app/transparency/audit.py), so
nothing written into it can ever be taken out. Yet some of it is personal data that
must go when the case's contact details are purged: free texts typed about the person
and contact details sent back by other systems. Those values are written *sealed*, under
a key of the person's own, and the contact purge destroys that key (crypto-shredding):
the event, its hash and the chain stay exactly as written, and the texts are gone.

What is sealed: the values at the paths of `SEALED[action]` ("*" is every item of a
list); empty values (None, "") are left as they are. Today:

- verify, verify_next_of_kin: `check_performed` (the officer's words on the identity check)
- approve: `note`; refuse: `reason`; extend: `reason`
- record_task_outcome: the outcome's `note` (a webhook's callback text), `internal_note`,
  and each record's `reason`, `detail` (what was corrected, the law that keeps it) and
  `external_id` (how another system knows the person: often their email or number)
- erase_record: `reason`
- record_payment: `reference`, `difference_reason`; close_claim: `note`
- provide_alternative: `details` (how the person uses the other way in: a card number...);
  confirm_alternative, alternative_not_working: the person's `comment`;
  close_unconfirmed_alternative: the officer's `note`

Left in clear on purpose: codes, ids, amounts, dates, statuses, the refusal's legal
ground (a statement of law, not about the person), the system's own error texts.

The envelope: a sealed value is replaced, where it stood, by

    {"sealed": "v1.<base64url(12-byte nonce + AES-256-GCM ciphertext)>"}

the ciphertext of the value's JSON under the person's key, with the request's id as
associated data (an envelope copied into another request does not open). The event hash
covers the envelope, so the hash chain and anything built on `event.hash` are unchanged.
A value sealed for a person whose key was already destroyed is not kept at all:
`{"sealed": ""}` (nothing new about a purged person outlives the purge).

The key (models.SubjectKey): 32 random bytes per DataSubject, created on first use, stored
wrapped by MultiFernet under settings.SUBJECT_WRAPPING_KEYS (the first wraps, every one
unwraps; `manage.py rotate_subject_keys` re-wraps). `destroy_key` empties it for good.

Reading: `opened(event)` (also `event.opened`) is the event's data with each envelope
replaced by its value, or by the translatable REMOVED marker once the key is destroyed, or
UNREADABLE when a key exists but does not open it (a wrapping key dropped too early, an
altered envelope). `open_events(events)` opens a list with one query. Every reader (desk
timeline, case file, status page, mails, letters, admin, API) shows `opened`, never `data`.

Events written before sealing existed hold their texts in clear and keep them.
"""

import base64
import json
import os
from collections.abc import Callable, Iterable

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.events import RequestEvent
from requests_app.models.requests import RightsRequest, SubjectKey

ENVELOPE = "sealed"
VERSION = "v1."
KEY_BYTES = 32
NONCE_BYTES = 12

SEALED: dict[str, tuple[str, ...]] = {
    "verify": ("check_performed",),
    "verify_next_of_kin": ("check_performed",),
    "approve": ("note",),
    "refuse": ("reason",),
    "extend": ("reason",),
    "record_task_outcome": (
        "outcome.note", "outcome.internal_note",
        "outcome.records.*.reason", "outcome.records.*.detail", "outcome.records.*.external_id",
    ),
    "erase_record": ("reason",),
    "record_payment": ("reference", "difference_reason"),
    "close_claim": ("note",),
    "provide_alternative": ("details",),
    "confirm_alternative": ("comment",),
    "alternative_not_working": ("comment",),
    "close_unconfirmed_alternative": ("note",),
}

REMOVED = _("[removed when the contact details were purged]")
UNREADABLE = _("[sealed text that cannot be opened]")


class _Gone:
    """The key state of a person whose key was destroyed (or never made)."""


class _Broken:
    """The key state of a person whose wrapped key no configured wrapping key opens."""


GONE, BROKEN = _Gone(), _Broken()


# --- the person's key ---------------------------------------------------------------------


def _wrapping() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.SUBJECT_WRAPPING_KEYS])


def _unwrap(wrapped) -> bytes | _Broken:
    try:
        key = _wrapping().decrypt(bytes(wrapped))
    except InvalidToken:
        return BROKEN
    return key if len(key) == KEY_BYTES else BROKEN


def _key_for_writing(subject_id: int) -> bytes | _Gone | _Broken:
    """The person's key, made now if they have none (INSERT ... ON CONFLICT DO NOTHING, so
    two requests of the same person sealing at once end with one key); GONE once destroyed."""
    row = SubjectKey.objects.filter(subject_id=subject_id).values_list("wrapped", "destroyed_at").first()
    if row is None:
        fresh = SubjectKey(subject_id=subject_id, wrapped=_wrapping().encrypt(os.urandom(KEY_BYTES)))
        SubjectKey.objects.bulk_create([fresh], ignore_conflicts=True)
        row = SubjectKey.objects.filter(subject_id=subject_id).values_list("wrapped", "destroyed_at").get()
    wrapped, destroyed_at = row
    return GONE if destroyed_at is not None else _unwrap(wrapped)


def destroy_key(subject_id: int) -> None:
    """Destroy the person's key for good, in the caller's transaction: every text sealed
    under it becomes unreadable, and nothing is sealed for them again. A person who never
    had a key gets a destroyed one, so none is made later. Idempotent."""
    # The tombstone first: a key being made at this moment for the same person then waits
    # for this transaction and finds it destroyed, instead of surviving the purge.
    now = timezone.now()
    SubjectKey.objects.bulk_create([SubjectKey(subject_id=subject_id, wrapped=b"", destroyed_at=now)],
                                   ignore_conflicts=True)
    SubjectKey.objects.filter(subject_id=subject_id, destroyed_at__isnull=True).update(wrapped=b"", destroyed_at=now)


def rewrap(wrapped) -> bytes:
    """The wrapped key re-wrapped under the first wrapping key; InvalidToken if none opens it."""
    return _wrapping().rotate(bytes(wrapped))


# --- sealing --------------------------------------------------------------------------------


def _aad(request_id: int) -> bytes:
    return f"rightsdesk-sealed/1:request:{request_id}".encode()


def _seal_value(value, key, request_id: int) -> dict:
    if not isinstance(key, bytes):
        return {ENVELOPE: ""}  # the person was purged (or their key is unusable): keep nothing
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    token = base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, _aad(request_id))).decode()
    return {ENVELOPE: VERSION + token}


def _at(value, parts: list[str], change: Callable):
    """`value` with `change` applied at the path `parts` (a copy; absent paths untouched)."""
    if not parts:
        return change(value)
    head, rest = parts[0], parts[1:]
    if head == "*":
        return [_at(item, rest, change) for item in value] if isinstance(value, list) else value
    if isinstance(value, dict) and head in value:
        return {**value, head: _at(value[head], rest, change)}
    return value


def is_envelope(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(ENVELOPE), str)


def seal_event_data(rights_request: RightsRequest, action: str, data: dict) -> dict:
    """`data` with the purgeable values of `action` sealed under the person's key (made on
    first use: this may write a SubjectKey row in the caller's transaction). A copy;
    `data` itself is not changed. No query when there is nothing to seal."""
    key = None

    def seal(value):
        nonlocal key
        if value is None or value == "" or is_envelope(value):
            return value
        if key is None:
            key = _key_for_writing(rights_request.subject_id)
        return _seal_value(value, key, rights_request.pk)

    for path in SEALED.get(action, ()):
        data = _at(data, path.split("."), seal)
    return data


# --- opening --------------------------------------------------------------------------------


def _has_envelope(value) -> bool:
    if is_envelope(value):
        return True
    if isinstance(value, dict):
        return any(_has_envelope(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_envelope(v) for v in value)
    return False


def _open_value(envelope: dict, key, request_id: int):
    token = envelope[ENVELOPE]
    if key is GONE or token == "":
        return REMOVED
    if key is BROKEN or not token.startswith(VERSION):
        return UNREADABLE
    try:
        raw = base64.urlsafe_b64decode(token[len(VERSION):])
        plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(request_id))
        return json.loads(plaintext)
    except (InvalidTag, ValueError):
        return UNREADABLE


def _open(value, key, request_id: int):
    if is_envelope(value):
        return _open_value(value, key, request_id)
    if isinstance(value, dict):
        return {name: _open(item, key, request_id) for name, item in value.items()}
    if isinstance(value, list):
        return [_open(item, key, request_id) for item in value]
    return value


def _keys_by_request(request_ids: Iterable[int]) -> dict[int, bytes | _Gone | _Broken]:
    rows = SubjectKey.objects.filter(subject__requests__pk__in=set(request_ids)).values_list(
        "subject__requests__pk", "wrapped", "destroyed_at"
    )
    return {request_id: GONE if destroyed_at is not None else _unwrap(wrapped)
            for request_id, wrapped, destroyed_at in rows}


_CACHE = "_sealed_opened"


def open_events(events: Iterable[RequestEvent]) -> None:
    """Open every event of `events` (any requests) with one query for their keys; each
    event's `opened` is then ready. Events without sealed values cost nothing."""
    events = list(events)
    waiting = [e for e in events if _CACHE not in e.__dict__ and _has_envelope(e.data)]
    keys = _keys_by_request(e.request_id for e in waiting) if waiting else {}
    for event in events:
        if _CACHE not in event.__dict__:
            event.__dict__[_CACHE] = event.data  # nothing sealed: the data itself
    for event in waiting:
        event.__dict__[_CACHE] = _open(event.data, keys.get(event.request_id, GONE), event.request_id)


def opened_events(events: Iterable[RequestEvent]) -> list[RequestEvent]:
    """`events` as a list, opened (open_events)."""
    events = list(events)
    open_events(events)
    return events


def opened(event: RequestEvent) -> dict:
    """The event's data as readers show it: sealed values opened, or REMOVED / UNREADABLE."""
    if _CACHE not in event.__dict__:
        open_events([event])
    return event.__dict__[_CACHE]


def opened_data(data: dict, request_id: int) -> dict:
    """Open `data` written for request `request_id` (an event's data kept elsewhere)."""
    if not _has_envelope(data):
        return data
    return _open(data, _keys_by_request([request_id]).get(request_id, GONE), request_id)


def is_removed(value) -> bool:
    return value is REMOVED
