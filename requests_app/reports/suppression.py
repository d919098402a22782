"""No figure of a public report may let a reader pick out one person.

The rule (stated on the page and in the downloads, in words from `rule_text`):

1. *Small counts*: a count from 1 to THRESHOLD - 1 is withheld. Zero is shown: it
   describes nobody.
2. *Complementary suppression*: counts come in lines, a total and the parts that add up
   to it (a row of the table, a column, the denials by ground). In a line whose total is
   shown, the withheld parts must be at least two and add up to at least THRESHOLD, and
   to more than their number (else each would be 1); otherwise the smallest count still
   shown in the line (a part, or the total itself) is withheld too. Lines are checked
   again until none changes, since withholding a cell for one line can expose it in the
   crossing one. Every withheld cell reads the same ("withheld"), so a reader cannot tell
   a small count from one withheld to protect it.
3. *Statistics* (days to respond, amounts paid) are withheld when computed over fewer
   than THRESHOLD requests or claims. A share (the on-time rate) whose late or on-time
   count is small is shown only as the bound that small count allows ("at least 96 %").
"""

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

THRESHOLD = 5

Line = tuple[Hashable, list[Hashable]]  # (the total's key, the parts' keys)


@dataclass(frozen=True)
class Cell:
    """One count of the report: its value, and whether it is withheld from the public."""

    value: int
    withheld: bool = False

    @property
    def shown(self) -> int | None:
        return None if self.withheld else self.value

    def __str__(self) -> str:
        return _("withheld") if self.withheld else str(self.value)


def small(value: int) -> bool:
    return 0 < value < THRESHOLD


def enough(n: int) -> bool:
    """Whether a statistic over `n` requests or claims may be shown."""
    return n >= THRESHOLD


def withheld_keys(values: dict[Hashable, int], lines: Iterable[Line]) -> set[Hashable]:
    """The keys of `values` to withhold: the small counts, then their complements."""
    lines = list(lines)
    hidden = {key for key, value in values.items() if small(value)}
    changed = True
    while changed:
        changed = False
        for total, parts in lines:
            if _exposed(values, hidden, total, parts):
                extra = _complement(values, hidden, [total, *parts])
                if extra is not None:
                    hidden.add(extra)
                    changed = True
    return hidden


def _exposed(values, hidden, total, parts) -> bool:
    members = [total, *parts]
    withheld = [key for key in members if key in hidden]
    if not withheld:
        return False
    if len(withheld) == 1:
        return True  # the one withheld cell is the total minus the rest, or their sum
    if total in hidden:
        return False  # two unknowns or more, and no known sum to pin them
    hidden_parts = [key for key in parts if key in hidden]
    # What a reader can work out: the withheld parts' sum (the total minus the parts shown).
    hidden_sum = sum(values[key] for key in hidden_parts)
    return hidden_sum < THRESHOLD or hidden_sum <= len(hidden_parts)


def _complement(values, hidden, members) -> Hashable | None:
    """The smallest count still shown in the line: a positive one first (a withheld 0 says
    nothing new), the total last among equals; None if every member is withheld."""
    shown = [key for key in members if key not in hidden]
    if not shown:
        return None
    positive = [key for key in shown if values[key] > 0]
    pool = positive or shown
    return min(pool, key=lambda key: (values[key], members.index(key) == 0))


@dataclass(frozen=True)
class Share:
    """A share (e.g. on time / answered) as far as the rule lets it be shown."""

    numerator: int
    denominator: int

    @property
    def text(self) -> str:
        """"97 %", "at least 96 %", "at most 4 %", or "withheld"."""
        n, d = self.numerator, self.denominator
        if not enough(d):
            return _("withheld")
        if small(d - n):  # fewer than THRESHOLD are outside: only the bound that allows
            return _("at least %(percent)s %%") % {"percent": math.floor(100 * (d - THRESHOLD + 1) / d)}
        if small(n):
            return _("at most %(percent)s %%") % {"percent": math.ceil(100 * (THRESHOLD - 1) / d)}
        return _("%(percent)s %%") % {"percent": self.percent}

    @property
    def percent(self) -> int | None:
        """The exact rate in whole per cent (half up), only when the rule allows it."""
        n, d = self.numerator, self.denominator
        if not enough(d) or small(d - n) or small(n):
            return None
        return (200 * n + d) // (2 * d)


def rule_text() -> list[str]:
    """The rule in the active language, one sentence a paragraph (page, CSV, JSON)."""
    return [
        _("No figure here may allow a single person to be picked out. A count from 1 to %(below)s is withheld; "
          "zero is shown.") % {"below": THRESHOLD - 1},
        _("Where a withheld count could be worked out from a total and the other counts of its row or column, "
          "the smallest other count is withheld too, until it cannot. Every withheld count reads the same, "
          "“withheld”: it is at least 1 and may be more than %(below)s.") % {"below": THRESHOLD - 1},
        _("Days to respond and amounts paid are withheld when computed over fewer than %(threshold)s requests or "
          "claims. An on-time rate with fewer than %(threshold)s requests late (or on time) is shown only as the "
          "bound that allows, e.g. “at least 96 %%”.") % {"threshold": THRESHOLD},
    ]
