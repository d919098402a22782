"""A small, seeded form fuzzer: for one form's fields, the posts a careless or hostile
client sends (nothing, a field missing, wrong types, huge values, odd unicode, fields
that do not exist), and a fingerprint of everything stored, to show that a refused post
changed nothing.

Deterministic: every choice comes from random.Random(seed), the seed named by the test.
Each post runs in a savepoint that is rolled back, so every payload meets the same state
and a fuzz of many posts needs one set-up.
"""

import hashlib
import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib.messages import constants, get_messages
from django.db import connection, transaction

from tests.public.pages import page

SEED = 20261202

# Values no form should take at face value.
WRONG_TYPED = ["not-a-number", "-1", "0", "1e309", "NaN", "-Infinity", "0x1F", "9" * 40, "1.0000000001",
               "9999-99-99", "2026-02-30T25:61", "true", "None", "null", "[]", "{}", "../../etc/passwd",
               "00000000-0000-0000-0000-000000000000", "' OR 1=1 --", "<script>alert(1)</script>"]
OVERSIZED = ["x" * 100_000, "郭" * 20_000, "https://example.com/" + "a" * 10_000, "9" * 5_000]
UNICODE = ["郭兵 👩‍👩‍👧 résumé", "\u202eevil\u202c", "a\x00b", "\x00", "\ufeff", "ＡＢＣ１２３", "İıŞş", "\r\n\t ",
           "\u0000\u0001\u001f", "😀" * 300, "\U0010fffd", "e\u0301\u0301\u0301"]
EMPTY = ["", " ", "\n"]
EXTRA = {"__proto__": "x", "id": "1", "pk": "1", "status": "fulfilled", "organisation": "1", "is_staff": "on",
         "csrfmiddlewaretoken": "nope", "unknown[]": "1"}


def plausible(field: forms.Field | None, choices: list[str] | None = None) -> str:
    """A value of the right type for the field (it may still be refused for other reasons)."""
    values = [str(value) for value in (choices or []) if str(value) != ""]
    if field is not None and not values and hasattr(field, "choices"):
        for value, _label in getattr(field.widget, "choices", None) or getattr(field, "choices", []):
            if isinstance(_label, list | tuple):  # an optgroup
                values += [str(v) for v, _ in _label]
            elif str(value) != "":
                values.append(str(getattr(value, "value", value)))
    if values:
        return values[0]
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "12"
    if isinstance(field, forms.EmailField):
        return "guo@example.com"
    if isinstance(field, forms.URLField):
        return "https://example.com/hooks"
    if isinstance(field, forms.DateTimeField):
        return "2026-12-01 10:00"
    if isinstance(field, forms.DateField):
        return "2026-12-01"
    return "Plausible words 1"


@dataclass(frozen=True)
class Payload:
    kind: str
    data: dict

    def __repr__(self):  # short in an assertion message: a 100 000-character value is not
        return f"{self.kind}:{ {k: (v[:40] + '…') if isinstance(v, str) and len(v) > 40 else v for k, v in self.data.items()} }"


def payloads(fields: dict[str, str], rng: random.Random) -> list[Payload]:
    """The posts for a form of `fields` (name -> a plausible value): empty, each kind of bad
    value in every field, one field missing from a plausible post, a plausible post with
    bad values mixed in, and extra fields. The first is always the empty post."""
    names = list(fields)
    made = [Payload("empty", {})]
    for kind, pool in (("wrong_typed", WRONG_TYPED), ("oversized", OVERSIZED), ("unicode", UNICODE),
                       ("blank", EMPTY)):
        data = {name: rng.choice(pool) for name in names}
        if names and rng.random() < 0.3:  # a list where one value is expected
            data[rng.choice(names)] = [rng.choice(pool), rng.choice(pool)]
        made.append(Payload(kind, data))
    if names:
        missing = rng.choice(names)
        made.append(Payload(f"missing_{missing}", {n: v for n, v in fields.items() if n != missing}))
        made.append(Payload("mixed", {n: rng.choice([v, rng.choice(WRONG_TYPED), rng.choice(UNICODE),
                                                     rng.choice(OVERSIZED)]) for n, v in fields.items()}))
    made.append(Payload("extra", {**fields, **EXTRA}))
    return made


def form_fields(form: forms.BaseForm) -> dict[str, str]:
    """name -> plausible value, for a Django form instance (file fields left out)."""
    return {name: plausible(field) for name, field in form.fields.items() if not isinstance(field, forms.FileField)}


