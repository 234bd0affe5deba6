from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from sqlalchemy import func, select

from portal.models import Attorney, AttorneyStatus, AuditEvent, StaffRole, StaffUser
from portal.security.context import blind_index
from portal.security.hashing import verify_secret
from portal.services.accounts import EmailTaken, InvalidAccountDetails, PasswordTooShort
from portal.services.attorneys import create_attorney, verify_attorney
from portal.services.staff import create_staff_user, totp_provisioning_uri

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def new_staff(db, email="Case.Worker@Agency.example", role=StaffRole.CASEWORKER, password=PASSWORD):
    return create_staff_user(db, email=email, full_name="Casey Worker", role=role, password=password)


def test_a_staff_account_stores_the_email_lowercased_and_the_password_only_as_argon2id(db):
    user, _ = new_staff(db)

    assert user.email == "case.worker@agency.example"
    assert user.role is StaffRole.CASEWORKER
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_secret(user.password_hash, PASSWORD)


def test_the_totp_secret_is_returned_once_and_stored_only_encrypted(db):
    user, secret = new_staff(db)

    stored = db.scalars(select(StaffUser).where(StaffUser.id == user.id)).one()
    assert secret.encode() not in stored.totp_secret_encrypted
    assert stored.totp_secret == secret
    assert pyotp.TOTP(stored.totp_secret).verify(pyotp.TOTP(secret).now())


def test_an_email_address_already_taken_is_refused_whatever_its_case(db):
    new_staff(db)

    with pytest.raises(EmailTaken, match="already exists") as refused:
        new_staff(db, email="  CASE.WORKER@agency.example ")
    assert isinstance(refused.value, ValueError)


def test_a_password_shorter_than_twelve_characters_is_refused(db):
    with pytest.raises(PasswordTooShort, match="at least 12 characters"):
        new_staff(db, password="eleven char")
    assert db.scalar(select(func.count()).select_from(StaffUser)) == 0


@pytest.mark.parametrize(
    "email", ["", "no-at-sign.example", "@agency.example", "someone@localhost", "a b@agency.example"]
)
def test_a_malformed_email_address_is_refused(db, email):
    with pytest.raises(InvalidAccountDetails):
        new_staff(db, email=email)


def test_the_provisioning_uri_names_the_portal_and_the_account():
    uri = urlparse(totp_provisioning_uri("casey@agency.example", SECRET))

    assert uri.scheme == "otpauth"
    assert unquote(uri.path) == "/Exposure Portal:casey@agency.example"
    assert parse_qs(uri.query)["secret"] == [SECRET]


def test_create_staff_asks_for_the_password_twice_and_shows_the_secret_once(runner, db):
    result = runner.invoke(
        args=["create-staff", "--email", "Approver@Agency.example", "--name", "Ana Approver", "--role", "approver"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    user = db.scalars(select(StaffUser).where(StaffUser.email == "approver@agency.example")).one()
    assert user.role is StaffRole.APPROVER
    assert result.output.count(user.totp_secret) == 2  # the secret, and inside the provisioning URI
    assert "otpauth://totp/" in result.output
    assert PASSWORD not in result.output


def test_create_staff_records_the_new_account_in_the_audit_log(runner, db):
    runner.invoke(
        args=["create-staff", "--email", "admin@agency.example", "--name", "Ada Admin", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    user = db.scalars(select(StaffUser).where(StaffUser.email == "admin@agency.example")).one()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "staff.created")).one()
    assert (event.actor_type, event.subject_type, event.subject_id) == ("system", "staff_user", str(user.id))
    assert event.details == {"role": "admin"}


def test_create_staff_explains_a_short_password_and_creates_nothing(runner, db):
    result = runner.invoke(
        args=["create-staff", "--email", "v@agency.example", "--name", "Vic Viewer", "--role", "viewer"],
        input="too short\ntoo short\n",
    )

    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert db.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_create_staff_refuses_an_email_address_already_taken(runner, db):
    new_staff(db, email="taken@agency.example")
    db.commit()

    result = runner.invoke(
        args=["create-staff", "--email", "TAKEN@agency.example", "--name", "Someone Else", "--role", "viewer"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_staff_creates_nothing_when_the_passwords_differ(runner, db):
    result = runner.invoke(
        args=["create-staff", "--email", "n@agency.example", "--name", "Nat Notifier", "--role", "notifier"],
        input=f"{PASSWORD}\nsomething else entirely\n",
    )

    assert result.exit_code != 0
    assert db.scalar(select(func.count()).select_from(StaffUser)) == 0


# Attorney accounts follow the same account rules.


def test_a_new_attorney_is_pending_with_blind_indexes_of_its_identifiers(db):
    attorney = create_attorney(
        db, email="Counsel@Firm.example", full_name="Jo Counsel", password=PASSWORD, eoir_id="ab123456",
        bar_jurisdiction="California", bar_number="287 654",
    )

    assert attorney.email == "counsel@firm.example"
    assert attorney.status is AttorneyStatus.PENDING
    assert verify_secret(attorney.password_hash, PASSWORD)
    assert attorney.eoir_id_index == blind_index().attorney_identifier("AB-123456")
    assert attorney.bar_number_index == blind_index().attorney_identifier("287654")


def test_an_attorney_without_identifiers_has_no_indexes(db):
    attorney = create_attorney(db, email="new@firm.example", full_name="New Lawyer", password=PASSWORD)

    assert (attorney.eoir_id, attorney.eoir_id_index, attorney.bar_number_index) == (None, None, None)


def test_an_attorney_email_already_taken_is_refused(db):
    create_attorney(db, email="counsel@firm.example", full_name="Jo Counsel", password=PASSWORD)

    with pytest.raises(EmailTaken):
        create_attorney(db, email="COUNSEL@firm.example", full_name="Jo Counsel", password=PASSWORD)


def test_verifying_an_attorney_records_who_verified_it_and_when(db):
    staff, _ = new_staff(db)
    attorney = create_attorney(db, email="counsel@firm.example", full_name="Jo Counsel", password=PASSWORD)

    verify_attorney(db, attorney, staff)

    stored = db.scalars(select(Attorney).where(Attorney.id == attorney.id)).one()
    assert stored.status is AttorneyStatus.VERIFIED
    assert stored.verified_by_id == staff.id
    assert stored.verified_at is not None and stored.verified_at.utcoffset().total_seconds() == 0
