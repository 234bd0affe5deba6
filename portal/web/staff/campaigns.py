"""The campaign pages: write a notice, see who it reaches and what it costs, submit it,
approve or reject it (someone else), watch it go out, and download its delivery report.

The rules live in `portal.services.campaigns`; these views parse forms, call it and show
its answers. Decisions are audited by the service."""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import format_currency, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from portal.db import database
from portal.db import session as db_session
from portal.messaging.pace import Unpaced
from portal.messaging.sms import sms_sender
from portal.models import (
    Campaign,
    CampaignState,
    Incident,
    Notification,
    NotificationState,
    Remedy,
    utcnow,
)
from portal.security.rate_limits import limiter
from portal.services import audience_lists, campaigns
from portal.services.audit import record_event
from portal.services.campaign_tests import locales_to_test, send_campaign_test
from portal.services.dispatch import Settings, notice_text
from portal.services.queues import staff_names
from portal.services.worker import Worker
from portal.web.staff import blueprint, staff_may
from portal.web.staff.auth import signed_in_staff, staff_required
from portal.web.staff.campaign_forms import (
    OTHER_LOCALES,
    AudienceListForm,
    CampaignForm,
    DecisionForm,
    ListConfirmForm,
    SubmitForm,
    language_name,
)
from portal.web.staff.campaign_test_form import TEST_RESULT, campaign_test_form, campaign_test_messages
from portal.web.staff.words import CUSTODY_WORDS, NOTIFICATION_STATE_WORDS
from portal.web.wording import remedy_words

FORM_LIMIT = "30 per 10 minutes"
DEFAULT_PRICE_PER_SEGMENT = Decimal("0.0083")
REPORT_BATCH = 1000
IN_PROCESS_DEADLINE = timedelta(minutes=30)  # local use: give up rather than run forever
log = logging.getLogger(__name__)

STATE_WORDS = {
    CampaignState.DRAFT: _l("Draft"),
    CampaignState.SUBMITTED: _l("Waiting for approval"),
    CampaignState.APPROVED: _l("Approved"),
    CampaignState.REJECTED: _l("Rejected"),
    CampaignState.SENDING: _l("Sending"),
    CampaignState.COMPLETED: _l("Completed"),
    CampaignState.CANCELLED: _l("Cancelled"),
}
STILL_GOING = (NotificationState.PENDING, NotificationState.SENDING)
REPORT_COLUMNS = ("notification_id", "locale", "state", "error_code", "sent_at", "delivered_at")


# Lists


