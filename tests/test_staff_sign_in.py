"""Staff sign-in: a password, then a TOTP code; one answer for every kind of failure; the
lockout; server-side sessions that end on sign-out, idle time, a time limit or deactivation;
and an audit trail that names accounts by id only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from portal.models import AuditEvent, StaffRole, StaffUser, utcnow
from portal.models.staff import StaffSession
from portal.services import two_factor
from portal.services.staff import deactivate_staff_user
from portal.services.staff_sessions import begin_sign_in, finish_sign_in, resume_staff_session
from portal.services.two_factor import CODE_STEP_LIMIT, IDLE_TIMEOUT, LOCKOUT, MAX_FAILED_SIGN_INS, SEEN_EVERY
from portal.web.staff import auth
from tests.campaigns import add_approved_campaign
from tests.pages import csrf_token, text_of
from tests.staff_pages import (
    HOME,
    SIGN_IN,
    SIGN_IN_CODE,
    STAFF_PASSWORD,
    add_staff_user,
    enter_code,
    enter_password,
    sign_in_staff,
    staff_csrf_token,
    totp_code,
)

REFUSED = "The email or password is not right"
WRONG_PASSWORD = "not the password at all"


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid now, nor a step before or after."""
    valid = {totp_code(secret, steps_later=step) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in (f"{n:06d}" for n in range(100000, 1000000, 7919)) if code not in valid)


def events(db, action: str | None = None) -> list[AuditEvent]:
    db.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(db.scalars(query.where(AuditEvent.action == action) if action else query))


def sessions_of(db, user) -> list[StaffSession]:
    db.expire_all()
    return list(db.scalars(select(StaffSession).where(StaffSession.staff_user_id == user.id)
                           .order_by(StaffSession.created_at)))


def move_sessions_back(db, user, **fields: timedelta) -> None:
    """Make the user's sessions older: e.g. last_seen_at=timedelta(minutes=16)."""
    now = utcnow()
    db.execute(update(StaffSession).where(StaffSession.staff_user_id == user.id)
               .values({name: now - ago for name, ago in fields.items()}))
    db.commit()


def page_without_tokens(response) -> str:
    return re.sub(r'value="[^"]{40,}"', 'value="TOKEN"', text_of(response))


