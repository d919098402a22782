"""Who performs a workflow step: an organisation's member, the data subject, or the system."""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser

from orgs.models import Membership, Organisation


class ActorKind(StrEnum):
    USER = "user"
    SUBJECT = "subject"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user: AbstractBaseUser | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    def role_in(self, organisation: Organisation) -> str | None:
        """The member's role in the organisation, or None if not a member (or not a user)."""
        if self.user is None:
            return None
        return (
            Membership.objects.filter(user=self.user, organisation=organisation)
            .values_list("role", flat=True)
            .first()
        )


SUBJECT = Actor(ActorKind.SUBJECT)
SYSTEM = Actor(ActorKind.SYSTEM)


def member(user: AbstractBaseUser) -> Actor:
    return Actor(ActorKind.USER, user)
