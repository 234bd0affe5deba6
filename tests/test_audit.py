"""The audit log: every change, removal or reordering made behind the application's back is
found by `verify_chain`, which names the first event affected, and by `flask audit verify`."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from portal.cli_security import register
from portal.db import session
from portal.models import AuditEvent
from portal.services.audit import GENESIS_HASH, record_event, verify_chain


@pytest.fixture
def cli(app):
    if "audit" not in app.cli.commands:
        register(app)
    return app.test_cli_runner()


@pytest.fixture
def five_events(db):
    for number in range(1, 6):
        record_event(
            db, actor_type="staff", actor_id=f"staff-{number}", action="person.viewed",
            subject_type="affected_person", subject_id=f"person-{number}", details={"step": number, "codes": ["a"]},
        )
    db.commit()


def run_sql(db, statement):
    db.execute(text(statement))
    db.commit()


def test_events_are_numbered_from_one_and_each_links_to_the_one_before(db, five_events):
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()

    assert [event.id for event in events] == [1, 2, 3, 4, 5]
    assert events[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(events))


def test_a_clean_chain_verifies(db, five_events):
    assert verify_chain(db) == verify_chain(db, batch_size=2)
    assert verify_chain(db).ok
    assert verify_chain(db).events_checked == 5


def test_an_empty_log_verifies(db):
    assert verify_chain(db).ok
    assert verify_chain(db).events_checked == 0


def test_the_command_says_ok_with_the_count_for_a_clean_chain(db, five_events, cli):
    result = cli.invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "OK: 5 audit events checked" in result.output


def test_editing_an_events_action_in_sql_names_that_event(db, five_events, cli):
    run_sql(db, "UPDATE audit_event SET action = 'person.deleted' WHERE id = 3")

    result = verify_chain(db, batch_size=2)

    assert (result.ok, result.broken_event_id, result.events_checked) == (False, 3, 2)
    assert "changed" in result.problem
    command = cli.invoke(args=["audit", "verify"])
    assert command.exit_code == 1
    assert "BROKEN at event 3" in command.output


def test_editing_an_events_details_in_sql_names_that_event(db, five_events, cli):
    run_sql(db, """UPDATE audit_event SET details = '{"codes": ["a"], "step": 99}' WHERE id = 4""")

    assert verify_chain(db).broken_event_id == 4
    assert cli.invoke(args=["audit", "verify"]).exit_code == 1


def test_editing_an_events_time_in_sql_names_that_event(db, five_events):
    later = db.scalar(select(AuditEvent.occurred_at).where(AuditEvent.id == 2)).replace(year=2031)
    db.execute(update(AuditEvent.__table__).where(AuditEvent.id == 2).values(occurred_at=later))

    assert verify_chain(db).broken_event_id == 2


def test_rewriting_an_event_with_an_unkeyed_hash_does_not_pass(db, five_events):
    # Whoever edits the table cannot recompute the hash without LOOKUP_KEY.
    run_sql(db, "UPDATE audit_event SET actor_id = 'staff-9', hash = 'ff' || substr(hash, 3) WHERE id = 2")

    assert verify_chain(db).broken_event_id == 2


def test_deleting_a_middle_event_names_the_missing_id(db, five_events, cli):
    run_sql(db, "DELETE FROM audit_event WHERE id = 3")

    result = verify_chain(db)

    assert (result.ok, result.broken_event_id, result.events_checked) == (False, 3, 2)
    assert "event 3 missing" in result.problem
    command = cli.invoke(args=["audit", "verify"])
    assert command.exit_code == 1
    assert "BROKEN at event 3" in command.output


def test_deleting_several_events_names_the_first_missing_id(db, five_events):
    run_sql(db, "DELETE FROM audit_event WHERE id IN (2, 3)")

    result = verify_chain(db)

    assert result.broken_event_id == 2
    assert "event 2 to 3 missing" in result.problem


def test_deleting_the_first_event_is_detected(db, five_events):
    run_sql(db, "DELETE FROM audit_event WHERE id = 1")

    assert verify_chain(db).broken_event_id == 1


def test_deleting_an_event_and_renumbering_the_rest_names_the_first_renumbered(db, five_events):
    run_sql(db, "DELETE FROM audit_event WHERE id = 3")
    run_sql(db, "UPDATE audit_event SET id = 3 WHERE id = 4")
    run_sql(db, "UPDATE audit_event SET id = 4 WHERE id = 5")

    assert verify_chain(db).broken_event_id == 3


def swap_content(db, first, second):
    """Swap everything but the ids of two events, with plain UPDATE statements."""
    table = AuditEvent.__table__
    rows = {row.id: row._mapping for row in db.execute(select(table).where(table.c.id.in_([first, second])))}
    content = [column.name for column in table.c if column.name != "id"]
    # The hashes are unique: park the first event's while the two change places.
    db.execute(update(table).where(table.c.id == first).values(previous_hash="parked", hash="parked"))
    for target, source in ((second, first), (first, second)):
        db.execute(update(table).where(table.c.id == target).values({name: rows[source][name] for name in content}))
    db.commit()


@pytest.mark.parametrize(("first", "second"), [(2, 3), (2, 4), (1, 5)])
def test_swapping_two_events_content_names_the_first_of_them(db, five_events, cli, first, second):
    swap_content(db, first, second)

    result = verify_chain(db)

    assert (result.ok, result.broken_event_id) == (False, first)
    assert cli.invoke(args=["audit", "verify"]).exit_code == 1


def test_swapping_two_events_ids_names_the_first_of_them(db, five_events, cli):
    run_sql(db, "UPDATE audit_event SET id = -4 WHERE id = 4")
    run_sql(db, "UPDATE audit_event SET id = 4 WHERE id = 2")
    run_sql(db, "UPDATE audit_event SET id = 2 WHERE id = -4")

    assert verify_chain(db).broken_event_id == 2
    assert cli.invoke(args=["audit", "verify"]).exit_code == 1


def test_an_event_moved_below_the_first_id_is_still_read(db, five_events):
    run_sql(db, "UPDATE audit_event SET id = 0 WHERE id = 5")

    result = verify_chain(db)

    assert (result.ok, result.broken_event_id) == (False, 0)
    assert "out of sequence" in result.problem


def test_removing_the_newest_event_cannot_be_seen_from_the_chain_alone(db, five_events):
    run_sql(db, "DELETE FROM audit_event WHERE id = 5")

    # Documented limit: only a count or hash kept elsewhere shows the truncation.
    assert verify_chain(db).ok
    assert verify_chain(db).events_checked == 4


def test_a_second_event_claiming_the_same_predecessor_is_refused(db, five_events):
    newest = db.scalar(select(AuditEvent).where(AuditEvent.id == 5))
    fork = AuditEvent(
        id=6, occurred_at=newest.occurred_at, actor_type="staff", actor_id=None, action="fork",
        details={}, previous_hash=newest.previous_hash, hash="f" * 64,
    )
    db.add(fork)

    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


@pytest.mark.postgresql_only  # only PostgreSQL hands times back in the session's time zone
def test_the_hash_does_not_depend_on_the_database_time_zone(db, five_events):
    db.execute(text("SET LOCAL TIME ZONE 'America/Havana'"))

    assert verify_chain(db).ok


@pytest.mark.postgresql_only  # SQLite has one writer at a time; PostgreSQL writers wait on the advisory lock
def test_concurrent_writers_keep_one_unbroken_chain(committed_app):
    barrier = threading.Barrier(4)

    def write_events(worker: int) -> None:
        with committed_app.app_context():
            db = session()
            barrier.wait()
            for number in range(10):
                record_event(db, actor_type="worker", actor_id=str(worker), action="test.concurrent",
                             details={"number": number})
                db.commit()

    threads = [threading.Thread(target=write_events, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with committed_app.app_context():
        result = verify_chain(session())
    assert (result.ok, result.events_checked) == (True, 40)
