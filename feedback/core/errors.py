"""One root for the service's own errors, so a caller can tell a refusal of ours from a bug.

- `Invalid`: what was asked cannot be done as given (a bad row, a password too short, a survey file that does not
  check). Its words are fit to show to whoever asked; `field` names the form field it is about, if any.
- `NotFound`: there is no such record, or none this member of staff may see (the two are answered alike, so a
  refusal gives nothing away). The app answers it with 404 wherever it is not caught.
- `Refused`: the record is there and may be seen, but this person may not do that to it.

Each feature's errors subclass one of these (`SurveyNotFound(NotFound)`, `StaffError(Invalid)`). They keep the
standard library's classes as second parents (`ValueError`, `LookupError`, `PermissionError`), so code that
catches those still does.
"""

from __future__ import annotations


class FeedbackError(Exception):
    """The root of every error the service raises on purpose."""


class Invalid(FeedbackError, ValueError):
    """What was asked cannot be done as given; the message says why, in words fit to show."""

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class NotFound(FeedbackError, LookupError):
    """No such record, or none the asker may see: answered as 404 by the app."""


class Refused(FeedbackError, PermissionError):
    """The asker may not do this."""
