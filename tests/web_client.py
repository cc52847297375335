"""A young person using the web pages through Flask's test client: it reads each page's form (its CSRF token and
nonce) and posts it back, as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.test import TestResponse

from tests import log_watch

_HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|nonce)"[^>]*value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    return {name: value for name, value in _HIDDEN.findall(html)}


@dataclass
class Respondent:
    client: Any

    def page(self, path: str) -> TestResponse:
        return self.client.get(path)

    def submit(self, path: str, answer: str | None = None, *, skip: bool = False, **extra: str) -> TestResponse:
        """Open the question page at `path` and submit it with `answer` (or Skip)."""
        page = self.client.get(path)
        assert page.status_code == 200, page.get_data(as_text=True)
        return self.post(path, hidden_fields(page.get_data(as_text=True)), answer, skip=skip, **extra)

    def post(
        self, path: str, fields: dict[str, str], answer: str | None = None, *, skip: bool = False, **extra: str
    ) -> TestResponse:
        data = dict(fields)
        if answer is not None:
            log_watch.remember(answer)
            data["answer"] = answer
        data["skip" if skip else "next"] = "1"
        data.update(extra)
        return self.client.post(path, data=data)

    def complete(self, base: str, answers: list[str | None]) -> TestResponse:
        """Answer every question of the survey at `base` (/s/slug or /s/slug/token); None skips one."""
        response = None
        for number, answer in enumerate(answers, start=1):
            response = self.submit(f"{base}/q/{number}", answer, skip=answer is None)
            assert response.status_code == 302, response.get_data(as_text=True)
        assert response is not None
        return response
