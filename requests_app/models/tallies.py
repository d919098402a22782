"""How often an organisation's closed requests have changed: the key under which the desk
keeps their tallies (requests_app/cases/closed_tallies.py)."""

from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class ClosedRequestsVersion(models.Model):
    """Bumped in the transaction of every step that closes or reopens one of the
    organisation's requests (workflow.transitions.transition): a reader that sees the
    same number sees the same closed requests."""

    organisation = models.OneToOneField("orgs.Organisation", on_delete=models.CASCADE, primary_key=True,
                                        related_name="+", verbose_name=_("organisation"))
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("closed requests' version")
        verbose_name_plural = _("closed requests' versions")

    def __str__(self):
        return f"{self.organisation_id}: {self.version}"

    @classmethod
    def bump(cls, organisation_id: int) -> None:
        """One more; the row is created on the first change (one statement, no read first)."""
        table = cls._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, version) VALUES (%s, 1) "
                f"ON CONFLICT (organisation_id) DO UPDATE SET version = {table}.version + 1",
                [organisation_id],
            )

    @classmethod
    def of(cls, organisation_id: int) -> int:
        found = cls.objects.filter(organisation_id=organisation_id).values_list("version", flat=True).first()
        return found or 0
