"""Adding a client with the one-time code they made on their own page.

The attorney types the code with the client's A-number and date of birth; the share-code
service links them or refuses, and a refusal reads the same whatever was wrong (an unknown
A-number, a wrong date, a wrong, used or expired code). Failed tries are limited per
A-number and per client address (as on the public pages, counted apart) and per attorney
account, so no one can guess codes; a limit reached says nothing about the person either."""

from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, url_for
from limits import parse

from portal.db import session as db_session
from portal.models import Attorney, utcnow
from portal.security.context import blind_index
from portal.security.rate_limits import AttemptCounter, limiter
from portal.services.share_codes import redeem_share_code
from portal.web.attorney import blueprint
from portal.web.attorney.auth import attorney_required, signed_in_attorney
from portal.web.attorney.forms import ShareCodeForm

FAILURES_PER_ATTORNEY = parse("10 per hour")
POST_LIMIT = "30 per 10 minutes"
log = logging.getLogger(__name__)


@blueprint.route("/clients/add", methods=["GET", "POST"])
@limiter.limit(POST_LIMIT, methods=["POST"])
@attorney_required
def share_code():
    form = ShareCodeForm()
    if not form.validate_on_submit():
        return render_template("attorney/share_code.html", form=form, outcome=None)
    attorney = signed_in_attorney()
    attempts = _Attempts(attorney, form.a_number.data)
    if attempts.exhausted():
        log.info("share code refused: too many failed tries")
        return render_template("attorney/share_code.html", form=form, outcome="limited")
    db = db_session()
    representation = redeem_share_code(db, attorney, code=form.code.data, a_number=form.a_number.data,
                                       birth_date=form.date_of_birth, now=utcnow())
    db.commit()
    if representation is None:
        attempts.record_failure()
        log.info("share code refused")
        return render_template("attorney/share_code.html", form=form, outcome="refused")
    return redirect(url_for("attorney.client", person_id=representation.person_id), code=303)


class _Attempts:
    """Failed tries per A-number and client address (AttemptCounter) and per attorney."""

    def __init__(self, attorney: Attorney, a_number: str):
        self._shared = AttemptCounter(blind_index().a_number(a_number), scope="share-code")
        self._namespace = current_app.config.get("RATELIMIT_KEY_PREFIX", "") + "share-code-failures"
        self._attorney_key = "attorney:" + str(attorney.id)

    def exhausted(self) -> bool:
        return self._shared.exhausted() or not limiter.limiter.test(
            FAILURES_PER_ATTORNEY, self._namespace, self._attorney_key)

    def record_failure(self) -> None:
        self._shared.record_failure()
        limiter.limiter.hit(FAILURES_PER_ATTORNEY, self._namespace, self._attorney_key)
