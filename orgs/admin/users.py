"""The users' admin, with the administrators' unlock: an action that ends a sign-in
lock-out for each selected user (orgs/accounts/lockout.py) and records who did it, when
and for whom in the admin's history (LogEntry), so the unlock is on the record."""

import logging

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs.accounts.lockout import unlock_username

log = logging.getLogger("rightsdesk.signin")
User = get_user_model()


class RightsdeskUserAdmin(UserAdmin):
    actions = (*(UserAdmin.actions or ()), "unlock_sign_in")

    @admin.action(description=_("Unlock sign-in (end a lock-out after failed attempts)"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        unlocked = 0
        for user in queryset:
            cleared = unlock_username(user.get_username())
            self.log_change(request, user, gettext(
                "Unlocked sign-in: %(count)d failed-attempt record(s) cleared.") % {"count": cleared})
            log.info("sign-in unlocked user=%s by=%s records=%s", user.pk, request.user.pk, cleared)
            unlocked += 1
        self.message_user(request, ngettext(
            "%(count)d user can sign in again; the unlock is recorded in their history.",
            "%(count)d users can sign in again; each unlock is recorded in their history.",
            unlocked,
        ) % {"count": unlocked}, messages.SUCCESS)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RightsdeskUserAdmin)
