"""Django's makemessages, also finding strings marked `_l(...)` (gettext_lazy imported as `_l`,
as orgs/accounts/passkey_views.py does), which xgettext misses otherwise:
the desk's step labels were never offered for translation."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
