"""Pieces of a desk page kept rendered by the process, for the forms that come out the
same for every request with the same inputs: their widgets render through a template
each (dozens per form), which cost the queue more than its rows.

The caller names everything the piece is made from in its key (the language is added
here); a piece whose input cannot be named (a search text, a bound form with errors) is
rendered each time (key None). Kept in this process only: a new release starts empty.
"""

import threading
from collections import OrderedDict

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

KEPT_MAX = 512
_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def rendered(template_name: str, context: dict, key: tuple | None) -> SafeString:
    if key is None:
        return render_to_string(template_name, context)
    full_key = (template_name, get_language(), *key)
    with _lock:
        found = _kept.get(full_key)
        if found is not None:
            _kept.move_to_end(full_key)
            return found
    html = render_to_string(template_name, context)
    with _lock:
        _kept[full_key] = html
        while len(_kept) > KEPT_MAX:
            _kept.popitem(last=False)
    return html
