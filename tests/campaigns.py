"""Building campaigns for tests: a creator, an approver, and an approved SMS campaign."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portal.messaging.twilio_sms import ProviderMessage, SmsSendError
from portal.models import Campaign, CampaignState, Channel, StaffRole, utcnow
from portal.services.staff import create_staff_user

TEMPLATES = {
    "en": "A notice about your case is ready. Sign in at ((portal_url)) with code ((notice_code)).",
    "es": "Hay un aviso sobre su caso. Entre en ((portal_url)) con el código ((notice_code)).",
}
_emails = itertools.count(1)


def add_staff(db: Session, role: StaffRole):
    user, _secret = create_staff_user(db, email=f"staff{next(_emails)}@agency.example", full_name="Staff Member",
                                      role=role, password="correct horse battery")
    return user


def add_approved_campaign(db: Session, *, audience: dict | None = None, templates: dict | None = None) -> Campaign:
    creator, approver = add_staff(db, StaffRole.NOTIFIER), add_staff(db, StaffRole.APPROVER)
    now = utcnow()
    campaign = Campaign(name="Notice", channel=Channel.SMS, templates=templates or TEMPLATES, audience=audience or {},
                        state=CampaignState.APPROVED, created_by_id=creator.id, approved_by_id=approver.id,
                        submitted_at=now, decided_at=now)
    db.add(campaign)
    db.commit()
    return campaign


class FakeProvider:
    """An SMS provider in memory whose next answers a test can script: "ok", "429", "500",
    "timeout-accepted" (accepted, but the answer never arrived), "timeout-lost", or a
    permanent Twilio error code like "21211"."""

    def __init__(self) -> None:
        self.accepted: list[tuple[str, str, str, datetime]] = []  # sid, recipient, body, created
        self.script: list[str] = []
        self._sids = itertools.count(1)

    def send(self, recipient: str, body: str) -> str:
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome in ("ok", "timeout-accepted"):
            sid = f"SM{next(self._sids):032x}"
            self.accepted.append((sid, recipient, body, utcnow()))
            if outcome == "ok":
                return sid
        if outcome.startswith("timeout"):
            raise SmsSendError(code="timeout", status=None, retryable=True)
        if outcome in ("429", "500"):
            raise SmsSendError(code=outcome, status=int(outcome), retryable=True)
        raise SmsSendError(code=outcome, status=400, retryable=False)

    def messages_to(self, recipient: str) -> list[ProviderMessage]:
        return [ProviderMessage(sid, body, "queued", created)
                for sid, to, body, created in reversed(self.accepted) if to == recipient]

    def count_to(self, recipient: str) -> int:
        return sum(1 for _sid, to, _body, _created in self.accepted if to == recipient)


class NoPace:
    def wait_for_turn(self) -> None:
        return None


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)
