"""Commands for what young people said: analysing text (`analyse`, which needs no database unless it works on the
stored messages), the themes report (`report themes`) and a survey's results (`report survey`)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from feedback.core.clock import local_date, now
from feedback.core.commands import report_group
from feedback.extensions import current_session
from feedback.insight import summary as summaries
from feedback.insight import survey_results as results


@click.command("analyse")
@click.option("--input", "source", type=click.File("r", encoding="utf-8"), default="-", help="Default: standard input.")
@click.option("--pending", is_flag=True, help="Analyse stored messages not analysed yet (the worker does this too).")
@click.option("--reprocess", is_flag=True, help="Analyse every stored message again; staff codes are kept.")
@click.pass_context
def analyse_command(ctx: click.Context, source: Any, pending: bool, reprocess: bool) -> None:
    """Analyse text, one message per line, into one JSON object per line in the same order: themes, sentiment,
    risk, key phrases and a redacted copy. Needs no database and no network.

    With --pending or --reprocess it works on the stored messages instead, in the database.
    """
    if pending or reprocess:
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            _analyse_stored(reprocess=reprocess)
        return
    from feedback.analysis.pipeline import analyse

    out = sys.stdout
    for line in source:
        out.write(json.dumps(analyse(line.rstrip("\r\n")).as_json(), ensure_ascii=False) + "\n")


def _analyse_stored(*, reprocess: bool) -> None:
    from feedback.insight import filing as analysis

    session = current_session()
    if not reprocess:
        done = 0
        while batch := analysis.analyse_pending(session, now=now(), limit=500):
            done += batch
        click.echo(f"Analysed {done} messages.")
        return
    total = analysis.count_analysable(session)
    with click.progressbar(length=total, label="Analysing stored messages", file=sys.stderr) as bar:
        done = analysis.reprocess(session, now=now(), progress=bar.update)
    click.echo(f"Analysed {done} messages again; themes staff gave were kept.")


@report_group.command("themes")
@click.option("--period", help="A calendar quarter, such as 2026-Q4 (default: the quarter holding --until).")
@click.option("--since", help="First day, YYYY-MM-DD: must be in the same quarter as --until.")
@click.option("--until", help="A day in the quarter, YYYY-MM-DD (default: today).")
@click.option("--by", help=f"Break down by one of: {', '.join(summaries.BREAKDOWNS)} (for everyone only).")
@click.option("--channel", help="Only one channel: sms or web.")
@click.option("--survey", help="Only one survey (its slug).")
@click.option("--locality", help="Only one locality.")
@click.option("--age-band", "age_band", help="Only one age band.")
@click.option("--care-setting", "care_setting", help="Only one care setting.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def report_themes(fmt: str, **options: str | None) -> None:
    """Each theme's count in a calendar quarter, for everyone or one group (one filter at most), its change on the
    quarter before, its share and sentiment: the same protected figures as the pages, any hidden count written as
    "[c]" (hidden: under SUPPRESSION_THRESHOLD, or hidden so that a smaller number cannot be worked out)."""
    session = current_session()
    known = summaries.choices(session, current_app.config["LOCALITIES"])
    try:
        filters = summaries.parse_filters(options, known, today=local_date(now()))
    except summaries.FilterError as error:
        raise click.UsageError(str(error)) from None
    result = summaries.summarise(session, filters, known, threshold=int(current_app.config["SUPPRESSION_THRESHOLD"]))
    if fmt == "json":
        click.echo(json.dumps(summaries.report_document(result), indent=2, ensure_ascii=False))
    else:
        summaries.write_csv(summaries.report_rows(result), sys.stdout)


@report_group.command("survey")
@click.argument("slug")
@click.option("--period", help="A calendar quarter, such as 2026-Q4 (default: the quarter holding --until).")
@click.option("--since", help="First day, YYYY-MM-DD: must be in the same quarter as --until.")
@click.option("--until", help="A day in the quarter, YYYY-MM-DD (default: today).")
@click.option("--by", help=f"Break down by one of: {', '.join(results.BREAKDOWNS)}.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def report_survey(slug: str, fmt: str, **options: str | None) -> None:
    """A survey's results in a calendar quarter: for each question with set answers (a rating, a choice, yes or
    no), how many gave each answer and their share, a rating's average, and with --by each group's: the same
    protected figures as the page, any hidden count written as "[c]" (hidden: under SUPPRESSION_THRESHOLD, or
    hidden so that a smaller number cannot be worked out). SLUG is the survey's web address name, such as
    monthly-checkin."""
    session = current_session()
    try:
        results.find_survey(session, slug)
    except results.SurveyResultsNotFound:
        raise click.UsageError(f"There is no survey {slug!r}: `feedback surveys list` shows them.") from None
    known = summaries.choices(session, current_app.config["LOCALITIES"])
    try:
        asked = results.parse_request(options, known, today=local_date(now()))
    except summaries.FilterError as error:
        raise click.UsageError(str(error)) from None
    found = results.results(session, slug, asked, known, threshold=int(current_app.config["SUPPRESSION_THRESHOLD"]))
    if fmt == "json":
        click.echo(json.dumps(results.report_document(found), indent=2, ensure_ascii=False))
    else:
        results.write_csv(found, sys.stdout)


COMMANDS = (analyse_command,)
