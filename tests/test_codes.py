import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import AffectedPerson, CustodyStatus, NoticeCode
from portal.security import codes
from portal.security.codes import (
    NOTICE_CODE_ALPHABET,
    generate_notice_code,
    generate_one_time_code,
    normalise_notice_code,
)
from portal.security.context import blind_index
from portal.security.hashing import hash_secret, verify_secret
from portal.services.notice_codes import issue_notice_code

DISPLAY_FORM = re.compile(f"[{NOTICE_CODE_ALPHABET}]{{5}}-[{NOTICE_CODE_ALPHABET}]{{5}}")


def test_the_alphabet_is_crockfords_base32_without_i_l_o_or_u():
    assert len(NOTICE_CODE_ALPHABET) == 32
    assert not set("ILOU") & set(NOTICE_CODE_ALPHABET)


def test_a_notice_code_is_shown_as_two_groups_of_five():
    assert DISPLAY_FORM.fullmatch(generate_notice_code())


def test_notice_codes_are_not_repeated():
    assert len({generate_notice_code() for _ in range(2000)}) == 2000


def test_a_generated_code_normalises_to_itself_without_the_hyphen():
    code = generate_notice_code()

    assert normalise_notice_code(code) == code.replace("-", "")


@pytest.mark.parametrize("typed", ["ab1cd-23ef4", "AB1CD23EF4", " ab1c d23e f4 ", "AB1CD–23EF4", "ab1cd\u00a023ef4"])
def test_normalising_ignores_case_spaces_and_hyphens(typed):
    assert normalise_notice_code(typed) == "AB1CD23EF4"


def test_normalising_reads_o_as_zero_and_i_or_l_as_one():
    assert normalise_notice_code("oOiIl-LABCD") == "001111ABCD"


def test_normalising_reads_digits_typed_in_other_scripts():
    assert normalise_notice_code("٠١٢٣٤-٥٦٧٨٩") == "0123456789"  # Arabic-Indic digits
    assert normalise_notice_code("۰۱۲۳۴-AB۷۸۹") == "01234AB789"  # Persian digits
    assert normalise_notice_code("ＡＢ１ＣＤ-２３ＥＦ４") == "AB1CD23EF4"  # full-width forms


@pytest.mark.parametrize("typed", ["", "ABCDE-FGHJ", "ABCDE-FGHJKM", "ABCDE-FGHJU", "ABCDE/FGHJK", "ÀBCDE-FGHJK"])
def test_normalising_rejects_anything_but_ten_characters_of_the_alphabet(typed):
    assert normalise_notice_code(typed) is None


def test_a_one_time_code_is_six_digits():
    assert re.fullmatch(r"[0-9]{6}", generate_one_time_code())


def test_a_one_time_code_keeps_its_leading_zeros(monkeypatch):
    monkeypatch.setattr(codes.secrets, "randbelow", lambda limit: 42)

    assert generate_one_time_code() == "000042"


@pytest.fixture
def person(db):
    person = AffectedPerson(a_number_index=blind_index().a_number("201555001"), custody_status=CustodyStatus.RELEASED)
    db.add(person)
    db.flush()
    return person


def test_issuing_a_notice_code_stores_only_its_argon2id_hash(db, person):
    code = issue_notice_code(db, person.id)

    stored = db.scalars(select(NoticeCode).where(NoticeCode.person_id == person.id)).one()
    assert DISPLAY_FORM.fullmatch(code)
    assert stored.code_hash.startswith("$argon2id$")
    assert code.replace("-", "") not in stored.code_hash
    assert verify_secret(stored.code_hash, normalise_notice_code(code))
    assert stored.expires_at is None


def test_a_notice_code_typed_carelessly_still_matches_its_hash(db, person):
    code = issue_notice_code(db, person.id)
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    stored = db.scalars(select(NoticeCode).where(NoticeCode.person_id == person.id)).one()
    assert verify_secret(stored.code_hash, normalise_notice_code(typed))


def test_a_notice_code_issued_for_a_period_expires_after_it(db, person):
    issue_notice_code(db, person.id, valid_for=timedelta(days=90))

    stored = db.scalars(select(NoticeCode).where(NoticeCode.person_id == person.id)).one()
    assert stored.expires_at - stored.issued_at == timedelta(days=90)


def test_secrets_are_hashed_with_argon2id_at_owasps_minimum_cost():
    assert hash_secret("K7QM4TX2PB").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
