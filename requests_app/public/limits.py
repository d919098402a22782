"""Rate limits of the public pages and the citizens' API, written once so both count in the
same buckets: moving between the pages and the API buys no tries.

A whole housing estate can sit behind one address (one NAT, one mobile carrier's gateway),
so the address is limited loosely, and what identifies one person (their email or phone,
counted by keyed hash, never stored in the clear) and one submission is limited tightly.
Only a real attempt counts: a form sent back with errors and then corrected is not a new
one, so the pages count after validation, not on every POST.
"""

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited

from django.core.exceptions import ValidationError

from orgs.identifiers import IdentifierKind, identifier_hash, normalise

ADDRESS = "300/h"  # loose: several hundred people behind one address
PERSON = "5/h"  # tight: one person filing or asking for links again and again
SUBMISSION_CODES = "30/h"  # code checks of one submission (each code also locks after five wrong)
SUBMISSION_RESENDS = "10/h"
REFERENCE = "10/h"  # link look-ups naming one reference

SUBMIT, VERIFY, RESEND, LOOKUP = "public.submit", "public.verify", "public.resend", "public.lookup"


class Limited(Ratelimited):
    """Too many attempts; `wait` is the seconds until the fullest bucket empties."""

    def __init__(self, wait: int = 0):
        super().__init__(_("Too many attempts."))
        self.wait = max(int(wait), 1)


def person_keys(email: str = "", phone: str = "", region: str | None = None) -> list[str]:
    """One key per way the person can be reached, however it is written (case, spaces,
    punctuation, with or without the country code); hashed so no address or number lands
    in the cache. `region`: the organisation's numbering (orgs.identifiers.PHONE_REGION), as intake
    reads the phone; a number that does not read as one is keyed by its digits."""
    keys = []
    email = (email or "").strip().lower()
    digits = "".join(c for c in (phone or "") if c.isdigit())
    if email:
        keys.append("e:" + identifier_hash(IdentifierKind.EMAIL, email))
    if digits:
        try:  # "+86 138…", "0086 138…" and "138…" are one phone, as intake stores it
            number = normalise(IdentifierKind.PHONE, phone, region=region)
        except ValidationError:
            number = digits
        keys.append("p:" + identifier_hash(IdentifierKind.PHONE, number))
    return keys


def _fixed(value: str):
    return lambda _group, _request: value


def attempt(request, group: str, *, address: str = ADDRESS, keys: tuple[tuple[str, str], ...] = (),
            count: bool = True) -> None:
    """Raise Limited if the address or any (key, rate) bucket is full; otherwise count this
    attempt in each (unless `count` is False: a look without spending a try).

    `request` is Django's HttpRequest (the API passes `request._request`).
    """
    buckets = [("ip", address)] + [(_fixed(key), rate) for key, rate in keys if key]
    full = []
    for key, rate in buckets:
        usage = get_usage(request, group=group, key=key, rate=rate)
        if usage is not None and usage["count"] >= usage["limit"]:
            full.append(usage["time_left"])
    if full:
        raise Limited(max(full))
    if count:
        spend(request, group, address=address, keys=keys)


def spend(request, group: str, *, address: str = ADDRESS, keys: tuple[tuple[str, str], ...] = ()) -> None:
    """Count one attempt in the address's and each key's bucket (after `attempt(count=False)`
    let it through and it turned out to be a real one)."""
    for key, rate in [("ip", address)] + [(_fixed(key), rate) for key, rate in keys if key]:
        get_usage(request, group=group, key=key, rate=rate, increment=True)


def wait_in_words(seconds: int) -> str:
    """"3 minutes", "1 hour": how long to wait, rounded up, as a person says it."""
    minutes = max(math.ceil(seconds / 60), 1)
    if minutes < 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