@blueprint.get("/campaigns")
@staff_required("view_people")
def campaigns_list():
    db = db_session()
    rows = db.scalars(select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template("staff/campaigns/list.html", campaigns=rows, counts=campaigns.message_counts(db, rows),
                           no_messages=campaigns.MessageCounts(), state_words=STATE_WORDS,
                           may_write=staff_may("write_campaigns"))


@blueprint.get("/campaigns/approvals")
@staff_required("approve_campaigns")
def campaign_approvals():
    db = db_session()
    waiting = db.scalars(select(Campaign).where(Campaign.state == CampaignState.SUBMITTED)
                         .order_by(Campaign.submitted_at)).all()
    return render_template("staff/campaigns/approvals.html", campaigns=waiting,
                           authors=staff_names(db, {each.created_by_id for each in waiting}))


# Writing a campaign


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@staff_required("write_campaigns")
def campaign_new():
    form = _campaign_form()
    if not form.validate_on_submit():
        return _new_page(form)
    db = db_session()
    try:
        campaign = campaigns.create_draft(db, signed_in_staff(), name=form.name.data.strip(),
                                          templates=form.templates(), audience=form.audience())
    except campaigns.CampaignRefused as refusal:
        db.rollback()
        form.text_en.errors = [str(refusal)]
        return _new_page(form)
    _schedule(campaign, form)
    uploaded = form.a_number_list.uploaded
    if uploaded is not None:
        audience_lists.attach_list(db, signed_in_staff(), campaign, uploaded)
    db.commit()
    if uploaded is not None:  # nothing goes further before the notifier has seen the check
        return redirect(url_for("staff.campaign_list_check", campaign_id=campaign.id))
    return redirect(url_for("staff.campaign", campaign_id=campaign.id))


def _campaign_form() -> CampaignForm:
    """The form, its choices read from the incidents and remedies tables."""
    form = CampaignForm()
    db = db_session()
    form.incident.choices = [SelectChoice("", gettext("Any incident"))] + [
        SelectChoice(code) for code in db.scalars(select(Incident.code).order_by(Incident.occurred_on))]
    form.remedy.choices = [SelectChoice("", gettext("Any, or none"))] + [
        SelectChoice(code, remedy_words(code, "title"))
        for code in db.scalars(select(Remedy.code).order_by(Remedy.sort_order))]
    form.languages.choices = [SelectChoice(code, language_name(code)) for code in ("en", *OTHER_LOCALES)]
    return form


def _new_page(form: CampaignForm):
    return render_template("staff/campaigns/new.html", form=form, warnings=form.text_warnings())


def _schedule(campaign: Campaign, form: CampaignForm) -> None:
    campaign.timezone = form.timezone.data
    campaign.send_after = form.send_after_utc()
    campaign.quiet_start, campaign.quiet_end = form.quiet_start.data, form.quiet_end.data


# The check of an uploaded list of A-numbers (see portal/services/audience_lists.py)


@blueprint.get("/campaigns/<uuid:campaign_id>/a-number-list")
@staff_required("view_people")
def campaign_list_check(campaign_id: uuid.UUID):
    return _list_check_page(_campaign_or_404(campaign_id))


@blueprint.post("/campaigns/<uuid:campaign_id>/a-number-list/upload")
@limiter.limit(FORM_LIMIT)
@staff_required("write_campaigns")
def campaign_list_upload(campaign_id: uuid.UUID):
    """Another list for a draft: it replaces the old one and needs a check of its own."""
    found = _campaign_or_404(campaign_id)
    form = AudienceListForm()
    if not form.validate_on_submit():
        return _list_check_page(found, upload_form=form)
    db = db_session()
    try:
        audience_lists.attach_list(db, signed_in_staff(), found, form.a_number_list.uploaded)
    except campaigns.CampaignRefused as refusal:
        db.rollback()
        form.a_number_list.errors = [str(refusal)]
        return _list_check_page(found, upload_form=form)
    db.commit()
    return redirect(url_for("staff.campaign_list_check", campaign_id=found.id))


@blueprint.post("/campaigns/<uuid:campaign_id>/a-number-list/confirm")
@limiter.limit(FORM_LIMIT)
@staff_required("write_campaigns")
def campaign_list_confirm(campaign_id: uuid.UUID):
    found = _campaign_or_404(campaign_id)
    form = ListConfirmForm()
    if not form.validate_on_submit():
        return _list_check_page(found, confirm_form=form)
    db = db_session()
    try:
        audience_lists.confirm_list(db, signed_in_staff(), found, leave_out_problems=form.leave_out_problems.data)
    except campaigns.CampaignRefused as refusal:
        db.rollback()
        form.leave_out_problems.errors = [str(refusal)]
        return _list_check_page(found, confirm_form=form)
    db.commit()
    return redirect(url_for("staff.campaign", campaign_id=found.id))


def _list_check_page(found: Campaign, *, upload_form: AudienceListForm | None = None,
                     confirm_form: ListConfirmForm | None = None):
    # `form` (the one with errors, if any) puts "Error:" in the title and the summary on top.
    with_errors = {"form": upload_form or confirm_form} if upload_form or confirm_form else {}
    return render_template(
        "staff/campaigns/list_check.html", campaign=found, check=audience_lists.list_check_of(found.audience),
        upload_form=upload_form or AudienceListForm(formdata=None),
        confirm_form=confirm_form or ListConfirmForm(formdata=None),
        may_write=staff_may("write_campaigns") and found.state is CampaignState.DRAFT, **with_errors)


# One campaign


@blueprint.get("/campaigns/<uuid:campaign_id>")
@staff_required("view_people")
def campaign(campaign_id: uuid.UUID):
    return _campaign_page(_campaign_or_404(campaign_id))


@blueprint.post("/campaigns/<uuid:campaign_id>/test")
@limiter.limit(FORM_LIMIT)
@staff_required("write_campaigns")
def campaign_test(campaign_id: uuid.UUID):
    """Text the preview, in the chosen language or in each, to the staff member's own
    confirmed phone (`portal.services.campaign_tests`), then show what happened on the
    campaign page. Without a confirmed phone nothing is sent and the page says so."""
    found = _campaign_or_404(campaign_id)
    form = campaign_test_form(found)
    if not form.validate_on_submit():
        return _campaign_page(found)
    db = db_session()
    result = send_campaign_test(db, found, signed_in_staff(), sms_sender(db),
                                locales=locales_to_test(found, form.language.data),
                                portal_url=current_app.config["PUBLIC_BASE_URL"], now=utcnow())
    db.commit()
    for message in campaign_test_messages(result):
        flash(message, TEST_RESULT)
    return redirect(url_for("staff.campaign", campaign_id=found.id, _anchor="test-message"))


@blueprint.post("/campaigns/<uuid:campaign_id>/submit")
@limiter.limit(FORM_LIMIT)
@staff_required("write_campaigns")
def campaign_submit(campaign_id: uuid.UUID):
    found = _campaign_or_404(campaign_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _campaign_page(found, submit_form=form)
    db = db_session()
    try:
        audience_lists.require_checked(found)
        campaigns.submit(db, found, signed_in_staff(), now=utcnow(), confirm_repeat=form.confirm_repeat.data)
    except campaigns.CampaignRefused as refusal:
        db.rollback()
        form.confirm_repeat.errors = [str(refusal)]
        return _campaign_page(found, submit_form=form)
    db.commit()
    return redirect(url_for("staff.campaign", campaign_id=found.id))


@blueprint.post("/campaigns/<uuid:campaign_id>/decision")
@limiter.limit(FORM_LIMIT)
@staff_required("approve_campaigns")
def campaign_decide(campaign_id: uuid.UUID):
    found = _campaign_or_404(campaign_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _campaign_page(found, decision_form=form)
    db = db_session()
    try:
        form.apply(campaigns.approve, campaigns.reject, db, found, signed_in_staff(), now=utcnow())
    except campaigns.CampaignRefused as refusal:
        db.rollback()
        form.decision.errors = [str(refusal)]
        return _campaign_page(found, decision_form=form)
    db.commit()
    if found.state is CampaignState.APPROVED:
        _send_in_process(found.id)
        return redirect(url_for("staff.campaign_progress", campaign_id=found.id))
    return redirect(url_for("staff.campaign", campaign_id=found.id))


def _campaign_or_404(campaign_id: uuid.UUID) -> Campaign:
    found = db_session().get(Campaign, campaign_id)
    if found is None:
        abort(404)
    return found


def _campaign_page(found: Campaign, *, submit_form: SubmitForm | None = None,
                   decision_form: DecisionForm | None = None):
    db = db_session()
    user = signed_in_staff()
    portal_url = current_app.config["PUBLIC_BASE_URL"]
    estimates = campaigns.estimate(db, found, portal_url=portal_url, price_per_segment=_price_per_segment())
    # `form` (the one with errors, if any) puts "Error:" in the title and the summary on top.
    with_errors = {"form": submit_form or decision_form} if submit_form or decision_form else {}
    return render_template(
        "staff/campaigns/campaign.html", campaign=found, **with_errors,
        submit_form=submit_form or SubmitForm(formdata=None),
        decision_form=decision_form or DecisionForm(formdata=None),
        estimates=estimates, total_recipients=sum(item.recipients for item in estimates),
        total_cost=sum((item.cost for item in estimates), Decimal(0)), previews=_previews(found, portal_url),
        language_name=language_name, state_words=STATE_WORDS,
        names=staff_names(db, {found.created_by_id, found.approved_by_id}),
        audience=_audience_lines(found.audience), money=_money, price_per_segment=_price_per_segment(),
        sample_code=campaigns.SAMPLE_CODE, local_time=_local_time,
        list_check=audience_lists.list_check_of(found.audience),
        may_write=staff_may("write_campaigns") and found.state is CampaignState.DRAFT,
        may_decide=staff_may("approve_campaigns") and found.state is CampaignState.SUBMITTED,
        wrote_it=user is not None and user.id == found.created_by_id,
        repeats=found.state is CampaignState.DRAFT and campaigns.repeats_recent_campaign(db, found, now=utcnow()),
    )


def _previews(found: Campaign, portal_url: str) -> list[tuple[str, str, list[str]]]:
    """(locale, the text as sent with a sample code, its warnings) for each language written."""
    return [(locale, notice_text(found, locale, campaigns.SAMPLE_CODE, portal_url),
             campaigns.check_text(text).warnings) for locale, text in found.templates.items()]


def _audience_lines(audience: dict) -> list[tuple[str, str]]:
    """The audience filters in words, "any" where a filter is not set."""
    custody = [str(CUSTODY_WORDS.get(status, status)) for status in audience.get("custody_status", [])]
    languages = [language_name(code) for code in audience.get("languages", [])]
    remedy = audience.get("remedy")
    return [
        (gettext("Incident:"), audience.get("incident") or gettext("any")),
        (gettext("Custody status:"), ", ".join(custody) or gettext("any")),
        (gettext("Languages:"), ", ".join(languages) or gettext("any")),
        (gettext("Remedy:"), remedy_words(remedy, "title") if remedy else gettext("any, or none")),
    ]


def _money(amount: Decimal) -> str:
    # Up to four decimals: one text message costs less than a cent.
    return format_currency(amount, "USD", "¤#,##0.00##", currency_digits=False)


def _local_time(moment: datetime, zone: str) -> str:
    return format_datetime(moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None), "medium")


def _price_per_segment() -> Decimal:
    return Decimal(str(current_app.config.get("SMS_PRICE_PER_SEGMENT", DEFAULT_PRICE_PER_SEGMENT)))


# Progress and report


@blueprint.get("/campaigns/<uuid:campaign_id>/progress")
@staff_required("view_people")
def campaign_progress(campaign_id: uuid.UUID):
    found = _campaign_or_404(campaign_id)
    return render_template("staff/campaigns/progress.html", campaign=found, progress=_progress(found),
                           progress_words=NOTIFICATION_STATE_WORDS, state_words=STATE_WORDS)


@blueprint.get("/campaigns/<uuid:campaign_id>/progress.json")
@staff_required("view_people", passive=True)
def campaign_progress_json(campaign_id: uuid.UUID):
    """The progress page's numbers, for its script to refresh them without a reload."""
    found = _campaign_or_404(campaign_id)
    numbers = _progress(found)
    shown = {state: format_decimal(count) for state, count in numbers["counts"].items()}
    return jsonify(state=found.state.value, state_label=str(STATE_WORDS[found.state]),
                   counts=numbers["counts"], shown=shown, total=numbers["total"], done=numbers["done"],
                   finished=numbers["finished"])


def _progress(found: Campaign) -> dict[str, object]:
    counts = campaigns.progress(db_session(), found.id)
    by_state = {state.value: counts.get(state.value, 0) for state in NOTIFICATION_STATE_WORDS}
    total = sum(by_state.values())
    waiting = sum(by_state[state.value] for state in STILL_GOING)
    finished = found.state in (CampaignState.COMPLETED, CampaignState.CANCELLED, CampaignState.REJECTED)
    return {"counts": by_state, "total": total, "done": total - waiting, "finished": finished}


@blueprint.get("/campaigns/<uuid:campaign_id>/report.csv")
@staff_required("view_people")
def campaign_report(campaign_id: uuid.UUID):
    """One row per notification, with ids, states and times only: nothing about the person."""
    found = _campaign_or_404(campaign_id)
    db = db_session()
    user = signed_in_staff()
    record_event(db, actor_type="staff", actor_id=str(user.id), action="campaign.report_downloaded",
                 subject_type="campaign", subject_id=str(found.id))
    db.commit()
    filename = f"campaign-{found.id}-report.csv"
    return Response(stream_with_context(_report_rows(found.id)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report_rows(campaign_id: uuid.UUID) -> Iterator[str]:
    columns = (Notification.id, Notification.locale, Notification.state, Notification.error_code,
               Notification.sent_at, Notification.delivered_at)
    query = select(*columns).where(Notification.campaign_id == campaign_id).order_by(Notification.created_at,
                                                                                     Notification.id)
    yield _csv_line(REPORT_COLUMNS)
    for row in db_session().execute(query.execution_options(yield_per=REPORT_BATCH)):
        notification_id, locale, state, error_code, sent_at, delivered_at = row
        yield _csv_line((str(notification_id), locale, state.value, _cell(error_code),
                         sent_at.isoformat() if sent_at else "", delivered_at.isoformat() if delivered_at else ""))


def _csv_line(values: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def _cell(value: str | None) -> str:
    """A provider's error code, never read by a spreadsheet as a formula."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# Local use: send without a worker process


def _send_in_process(campaign_id: uuid.UUID) -> None:
    """With DELIVER_CODES_IN_PROCESS (local use, SMS_BACKEND=outbox), send the approved
    campaign from a thread started once the response has gone, as the one-time codes are
    (see portal/web/code_delivery.py). Production runs `flask worker` instead."""
    if not current_app.config.get("DELIVER_CODES_IN_PROCESS"):
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(target=send_until_done, args=(app, campaign_id), daemon=True,
                              name=f"campaign-{campaign_id}")

    @after_this_request
    def start_when_sent(response: Response) -> Response:
        response.call_on_close(thread.start)
        return response


def send_until_done(app: Flask, campaign_id: uuid.UUID, *, idle_seconds: float = 1.0) -> None:
    """Work passes of the worker, each in a new session, until the campaign has nothing
    left queued or sending (or the deadline passes: quiet hours can hold it for a night)."""
    deadline = time.monotonic() + IN_PROCESS_DEADLINE.total_seconds()
    with app.app_context():
        worker = Worker(f"web-{os.getpid()}-{campaign_id.hex[:8]}", sms_sender, Unpaced(),
                        Settings.from_config(app.config))
        while time.monotonic() < deadline:
            with database().sessions() as db:
                done = worker.work_once(db)
                if not done and not _has_work_left(db, campaign_id):
                    return
            if not done:
                time.sleep(idle_seconds)
        log.warning("in-process sending stopped at its deadline; run `flask worker` to finish")


def _has_work_left(db, campaign_id: uuid.UUID) -> bool:
    found = db.get(Campaign, campaign_id)
    if found is None or found.state is CampaignState.APPROVED:
        return found is not None
    waiting = db.scalar(select(func.count()).where(Notification.campaign_id == campaign_id,
                                                   Notification.state.in_(STILL_GOING)))
    return bool(waiting)
