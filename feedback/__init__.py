"""feedback: the views of care experienced young people, by SMS and the web, filed against themes.

`create_app(config=None)` builds the Flask app. It does nothing surprising: no migrations, no scheduler and no
network at import or factory time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import werkzeug.exceptions
from flask import Flask, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback import config as settings
from feedback import security
from feedback.core import errors, logs, plain_dates
from feedback.core.crypto import Cipher
from feedback.core.db_types import CIPHER_EXTENSION
from feedback.extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with `config` (tests) taking precedence."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environment(settings.environment(), app.instance_path))
    if config:
        app.config.from_mapping(config)
    settings.validate(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.DEVELOPMENT_SECRET_KEY
        log.warning("SECRET_KEY is not set: using the development key. Never do this with real data.")
    app.config["SESSION_COOKIE_SECURE"] = app.config["FEEDBACK_ENV"] == settings.PRODUCTION
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Behind a TLS proxy: the scheme, host and client address it forwards. Twilio's signature is checked
        # against PUBLIC_BASE_URL, so it stays valid whatever the proxy rewrites.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    logs.configure(fmt=app.config.get("LOG_FORMAT", "text"))
    app.extensions[CIPHER_EXTENSION] = Cipher(
        app.config["ENCRYPTION_KEY"] or app.config["SECRET_KEY"], tuple(app.config.get("ENCRYPTION_OLD_KEYS", ()))
    )
    _init_database(app)
    from feedback.accounts import operations as staff_accounts

    staff_accounts.use_password_hashing(app.config.get("PASSWORD_HASHING", "standard"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    # Production refuses limits counted in one process's memory unless only one web process runs (config.validate).
    limiter.init_app(app)
    # Twilio's webhooks have no limit (Twilio signs them, and a text must never be refused): not even looked up.
    limiter.request_filter(_from_twilio)

    from feedback.channels.sms import views as sms
    from feedback.channels.sms.twilio_sender import sender_from_config
    from feedback.channels.web import public
    from feedback.channels.web import views as web
    from feedback.insight.api import bp as api_bp
    from feedback.messages.outbox import SENDER_EXTENSION
    from feedback.ops.health import bp as health_bp
    from feedback.staff import bp as staff_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(public.bp)
    # Twilio signs its webhooks instead of carrying a CSRF token; the signature is checked first.
    csrf.exempt(sms.bp)
    # The young person's pages check CSRF in their own forms, so that an expired token shows the page again with
    # what they typed instead of an error.
    csrf.exempt(web.bp)
    # The API reads only, with a bearer token and no cookie: there is no session to forge a request with.
    csrf.exempt(api_bp)

    # The worker and the commands send through whatever the SMS channel builds from the settings.
    app.extensions[SENDER_EXTENSION] = sender_from_config

    from feedback.cli import register as register_commands

    register_commands(app)
    _register_errors(app)
    security.register(app)
    plain_dates.register(app)
    return app


def _from_twilio() -> bool:
    return request.blueprint == "sms"


def _init_database(app: Flask) -> None:
    import feedback.models  # noqa: F401 - every feature's models, so that each relationship finds its class

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        """The signed-in member of staff, on every request, if their session has not been ended on the server
        (signed out, a new password or role, deactivated): `user_id` holds the session version it began with."""
        from feedback.accounts import operations as staff

        return staff.session_user(db.session(), user_id)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: enforce foreign keys, let readers and one writer work at once, and wait rather than fail."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # Python's sqlite3 starts a transaction only at the first write, so reads before it see no snapshot and
        # two requests could both act on the same stale read. Transactions are begun explicitly instead (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # Once psycopg prepares a statement, PostgreSQL may switch it to a generic plan made without the values.
        # For a summary over a date range that plan guesses a handful of rows where there are hundreds of
        # thousands, and runs several times slower (bench/summary.py). Plan each statement for its values.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


# A pooled connection idle for longer than this is checked with a round trip before it is handed out (the
# database may have restarted, or a firewall dropped it meanwhile). One in steady use is not: a ping on every
# checkout was a quarter of the webhook's time (bench/webhook.py), and a connection found dead in use is thrown
# away with the rest of its pool, so the request fails once (Twilio retries it) and the next ones reconnect.
PING_AFTER_IDLE_SECONDS = 2.0


@event.listens_for(Pool, "checkin")
def _idle_since(dbapi_connection: Any, connection_record: Any) -> None:
    if connection_record is not None:
        connection_record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_when_idle(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    """Ping a connection that has been idle a while; a dead one makes the pool connect afresh."""
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # psycopg began a transaction for the SELECT: hand the connection out idle
    except Exception as exc:
        raise DisconnectionError("the pooled connection did not answer its ping") from exc


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """SQLite: every transaction takes the write lock at once (readers carry on, WAL), so transactions that read
    then write run one after another, as row locks make them on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        # After a database error the session is unusable; the page (which may look up the signed-in user) needs
        # a clean one.
        db.session.rollback()
        return render_template("errors/http.html", error=error), error.code or 500

    @app.errorhandler(errors.NotFound)
    def not_found(error: errors.NotFound) -> Any:
        """A record that is not there, or not this person's to see, wherever a view let it through: 404, answered
        by whatever answers a 404 on that page (the staff pages, the API, a young person's)."""
        return app.handle_http_exception(werkzeug.exceptions.NotFound())
