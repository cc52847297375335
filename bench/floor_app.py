"""The floor for bench/webhook.py: the least a Flask webhook on PostgreSQL can do.

`POST /sms/inbound` reads the form, inserts one row (MessageSid and Body) into `bench_floor_message` and
commits, then answers an empty TwiML `<Response/>`. No signature check, no encryption, no ORM session:
whatever the real webhook costs above this is the price of what it does.

Served by gunicorn as `floor_app:create_app()` (with `--pythonpath bench`), the database in
`BENCH_FLOOR_DATABASE_URL` (a `postgresql+psycopg://` URL). The table is created by bench/webhook.py before
the server starts, so that workers never race to create it.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from sqlalchemy import create_engine, text

TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_floor_message ("
    " id bigserial PRIMARY KEY,"
    " message_sid varchar(64) NOT NULL UNIQUE,"
    " body text NOT NULL,"
    " received_at timestamptz NOT NULL DEFAULT now())"
)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_INSERT = text("INSERT INTO bench_floor_message (message_sid, body) VALUES (:sid, :body)")


def create_app() -> Flask:
    engine = create_engine(os.environ["BENCH_FLOOR_DATABASE_URL"])
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    @app.post("/sms/inbound")
    def inbound() -> Response:
        sid = request.form.get("MessageSid")
        body = request.form.get("Body")
        if not sid or body is None:
            abort(400)
        with engine.begin() as conn:
            conn.execute(_INSERT, {"sid": sid, "body": body})
        return Response(EMPTY_TWIML, mimetype="text/xml")

    return app
