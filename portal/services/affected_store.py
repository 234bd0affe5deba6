"""Writing checked affected-list records into the encrypted store, a batch at a time.

New people are inserted with bulk statements (the fast path for large lists); people already
stored are compared field by field and written only when something differs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, insert, select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    AffectedPerson,
    ContactChannel,
    ContactPreference,
    DataCategory,
    Exposure,
    Incident,
    PersonRemedy,
    Remedy,
    RemedyStatus,
    utcnow,
)
from portal.models.base import encrypt_value
from portal.security.blind_index import BlindIndex
from portal.security.context import blind_index, field_cipher
from portal.security.encryption import FieldCipher
from portal.services.affected_row import AffectedRecord, RowProblem

_PERSON_TABLE = AffectedPerson.__tablename__
_CONTACT_TABLE = ContactPreference.__tablename__

# A-numbers already met in this import, kept in the database rather than in memory so a
# list of millions of rows does not grow the process.
_seen_table = Table(
    "import_seen_a_number",
    MetaData(),
    Column("a_number_index", LargeBinary(32), primary_key=True),
    Column("row_number", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class DuplicateTracker:
    """Finds rows that repeat an A-number seen earlier in the same file."""

    def __init__(self, db: Session):
        self._db = db

    def __enter__(self) -> DuplicateTracker:
        _seen_table.drop(self._db.connection(), checkfirst=True)
        _seen_table.create(self._db.connection())
        return self

    def __exit__(self, *_exc: object) -> None:
        _seen_table.drop(self._db.connection(), checkfirst=True)

    def remove_repeats(self, records: list[IndexedRecord]) -> tuple[list[IndexedRecord], list[RowProblem]]:
        """The records whose A-number is new to this import, and a problem for each repeat."""
        first_rows = dict(self._db.execute(
            select(_seen_table.c.a_number_index, _seen_table.c.row_number)
            .where(_seen_table.c.a_number_index.in_([index for index, _ in records]))
        ).all())
        fresh: list[IndexedRecord] = []
        problems: list[RowProblem] = []
        for index, record in records:
            first_row = first_rows.setdefault(index, record.row_number)
            if first_row == record.row_number:
                fresh.append((index, record))
            else:
                problems.append(RowProblem(
                    record.row_number, "A-Number", _l("has the same A-number as row %(row)s", row=first_row)
                ))
        if fresh:
            self._db.execute(insert(_seen_table), [
                {"a_number_index": index, "row_number": record.row_number} for index, record in fresh
            ])
        return fresh, problems


IndexedRecord = tuple[bytes, AffectedRecord]


def with_index(records: list[AffectedRecord]) -> list[IndexedRecord]:
    """Pair each record with its A-number's blind index, computed once."""
    index = blind_index()
    return [(index.a_number(record.a_number), record) for record in records]


def write_batch(
    db: Session, records: Sequence[IndexedRecord], incidents: dict[str, Incident], remedies: Sequence[Remedy]
) -> BatchOutcome:
    """Insert new people and update changed ones. Flushes, does not commit."""
    outcome = BatchOutcome()
    existing = {
        person.a_number_index: person
        for person in db.scalars(
            select(AffectedPerson)
            .where(AffectedPerson.a_number_index.in_([index for index, _ in records]))
            .options(selectinload(AffectedPerson.exposures))
        )
    }
    new_records = [(index, record) for index, record in records if index not in existing]
    _insert_new_people(db, new_records, incidents, remedies)
    outcome.created = len(new_records)
    contacts, held_remedies = _load_related(db, [person.id for person in existing.values()])
    for index, record in records:
        person = existing.get(index)
        if person is None:
            continue
        changed = _assign_changed(person, {**_person_fields(record), **_plain_person_fields(record, blind_index())})
        changed |= _update_exposures(person, record, incidents)
        changed |= _add_remedies_now_applying(db, person, record, remedies, held_remedies.get(person.id, set()))
        changed |= _refresh_unchosen_contact(db, person, record, contacts.get(person.id))
        outcome.updated += changed
        outcome.unchanged += not changed
    # The session holds clean objects weakly, so memory stays flat without expunging.
    db.flush()
    return outcome


def _load_related(
    db: Session, person_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, ContactPreference], dict[uuid.UUID, set[int]]]:
    if not person_ids:
        return {}, {}
    contacts = {
        contact.person_id: contact
        for contact in db.scalars(select(ContactPreference).where(ContactPreference.person_id.in_(person_ids)))
    }
    held: dict[uuid.UUID, set[int]] = {}
    for person_id, remedy_id in db.execute(
        select(PersonRemedy.person_id, PersonRemedy.remedy_id).where(PersonRemedy.person_id.in_(person_ids))
    ):
        held.setdefault(person_id, set()).add(remedy_id)
    return contacts, held


def exposure_categories(record: AffectedRecord, incident: Incident) -> list[str]:
    """What this incident exposed about this person: the row's categories that the incident
    disclosed, or everything the incident disclosed when the row names none of them."""
    named = [category.value for category in record.categories if category.value in incident.data_categories]
    return named or [DataCategory(category).value for category in incident.data_categories]


@dataclass(frozen=True)
class _Keys:
    """The key holders, looked up once per batch rather than once per value."""

    cipher: FieldCipher
    index: BlindIndex


