"""SQLAlchemy 2.0 models, one module per aggregate. Importing this package registers them all."""

from portal.models.attorney import Attorney, AttorneyStatus, Representation, RepresentationMethod, ShareCode
from portal.models.attorney_documents import (
    ClientList,
    ClientListOutcome,
    ClientListRow,
    ClientListState,
    RepresentationForm,
    RepresentationFormType,
    ReviewState,
)
from portal.models.audit import AuditEvent
from portal.models.base import Base, RowBoundRecord, utcnow
from portal.models.campaign import (
    Campaign,
    CampaignState,
    Channel,
    EarlyDeliveryReport,
    NoticeCode,
    Notification,
    NotificationState,
)
from portal.models.contact import ContactChannel, ContactPreference
from portal.models.incident import DataCategory, Incident, IncidentKind
from portal.models.interpreter import InterpreterCallRequest
from portal.models.letter_batch import LetterBatch, LetterBatchLetter, LetterBatchRequest, LetterBatchState
from portal.models.person import AffectedPerson, CustodyStatus, Exposure
from portal.models.queues import QueueItem, QueueKind, QueueStatus
from portal.models.remedy import PersonRemedy, Remedy, RemedyEvent, RemedyStatus
from portal.models.replies import InboundMessage, SmsOptOut
from portal.models.staff import StaffPhoneCode, StaffRole, StaffUser
from portal.models.verification import (
    CodePurpose,
    ConfirmationLetter,
    LetterRequest,
    OneTimeCode,
    OutboxMessage,
    PersonSession,
)

__all__ = [
    "AffectedPerson",
    "Attorney",
    "AttorneyStatus",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignState",
    "Channel",
    "ClientList",
    "ClientListOutcome",
    "ClientListRow",
    "ClientListState",
    "CodePurpose",
    "ConfirmationLetter",
    "ContactChannel",
    "ContactPreference",
    "CustodyStatus",
    "DataCategory",
    "EarlyDeliveryReport",
    "Exposure",
    "InboundMessage",
    "Incident",
    "IncidentKind",
    "InterpreterCallRequest",
    "LetterBatch",
    "LetterBatchLetter",
    "LetterBatchRequest",
    "LetterBatchState",
    "LetterRequest",
    "NoticeCode",
    "Notification",
    "NotificationState",
    "OneTimeCode",
    "OutboxMessage",
    "PersonRemedy",
    "PersonSession",
    "QueueItem",
    "QueueKind",
    "QueueStatus",
    "Remedy",
    "RemedyEvent",
    "RemedyStatus",
    "Representation",
    "RepresentationForm",
    "RepresentationFormType",
    "RepresentationMethod",
    "ReviewState",
    "RowBoundRecord",
    "ShareCode",
    "SmsOptOut",
    "StaffPhoneCode",
    "StaffRole",
    "StaffUser",
    "utcnow",
]