def page_forms(response) -> list[tuple[str, dict[str, str]]]:
    """Every POST form of a page: (its action, name -> plausible value), as a browser would read it."""
    found = []
    for form in page(response).find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields: dict[str, list[str]] = {}
        for element in form.iter():
            name = element.get("name")
            if element.tag not in ("input", "select", "textarea") or not name or name == "csrfmiddlewaretoken":
                continue
            if element.tag == "input" and element.get("type") in ("file", "submit", "button", "image"):
                continue
            values = fields.setdefault(name, [])
            if element.tag == "select":
                values += [o.get("value", o.text) for o in element.find_all("option")]
            elif element.get("value"):
                values.append(element.get("value"))
        action = form.get("action") or response.wsgi_request.path
        found.append((action, {name: values[0] if values else "Plausible words 1" for name, values in fields.items()}))
    return found


# --- what is stored --------------------------------------------------------------------------

# Rows a refused post is meant to write: the failed sign-in counters (django-axes) and the
# second factor's throttle, the session (messages, the login's own bookkeeping).
COUNTERS = ("axes_", "django_session")
# Likewise the wrong codes counted against a requester's verification code, the time a
# status link was last used (every visit) and a user's last sign-in (the fuzz signs in anew).
COUNTER_COLUMNS = {"requests_app_statuslink": ("last_used_at",), "auth_user": ("last_login",),
                   "otp_totp_totpdevice": ("throttling_failure_timestamp", "throttling_failure_count", "last_t"),
                   "otp_static_staticdevice": ("throttling_failure_timestamp", "throttling_failure_count"),
                   "requests_app_verificationchallenge": ("attempts",)}


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table (bar the counters above), in one query."""
    tables = [t for t in connection.introspection.table_names() if not t.startswith(COUNTERS)]
    parts = []
    with connection.cursor() as cursor:
        for table in tables:
            skip = COUNTER_COLUMNS.get(table)
            row = f"(to_jsonb(t) - ARRAY[{', '.join(repr(c) for c in skip)}]::text[])::text" if skip else "t::text"
            parts.append(f"SELECT '{table}', md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) "
                         f"FROM \"{table}\" t")
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def error_message_queued(response) -> bool:
    """An error message this response queued (not one left unread by an earlier post)."""
    storage = get_messages(response.wsgi_request)
    return any(m.level >= constants.ERROR for m in storage._queued_messages)


@contextmanager
def rolled_back():
    """Whatever the post stores is undone afterwards: the next payload meets the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def fuzz(post: Callable[[Payload], object], sent: list[Payload], *, refused: Callable[[object], bool]) -> list[str]:
    """Post every payload; the problems found (a 5xx, an exception, a refusal that stored something)."""
    problems = []
    before = fingerprint()
    for payload in sent:
        with rolled_back():
            try:
                response = post(payload)
            except Exception as exc:  # the test client re-raises what would be a 500
                problems.append(f"{payload!r}: raised {exc!r}"[:600])
                continue
            if response.status_code >= 500:
                problems.append(f"{payload!r}: {response.status_code}")
            elif refused(response) and (diff := changed(before, fingerprint())):
                problems.append(f"{payload!r}: refused ({response.status_code}) but changed {diff}")
    return problems


def seeded(*names) -> random.Random:
    """One generator per test and form, the same on every run and every worker."""
    digest = hashlib.sha256("/".join(map(str, (SEED, *names))).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def shows_form_errors(response) -> bool:
    """The page shows a bound form with errors (the post was not taken)."""
    contexts = response.context if isinstance(response.context, list) else [response.context]
    return any(isinstance(value, forms.BaseForm) and value.is_bound and value.errors
               for context in contexts if context is not None for d in context.dicts for value in d.values())


def refused_form(response) -> bool:
    """A form post that did not go through: an error status, the form shown again with its
    errors, or a redirect carrying an error message (the requester's status page steps)."""
    return response.status_code >= 400 or shows_form_errors(response) or error_message_queued(response)


def fuzz_page(client, url: str, *names, before_post: Callable[[], None] = lambda: None) -> list[str]:
    """Every POST form of the page at `url`, fuzzed; each post from an address of its own
    (seeded), so rate limits per address do not hide what the form does."""
    before_post()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    found = page_forms(response)
    assert found, f"no form to fuzz on {url}"
    problems = []
    for index, (action, fields) in enumerate(found):
        rng = seeded(*names, url, index)

        def post(payload, action=action, rng=rng):
            before_post()
            address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            return client.post(action, payload.data, REMOTE_ADDR=address)

        problems += [f"{action}: {p}" for p in fuzz(post, payloads(fields, rng), refused=refused_form)]
    return problems