def _insert_new_people(
    db: Session, indexed: Sequence[IndexedRecord], incidents: dict[str, Incident], remedies: Sequence[Remedy]
) -> None:
    if not indexed:
        return
    keys = _Keys(field_cipher(), blind_index())
    records = [record for _, record in indexed]
    person_ids = [uuid.uuid4() for _ in records]
    now = utcnow()
    db.execute(insert(AffectedPerson.__table__), [
        {**_person_row(record, person_id, now, keys), "a_number_index": index}
        for (index, record), person_id in zip(indexed, person_ids, strict=True)
    ])
    db.execute(insert(Exposure.__table__), [
        {"person_id": person_id, "incident_id": incidents[code].id,
         "categories": exposure_categories(record, incidents[code])}
        for record, person_id in zip(records, person_ids, strict=True) for code in record.incident_codes
    ])
    db.execute(insert(ContactPreference.__table__), [
        _contact_row(record, person_id, now, keys) for record, person_id in zip(records, person_ids, strict=True)
    ])
    remedy_rows = [
        {"id": uuid.uuid4(), "person_id": person_id, "remedy_id": remedy.id, "status": RemedyStatus.ELIGIBLE,
         "updated_at": now}
        for record, person_id in zip(records, person_ids, strict=True)
        for remedy in remedies if record.custody_status.value in remedy.eligible_custody_statuses
    ]
    if remedy_rows:
        db.execute(insert(PersonRemedy.__table__), remedy_rows)


def _person_fields(record: AffectedRecord) -> dict[str, object]:
    return {
        "a_number": record.a_number, "last_name": record.last_name, "first_name": record.first_name,
        "date_of_birth": record.date_of_birth, "nationality": record.nationality, "facility": record.facility,
        "phone": record.phone, "postal_address": record.postal_address,
        "attorney_of_record_name": record.attorney_name,
        "attorney_of_record_identifier": record.attorney_identifier,
    }


def _person_row(record: AffectedRecord, person_id: uuid.UUID, now: object, keys: _Keys) -> dict[str, object]:
    row: dict[str, object] = {
        f"{name}_encrypted": None if value is None else encrypt_value(
            value, _PERSON_TABLE, name, person_id, keys.cipher
        )
        for name, value in _person_fields(record).items()
    }
    row.update(_plain_person_fields(record, keys.index))
    row.update(id=person_id, created_at=now, updated_at=now)
    return row


def _plain_person_fields(record: AffectedRecord, index: BlindIndex) -> dict[str, object]:
    return {
        "custody_status": record.custody_status,
        "preferred_language": record.preferred_language,
        "phone_index": index.phone(record.phone) if record.phone else None,
        "attorney_of_record_index": (
            index.attorney_identifier(record.attorney_identifier) if record.attorney_identifier else None
        ),
    }


def _default_channel(record: AffectedRecord) -> ContactChannel:
    if record.phone:
        return ContactChannel.SMS
    if record.postal_address:
        return ContactChannel.LETTER
    if record.attorney_identifier or record.attorney_name:
        return ContactChannel.ATTORNEY
    return ContactChannel.NONE


def _contact_fields(record: AffectedRecord, index: BlindIndex) -> dict[str, object]:
    return {
        "channel": _default_channel(record),
        "language": record.preferred_language or "en",
        "phone_index": index.phone(record.phone) if record.phone else None,
    }


def _contact_row(record: AffectedRecord, person_id: uuid.UUID, now: object, keys: _Keys) -> dict[str, object]:
    contact_id = uuid.uuid4()
    row = _contact_fields(record, keys.index)
    row.update(
        id=contact_id, person_id=person_id, updated_at=now,
        phone_encrypted=record.phone and encrypt_value(
            record.phone, _CONTACT_TABLE, "phone", contact_id, keys.cipher
        ),
        postal_address_encrypted=record.postal_address and encrypt_value(
            record.postal_address, _CONTACT_TABLE, "postal_address", contact_id, keys.cipher
        ),
    )
    return row


def _assign_changed(target: object, values: dict[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _update_exposures(person: AffectedPerson, record: AffectedRecord, incidents: dict[str, Incident]) -> bool:
    current = {exposure.incident_id: exposure for exposure in person.exposures}
    changed = False
    for code in record.incident_codes:
        incident = incidents[code]
        categories = exposure_categories(record, incident)
        exposure = current.get(incident.id)
        if exposure is None:
            person.exposures.append(Exposure(incident_id=incident.id, categories=categories))
            changed = True
        elif sorted(exposure.categories) != sorted(categories):
            exposure.categories = categories
            changed = True
    return changed


def _add_remedies_now_applying(
    db: Session, person: AffectedPerson, record: AffectedRecord, remedies: Sequence[Remedy], held: set[int]
) -> bool:
    missing = [
        remedy for remedy in remedies
        if record.custody_status.value in remedy.eligible_custody_statuses and remedy.id not in held
    ]
    for remedy in missing:
        db.add(PersonRemedy(person_id=person.id, remedy_id=remedy.id, status=RemedyStatus.ELIGIBLE))
    return bool(missing)


def _refresh_unchosen_contact(
    db: Session, person: AffectedPerson, record: AffectedRecord, contact: ContactPreference | None
) -> bool:
    values = {**_contact_fields(record, blind_index()), "phone": record.phone, "postal_address": record.postal_address}
    if contact is None:
        db.add(ContactPreference(person_id=person.id, **values))
        return True
    return contact.chosen_at is None and _assign_changed(contact, values)
