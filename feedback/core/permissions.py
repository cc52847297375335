"""Who may do what, and who may see whom: the one place for roles, capabilities and the visibility rules.

A role is a bundle of capabilities; pages, menus, commands and the API ask for a capability, never for a role by
name. What a member of staff may see of young people is a set of SQL conditions built here, and every list, page,
action, export and API that shows a young person or something they sent filters through them:

| role      | young people, their messages,    | statements                | register     | summaries |
|           | answers and alerts               |                           |              |           |
|-----------|----------------------------------|---------------------------|--------------|-----------|
| worker    | those they are the named worker  | to them, or to their      | their own    | no        |
|           | of, and those routed to their    | team's duty inbox         |              |           |
|           | team's duty inbox (no active     |                           |              |           |
|           | named worker)                    |                           |              |           |
| manager   | their team's                     | their team's              | their team's | yes       |
| advocacy  | nobody's words (the advocacy log | no                        | everyone     | no        |
|           | only)                            |                           |              |           |
| admin     | everyone                         | everyone, to read         | everyone     | yes       |
| champions | nobody                           | no                        | no           | yes       |

A young person's team is their own (`Person.team_id`), else their named worker's, else the duty team's. One
exception, for safeguarding: an alert about a young person nobody active can see (no active named worker, and no
active worker or manager in their team) goes to every worker and manager, because a concern must reach a person.

Pure SQL building: no Flask, no request. Services take the member of staff and the duty team's id as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, Integer, and_, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from feedback.accounts.models import Role, StaffUser
from feedback.advocacy.models import AdvocacyOffer
from feedback.core import errors
from feedback.messages.models import InboundMessage
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.statements.models import Statement
from feedback.surveys.models import Conversation


class Capability(StrEnum):
    """What a page, a command or the API needs. The words are shown in refusals and the audit log."""

    READ_MESSAGES = "read messages"  # young people's words: messages, answers, alerts, statements
    RECODE = "recode"  # change the themes a message is filed under
    REVIEW_RISK = "review risk"  # confirm or clear a risk flag, and act on safeguarding alerts
    ANSWER_STATEMENTS = "answer statements"  # mark a statement read and reply to it
    SEE_SUMMARIES = "see summaries"  # protected aggregates and redacted quotes
    RECORD_ACTIONS = "record actions"  # "you said, we did"
    READ_REGISTER = "read the register"
    KEEP_REGISTER = "keep the register"  # add records (and edit any they can see)
    LOG_ADVOCACY = "log advocacy"  # offers, sessions, outcomes and the advocacy report
    RUN_SURVEYS = "run surveys"  # build, publish and schedule surveys; the channels' health
    USE_SIMULATOR = "use the SMS simulator"
    ADMINISTER = "administer"  # staff accounts, the themes, the audit log


_C = Capability
_WORKER = frozenset(
    {_C.READ_MESSAGES, _C.RECODE, _C.REVIEW_RISK, _C.ANSWER_STATEMENTS, _C.READ_REGISTER, _C.USE_SIMULATOR}
)
_TEAM_LEAD = frozenset({_C.SEE_SUMMARIES, _C.RECORD_ACTIONS, _C.KEEP_REGISTER, _C.LOG_ADVOCACY, _C.RUN_SURVEYS})
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.WORKER: _WORKER,
    Role.MANAGER: _WORKER | _TEAM_LEAD,
    # Admins oversee everything; statements are answered by the young person's own worker or team, not by them.
    Role.ADMIN: frozenset(Capability) - {_C.ANSWER_STATEMENTS},
    Role.ADVOCACY: frozenset({_C.READ_REGISTER, _C.KEEP_REGISTER, _C.LOG_ADVOCACY}),
    Role.CHAMPIONS: frozenset({_C.SEE_SUMMARIES}),
}
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
# Who can be a young person's named worker (and so receive their statements and alerts).
NAMED_WORKER_ROLES = frozenset({Role.WORKER, Role.MANAGER})


class Refused(errors.Refused):
    """This member of staff may not do this, or may not see this record. Pages answer a record they may not see
    exactly as one that does not exist."""


def role_of(user: StaffUser) -> Role | None:
    try:
        return Role(user.role)
    except ValueError:
        return None  # a role this version does not know (edited in the database): nothing is allowed


def can(user: StaffUser | None, capability: Capability) -> bool:
    role = role_of(user) if user is not None else None
    return role is not None and capability in CAPABILITIES[role]


def roles_with(capability: Capability) -> tuple[str, ...]:
    return tuple(role.value for role in Role if capability in CAPABILITIES[role])


def require(user: StaffUser | None, capability: Capability) -> None:
    if not can(user, capability):
        raise Refused(capability)


@dataclass(frozen=True)
class Viewer:
    """A member of staff as the visibility rules see them: who, in which role and team, and which team is the
    duty team (whose duty inbox takes young people with no team)."""

    id: int
    role: Role | None
    team_id: int | None
    duty_team_id: int | None

    @classmethod
    def of(cls, user: StaffUser, duty_team_id: int | None) -> Viewer:
        return cls(user.id, role_of(user), user.team_id, duty_team_id)


# --- a young person's team, and whether anyone active is there for them -------------------------------------


# Each rule reads staff accounts through its own alias: a subquery naming `staff_user` inside another that names
# it would otherwise be correlated to the outer one, silently changing its meaning.


def _worker_team() -> ColumnElement[int | None]:
    worker = aliased(StaffUser)
    return select(worker.team_id).where(worker.id == Person.worker_id).correlate(Person).scalar_subquery()


def team_of(duty_team_id: int | None) -> ColumnElement[int | None]:
    """A young person's team: their own, else their named worker's, else the duty team."""
    return func.coalesce(Person.team_id, _worker_team(), literal(duty_team_id, Integer))


def has_active_worker() -> ColumnElement[bool]:
    worker = aliased(StaffUser)
    return exists(select(worker.id).where(worker.id == Person.worker_id, worker.active.is_(True)).correlate(Person))


def nobody_there(duty_team_id: int | None) -> ColumnElement[bool]:
    """No active named worker, and no active worker or manager in their team: nobody would see an alert."""
    colleague = aliased(StaffUser)
    staffed = exists(
        select(colleague.id)
        .where(
            colleague.team_id == team_of(duty_team_id),
            colleague.active.is_(True),
            colleague.role.in_([role.value for role in NAMED_WORKER_ROLES]),
        )
        .correlate(Person)
    )
    return and_(~has_active_worker(), ~staffed)


# --- who may see whom -----------------------------------------------------------------------------------------


def people_in_care(viewer: Viewer) -> ColumnElement[bool]:
    """The young people whose messages, answers, alerts and conversations this member of staff may see."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.MANAGER:
        return or_(Person.worker_id == viewer.id, _in_team(viewer))
    if viewer.role == Role.WORKER:
        duty = and_(~has_active_worker(), _in_team(viewer))
        return or_(Person.worker_id == viewer.id, duty)
    return false()  # advocacy and champions read nobody's words


