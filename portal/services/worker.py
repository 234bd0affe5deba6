"""The dispatch worker (`flask worker`): one loop that writes outboxes, sends, recovers, asks
the provider about overdue delivery reports and sweeps. Any number may run at once, on any
machine; see dispatch.py for why that is safe."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.messaging.sms import SmsSender
from portal.models import Campaign, CampaignState, utcnow
from portal.services import dispatch
from portal.services.delivery_status import apply_held_reports

SEND_BATCH = 50
TIME_OUTS_EVERY = 60.0  # seconds: messages time out after days, and the query reads every sent row


@dataclass
class Every:
    """Lets a chore run at most once every `seconds`, however often a loop passes."""

    seconds: float
    _next: float = 0.0  # time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True


@dataclass
class Worker:
    name: str
    sms_for: Callable[[Session], SmsSender]  # the outbox sender writes in the same session
    pace: dispatch.SendPace
    settings: dispatch.Settings
    batch: int = SEND_BATCH
    # Sending loops of one process leave writing outboxes to the first, so they do not all hash
    # the same batch of codes (separate processes may still, harmlessly: see _write_outboxes).
    writes_outboxes: bool = True
    # At most `status_checks_per_second` questions a second from this loop.
    _status_checks: Every = field(default_factory=lambda: Every(1.0), init=False, repr=False)
    _time_outs: Every = field(default_factory=lambda: Every(TIME_OUTS_EVERY), init=False, repr=False)

    def work_once(self, db: Session) -> int:
        """One pass; returns how much it did that may have left more to do at once (0: rest a
        while). Held delivery reports and status checks wait for the next pass: on SQLite every
        pass takes the database's write lock, which the delivery-report webhook needs too."""
        sms = self.sms_for(db)
        done = self._write_outboxes(db) if self.writes_outboxes else 0
        claimed = dispatch.claim_due(db, self.name, now=utcnow(), limit=self.batch)
        dispatch.send_claimed(db, sms, self.pace, claimed, worker=self.name, clock=utcnow,
                              first_retry=self.settings.first_retry, renew_every=self.settings.claim_renewal,
                              status_check_after=self.settings.status_check_after)
        done += len(claimed)
        done += dispatch.reconcile_unconfirmed(db, sms, now=utcnow(), worker=self.name,
                                               stale_after=self.settings.stale_claim,
                                               first_retry=self.settings.first_retry,
                                               status_check_after=self.settings.status_check_after)
        apply_held_reports(db, now=utcnow())
        db.commit()
        if self._status_checks.due():
            dispatch.check_overdue_statuses(db, sms, now=utcnow(), check_after=self.settings.status_check_after,
                                            limit=self.settings.status_checks_per_second)
        if self._time_outs.due():
            done += dispatch.time_out_silent_messages(db, self.settings, now=utcnow())
        dispatch.complete_finished_campaigns(db, now=utcnow())
        return done

    def run(self, sessions: Callable[[], Session], *, stop: Callable[[], bool], idle_seconds: float = 1.0) -> None:
        """Work until `stop()` says so, resting while there is nothing to do."""
        while not stop():
            with sessions() as db:
                done = self.work_once(db)
            if not done:
                time.sleep(idle_seconds)

    def _write_outboxes(self, db: Session) -> int:
        # Worker processes may pick the same campaign: write_notifications skips people already
        # written, and UNIQUE (campaign, person) refuses a collision, so two writers cost at most
        # hashing one batch of codes twice.
        campaign = db.scalars(select(Campaign).where(Campaign.state == CampaignState.APPROVED)
                              .order_by(Campaign.decided_at).limit(1)).first()
        if campaign is None:
            db.rollback()
            return 0
        try:
            return dispatch.write_notifications(db, campaign, self.settings, now=utcnow()) or 1
        except IntegrityError:
            # Another worker wrote the same people first.
            db.rollback()
            return 1
