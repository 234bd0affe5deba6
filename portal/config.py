"""Settings, read from environment variables (and a `.env` file when present).

One variable, `PORTAL_ENV`, picks the profile: `development` (the default), `testing` or
`production`. Development generates any missing secret once into the instance folder so a
new user can start with nothing configured; production refuses to start without them and
names each one that is missing.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SECRET_SETTINGS = ("SECRET_KEY", "LOOKUP_KEY", "DATA_KEYS")
LOCAL_SECRETS_FILE = "local-secrets.json"
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The portal cannot start safely with the configuration it was given."""


def _environment_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        "PORTAL_ENV": environ.get("PORTAL_ENV", "development"),
        "SECRET_KEY": environ.get("SECRET_KEY"),
        "DATABASE_URL": environ.get("DATABASE_URL"),
        "LOOKUP_KEY": environ.get("LOOKUP_KEY"),
        "DATA_KEYS": environ.get("DATA_KEYS"),
        "SMS_BACKEND": environ.get("SMS_BACKEND", "outbox"),
        "TWILIO_ACCOUNT_SID": environ.get("TWILIO_ACCOUNT_SID"),
        "TWILIO_AUTH_TOKEN": environ.get("TWILIO_AUTH_TOKEN"),
        "TWILIO_MESSAGING_SERVICE_SID": environ.get("TWILIO_MESSAGING_SERVICE_SID"),
        "TWILIO_FROM_NUMBER": environ.get("TWILIO_FROM_NUMBER"),
        "TWILIO_API_BASE_URL": environ.get("TWILIO_API_BASE_URL"),
        "TWILIO_TIMEOUT_SECONDS": float(environ.get("TWILIO_TIMEOUT_SECONDS", "10")),
        "SMS_PER_SECOND": int(environ.get("SMS_PER_SECOND", "10")),
        "FINAL_STATUS_TIMEOUT_HOURS": float(environ.get("FINAL_STATUS_TIMEOUT_HOURS", "72")),
        "STALE_CLAIM_SECONDS": float(environ.get("STALE_CLAIM_SECONDS", "120")),
        "STATUS_CHECK_AFTER_MINUTES": float(environ.get("STATUS_CHECK_AFTER_MINUTES", "10")),
        "STATUS_CHECKS_PER_SECOND": int(environ.get("STATUS_CHECKS_PER_SECOND", "10")),
        "REDIS_URL": environ.get("REDIS_URL"),
        "PUBLIC_BASE_URL": environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "HELP_PHONE": environ.get("HELP_PHONE", "1-800-555-0199"),
        "QUICK_EXIT_URL": environ.get("QUICK_EXIT_URL", "https://www.wikipedia.org/"),
        "LETTER_FONT_DIR": environ.get("LETTER_FONT_DIR", "/usr/share/fonts/truetype"),
        "LOG_FORMAT": environ.get("LOG_FORMAT"),
        "RETENTION_DAYS": int(environ.get("RETENTION_DAYS", "90")),
        "SHARED_PAGE_SECONDS": float(environ.get("SHARED_PAGE_SECONDS", "60")),
        "ATTORNEY_UPLOAD_MAX_BYTES": int(environ.get("ATTORNEY_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))),
        "CLIENT_LIST_MAX_ROWS": int(environ.get("CLIENT_LIST_MAX_ROWS", "5000")),
    }


def load_settings(instance_path: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the full settings: environment, then overrides, then safe local defaults."""
    settings = _environment_settings(os.environ)
    settings.update(overrides or {})
    settings["DATABASE_URL"] = normalise_database_url(
        settings["DATABASE_URL"] or f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"
    )
    missing = [name for name in SECRET_SETTINGS if not settings.get(name)]
    if missing and settings["PORTAL_ENV"] == "production":
        raise ConfigurationError(
            "Refusing to start in production without: " + ", ".join(missing)
            + ". Set them as environment variables (see README, Configuration)."
        )
    if missing:
        settings.update(_local_secrets(Path(instance_path), missing))
    if settings["SMS_BACKEND"] not in ("outbox", "twilio"):
        raise ConfigurationError(f"SMS_BACKEND must be 'outbox' or 'twilio', not {settings['SMS_BACKEND']!r}.")
    # Production logs are JSON lines for a log collector; a terminal gets plain text.
    settings["LOG_FORMAT"] = settings["LOG_FORMAT"] or ("json" if settings["PORTAL_ENV"] == "production" else "text")
    if settings["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigurationError(f"LOG_FORMAT must be 'json' or 'text', not {settings['LOG_FORMAT']!r}.")
    if settings["RETENTION_DAYS"] < 1:
        raise ConfigurationError("RETENTION_DAYS must be at least 1.")
    settings.update(_flask_settings(settings["PORTAL_ENV"]))
    return settings


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs, as PaaS providers give them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flask_settings(environment: str) -> dict[str, Any]:
    production = environment == "production"
    return {
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=15),
        # Locally, queued one-time codes go to the outbox right after the response is sent;
        # in production a worker process sends them.
        "DELIVER_CODES_IN_PROCESS": environment == "development",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BABEL_TRANSLATION_DIRECTORIES": str(REPOSITORY_ROOT / "translations"),
        "BABEL_DEFAULT_LOCALE": "en",
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    }


def generate_data_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _local_secrets(instance_path: Path, missing: list[str]) -> dict[str, str]:
    """Generate once, then reuse, the secrets a local run lacks (never used in production)."""
    path = instance_path / LOCAL_SECRETS_FILE
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    fresh = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOOKUP_KEY": generate_data_key(),
        "DATA_KEYS": f"1:{generate_data_key()}",
    }
    created = [name for name in missing if name not in stored]
    for name in created:
        stored[name] = fresh[name]
    if created:
        instance_path.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        log.warning(
            "Generated %s into %s for local use. Losing this file makes the stored data "
            "unreadable; production must supply these settings itself.",
            ", ".join(created), path,
        )
    return {name: stored[name] for name in missing}
