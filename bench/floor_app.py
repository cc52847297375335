"""The floors for the benchmarks: the least a Flask app on PostgreSQL can do for the same requests.

For bench/webhook.py, `POST /sms/inbound` reads the form, inserts one row (MessageSid and Body) into
`bench_floor_message` and commits, then answers an empty TwiML `<Response/>`. No signature check, no
encryption, no ORM session: whatever the real webhook costs above this is the price of what it does.

For bench/web.py, the survey pages at the same address as the real ones, `/s/<slug>/q/<number>`:

- `GET` reads the question with one SELECT from `bench_floor_question` and renders a Jinja template of about the
  size of the real page (the same layout, hidden `csrf_token` and `nonce` inputs holding random values, the
  options as radio buttons or a text box);
- `POST` reads the form, inserts one row (nonce, question, answer) into `bench_floor_answer`, commits, and
  redirects to the next question, or to `/s/<slug>/done` after the last. No session, no cookie, no CSRF check,
  no ORM, no rate limit, no screening, no encryption.

Served by gunicorn as `floor_app:create_app()` (with `--pythonpath bench`), the database in
`BENCH_FLOOR_DATABASE_URL` (a `postgresql+psycopg://` URL). The tables are created by the benchmark scripts
before the server starts (TABLE_DDL, set_up_web_floor), so that workers never race to create them.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request
from jinja2 import DictLoader
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

# --- the web survey floor -------------------------------------------------------------------------------------

FLOOR_SLUG = "monthly-checkin"
# Four questions of the same kinds, and about the same words, as the example survey.
FLOOR_QUESTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("rating", "How are things where you live?", ("Very bad", "Bad", "OK", "Good", "Great")),
    ("choice", "Do you see your worker enough?", ("yes", "no", "not sure")),
    ("yesno", "Did you feel listened to at your last review?", ("yes", "no")),
    ("text", "What one thing would make life better?", ()),
)
WEB_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS bench_floor_question ("
    " slug varchar(64) NOT NULL,"
    " number integer NOT NULL,"
    " kind varchar(16) NOT NULL,"
    " text text NOT NULL,"
    " options text[] NOT NULL,"
    " PRIMARY KEY (slug, number))",
    "CREATE TABLE IF NOT EXISTS bench_floor_answer ("
    " id bigserial PRIMARY KEY,"
    " nonce varchar(64) NOT NULL UNIQUE,"
    " slug varchar(64) NOT NULL,"
    " number integer NOT NULL,"
    " answer text NOT NULL,"
    " answered_at timestamptz NOT NULL DEFAULT now())",
)


def set_up_web_floor(conn: Any) -> None:
    """Create the web floor's tables and its questions, on a psycopg connection (autocommit)."""
    for statement in WEB_DDL:
        conn.execute(statement)
    conn.execute("DELETE FROM bench_floor_question WHERE slug = %s", (FLOOR_SLUG,))
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_floor_question (slug, number, kind, text, options) VALUES (%s, %s, %s, %s, %s)",
            [
                (FLOOR_SLUG, number, kind, words, list(options))
                for number, (kind, words, options) in enumerate(FLOOR_QUESTIONS, start=1)
            ],
        )


_QUESTION = text(
    "SELECT kind, text, options, (SELECT count(*) FROM bench_floor_question WHERE slug = :slug) AS total "
    "FROM bench_floor_question WHERE slug = :slug AND number = :number"
)
_INSERT_ANSWER = text(
    "INSERT INTO bench_floor_answer (nonce, slug, number, answer) VALUES (:nonce, :slug, :number, :answer)"
)
QUESTION_TEMPLATE = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Question {{ number }} of {{ total }} · Have your say</title>
  <link rel="stylesheet" href="/static/site.css">
  <script src="/static/young.js" defer></script>
</head>
<body class="young">
  <a class="skip" href="#main">Skip to content</a>
  <header class="bar"><p class="brand">Have your say</p></header>
  <main id="main">
<p><a class="back" href="{{ back }}">Back</a></p>
<p class="progress">Question {{ number }} of {{ total }}</p>
<form method="post" action="" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="{{ csrf_token }}">
  <input id="nonce" name="nonce" type="hidden" value="{{ nonce }}">
  <div class="trap" aria-hidden="true">
    <label for="website">Leave this empty</label>
    <input type="text" id="website" name="website" tabindex="-1" autocomplete="off" value="">
  </div>
  {% if kind == "text" %}
  <h1 class="question"><label for="answer">{{ words }}</label></h1>
  <p class="hint" id="answer-hint">Optional. Write as much or as little as you like, up to 2,000 characters.</p>
  <textarea id="answer" name="answer" rows="6" data-max="2000"
    aria-describedby="answer-hint answer-count"></textarea>
  <p class="count" id="answer-count" aria-live="polite">You can write up to 2,000 characters.</p>
  {% else %}
  <fieldset class="options">
    <legend><h1 class="question">{{ words }}</h1></legend>
    {% for option in options %}
      <label class="option"><input type="radio" name="answer"{% if loop.first %} id="answer-first"{% endif %} \
value="{{ loop.index if kind == 'rating' else option }}">
        <span>{% if kind == "rating" %}<strong>{{ loop.index }}</strong> {{ option }}\
{% else %}{{ option|capitalize }}{% endif %}</span></label>
    {% endfor %}
  </fieldset>
  {% endif %}
  <div class="actions">
    <button type="submit" name="next" value="1">{% if number == total %}Finish{% else %}Next{% endif %}</button>
  </div>
</form>
  </main>
  <footer class="foot">
    <p>Need to talk to someone now? Childline 0800 1111 (free, any time). In an emergency call 999.</p>
  </footer>
</body>
</html>
"""


def create_app() -> Flask:
    engine = create_engine(os.environ["BENCH_FLOOR_DATABASE_URL"])
    app = Flask(__name__)
    app.jinja_env.loader = DictLoader({"question.html": QUESTION_TEMPLATE})  # compiled once per worker

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

    @app.get("/s/<slug>/q/<int:number>")
    def question(slug: str, number: int) -> str:
        with engine.connect() as conn:
            row = conn.execute(_QUESTION, {"slug": slug, "number": number}).one_or_none()
        if row is None:
            abort(404)
        return render_template(
            "question.html",
            number=number,
            total=row.total,
            kind=row.kind,
            words=row.text,
            options=row.options,
            back=f"/s/{slug}/q/{number - 1}" if number > 1 else f"/s/{slug}",
            csrf_token=secrets.token_urlsafe(66),
            nonce=secrets.token_urlsafe(16),
        )

    @app.post("/s/<slug>/q/<int:number>")
    def answer(slug: str, number: int) -> Response:
        nonce = request.form.get("nonce")
        value = request.form.get("answer")
        if not nonce or not request.form.get("csrf_token") or not value:
            abort(400)
        with engine.begin() as conn:
            conn.execute(_INSERT_ANSWER, {"nonce": nonce, "slug": slug, "number": number, "answer": value})
        if number >= len(FLOOR_QUESTIONS):
            return redirect(f"/s/{slug}/done")
        return redirect(f"/s/{slug}/q/{number + 1}")

    return app
