"""The models of orgs, one module per kind of thing, all importable from `orgs.models`
(`from orgs.models import Organisation`), which is how every other module names them.

Imported in the order they stood in the one models.py they came from, so Django
registers them as before (the order `apps.get_models()` gives); the register of
collection points and devices (register), the impact assessments (assessments), the device
connector (devices), the consent ledger (consent), the filing obligations (filing) and the transparency
report's publication choice (reports) after.
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
from orgs.models.reports import ReportPublication, ReportPublicationChange, ReportSection

__all__ = [
    "Alternative",
    "ApiToken",
    "AssessmentState",
    "BiometricRecord",
    "BiometricRecordQuerySet",
    "CalendarDay",
    "CalendarRow",
    "CalendarYear",
    "CollectionPoint",
    "ConsentAction",
    "ConsentChannel",
    "ConsentEvent",
    "Connector",
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
    "Organisation",
    "OrderStatus",
    "PlaceKind",
    "ProcessingActivity",
    "RecordState",
    "ReportPublication",
    "ReportPublicationChange",
    "ReportSection",
    "RetentionDuty",
    "ReviewReminder",
    "TemplateStorage",
]