def error_summary(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    return re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', summary.group(0)) if summary else []


# Signing in


def test_a_staff_member_signs_in_with_the_password_then_the_code_from_the_app(client, db):
    user, secret = add_staff_user(db, StaffRole.CASEWORKER, full_name="Casey Worker")

    password_step = enter_password(client, user.email.upper())
    code_step = enter_code(client, totp_code(secret))

    assert password_step.status_code == 302 and password_step.headers["Location"] == SIGN_IN_CODE
    assert code_step.status_code == 302 and code_step.headers["Location"] == HOME
    home = text_of(client.get(HOME))
    assert "Casey Worker" in home and "Caseworker" in home and ">Sign out</button>" in home
    signed_in = events(db, "staff.signed_in")
    assert [(event.actor_type, event.actor_id, event.subject_id) for event in signed_in] == [
        ("staff", str(user.id), str(user.id))
    ]
    db.refresh(user)
    assert user.last_sign_in_at is not None and user.failed_sign_ins == 0


def test_a_code_typed_with_spaces_or_in_another_script_is_read_as_its_digits(client, db):
    user, secret = add_staff_user(db)
    code = totp_code(secret)
    arabic_indic = "".join("٠١٢٣٤٥٦٧٨٩"[int(digit)] for digit in code)

    enter_password(client, user.email)

    assert enter_code(client, f" {arabic_indic[:3]} {arabic_indic[3:]} ").headers["Location"] == HOME


def test_after_the_password_the_session_reaches_only_the_code_page(client, db):
    user, _ = add_staff_user(db)
    enter_password(client, user.email)

    assert client.get(HOME).headers["Location"] == SIGN_IN_CODE
    code_page = client.get(SIGN_IN_CODE)
    assert code_page.status_code == 200
    assert "Enter the 6-digit code from your authenticator app" in text_of(code_page)
    assert "Sam Staff" not in text_of(code_page)  # not signed in yet: no name, no sections


def test_the_code_page_without_the_password_step_sends_to_the_sign_in_page(client):
    assert client.get(SIGN_IN_CODE).headers["Location"] == SIGN_IN


def test_the_sign_in_page_sends_someone_signed_in_to_the_home_page(client, db):
    sign_in_staff(client, db)

    assert client.get(SIGN_IN).headers["Location"] == HOME


def test_the_sign_in_page_labels_its_fields_for_password_managers_and_screen_readers(client):
    page = text_of(client.get(SIGN_IN))

    assert '<label for="email">Email address</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    assert 'type="password"' in page


def test_an_empty_form_is_explained_and_records_nothing(client, db):
    before = len(events(db))
    token = csrf_token(text_of(client.get(SIGN_IN)))

    response = client.post(SIGN_IN, data={"email": " ", "password": "", "csrf_token": token})

    assert response.status_code == 200
    assert error_summary(text_of(response)) == ["Answer this question", "Answer this question"]
    assert len(events(db)) == before


def test_a_cancelled_code_step_ends_the_half_session(client, db):
    user, _ = add_staff_user(db)
    enter_password(client, user.email)

    client.post("/staff/sign-out", data={"csrf_token": staff_csrf_token(client)})

    assert client.get(SIGN_IN_CODE).headers["Location"] == SIGN_IN
    assert all(record.ended_at is not None for record in sessions_of(db, user))


# One answer for every failure


def _unknown_email(client, db):
    return enter_password(client, "nobody.here@agency.example")


def _malformed_email(client, db):
    return enter_password(client, "not an email address")


def _wrong_password(client, db):
    user, _ = add_staff_user(db)
    return enter_password(client, user.email, WRONG_PASSWORD)


def _locked_with_the_right_password(client, db):
    user, _ = add_staff_user(db)
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.commit()
    return enter_password(client, user.email)


def _deactivated_with_the_right_password(client, db):
    user, _ = add_staff_user(db)
    user.active = False
    db.commit()
    return enter_password(client, user.email)


def _wrong_code(client, db):
    user, secret = add_staff_user(db)
    enter_password(client, user.email)
    return enter_code(client, wrong_code(secret))


FAILURES = [_unknown_email, _malformed_email, _wrong_password, _locked_with_the_right_password,
            _deactivated_with_the_right_password, _wrong_code]


def test_every_failure_gets_the_same_answer_and_the_same_page(app, db):
    answers = []
    for failure in FAILURES:
        client = app.test_client()
        response = failure(client, db)
        headers = {name: value for name, value in response.headers.items()
                   if name not in ("Set-Cookie", "Date", "X-Request-ID")}
        page = client.get(SIGN_IN)
        again = client.get(SIGN_IN)
        answers.append((response.status_code, headers, text_of(response), "Set-Cookie" in response.headers,
                        page.status_code, page_without_tokens(page), page_without_tokens(again)))

    assert all(answer == answers[0] for answer in answers), [failure.__name__ for failure in FAILURES]
    status, headers, _, _, page_status, page, again = answers[0]
    assert (status, headers["Location"], page_status) == (302, SIGN_IN, 200)
    assert error_summary(page) == [REFUSED]
    assert "<title>Error: Sign in" in page
    assert REFUSED not in again  # said once; a reload shows the empty form


def test_an_unknown_email_costs_the_same_argon2id_check_as_a_known_one(db, monkeypatch):
    checked = []
    real = two_factor.verify_secret
    monkeypatch.setattr(two_factor, "verify_secret", lambda stored, secret: checked.append(stored) or
                        real(stored, secret))
    user, _ = add_staff_user(db)

    begin_sign_in(db, email="nobody.here@agency.example", password=STAFF_PASSWORD, now=utcnow())
    begin_sign_in(db, email=user.email, password=WRONG_PASSWORD, now=utcnow())

    assert checked == [None, user.password_hash]  # verify_secret(None, ...) hashes a placeholder


# Lockout


def test_five_wrong_passwords_lock_the_account_even_against_the_right_password(app, client, db):
    user, _ = add_staff_user(db)
    for _ in range(MAX_FAILED_SIGN_INS):
        assert enter_password(app.test_client(), user.email, WRONG_PASSWORD).headers["Location"] == SIGN_IN

    response = enter_password(client, user.email)

    assert response.headers["Location"] == SIGN_IN
    db.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow() + LOCKOUT - timedelta(minutes=1)
    [locked] = events(db, "staff.locked")
    assert (locked.subject_type, locked.subject_id) == ("staff_user", str(user.id))
    reasons = [event.details["reason"] for event in events(db, "staff.sign_in_failed")]
    assert reasons == ["password"] * MAX_FAILED_SIGN_INS + ["locked"]


def test_the_account_opens_again_when_the_lock_runs_out(client, db):
    user, secret = add_staff_user(db)
    for _ in range(MAX_FAILED_SIGN_INS):
        enter_password(client, user.email, WRONG_PASSWORD)
    db.refresh(user)
    user.locked_until = utcnow() - timedelta(seconds=1)  # 15 minutes later
    db.commit()

    assert enter_password(client, user.email).headers["Location"] == SIGN_IN_CODE
    assert enter_code(client, totp_code(secret)).headers["Location"] == HOME


def test_the_lock_lasts_fifteen_minutes(db):
    user, _ = add_staff_user(db)
    locked_at = utcnow()
    for _ in range(MAX_FAILED_SIGN_INS):
        assert begin_sign_in(db, email=user.email, password=WRONG_PASSWORD, now=locked_at) is None

    almost = locked_at + LOCKOUT - timedelta(seconds=1)
    assert begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=almost) is None
    assert begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=locked_at + LOCKOUT) is not None


