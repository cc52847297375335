"""One root for the service's errors, and a record that is not there answered as 404 wherever a page lets it through."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException

import feedback
from feedback.core import errors
from feedback.people import operations as people
from feedback.people import privacy, register
from tests.staff_client import signed_in


def _modules() -> list[Any]:
    found = []
    for info in pkgutil.walk_packages(feedback.__path__, "feedback."):
        found.append(importlib.import_module(info.name))
    return found


def test_every_error_the_service_raises_on_purpose_has_one_root() -> None:
    own = {
        cls
        for module in _modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Exception)
        and cls.__module__.startswith("feedback.")
        # An answer in HTTP's own terms (an expired link's page) is werkzeug's to render.
        and not issubclass(cls, HTTPException)
    }
    assert len(own) > 25
    strays = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in own if not issubclass(cls, errors.FeedbackError))
    assert strays == []


def test_not_found_errors_are_lookup_errors_and_invalid_ones_value_errors() -> None:
    """Code that catches the standard library's classes still catches ours."""
    assert issubclass(errors.NotFound, LookupError) and issubclass(errors.Invalid, ValueError)
    assert errors.Invalid("too short", field="password").field == "password"


def test_there_is_one_person_not_found() -> None:
    assert register.PersonNotFound is privacy.PersonNotFound is people.PersonNotFound
    assert issubclass(people.PersonNotFound, errors.NotFound)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff/surveys/no-such-survey"),
        ("get", "/staff/surveys/no-such-survey/preview/1"),
        ("get", "/staff/actions/9999"),
        ("post", "/staff/schedules/9999/remove"),
    ],
)
def test_a_record_that_is_not_there_is_a_404_page(app: Any, method: str, path: str) -> None:
    client = signed_in(app, "admin")
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True).lower()
