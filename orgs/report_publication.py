"""The owner's choice of what the public transparency report shows: read and change it.

Reading never creates a row (an organisation that never chose publishes nothing);
`set_publication` writes the choice and its ReportPublicationChange together, so the
history says who changed what and when. Whether a report is published is asked here,
separately from building it (requests_app.reports.figures builds any report for whoever
may read it: the owner's preview, a regulator).
"""

from django.db import transaction
from django.utils import timezone

from orgs.models import Organisation, ReportPublication, ReportPublicationChange, ReportSection


def publication_of(organisation: Organisation) -> ReportPublication:
    """The saved choice, or the default one (not published, every section) unsaved."""
    found = ReportPublication.objects.filter(organisation=organisation).first()
    return found or ReportPublication(organisation=organisation)


def published_sections(organisation: Organisation) -> frozenset[str] | None:
    """The sections of the published report, or None when the organisation publishes none."""
    found = ReportPublication.objects.filter(organisation=organisation, published=True).first()
    return found.sections if found is not None else None


def set_publication(organisation: Organisation, *, user, published: bool, sections) -> ReportPublication:
    """Save the choice (`sections`: ReportSection values to show) and record the change.
    Idempotent in effect; a save that changes nothing records nothing."""
    sections = frozenset(str(s) for s in sections) & frozenset(ReportSection.values)
    with transaction.atomic():
        publication, _created = ReportPublication.objects.select_for_update().get_or_create(organisation=organisation)
        if not _created and publication.published == published and publication.sections == sections:
            return publication
        publication.published = published
        publication.show_refusal_grounds = ReportSection.REFUSAL_GROUNDS in sections
        publication.show_response_times = ReportSection.RESPONSE_TIMES in sections
        publication.show_compensation = ReportSection.COMPENSATION in sections
        publication.updated_at, publication.updated_by = timezone.now(), user
        publication.save()
        ReportPublicationChange.objects.create(
            organisation=organisation, changed_at=publication.updated_at, changed_by=user, published=published,
            sections=sorted(sections),
        )
    return publication


def changes_of(organisation: Organisation, limit: int = 20) -> list[ReportPublicationChange]:
    return list(ReportPublicationChange.objects.filter(organisation=organisation)
                .select_related("changed_by")[:limit])