def test_wrong_codes_count_towards_the_lockout_too(client, db):
    user, secret = add_staff_user(db)
    for _ in range(MAX_FAILED_SIGN_INS):
        enter_password(client, user.email)
        assert enter_code(client, wrong_code(secret)).headers["Location"] == SIGN_IN

    assert enter_password(client, user.email).headers["Location"] == SIGN_IN
    assert [event.details for event in events(db, "staff.sign_in_failed")][-2:] == [
        {"step": "code", "reason": "code"}, {"step": "password", "reason": "locked"}]


def test_a_complete_sign_in_resets_the_count_but_a_right_password_alone_does_not(app, db):
    user, secret = add_staff_user(db)
    client = app.test_client()
    for _ in range(MAX_FAILED_SIGN_INS - 2):
        enter_password(client, user.email, WRONG_PASSWORD)
    enter_password(client, user.email)  # right, but the code step never comes
    enter_password(client, user.email, WRONG_PASSWORD)
    db.refresh(user)
    assert user.failed_sign_ins == MAX_FAILED_SIGN_INS - 1

    enter_password(client, user.email)
    assert enter_code(client, totp_code(secret)).headers["Location"] == HOME

    db.refresh(user)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)


# The code


def test_a_code_is_accepted_only_once(app, db):
    user, secret = add_staff_user(db)
    code = totp_code(secret)
    first, second = app.test_client(), app.test_client()
    enter_password(first, user.email)
    assert enter_code(first, code).headers["Location"] == HOME

    enter_password(second, user.email)
    assert enter_code(second, code).headers["Location"] == SIGN_IN

    assert events(db, "staff.sign_in_failed")[-1].details == {"step": "code", "reason": "code_reused"}
    enter_password(second, user.email)
    assert enter_code(second, totp_code(secret, steps_later=1)).headers["Location"] == HOME


def test_the_code_of_the_step_before_or_after_is_accepted_but_not_older_ones(db):
    user, secret = add_staff_user(db)
    now = utcnow()
    step = pyotp.TOTP(secret).timecode(now)

    def attempt(code_step: int) -> str | None:
        token = begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=now)
        return finish_sign_in(db, token, pyotp.TOTP(secret).generate_otp(code_step), now=now)

    assert attempt(step - 2) is None
    assert attempt(step - 1) is not None
    assert attempt(step - 1) is None  # used
    assert attempt(step + 1) is not None
    assert attempt(step) is None  # older than the code used last


def test_the_code_step_must_follow_the_password_within_ten_minutes(client, db):
    user, _ = add_staff_user(db)
    enter_password(client, user.email)
    move_sessions_back(db, user, created_at=CODE_STEP_LIMIT + timedelta(seconds=1), last_seen_at=timedelta(0))

    assert client.get(SIGN_IN_CODE).headers["Location"] == "/staff/signed-out"


# Sessions


