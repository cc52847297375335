"""The staff menu and the home page's list of pages, built from what each page requires: a member of staff is never
offered a link that would answer 403. Each entry names an endpoint; whether it is shown is decided by the same
capability the view itself checks (the `requires` decorator leaves it on the view), so the two cannot drift."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from feedback.accounts.models import StaffUser
from feedback.core import permissions


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str
    about: str  # what the page is for, on the home page


ENTRIES = (
    Entry("staff.inbox", "Inbox", "statements young people sent to their worker"),
    Entry("staff.alerts", "Alerts", "concerns about young people's safety, to act on"),
    Entry("staff.alerts_history", "Alert history", "alerts already acknowledged, and how fast"),
    Entry("staff.messages", "Messages", "what young people sent, and how it was filed"),
    Entry("staff.people_list", "Young people", "the register"),
    Entry("staff.advocacy_report", "Advocacy", "offers of advocacy against the target, and the log of offers"),
    Entry("staff.summary", "Summary", "themes young people raise, with small numbers hidden"),
    Entry("staff.report", "Board pack", "the summary as a report to print for a Champions Board meeting"),
    Entry("staff.action_list", "You said, we did", "what was done about what young people said"),
    Entry("staff.surveys", "Surveys", "build, preview and publish"),
    Entry("staff.schedule_list", "Schedules", "surveys sent on their own, and quiet hours"),
    Entry("staff.channels", "Channel health", "texts in and out, failures and the backlog"),
    Entry("staff.notifications", "Notifications", "the emails and texts that told staff about alerts"),
    Entry("staff.theme_list", "Themes", "the taxonomy messages are filed against"),
    Entry("staff.user_list", "Staff accounts", "roles, and switching off the accounts of people who leave"),
    Entry("staff.audit_log", "Audit log", "who saw or changed what, and when"),
    Entry("staff.simulator_page", "SMS simulator", "text the service as a young person would"),
)


def may_open(user: StaffUser, endpoint: str) -> bool:
    """Whether `user` may open the page at `endpoint`, by the capability (or roles) its view requires."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    capability = getattr(view, "capability", None)
    if capability is not None:
        return permissions.can(user, capability)
    allowed = getattr(view, "allowed_roles", None)
    return allowed is None or user.role in allowed


def for_user(user: StaffUser) -> list[Entry]:
    return [entry for entry in ENTRIES if may_open(user, entry.endpoint)]
