"""The models of orgs, one module per kind of thing, all importable from `orgs.models`
(`from orgs.models import Organisation`), which is how every other module names them.

Imported in the order they stood in the one models.py they came from, so Django
registers them as before (the order `apps.get_models()` gives); the register of
collection points and devices (register), the impact assessments (assessments), the device
connector (devices), the consent ledger (consent), the filing obligations (filing), the transparency
report's publication choice (reports) and the regulators' oversight (oversight, oversight_orders) after.
"""

from orgs.models.organisations import Jurisdiction, Membership, MembershipRole, Organisation
from orgs.models.processing import Connector, DataSystem, Modality, ProcessingActivity, RetentionDuty
from orgs.models.biometric_records import BiometricRecord, BiometricRecordQuerySet, RecordState
from orgs.models.erasure_orders import ErasureCertificate, ErasureOrder, OrderStatus
from orgs.models.api import ApiToken, EventSubscription
from orgs.models.mail_wordings import MailWording
from orgs.models.working_days import CalendarDay, CalendarRow, CalendarYear
from orgs.models.register import (
    Alternative, CollectionPoint, Device, DeviceKind, DeviceStatus, PlaceKind, TemplateStorage,
)
from orgs.models.assessments import AssessmentState, ImpactAssessment, ReviewReminder
from orgs.models.devices import DeviceCredential, DeviceDeletion, DeviceReceipt
from orgs.models.consent import ConsentAction, ConsentChannel, ConsentEvent
from orgs.models.filing import FilingKind, FilingObligation, FilingReminder, FilingStatus, FilingTrigger
from orgs.models.oversight import AccessKind, Authority, AuthorityKind, OversightAccess, OversightGrant, Regulator
from orgs.models.oversight_orders import (
    OversightOrder, OversightOrderEvent, OversightOrderKind, OversightOrderStatus, OversightReminder,
)
from orgs.models.reports import ReportPublication, ReportPublicationChange, ReportSection

__all__ = [
    "AccessKind",
    "Alternative",
    "ApiToken",
    "AssessmentState",
    "Authority",
    "AuthorityKind",
    "BiometricRecord",
    "BiometricRecordQuerySet",
    "CalendarDay",
    "CalendarRow",
    "CalendarYear",
    "CollectionPoint",
    "Connector",
    "ConsentAction",
    "ConsentChannel",
    "ConsentEvent",
    "DataSystem",
    "Device",
    "DeviceCredential",
    "DeviceDeletion",
    "DeviceKind",
    "DeviceReceipt",
    "DeviceStatus",
    "ErasureCertificate",
    "ErasureOrder",
    "EventSubscription",
    "FilingKind",
    "FilingObligation",
    "FilingReminder",
    "FilingStatus",
    "FilingTrigger",
    "ImpactAssessment",
    "Jurisdiction",
    "MailWording",
    "Membership",
    "MembershipRole",
    "Modality",
    "OrderStatus",
    "Organisation",
    "OversightAccess",
    "OversightGrant",
    "OversightOrder",
    "OversightOrderEvent",
    "OversightOrderKind",
    "OversightOrderStatus",
    "OversightReminder",
    "PlaceKind",
    "ProcessingActivity",
    "RecordState",
    "Regulator",
    "ReportPublication",
    "ReportPublicationChange",
    "ReportSection",
    "RetentionDuty",
    "ReviewReminder",
    "TemplateStorage",
]
