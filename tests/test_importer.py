from datetime import date

import pytest
from sqlalchemy import func, select

from portal.models import (
    AffectedPerson,
    ContactChannel,
    ContactPreference,
    CustodyStatus,
    DataCategory,
    Exposure,
    IncidentKind,
    PersonRemedy,
    Remedy,
    utcnow,
)
from portal.security.context import blind_index
from portal.services.affected_list import UnreadableFile
from portal.services.importer import import_affected_file
from portal.services.incidents import add_incident
from tests.affected_files import GOOD_ROWS, HEADINGS, write_csv, write_xlsx


@pytest.fixture
def incidents(db):
    add_incident(
        db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
        exposure_hours=5, data_categories=list(DataCategory),
    )
    add_incident(
        db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
        occurred_on=date(2022, 12, 7), disclosed_to_country="CU",
        data_categories=[DataCategory.NAME, DataCategory.PROTECTION_CLAIM],
    )
    db.commit()


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def person_by_a_number(db, a_number):
    return db.scalar(select(AffectedPerson).where(AffectedPerson.a_number_index == blind_index().a_number(a_number)))


BAD_ROWS = [
    ["A-12", "Pérez", "Ana", "1990-01-01", "Mexico", "", "in custody", "", "", "", "", "", "2022-11-posting", ""],
    ["201555004", "", "Omar", "13/45/1990", "Atlantis", "", "asleep", "12", "", "", "", "Gobbledygook", "", "gossip"],
]


def test_a_list_with_bad_rows_imports_nothing_and_names_each_bad_cell(db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)

    report = import_affected_file(db, path)
    db.rollback()

    assert count(db, AffectedPerson) == 0
    problems = {(problem.row_number, problem.column): str(problem.reason) for problem in report.problems}
    assert problems == {
        (5, "A-Number"): "is not an A-number (8 or 9 digits, with or without A)",
        (6, "Last Name"): "is empty",
        (6, "Date of Birth"): "is not a date we can read (use YYYY-MM-DD or MM/DD/YYYY)",
        (6, "Country of Nationality"): "is not a country name or ISO country code we know",
        (6, "Custody Status"): "must be one of: in custody, released, removed",
        (6, "Phone"): "is not a phone number we can use (add the country code for numbers outside the US)",
        (6, "Preferred Language"): "is not a language name or language code we know",
        (6, "Incidents"): "names no incident",
        (6, "Categories Exposed"): "names a kind of data we do not know",
    }
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)