def test_a_session_idle_for_fifteen_minutes_ends(client, db):
    user = sign_in_staff(client, db)
    move_sessions_back(db, user, last_seen_at=IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get(HOME).status_code == 200  # and seen again now

    move_sessions_back(db, user, last_seen_at=IDLE_TIMEOUT + timedelta(seconds=1))

    assert client.get(HOME).headers["Location"] == "/staff/signed-out"
    assert client.get(HOME).headers["Location"] == SIGN_IN  # the cookie no longer holds the token
    assert events(db, "staff.signed_out")[-1].details["reason"] == "idle"
    assert all(record.ended_at is not None for record in sessions_of(db, user))


def test_a_session_ends_twelve_hours_after_signing_in_however_busy(client, db):
    user = sign_in_staff(client, db)

    move_sessions_back(db, user, created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(minutes=1))

    assert client.get(HOME).headers["Location"] == "/staff/signed-out"
    assert events(db, "staff.signed_out")[-1].details["reason"] == "time_limit"


def run_clock(monkeypatch) -> list:
    """The console's clock, from now, moved on by the test: clock[0] += timedelta(...)."""
    clock = [utcnow()]
    monkeypatch.setattr(auth, "utcnow", lambda: clock[0])
    return clock


def test_a_progress_page_polling_by_itself_does_not_keep_the_session_alive(client, db, monkeypatch):
    user = sign_in_staff(client, db)
    campaign = add_approved_campaign(db)
    clock = run_clock(monkeypatch)

    answers = []
    for _minute in range(16):  # the script asks every few seconds; once a minute is enough to show it
        clock[0] += timedelta(minutes=1)
        answers.append(client.get(f"/staff/campaigns/{campaign.id}/progress.json").status_code)

    assert answers[:14] == [200] * 14  # the session is checked on every poll, and holds until idle
    assert answers[-1] == 302
    assert client.get(HOME).headers["Location"] == SIGN_IN
    assert events(db, "staff.signed_out")[-1].details["reason"] == "idle"
    assert all(record.ended_at is not None for record in sessions_of(db, user))


def test_a_person_at_work_keeps_the_session_alive_past_fifteen_minutes(client, db, monkeypatch):
    user = sign_in_staff(client, db)
    campaign = add_approved_campaign(db)
    clock = run_clock(monkeypatch)

    for _minute in range(20):
        clock[0] += timedelta(minutes=1)
        assert client.get(f"/staff/campaigns/{campaign.id}/progress").status_code == 200

    assert [record.ended_at for record in sessions_of(db, user)][-1] is None


def test_last_seen_is_written_at_most_once_a_minute(db):
    user, secret = add_staff_user(db)
    now = utcnow()
    token = finish_sign_in(db, begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=now),
                           totp_code(secret, at=now), now=now)

    assert resume_staff_session(db, token, now=now + SEEN_EVERY).last_seen_at == now
    later = now + SEEN_EVERY + timedelta(seconds=1)
    assert resume_staff_session(db, token, now=later).last_seen_at == later


def test_a_passive_request_is_checked_but_not_counted_as_activity(db):
    user, secret = add_staff_user(db)
    now = utcnow()
    token = finish_sign_in(db, begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=now),
                           totp_code(secret, at=now), now=now)

    polled = resume_staff_session(db, token, now=now + timedelta(minutes=10), passive=True)
    assert polled is not None and polled.last_seen_at == now
    assert resume_staff_session(db, token, now=now + IDLE_TIMEOUT + timedelta(seconds=1), passive=True) is None
    assert sessions_of(db, user)[-1].ended_at is not None


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless(app, client, db):
    user = sign_in_staff(client, db)
    copied = client.get_cookie("session").value

    response = client.post("/staff/sign-out", data={"csrf_token": staff_csrf_token(client)})

    assert response.headers["Location"] == "/staff/signed-out"
    assert "You are signed out" in text_of(client.get("/staff/signed-out"))
    assert client.get(HOME).headers["Location"] == SIGN_IN
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(HOME).status_code == 302
    assert thief.get(HOME).headers["Location"] == SIGN_IN
    [signed_out] = events(db, "staff.signed_out")
    assert (signed_out.actor_id, signed_out.details["reason"]) == (str(user.id), "signed_out")


@pytest.mark.parametrize("how", ["service", "flag"])
def test_deactivated_staff_are_signed_out_at_once(client, db, how):
    user = sign_in_staff(client, db)

    if how == "service":
        deactivate_staff_user(db, user, actor_type="system", actor_id=None, now=utcnow())
    else:
        user.active = False
    db.commit()

    assert client.get(HOME).headers["Location"] == "/staff/signed-out"
    assert all(record.ended_at is not None for record in sessions_of(db, user))
    assert events(db, "staff.signed_out")[-1].details["reason"] == "deactivated"


def test_each_sign_in_step_starts_a_new_cookie_session_and_token(app, client, db):
    user, secret = add_staff_user(db)
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
    enter_password(client, user.email)
    with client.session_transaction() as half:
        assert "planted" not in half
        half_token = half["staff_token"]

    enter_code(client, totp_code(secret))

    with client.session_transaction() as full:
        assert full["staff_token"] != half_token
    replay = app.test_client()
    with replay.session_transaction() as stolen:
        stolen["staff_token"] = half_token
    assert replay.get(HOME).headers["Location"] == "/staff/signed-out"


