"""The application factory: each setup step is a named function, applied in order."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from jinja2 import StrictUndefined

from portal import cli, db, i18n, logging_setup
from portal.config import load_settings
from portal.extensions import csrf
from portal.security import context as security_context
from portal.security import rate_limits
from portal.web import health, responses, shared_pages, templating, wording


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    load_dotenv()
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates", static_folder="../static")
    app.config.from_mapping(load_settings(app.instance_path, test_config))
    _quiet_loggers_that_leak_personal_data()
    logging_setup.init_app(app)
    app.jinja_env.undefined = StrictUndefined
    security_context.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    rate_limits.init_app(app)
    wording.init_app(app)
    templating.init_app(app)
    shared_pages.init_app(app)
    responses.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    health.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.web.attorney import blueprint as attorney
    from portal.web.public import blueprint as public
    from portal.web.staff import blueprint as staff
    from portal.web.webhooks import blueprint as webhooks

    app.register_blueprint(public)
    app.register_blueprint(attorney)
    app.register_blueprint(staff)
    app.register_blueprint(webhooks)


def _quiet_loggers_that_leak_personal_data() -> None:
    # The Twilio SDK logs full request URLs (with phone numbers) at INFO; SQLAlchemy logs
    # every statement's parameters at INFO. Neither may reach the log, whatever the root level.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # fontTools logs the glyphs it keeps (the letters of a name); fpdf2 names missing characters.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("fpdf").setLevel(logging.ERROR)
