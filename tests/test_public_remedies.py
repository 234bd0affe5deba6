from sqlalchemy import select

from portal.models import AuditEvent, PersonRemedy, Remedy, RemedyEvent, RemedyStatus
from tests.pages import submit, text_of
from tests.test_public_identify import person, sign_in_with_notice_code  # noqa: F401


def status_of(db, person_id, code):
    return db.scalar(
        select(PersonRemedy.status).join(Remedy).where(PersonRemedy.person_id == person_id, Remedy.code == code)
    )


def test_a_person_sees_every_remedy_with_whether_it_applies(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    page = text_of(client.get("/you/remedies"))

    assert "Review of your detention" in page
    assert "Reopening your case" in page
    assert "Help to come back" in page
    assert page.count("You can ask for this") == 2
    assert page.count("Does not apply to you") == 1


def test_asking_for_a_remedy_records_it_and_says_what_happens_next(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    response = submit(client, "/you/remedies/release_review", {})

    assert response.headers["Location"] == "/you/remedies/release_review/requested"
    confirmation = text_of(client.get(response.headers["Location"]))
    assert "We have your request" in confirmation
    assert "An officer will review your case within 30 days" in confirmation
    assert status_of(db, person["id"], "release_review") is RemedyStatus.REQUESTED
    history = db.scalars(select(RemedyEvent.status)).all()
    assert history == [RemedyStatus.REQUESTED]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "remedy.requested")).one()
    assert (event.actor_type, event.subject_id) == ("person", str(person["id"]))
    assert event.details == {"remedy": "release_review"}
    assert "You asked for this" in text_of(client.get("/you/remedies/release_review"))


def test_a_remedy_that_does_not_apply_cannot_be_asked_for(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    page = text_of(client.get("/you/remedies/return_assistance"))
    response = submit(client, "/you/remedies/return_assistance", {})

    assert "Ask for this" not in page
    assert response.headers["Location"] == "/you/remedies/return_assistance"
    assert db.scalars(select(RemedyEvent)).all() == []


def test_asking_twice_changes_nothing_the_second_time(client, db, person):  # noqa: F811
    sign_in_with_notice_code(client, person)
    submit(client, "/you/remedies/release_review", {})

    submit(client, "/you/remedies/release_review", {})

    assert len(db.scalars(select(RemedyEvent)).all()) == 1


def test_an_unknown_remedy_is_not_found(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    assert client.get("/you/remedies/free-money").status_code == 404


def test_remedy_pages_need_a_session(client):
    assert client.get("/you/remedies").headers["Location"] == "/signed-out"
    assert client.get("/you/remedies/release_review").headers["Location"] == "/signed-out"
