"""Every staff route, for every role: a role a view does not allow gets 403 and sees none of its words, whatever
the route; nobody signed out gets past the sign-in page. Walks the app's URL map, so a new route is covered the
day it is added (and one added without a role check is listed below as open to all staff, on purpose)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter, Rule

from feedback.accounts import operations as staff
from feedback.extensions import db
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
# Staff pages every signed-in member of staff may open, on purpose.
OPEN_TO_ALL_STAFF = {
    "staff.home",
    "staff.logout",
    "staff.login",
    "staff.login_code",  # sign-in's second step: public, like the first
    "staff.two_factor",  # their own account: every role
    "staff.password",
    "staff.mobile",  # their own mobile for urgent texts
}


def _staff_rules(app: Any) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")), key=lambda r: r.rule
    )


def _url(rule: Rule) -> str:
    """The route with made-up values (a number where it takes a number): a role check comes before any lookup."""
    converters = rule._converters  # which arguments are numbers
    values = {name: 1 if isinstance(converters.get(name), IntegerConverter) else "transport" for name in rule.arguments}
    return _build(rule, values)


def _build(rule: Rule, values: dict[str, Any]) -> str:
    built = rule.rule
    for name, value in values.items():
        for prefix in ("", "int:", "string:", "path:"):
            built = built.replace(f"<{prefix}{name}>", str(value))
    return built


def _allowed(app: Any, rule: Rule) -> tuple[str, ...] | None:
    return getattr(app.view_functions[rule.endpoint], "allowed_roles", None)


def test_every_staff_route_has_a_role_check_or_is_open_to_all_staff_on_purpose(app: Any) -> None:
    unchecked = {rule.endpoint for rule in _staff_rules(app) if _allowed(app, rule) is None}
    assert unchecked <= OPEN_TO_ALL_STAFF, f"routes with no role check: {sorted(unchecked - OPEN_TO_ALL_STAFF)}"


@pytest.mark.parametrize("role", staff.ROLES)
def test_a_role_a_route_does_not_allow_gets_403(app: Any, role: str) -> None:
    staff.create_user(db.session, f"{role}@example.org", PASSWORD, role)
    db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": f"{role}@example.org", "password": PASSWORD})
    checked = 0
    for rule in _staff_rules(app):
        allowed = _allowed(app, rule)
        url = _url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if allowed is not None and role not in allowed:
                response = client.open(url, method=method)
                assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
                checked += 1
            elif method == "GET":
                response = client.get(url)
                assert response.status_code != 403, f"{role} GET {url} was refused"
                assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
    assert checked or role == "admin"


def test_nobody_signed_out_gets_past_sign_in(app: Any) -> None:
    client = app.test_client()
    for rule in _staff_rules(app):
        if rule.endpoint == "staff.login":
            continue
        url = _url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302 and "/staff/login" in response.headers["Location"], f"{method} {url}"


@pytest.mark.parametrize("role", staff.ROLES)
def test_nobody_is_offered_a_page_they_cannot_open(app: Any, role: str) -> None:
    """The menu and the home page are built from the same capabilities the pages check: every link a role is
    offered opens, and every page the role may open (of those in the menu) is offered."""
    from feedback.staff import menu

    client = signed_in(app, role)
    home = client.get("/staff/").get_data(as_text=True)
    offered = set(re.findall(r'href="(/staff/[^"?#]*)"', home))
    assert offered, home
    for url in sorted(offered):
        response = client.get(url)
        assert response.status_code == 200, f"{role} is offered {url}, which answers {response.status_code}"
    with app.test_request_context():
        user = staff.find_user(db.session, f"{role}@example.org")
        for entry in menu.ENTRIES:
            if entry.endpoint not in app.view_functions:
                continue
            url = url_for(entry.endpoint)
            allowed = client.get(url).status_code != 403
            assert (url in offered) == allowed == menu.may_open(user, entry.endpoint), f"{role}: {url}"