def test_problems_never_repeat_the_cell_contents(db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", BAD_ROWS)

    report = import_affected_file(db, path)

    reasons = " ".join(str(problem.reason) for problem in report.problems)
    for cell in ("A-12", "Omar", "13/45/1990", "Atlantis", "asleep", "Gobbledygook", "gossip"):
        assert cell not in reasons


def test_the_fixed_list_imports_and_importing_it_again_changes_nothing(db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)

    first = import_affected_file(db, path)
    db.commit()
    counts = [count(db, model) for model in (AffectedPerson, Exposure, ContactPreference, PersonRemedy)]
    second = import_affected_file(db, path)
    db.commit()

    assert (first.created, first.updated, first.unchanged, first.problems) == (3, 0, 0, [])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert counts == [3, 4, 3, 5]
    assert [count(db, model) for model in (AffectedPerson, Exposure, ContactPreference, PersonRemedy)] == counts


def test_an_xlsx_list_imports_the_same_values_as_a_csv_list(db, incidents, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", GOOD_ROWS)

    report = import_affected_file(db, path)
    db.commit()

    assert report.created == 3
    person = person_by_a_number(db, "201555001")
    assert (person.last_name, person.first_name) == ("Gutiérrez Morales", "Lucía Fernanda")
    assert person.date_of_birth == date(1990, 3, 15)
    assert person.nationality == "HN"
    assert person.phone == "+16195550142"
    assert person.custody_status is CustodyStatus.IN_CUSTODY
    assert person.preferred_language == "es"


def test_values_are_stored_in_canonical_form(db, incidents, tmp_path):
    import_affected_file(db, write_csv(tmp_path / "list.csv", GOOD_ROWS))
    db.commit()

    ivanova = person_by_a_number(db, "A 201 555 002")
    removed = person_by_a_number(db, "020155500")

    assert ivanova.a_number == "201555002"
    assert ivanova.nationality == "RU"
    assert ivanova.postal_address == "1450 Wilshire Blvd\nLos Angeles CA 90017"
    assert ivanova.attorney_of_record_index == blind_index().attorney_identifier("ab-123456")
    assert removed.a_number == "020155500"
    assert removed.phone == "+5352345678"
    categories = {exposure.incident.code: sorted(exposure.categories) for exposure in removed.exposures}
    assert categories == {
        "2022-11-posting": ["fear_interview", "name", "protection_claim"],
        "2022-12-disclosure": ["name", "protection_claim"],
    }


def test_remedies_and_contact_channel_follow_the_row(db, incidents, tmp_path):
    import_affected_file(db, write_csv(tmp_path / "list.csv", GOOD_ROWS))
    db.commit()

    def remedies(a_number):
        person = person_by_a_number(db, a_number)
        return sorted(db.scalars(
            select(Remedy.code).join(PersonRemedy).where(PersonRemedy.person_id == person.id)
        ))

    def channel(a_number):
        person = person_by_a_number(db, a_number)
        return db.scalar(select(ContactPreference.channel).where(ContactPreference.person_id == person.id))

    assert remedies("201555001") == ["release_review", "reopening_non_opposition"]
    assert remedies("201555002") == ["reopening_non_opposition"]
    assert remedies("020155500") == ["reopening_non_opposition", "return_assistance"]
    assert channel("201555001") is ContactChannel.SMS


def test_a_custody_change_adds_the_remedy_that_now_applies(db, incidents, tmp_path):
    import_affected_file(db, write_csv(tmp_path / "list.csv", GOOD_ROWS))
    db.commit()
    changed = [row.copy() for row in GOOD_ROWS]
    changed[1][6] = "Removed"

    report = import_affected_file(db, write_csv(tmp_path / "changed.csv", changed))
    db.commit()

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    person = person_by_a_number(db, "201555002")
    assert person.custody_status is CustodyStatus.REMOVED
    codes = db.scalars(select(Remedy.code).join(PersonRemedy).where(PersonRemedy.person_id == person.id)).all()
    assert sorted(codes) == ["reopening_non_opposition", "return_assistance"]


def test_a_contact_choice_made_by_the_person_survives_a_reimport(db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    import_affected_file(db, path)
    person = person_by_a_number(db, "201555001")
    contact = db.scalar(select(ContactPreference).where(ContactPreference.person_id == person.id))
    contact.channel, contact.language, contact.chosen_at = ContactChannel.LETTER, "en", utcnow()
    db.commit()

    import_affected_file(db, path)
    db.commit()

    db.refresh(contact)
    assert (contact.channel, contact.language) == (ContactChannel.LETTER, "en")


def test_headers_match_whatever_their_case_and_punctuation_and_extra_columns_are_listed(db, incidents, tmp_path):
    headings = ["A#", "SURNAME", "given name", "D.O.B.", "Country of Citizenship", "Facility", "custody", "Phone",
                "Address", "Attorney", "EOIR ID", "Language", "Incident", "Data exposed", "Book-in Date", "Case Status"]
    rows = [[*row, "2022-10-01", "pending"] for row in GOOD_ROWS]

    report = import_affected_file(db, write_xlsx(tmp_path / "list.xlsx", rows, headings, cover_sheet=True))

    assert (report.created, report.problems) == (3, [])
    assert report.ignored_columns == ["Book-in Date", "Case Status"]


def test_a_list_without_an_incidents_column_uses_the_incident_given(db, incidents, tmp_path):
    rows = [row[:12] for row in GOOD_ROWS]

    without = import_affected_file(db, write_csv(tmp_path / "a.csv", rows, HEADINGS[:12]))
    with_default = import_affected_file(
        db, write_csv(tmp_path / "b.csv", rows, HEADINGS[:12]), default_incidents=("2022-11-posting",)
    )

    assert {str(problem.reason) for problem in without.problems} == {"names no incident"}
    assert (with_default.created, with_default.problems) == (3, [])


def test_a_repeated_a_number_is_reported_with_the_row_it_repeats(db, incidents, tmp_path):
    repeat = GOOD_ROWS[0].copy()
    repeat[0] = "A201555001"

    report = import_affected_file(db, write_csv(tmp_path / "list.csv", [*GOOD_ROWS, repeat]))

    assert [(p.row_number, p.column, str(p.reason)) for p in report.problems] == [
        (5, "A-Number", "has the same A-number as row 2")
    ]


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad_ones(db, incidents, tmp_path):
    report = import_affected_file(db, write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS), skip_invalid=True)
    db.commit()

    assert (report.created, report.skipped, count(db, AffectedPerson)) == (3, 2, 3)
    assert {problem.row_number for problem in report.problems} == {5, 6}


def test_a_file_without_the_required_headers_is_refused(db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS, ["Name", "Something", *HEADINGS[2:]])

    with pytest.raises(UnreadableFile, match="No header row"):
        import_affected_file(db, path)


def test_an_unknown_file_type_is_refused(db, incidents, tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")

    with pytest.raises(UnreadableFile, match=r"Only \.csv and \.xlsx"):
        import_affected_file(db, path)


def test_the_import_command_exits_with_an_error_and_imports_nothing_when_a_row_is_bad(runner, db, incidents, tmp_path):
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)

    result = runner.invoke(args=["import-affected", str(path)])

    assert result.exit_code == 1
    assert "Row 5, A-Number: is not an A-number" in result.output
    assert "Nothing was imported" in result.output
    assert count(db, AffectedPerson) == 0


def test_the_import_command_reports_counts_and_imports_a_good_list(runner, db, incidents, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", GOOD_ROWS)

    first = runner.invoke(args=["import-affected", str(path)])
    second = runner.invoke(args=["import-affected", str(path)])

    assert first.exit_code == 0, first.output
    assert "Created: 3. Updated: 0. Unchanged: 0. Bad rows: 0." in first.output
    assert "Created: 0. Updated: 0. Unchanged: 3. Bad rows: 0." in second.output
    assert count(db, AffectedPerson) == 3
