"""The staff console's words for the values it shows: the staff side's `portal.web.wording`.

Staff read about a person, so these are short names ("Date of birth", "Delivered"), not the
"your ..." sentences people read. A page shows a stored value only through one of these
mappings, never as the value itself, so that every word can be translated; a test fails when
a value has no word here (tests/test_staff_words.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import (
    AttorneyStatus,
    Channel,
    ContactChannel,
    CustodyStatus,
    DataCategory,
    LetterBatchState,
    NotificationState,
    QueueStatus,
    RemedyStatus,
)
from portal.services.letter_batches import SkipReason

CATEGORY_WORDS = {
    DataCategory.NAME: _l("Name"),
    DataCategory.DATE_OF_BIRTH: _l("Date of birth"),
    DataCategory.NATIONALITY: _l("Nationality"),
    DataCategory.A_NUMBER: _l("A-number"),
    DataCategory.FACILITY: _l("Place of detention"),
    DataCategory.FEAR_INTERVIEW: _l("Fear interview result"),
    DataCategory.PROTECTION_CLAIM: _l("That they asked for protection"),
}
CONTACT_CHANNEL_WORDS = {
    ContactChannel.SMS: _l("Text message"),
    ContactChannel.LETTER: _l("Letter"),
    ContactChannel.ATTORNEY: _l("Through their lawyer"),
    ContactChannel.NONE: _l("No contact"),
}
CUSTODY_WORDS = {
    CustodyStatus.IN_CUSTODY: _l("In custody"),
    CustodyStatus.RELEASED: _l("Released"),
    CustodyStatus.REMOVED: _l("Removed from the United States"),
}
REMEDY_STATUS_WORDS = {
    RemedyStatus.ELIGIBLE: _l("Can ask"),
    RemedyStatus.REQUESTED: _l("Requested"),
    RemedyStatus.IN_REVIEW: _l("In review"),
    RemedyStatus.GRANTED: _l("Approved"),
    RemedyStatus.DENIED: _l("Not approved"),
    RemedyStatus.COMPLETED: _l("Done"),
}
# A notice's way through the outbox, in the order a message moves.
NOTIFICATION_STATE_WORDS = {
    NotificationState.PENDING: _l("Queued"),
    NotificationState.SENDING: _l("Sending"),
    NotificationState.SENT: _l("Sent"),
    NotificationState.DELIVERED: _l("Delivered"),
    NotificationState.FAILED: _l("Failed"),
    NotificationState.UNDELIVERABLE: _l("Cannot be delivered"),
    NotificationState.CANCELLED: _l("Cancelled"),
}
NOTICE_CHANNEL_WORDS = {
    Channel.SMS: _l("Text message"),
    Channel.LETTER: _l("Letter"),
}
LETTER_BATCH_STATE_WORDS = {
    LetterBatchState.SUBMITTED: _l("Waiting for approval"),
    LetterBatchState.APPROVED: _l("Approved: ready to print"),
    LetterBatchState.REJECTED: _l("Rejected"),
    LetterBatchState.POSTED: _l("Posted"),
}
SKIP_REASON_WORDS = {
    SkipReason.NO_ADDRESS: _l("No address"),
    SkipReason.CONTROL_CHARACTERS: _l("The address has invisible characters"),
}
QUEUE_STATUS_WORDS = {
    QueueStatus.OPEN: _l("Open"),
    QueueStatus.IN_PROGRESS: _l("In progress"),
    QueueStatus.DONE: _l("Done"),
}
ATTORNEY_STATUS_WORDS = {
    AttorneyStatus.PENDING: _l("Waiting for verification"),
    AttorneyStatus.VERIFIED: _l("Verified"),
    AttorneyStatus.REJECTED: _l("Refused"),
}
