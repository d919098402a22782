"""Rate limits of the public pages and the citizens' API, written once so both count in the
same buckets: moving between the pages and the API buys no tries.

A whole housing estate can sit behind one address (one NAT, one mobile carrier's gateway),
so the address is limited loosely, and what identifies one person (their email or phone,
counted by keyed hash, never stored in the clear) and one submission is limited tightly.
Only a real attempt counts: a form sent back with errors and then corrected is not a new
one, so the pages count after validation, not on every POST; an attempt that then turns
out not to be one (the intake refused its input) is given back with `refund`.

Fixed windows, as django-ratelimit counts them (each key's window ends at its own jittered
second). On Redis, the buckets of one attempt are looked at and counted in one call: a
script that counts in none of them if any is full, on one pooled client per process. On
another cache (the embedded `make run`), the cache's own add and incr. If the cache cannot
be reached the attempt goes through, logged: the limits guard against floods, and a
request filed is worth more than a count lost.
"""

import hashlib
import logging
import math
import time
import zlib
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.exceptions import Ratelimited

from orgs.client_address import client_address
from orgs.identifiers import IdentifierKind, identifier_hash, normalise

logger = logging.getLogger(__name__)

ADDRESS = "300/h"  # loose: several hundred people behind one address
PERSON = "5/h"  # tight: one person filing or asking for links again and again
SUBMISSION_CODES = "30/h"  # code checks of one submission (each code also locks after five wrong)
SUBMISSION_RESENDS = "10/h"
REFERENCE = "10/h"  # link look-ups naming one reference

SUBMIT, VERIFY, RESEND, LOOKUP = "public.submit", "public.verify", "public.resend", "public.lookup"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Limited(Ratelimited):
    """Too many attempts; `wait` is the seconds until the fullest bucket empties."""

    def __init__(self, wait: int = 0):
        super().__init__(_("Too many attempts."))
        self.wait = max(int(wait), 1)


@dataclass(frozen=True)
class Bucket:
    key: str  # the cache key of this window
    limit: int
    ends_at: int  # the window's last second, epoch


def _bucket(group: str, value: str, rate: str, now: int) -> Bucket:
    count, unit = rate.split("/")
    period = PERIODS[unit]
    digest = hashlib.sha256(f"{group}|{rate}|{value}".encode()).hexdigest()[:32]  # no address in the cache
    ends_at = now - now % period + zlib.crc32(digest.encode()) % period
    if ends_at < now:
        ends_at += period
    return Bucket(key=f"rl:{digest}:{ends_at}", limit=int(count), ends_at=ends_at)


def _buckets(request, group: str, address: str, keys) -> list[Bucket]:
    now = int(time.time())
    return ([_bucket(group, "ip:" + client_address(request), address, now)]
            + [_bucket(group, key, rate, now) for key, rate in keys if key])


# Look at every bucket; if none is full, count the attempt in each (ARGV[1] == "1"). Returns
# the positions (1-based) of the full ones. Atomic: two attempts racing cannot both take
# the last try.
_ATTEMPT = """
local full = {}
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i]) then table.insert(full, i) end
end
if #full == 0 and ARGV[1] == '1' then
  for i, key in ipairs(KEYS) do
    if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[2 * i + 1]) end
  end
end
return full
"""
_REFUND = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""
_clients: dict[str, tuple[redis.Redis, object, object]] = {}


def _redis(cache) -> tuple[redis.Redis, object, object] | None:
    """This process's pooled client of the cache's Redis, with the two scripts; None off Redis."""
    if not isinstance(cache, RedisCache):
        return None
    location = cache._servers[0]
    if location not in _clients:
        client = redis.Redis.from_url(location, socket_timeout=2, socket_connect_timeout=2)
        _clients[location] = (client, client.register_script(_ATTEMPT), client.register_script(_REFUND))
    return _clients[location]


def _full(buckets: list[Bucket], count: bool) -> list[Bucket]:
    """The full buckets; if there are none and `count`, the attempt counted in every bucket."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return []
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    now = int(time.time())
    try:
        found = _redis(cache)
        if found is not None:
            _client, attempt_script, _refund = found
            keys = [cache.make_key(b.key) for b in buckets]
            args = ["1" if count else "0"]
            for b in buckets:
                args += [b.limit, b.ends_at - now + 5]
            return [buckets[i - 1] for i in attempt_script(keys=keys, args=args)]
        counts = cache.get_many([b.key for b in buckets])
        full = [b for b in buckets if counts.get(b.key, 0) >= b.limit]
        if not full and count:
            for b in buckets:
                if not cache.add(b.key, 1, b.ends_at - now + 5):
                    cache.incr(b.key)
        return full
    except (redis.RedisError, ValueError, OSError):
        logger.warning("rate-limit cache unreachable; the attempt is let through", exc_info=True)
        return []


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


def attempt(request, group: str, *, address: str = ADDRESS, keys: tuple[tuple[str, str], ...] = (),
            count: bool = True) -> None:
    """Raise Limited if the address's or any (key, rate) bucket is full; otherwise count this
    attempt in each (unless `count` is False: a look without spending a try). One call to
    the cache.

    `request` is Django's HttpRequest (the API passes `request._request`).
    """
    buckets = _buckets(request, group, address, keys)
    full = _full(buckets, count)
    if full:
        now = int(time.time())
        raise Limited(max(b.ends_at - now for b in full))


def refund(request, group: str, *, address: str = ADDRESS, keys: tuple[tuple[str, str], ...] = ()) -> None:
    """Give back an attempt counted by `attempt` that turned out not to be a real one."""
    buckets = _buckets(request, group, address, keys)
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    try:
        found = _redis(cache)
        if found is not None:
            found[2](keys=[cache.make_key(b.key) for b in buckets])
            return
        for b in buckets:
            if cache.get(b.key, 0) > 0:
                cache.decr(b.key)
    except (redis.RedisError, ValueError, OSError):
        logger.warning("rate-limit cache unreachable; an attempt was not given back", exc_info=True)


def spend(request, group: str, *, address: str = ADDRESS, keys: tuple[tuple[str, str], ...] = ()) -> None:
    """Count one attempt in the address's and each key's bucket, full or not (an attempt
    made elsewhere that counts here too)."""
    buckets = _buckets(request, group, address, keys)
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    now = int(time.time())
    try:
        for b in buckets:
            if not cache.add(b.key, 1, b.ends_at - now + 5):
                cache.incr(b.key)
    except (redis.RedisError, ValueError, OSError):
        logger.warning("rate-limit cache unreachable; an attempt was not counted", exc_info=True)


def wait_in_words(seconds: int) -> str:
    """"3 minutes", "1 hour": how long to wait, rounded up, as a person says it."""
    minutes = max(math.ceil(seconds / 60), 1)
    if minutes < 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
