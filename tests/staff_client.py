"""A member of staff signed in through the real sign-in page, for tests of staff pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.extensions import db

PASSWORD = "a long enough password"


def signed_in(
    app: Any, role: str = "admin", email: str | None = None, *, team: str | None = None, display_name: str | None = None
) -> Any:
    """A test client signed in as a member of staff with `role` (the account is made the first time)."""
    email = email or f"{role}@example.org"
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)) is None:
        name = role.title() if display_name is None else display_name
        staff.create_user(db.session, email, PASSWORD, role, team=team, display_name=name)
        db.session.commit()
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
