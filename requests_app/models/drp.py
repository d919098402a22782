"""The Data Rights Protocol's tables (requests_app/drp/): authorised agents registered out
of band with their Ed25519 verify keys, their pair-wise bearer tokens (one per agent and
organisation), the signed messages already taken (so none is taken twice), the DRP
requests over the RightsRequests they filed, and the status callbacks owed to the agents,
each sent once (an outbox like EventDelivery)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organisation
from requests_app.models.requests import RightsRequest


class DrpAgent(models.Model):
    """An authorised agent (CCPA regs §7063) in the DRP network: registered by an
    administrator from the agent's entry in the Authorized Agent directory (DRP 3.05.1)."""

    agent_id = models.CharField(_("agent id"), max_length=100, unique=True,
                                help_text=_("The agent's `id` in the DRP directory, as it signs it (agent-id)."))
    name = models.CharField(_("name"), max_length=200)
    # Base64 (nacl.encoding.Base64Encoder) of the 32-byte Ed25519 verify key (DRP 0.9.1 on).
    verify_key = models.CharField(_("verify key"), max_length=64,
                                  help_text=_("The agent's Ed25519 verify key, base64 as in the DRP directory."))
    contact_email = models.EmailField(
        _("technical contact"), help_text=_("Where mail about the agent's requests goes (never a verification code).")
    )
    identity_assurance_url = models.URLField(_("identity assurance document"), blank=True)
    # Least privilege: an agent's status_callback must start with one of these; none, no callbacks.
    callback_prefixes = models.TextField(
        _("allowed callback URL prefixes"), blank=True,
        help_text=_("One per line, e.g. https://agent.example/drp/. A status_callback starting with none of "
                    "them is refused; leave empty to refuse every callback."),
    )
    organisations = models.ManyToManyField(
        Organisation, related_name="drp_agents", blank=True, verbose_name=_("organisations it may address"),
        help_text=_("Its business-id is the organisation's slug."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("DRP authorised agent")
        verbose_name_plural = _("DRP authorised agents")

    def __str__(self):
        return f"{self.name} ({self.agent_id})"

    def allows_callback(self, url: str) -> bool:
        return any(url.startswith(prefix) for prefix in self.callback_prefix_list())

    def callback_prefix_list(self) -> list[str]:
        return [line.strip() for line in self.callback_prefixes.splitlines() if line.strip()]


class DrpToken(models.Model):
    """The bearer token of one agent and one organisation (DRP 2.05), stored only as a
    hash; a new pair-wise setup replaces it."""

    agent = models.ForeignKey(DrpAgent, on_delete=models.CASCADE, related_name="tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("DRP pair-wise token")
        verbose_name_plural = _("DRP pair-wise tokens")
        constraints = [models.UniqueConstraint(fields=["agent", "organisation"], name="one_drp_token_per_pair")]

    def __str__(self):
        return f"{self.agent.agent_id} → {self.organisation_id}"


class DrpMessage(models.Model):
    """A signed message taken: its hash, unique, so a replay is refused (DRP 3.07); kept
    until its expires-at has passed, after which the clock check refuses it anyway."""

    agent = models.ForeignKey(DrpAgent, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("DRP message taken")
        verbose_name_plural = _("DRP messages taken")

    def __str__(self):
        return self.digest[:12]


class DrpRequest(models.Model):
    """A Data Rights Request (DRP 2.01) as filed: the agent, what it asked, its callback,
    and the RightsRequest it became (an agent's request, filed_by=agent)."""

    request_id = models.UUIDField(_("DRP request id"), default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey(DrpAgent, on_delete=models.PROTECT, related_name="requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="drp_requests")
    rights_request = models.OneToOneField(RightsRequest, on_delete=models.CASCADE, related_name="drp")
    agent_request_id = models.CharField(_("agent's request id"), max_length=200, blank=True)
    exercise = models.CharField(_("right exercised"), max_length=40)
    regime = models.CharField(_("regime"), max_length=20, blank=True)
    relationships = models.JSONField(_("relationships"), default=list, blank=True)
    status_callback = models.URLField(_("status callback"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # The status, reason and expected_by last told (delivery/drp_callbacks.py): a callback per change.
    told_state = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        verbose_name = _("DRP request")
        verbose_name_plural = _("DRP requests")

    def __str__(self):
        return str(self.request_id)


class DrpCallback(models.Model):
    """One POST of a status to the agent's status_callback: created once (key), sent once (lease)."""

    drp_request = models.ForeignKey(DrpRequest, on_delete=models.CASCADE, related_name="callbacks")
    key = models.CharField(max_length=120, unique=True, editable=False)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("DRP status callback")
        verbose_name_plural = _("DRP status callbacks")
        indexes = [models.Index(fields=["created_at"], name="drp_callback_unsent_idx",
                                condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return self.key
