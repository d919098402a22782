"""The register of collection points and devices, and the impact assessments, with the
rules of orgs/register.py and orgs/assessments.py: forms validate through the models'
full_clean (which calls the rules), saves go through register.save_point / save_device
(which mark an assessment due for review when what it assessed changes), a device goes
live or is retired only by the actions (register.set_live / retire), and an assessment
cannot be deleted before its keep_until."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs import assessments, register
from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import Alternative, CollectionPoint, Device, DeviceStatus, ImpactAssessment, ReviewReminder


def _refusals(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- collection points, with their devices --------------------------------------------------


class CollectionPointForm(forms.ModelForm):
    alternatives = forms.MultipleChoiceField(
        choices=Alternative.choices, widget=forms.CheckboxSelectMultiple, required=False,
        label=_("alternatives offered"), help_text=_("The other ways to get in or be verified (Measures art. 10)."))

    class Meta:
        model = CollectionPoint
        fields = "__all__"


@zoned_times("live_since", model=Device)
class DeviceInline(admin.TabularInline):
    model = Device
    fk_name = "collection_point"
    fields = ("serial", "kind", "location", "modality", "template_storage", "encryption", "security_audit",
              "access_control", "intrusion_detection", "status", "live_since")
    readonly_fields = ("status", "live_since")
    extra = 0
    can_delete = False  # a planned device is deleted on its own page; a live one is retired
    show_change_link = True


@admin.register(CollectionPoint)
@zoned_times("created_at", "updated_at", model=CollectionPoint)
class CollectionPointAdmin(admin.ModelAdmin):
    form = CollectionPointForm
    inlines = (DeviceInline,)
    list_display = ("name", "organisation", "activity", "place_kind", "is_public_place", "alternatives_shown",
                    "has_signage_photo", "published")
    list_filter = ("place_kind", "is_public_place", "published", "organisation")
    search_fields = ("name", "name_zh", "site", "site_zh", "organisation__name")
    list_select_related = ("organisation", "activity")
    readonly_fields = ("public_id", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("organisation", "activity", "name", "name_zh", "published", "public_id")}),
        (_("Where"), {"fields": ("site", "site_zh", "place_kind", "is_public_place", "area",
                                 "public_safety_purpose")}),
        (_("Necessity and notice (Measures arts. 4, 5, 13)"), {"fields": ("necessity", "notice", "notice_zh",
                                                                          "signage_photo")}),
        (_("Alternatives (Measures art. 10)"), {"fields": ("alternatives", "alternatives_note")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("alternatives offered"))
    def alternatives_shown(self, obj):
        return obj.alternatives_display() or "—"

    @admin.display(description=_("photo of the sign"), boolean=True)
    def has_signage_photo(self, obj):
        return bool(obj.signage_photo)

    def save_model(self, request, obj, form, change):
        marked = register.save_point(obj)
        if marked:
            self.message_user(request, _("What the impact assessment assessed has changed: it is now due for review "
                                         "(Measures art. 9)."), messages.WARNING)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Device:
            return super().save_formset(request, form, formset, change)
        for device in formset.save(commit=False):
            if register.save_device(device):
                self.message_user(request, _("Device %(serial)s changed: the impact assessment is now due for review "
                                             "(Measures art. 9).") % {"serial": device.serial}, messages.WARNING)
        formset.save_m2m()


# --- devices ----------------------------------------------------------------------------------


class FlagFilter(admin.SimpleListFilter):
    title = _("missing")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [(attribute, code.label) for attribute, code, _message in register.DEVICE_FLAGS]

    def queryset(self, request, queryset):
        if self.value() in {attribute for attribute, _code, _message in register.DEVICE_FLAGS}:
            return queryset.filter(**{self.value(): True}, status__in=[DeviceStatus.PLANNED, DeviceStatus.LIVE])
        return queryset


@admin.register(Device)
@zoned_times("live_since", "retired_at", "created_at", model=Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("serial", "organisation", "collection_point", "kind", "modality", "template_storage", "status",
                    "live_since", "flags")
    list_filter = ("status", FlagFilter, "kind", "modality", "template_storage", "organisation")
    search_fields = ("serial", "location", "collection_point__name", "organisation__name")
    list_select_related = ("organisation", "collection_point__activity")
    readonly_fields = ("status", "live_since", "retired_at", "created_at", "flags")
    fields = ("organisation", "collection_point", "serial", "kind", "location", "modality", "template_storage",
              "encryption", "security_audit", "access_control", "intrusion_detection", "status", "live_since",
              "retired_at", "created_at", "flags")
    actions = ("set_live", "retire")

    def get_queryset(self, request):
        return register.with_flags(super().get_queryset(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a live device is retired, not deleted
        return actions

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.status == DeviceStatus.PLANNED)

    @admin.display(description=_("what is missing"))
    def flags(self, obj):
        if obj.status == DeviceStatus.RETIRED or not hasattr(obj, "lacks_assessment"):
            return "—"
        found = register.device_flags(obj)
        return format_html_join(" ", '<span title="{}">⚠ {}</span>',
                                ((f.message, register.FlagCode(f.code).label) for f in found)) if found else "—"

    def save_model(self, request, obj, form, change):
        if register.save_device(obj):
            self.message_user(request, _("What the impact assessment assessed has changed: it is now due for review "
                                         "(Measures art. 9)."), messages.WARNING)

    def _step(self, request, queryset, step, done_message):
        done = 0
        for device in queryset.order_by("pk"):
            try:
                step(device)
            except ValidationError as exc:
                self.message_user(request, _refusals(exc), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Set the selected devices live"), permissions=["change"])
    def set_live(self, request, queryset):
        self._step(request, queryset, register.set_live, lambda n: ngettext(
            "%(count)d device is live.", "%(count)d devices are live.", n) % {"count": n})

    @admin.action(description=_("Retire the selected devices"), permissions=["change"])
    def retire(self, request, queryset):
        self._step(request, queryset, register.retire, lambda n: ngettext(
            "%(count)d device is retired.", "%(count)d devices are retired.", n) % {"count": n})


# --- impact assessments -----------------------------------------------------------------------


FACE_ONLY = _("face recognition only")


def _answer_field(code: str) -> str:
    return f"answer_{code}"


class AnswersForm(forms.ModelForm):
    """One text box per question of the law (declared below, from assessments.QUESTIONS);
    the face questions are for face recognition. An approved assessment's are not shown."""

    class Meta:
        model = ImpactAssessment
        fields = ("activity", "conclusion", "review_interval_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed = self.instance.approved_at is not None  # shown read-only, never written back
        answers = self.instance.answers if isinstance(self.instance.answers, dict) else {}
        for question in assessments.QUESTIONS:
            if self.fixed:
                self.fields.pop(_answer_field(question.code), None)
            elif _answer_field(question.code) in self.fields:
                self.fields[_answer_field(question.code)].initial = answers.get(question.code, "")

    def clean(self):
        cleaned = super().clean()
        if self.fixed:
            return cleaned
        self.instance.answers = {q.code: cleaned[_answer_field(q.code)].strip() for q in assessments.QUESTIONS
                                 if (cleaned.get(_answer_field(q.code)) or "").strip()}
        if cleaned.get("activity") is not None:
            self.instance.organisation_id = cleaned["activity"].organisation_id
        return cleaned


ImpactAssessmentForm = type("ImpactAssessmentForm", (AnswersForm,), {
    _answer_field(q.code): forms.CharField(
        label=q.text, help_text=format_lazy("{} · {}", q.law, FACE_ONLY) if q.face_only else q.law, required=False,
        max_length=assessments.MAX_ANSWER_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
    for q in assessments.QUESTIONS
})


@admin.register(ImpactAssessment)
@zoned_times("created_at", "approved_at", "review_due_at", "superseded_at", "keep_until", model=ImpactAssessment)
class ImpactAssessmentAdmin(admin.ModelAdmin):
    form = ImpactAssessmentForm
    list_display = ("activity", "organisation", "state_shown", "approved_at", "approver_name", "review_due_at",
                    "keep_until")
    list_filter = ("organisation",)
    search_fields = ("activity__name", "organisation__name", "approver_name")
    list_select_related = ("organisation", "activity")
    actions = ("approve", "mark_due_now")
    # The record of the assessment, its times in the organisation's zone (zoned_times makes them).
    RECORD = ("state_shown", "created_at_zoned", "approved_at_zoned", "approver_name", "review_due_at_zoned",
              "review_reason", "superseded_by", "superseded_at_zoned", "keep_until_zoned")

    def get_fields(self, request, obj=None):
        if obj is not None and obj.approved_at is not None:
            return ("organisation", "activity", "answers_shown", "conclusion", "review_interval_days", *self.RECORD)
        return ("activity", *(_answer_field(q.code) for q in assessments.QUESTIONS), "conclusion",
                "review_interval_days", *self.RECORD)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.approved_at is not None:  # fixed on approval: a new one supersedes it
            return self.get_fields(request, obj)
        return self.RECORD

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, each checked against its keep_until
        return actions

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_kept())

    def delete_model(self, request, obj):
        if obj.is_kept():
            raise PermissionDenied(obj.deletion_refusal())
        super().delete_model(request, obj)

    def save_model(self, request, obj, form, change):
        assessments.save_draft(obj, user=request.user)

    @admin.display(description=_("state"))
    def state_shown(self, obj):
        return obj.get_state_display()

    @admin.display(description=_("answers"))
    def answers_shown(self, obj):
        answers = obj.answers or {}
        return format_html_join("", "<p><strong>{}</strong><br>{}</p>", (
            (q.text, answers.get(q.code) or "—") for q in assessments.QUESTIONS
            if q.code in answers or not q.face_only))

    @admin.action(description=_("Approve the selected assessments (in your name)"), permissions=["change"])
    def approve(self, request, queryset):
        for assessment in queryset.order_by("pk"):
            try:
                assessments.approve(assessment, user=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{assessment.activity.name}: {_refusals(exc)}", messages.ERROR)
            else:
                self.message_user(request, _("The assessment of “%(activity)s” is approved.") % {
                    "activity": assessment.activity.name}, messages.SUCCESS)

    @admin.action(description=_("Mark due for review now"), permissions=["change"])
    def mark_due_now(self, request, queryset):
        activity_ids = set(queryset.values_list("activity_id", flat=True))
        n = assessments.mark_review_due(activity_ids, reason=_("Marked for review by %(user)s.") % {
            "user": request.user.get_username()}, now=timezone.now())
        self.message_user(request, ngettext("%(count)d assessment is due for review.",
                                            "%(count)d assessments are due for review.", n) % {"count": n})


@admin.register(ReviewReminder)
@zoned_times("due_at", "sent_at", model=ReviewReminder)
class ReviewReminderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("assessment", "due_at", "sent_at", "subject")
    list_select_related = ("assessment__activity", "assessment__organisation")
    list_filter = ("assessment__organisation",)
    fields = ("assessment", "due_at", "sent_at", "recipients", "subject")
    actions = None