def test_resuming_a_session_needs_its_exact_token(db):
    user, secret = add_staff_user(db)
    now = utcnow()
    token = finish_sign_in(db, begin_sign_in(db, email=user.email, password=STAFF_PASSWORD, now=now),
                           totp_code(secret, at=now), now=now)

    assert resume_staff_session(db, token, now=now).staff_user_id == user.id
    assert resume_staff_session(db, token[:-1], now=now) is None
    assert resume_staff_session(db, None, now=now) is None
    stored = sessions_of(db, user)[-1]
    assert token.encode() not in stored.token_hash and len(stored.token_hash) == 32


# The record


def test_the_audit_trail_and_the_log_name_accounts_by_id_never_by_email(app, db, caplog):
    _, secret = add_staff_user(db, email="Audit.Me@Agency.example")
    for failure in FAILURES:
        failure(app.test_client(), db)
    client = app.test_client()
    enter_password(client, "audit.me@agency.example", WRONG_PASSWORD)
    enter_password(client, "audit.me@agency.example")
    enter_code(client, totp_code(secret))
    client.post("/staff/sign-out", data={"csrf_token": staff_csrf_token(client)})

    recorded = events(db)
    actions = {event.action for event in recorded}
    assert {"staff.sign_in_failed", "staff.signed_in", "staff.signed_out"} <= actions
    written = json.dumps([[event.actor_id, event.subject_id, event.details] for event in recorded]).lower()
    for email in ["audit.me", "nobody.here", "agency.example", "not an email address"]:
        assert email not in written
        assert email not in caplog.text.lower()


def test_create_staff_prints_the_provisioning_uri_once(runner, db):
    result = runner.invoke(args=["create-staff", "--email", "once@agency.example", "--name", "Oona Once",
                                 "--role", "viewer"], input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert result.output.count("otpauth://") == 1
    user = db.scalars(select(StaffUser).where(StaffUser.email == "once@agency.example")).one()
    assert pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="Exposure Portal") in \
        result.output


def test_deactivate_staff_locks_the_account_out_and_ends_its_sessions_at_once(runner, client, db):
    user = sign_in_staff(client, db, email="leaving@agency.example")

    result = runner.invoke(args=["deactivate-staff", "Leaving@Agency.example"])

    assert result.exit_code == 0, result.output
    assert "deactivated" in result.output
    db.expire_all()
    assert db.get(StaffUser, user.id).active is False
    assert all(record.ended_at is not None for record in sessions_of(db, user))
    assert client.get(HOME).headers["Location"] == "/staff/signed-out"
    [deactivated] = events(db, "staff.deactivated")
    assert (deactivated.actor_type, deactivated.subject_id, deactivated.details) == ("system", str(user.id), {})
    assert events(db, "staff.signed_out")[-1].details["reason"] == "deactivated"
    assert enter_password(client, user.email).headers["Location"] == SIGN_IN


def test_deactivate_staff_twice_changes_nothing_the_second_time(runner, db):
    add_staff_user(db, email="twice@agency.example")
    runner.invoke(args=["deactivate-staff", "twice@agency.example"])

    again = runner.invoke(args=["deactivate-staff", "twice@agency.example"])

    assert again.exit_code == 0 and "already deactivated" in again.output
    assert len(events(db, "staff.deactivated")) == 1


def test_deactivate_staff_with_an_unknown_email_fails_and_changes_nothing(runner, db):
    result = runner.invoke(args=["deactivate-staff", "nobody@agency.example"])

    assert result.exit_code == 1 and "No staff account has this email address." in result.output
    assert events(db, "staff.deactivated") == []


def test_every_sign_in_page_has_a_title_unique_ids_and_the_language_switcher(client, db):
    user, secret = add_staff_user(db)
    pages = [client.get(SIGN_IN), client.get("/staff/signed-out")]
    enter_password(client, user.email)
    pages.append(client.get(SIGN_IN_CODE))
    enter_code(client, totp_code(secret))
    pages.append(client.get(HOME))

    for response in pages:
        page = text_of(response)
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert response.status_code == 200
        assert sorted(ids) == sorted(set(ids)), ids
        assert re.search(r"<title>[^<]+ – Staff console</title>", page)
        assert page.count("<h1") == 1 and 'class="language-switcher"' in page