def register_records(viewer: Viewer) -> ColumnElement[bool]:
    """The young people whose register record this member of staff may open: a worker only those they are the
    named worker of; a manager their team's; advocacy workers and admins everyone (to offer advocacy)."""
    if viewer.role in (Role.ADMIN, Role.ADVOCACY):
        return true()
    if viewer.role == Role.MANAGER:
        return or_(Person.worker_id == viewer.id, _in_team(viewer))
    if viewer.role == Role.WORKER:
        return Person.worker_id == viewer.id
    return false()


def advocacy_people(viewer: Viewer) -> ColumnElement[bool]:
    """The young people whose advocacy offers (and advocacy figures) this member of staff may see."""
    if viewer.role in (Role.ADMIN, Role.ADVOCACY):
        return true()
    if viewer.role == Role.MANAGER:
        return or_(Person.worker_id == viewer.id, _in_team(viewer))
    return false()


def _in_team(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.team_id is None:
        return false()
    return team_of(viewer.duty_team_id) == viewer.team_id


def _person_is(
    person_id: ColumnElement[int] | InstrumentedAttribute[int], condition: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The row's young person (`person_id`, a column of the outer query) meets `condition`."""
    return exists(select(Person.id).where(Person.id == person_id, condition))


def statements(viewer: Viewer) -> ColumnElement[bool]:
    """Statements this member of staff may read: a worker's own and their team's duty inbox; a manager's team's
    (and any addressed to them); every one for an admin."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role == Role.MANAGER:
        return or_(Statement.worker_id == viewer.id, _team_is(Statement.team_id, viewer))
    if viewer.role == Role.WORKER:
        return or_(
            Statement.worker_id == viewer.id, and_(Statement.worker_id.is_(None), _team_is(Statement.team_id, viewer))
        )
    return false()


def _team_is(column: InstrumentedAttribute[int | None], viewer: Viewer) -> ColumnElement[bool]:
    return false() if viewer.team_id is None else column == viewer.team_id


def messages(viewer: Viewer) -> ColumnElement[bool]:
    """Messages (texts, answers, statement answers) this member of staff may read: their young people's, except
    the answers of a statement addressed to someone else."""
    if viewer.role == Role.ADMIN:
        return true()
    cared_for = _person_is(InboundMessage.person_id, people_in_care(viewer))
    someone_elses_statement = exists(
        select(Statement.id).where(Statement.conversation_id == InboundMessage.conversation_id, ~statements(viewer))
    )
    return and_(cared_for, ~someone_elses_statement)


def alerts(viewer: Viewer) -> ColumnElement[bool]:
    """Safeguarding alerts this member of staff sees and acts on: those about their young people, and (workers and
    managers) any about a young person nobody active would otherwise see."""
    if viewer.role == Role.ADMIN:
        return true()
    if viewer.role not in NAMED_WORKER_ROLES:
        return false()
    return _person_is(SafeguardingAlert.person_id, or_(people_in_care(viewer), nobody_there(viewer.duty_team_id)))


def conversations(viewer: Viewer) -> ColumnElement[bool]:
    return _person_is(Conversation.person_id, people_in_care(viewer))


def simulated(viewer: Viewer) -> ColumnElement[bool]:
    """Whose thread a member of staff may open in the SMS simulator: a pretend number nobody has put on the register
    or given a worker or team (anyone's to train with), or one of the young people they may see."""
    sandbox = and_(Person.ref.is_(None), Person.worker_id.is_(None), Person.team_id.is_(None))
    return or_(sandbox, people_in_care(viewer))


def offers(viewer: Viewer) -> ColumnElement[bool]:
    return _person_is(AdvocacyOffer.person_id, advocacy_people(viewer))
