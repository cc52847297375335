"""A realistic installation for walking every page in a browser: two teams, an account for each role, young people on
the register (some with references long enough to break a narrow layout), a worker with named young people and
their statements (unread, read and replied), a safeguarding alert, a concern and an alert already acknowledged,
texts filed under themes in numbers above the threshold of 10, the monthly check-in answered by text and on the
web, a schedule with a recurring rule, a "you said, we did" action, an advocacy offer with a session, and a text
waiting in the outbox.

Everything is written through the features' own services, as the service itself would write it, on the served
app's database. All of it (people, words, references) is made up here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.actions import operations as actions
from feedback.advocacy import cases
from feedback.channels.sms.simulator import text_as
from feedback.core.clock import local_date
from feedback.core.permissions import Viewer
from feedback.insight import filing
from feedback.messages import outbox
from feedback.messages.inbound import InboundPolicy
from feedback.people import links, register
from feedback.people.models import Person
from feedback.safeguarding import alerts
from feedback.safeguarding.models import SafeguardingAlert
from feedback.statements import operations as statements
from feedback.statements.models import Statement
from feedback.surveys import operations as surveys
from feedback.surveys import schedules, web_responses
from feedback.surveys.web_responses import WebPolicy
from tests import log_watch

PASSWORD = "a long enough password"
HAMILTON, CLYDESDALE = "Hamilton", "Clydesdale"
CHECKIN = "monthly-checkin"

# One account for each role (and a second worker, in the other team), by role.
ACCOUNTS = {
    "worker": ("kirsty.worker@example.org", "Kirsty Macdonald-Fairbairn", HAMILTON),
    "manager": ("ruaridh.manager@example.org", "Ruaridh Oyelaran", HAMILTON),
    "advocacy": ("advocacy.worker@example.org", "Advocacy worker", None),
    "admin": ("service.admin@example.org", "Service administrator", None),
    "champions": ("champions.board@example.org", "Champions Board", None),
}
OTHER_WORKER = ("alasdair.worker@example.org", "Alasdair Kowalczyk", CLYDESDALE)


@dataclass(frozen=True)
class YoungPerson:
    ref: str
    phone: str
    age: int
    locality: str
    care_setting: str
    worker: str | None  # the named worker's email


# References as councils write them: some long, one with nowhere a line can break.
ROBIN = YoungPerson(
    "SLC/HAMILTON/THROUGHCARE-AND-AFTERCARE/2024/000012345", "07700 900101", 17, HAMILTON, "residential", "kirsty"
)
JAY = YoungPerson("SWIS0000000000000000HAMILTONKINSHIP00000000000000000000000000417", "07700 900102", 14, HAMILTON,
                  "kinship", "kirsty")  # fmt: skip
ELLIE = YoungPerson("SL-HAMILTON-FOSTER-CARE-2025-0000000981", "07700 900103", 15, HAMILTON, "foster", "kirsty")
MO = YoungPerson("SL-HAMILTON-CONTINUING-CARE-2023-0000000204", "07700 900104", 19, HAMILTON, "continuing-care",
                 "kirsty")  # fmt: skip
ZARA = YoungPerson("SLC/CLYDESDALE/SECURE/2025/000000778", "07700 900105", 16, CLYDESDALE, "secure", "alasdair")
CALLUM = YoungPerson("SLC/CLYDESDALE/AFTERCARE/2022/000000051", "07700 900106", 23, CLYDESDALE, "aftercare",
                     "alasdair")  # fmt: skip
AMIRA = YoungPerson("SLC/EAST-KILBRIDE/AT-HOME/2025/000000333", "", 12, "East Kilbride", "home", None)
REGISTER = (ROBIN, JAY, ELLIE, MO, ZARA, CALLUM, AMIRA)

# Texts about one thing, each from a different young person and worded differently (quotes leave out near
# duplicates): more than the threshold of 10 for three themes, so the summaries show numbers, not [c].
THEMED_TEXTS = {
    "transport": [
        "the bus to college never turns up on time and i get marked late",
        "cant get to my contact visits cos the train fare is too dear",
        "no buses after 7 from strathaven so the youth club is a no go",
        "bus pass ran out and nobody has sorted a new one for weeks",
        "taxi to school was late three times this week",
        "it takes two hours on two buses to get to the hospital",
        "the travel to my new placement is miles away from my pals",
        "had to walk home in the rain cos the last bus was cancelled again",
        "would love a bus pass that works on trains too",
        "the bus driver wouldnt take my young scot card",
        "its too far to get to the youth club without a lift",
        "why do i have to pay bus fares to go to my own review",
        "driving lessons cost a fortune, any help with that",
    ],
    "money": [
        "skint till friday, payday cant come soon enough",
        "universal credit got cut and i dont know why",
        "cant afford new school shoes this term",
        "my bursary is late again and rent is due",
        "had to go to the food bank twice this month",
        "my allowance doesnt stretch to a new phone contract",
        "council tax letter came and i thought care leavers were exempt",
        "starter pack for my flat was missing half the stuff",
        "my wages from the cafe dont stretch to the end of the month",
        "need help with a budget, the bills keep piling up",
        "nobody told me about the care leavers grant until it was too late",
        "cost of the gym is too much so i stopped going",
    ],
    "housing": [
        "my flat has damp in the bedroom and the landlord wont fix it",
        "been in the hostel for three months waiting on a tenancy",
        "the heating in my council flat is broken again",
        "the landlord still hasnt fixed the mould on the bathroom wall",
        "temporary accommodation is miles from my college",
        "on the waiting list for a flat of my own since the summer",
        "repairs team never turned up on tuesday",
        "scared about moving into my own place on my own",
        "the close door is broken so anyone can get in",
        "housing officer says the waiting list is two years",
        "need a mattress for my new flat, sleeping on the floor",
        "my neighbours play music all night and i cant sleep",
    ],
}
# What a worker should read today, and what must reach a person now.
RISK_TEXT = "i cant cope anymore, been thinking about ending it tonight"
CONCERN_TEXT = "nobody at the house believes me about what one of the staff said"
OLDER_CONCERN = "i just feel hopeless about everything, nothing ever changes"
# The monthly check-in by text: rating, choice, yes or no, and a thing that would make life better (or SKIP).
CHECKIN_REPLIES = [
    ("4", "a", "yes", "more trips at the weekend"),
    ("2", "b", "no", "keeping the same worker for longer"),
    ("5", "a", "yes", "SKIP"),
    ("3", "c", "yes", "cheaper buses"),
    ("4", "a", "no", "being asked before decisions get made"),
    ("1", "b", "no", "a bigger wardrobe in my room"),
    ("5", "a", "yes", "SKIP"),
    ("3", "b", "yes", "help with my college forms"),
    ("4", "c", "yes", "more time with my wee brother"),
    ("2", "b", "no", "SKIP"),
    ("4", "a", "yes", "wifi that works in the unit"),
    ("3", "a", "no", "a drop in with a youth worker on tuesdays"),
]


@dataclass(frozen=True)
class Installation:
    """How to get into what was seeded: each role's email (all share PASSWORD), and young people's links."""

    accounts: dict[str, str]
    password: str
    personal_token: str  # Robin's live personal link: their page, the check-in and a statement not yet sent
    done_token: str  # Mo's: the check-in finished on the web
    expired_token: str  # Ellie's link from last year, long expired
    survey: str
    statement: str


def seed(app: Flask, session: Session, *, now: datetime) -> Installation:
    """Everything the walk opens, written through the services and committed."""
    config = app.config
    accounts = _accounts(session)
    people = _register(session, config["LOCALITIES"], now=now)
    text_policy = InboundPolicy.from_config(config)
    web_policy = WebPolicy.from_config(config)

    _themed_texts(session, now=now, policy=text_policy)
    _checkins(session, now=now, policy=text_policy)
    _alerts(session, people, accounts, now=now, policy=text_policy, duty_team=config["DUTY_TEAM_NAME"])
    filing.analyse_pending(session, now=now, limit=1000)
    session.commit()

    _statements(session, people, accounts["worker"], now=now, policy=web_policy)
    done_token = _link(session, people[MO.ref], now=now)
    _answer_on_the_web(
        session, people[MO.ref], CHECKIN, ["4", "yes", "yes", "a youth club nearer home"], now, web_policy
    )

    group = schedules.parse_group(f"locality:{HAMILTON},{CLYDESDALE}", localities=config["LOCALITIES"])
    schedules.add(session, CHECKIN, cron="0 17 1 * *", group=group, now=now, created_by_id=accounts["manager"].id)
    action = actions.create(
        session,
        actions.Proposed(
            theme="transport",
            you_said="The last buses from Strathaven and Lesmahagow leave too early to get home from anything.",
            we_did="The council asked the bus company for a later service on Fridays and Saturdays, from March.",
            by_whom="Corporate parenting team",
            status=actions.IN_PROGRESS,
            action_date=local_date(now),
        ),
        created_by_id=accounts["manager"].id,
        now=now,
    )
    offer = cases.log_offer(
        session,
        {
            "ref": ROBIN.ref,
            "offered_on": local_date(now - timedelta(days=6)).isoformat(),
            "offered_by": "Independent reviewing officer",
            "context": "looked-after-review",
            "response": "accepted",
            "notes": "Wants help to say what they think about moving to a new house.",
        },
        now=now,
        recorded_by_id=accounts["advocacy"].id,
    )
    cases.add_session(session, offer.id, held_on=local_date(now).isoformat(), notes="First meeting at school.", now=now)
    cases.log_offer(
        session,
        {
            "ref": ZARA.ref,
            "offered_on": local_date(now).isoformat(),
            "offered_by": "Advocacy worker",
            "context": "childrens-hearing",
            "response": "thinking",
        },
        now=now,
        recorded_by_id=accounts["advocacy"].id,
    )
    # Texts waiting in the outbox (nothing sends while the walk runs): "you said, we did" to everyone who raised
    # the theme, and a reminder.
    actions.notify(session, action.id, link=f"{config['PUBLIC_BASE_URL']}/you-said-we-did", now=now)
    outbox.queue(
        session,
        outbox.Outgoing(
            person_id=people[JAY.ref].id,
            body="Reminder: the monthly check-in closes on Friday. Reply CHECKIN to start.",
            kind="reminder",
        ),
        now=now,
    )
    personal_token = _link(session, people[ROBIN.ref], now=now)
    expired_token = links.issue(
        session, people[ELLIE.ref].id, now=now - timedelta(days=400), valid_for=timedelta(days=90)
    )
    session.commit()
    return Installation(
        accounts={role: user.email for role, user in accounts.items() if role in ACCOUNTS},
        password=PASSWORD,
        personal_token=personal_token,
        done_token=done_token,
        expired_token=expired_token,
        survey=CHECKIN,
        statement="statement-complaint",
    )


# --- parts ------------------------------------------------------------------------------------------------------


def _accounts(session: Session) -> dict[str, StaffUser]:
    made = {}
    for role, (email, name, team) in ACCOUNTS.items():
        made[role] = staff.create_user(session, email, PASSWORD, role, team=team, display_name=name)
    email, name, team = OTHER_WORKER
    made["other-worker"] = staff.create_user(session, email, PASSWORD, "worker", team=team, display_name=name)
    session.commit()
    return made


def _register(session: Session, localities: list[str], *, now: datetime) -> dict[str, Person]:
    workers = {"kirsty": ACCOUNTS["worker"][0], "alasdair": OTHER_WORKER[0]}
    today = local_date(now)
    people = {}
    for young in REGISTER:
        fields = {
            "ref": young.ref,
            "phone": young.phone,
            "date_of_birth": date(today.year - young.age - 1, 9, 14).isoformat(),
            "locality": young.locality,
            "care_setting": young.care_setting,
            "worker_email": workers[young.worker] if young.worker else "",
            "consent_sms": "yes" if young.phone else "",
        }
        people[young.ref] = register.save_one(session, fields, localities=localities, now=now)
    session.commit()
    return people


def _themed_texts(session: Session, *, now: datetime, policy: InboundPolicy) -> None:
    number = 200
    for texts in THEMED_TEXTS.values():
        for text in texts:
            log_watch.remember(text)
            text_as(session, f"07700 900{number:03d}", text, now=now - timedelta(hours=number % 48), policy=policy)
            number += 1
    session.commit()


def _checkins(session: Session, *, now: datetime, policy: InboundPolicy) -> None:
    for n, replies in enumerate(CHECKIN_REPLIES):
        phone = f"07700 900{300 + n:03d}"
        for reply in ("CHECKIN", *replies):
            log_watch.remember(reply)
            text_as(session, phone, reply, now=now, policy=policy)
    session.commit()


def _alerts(
    session: Session,
    people: dict[str, Person],
    accounts: dict[str, StaffUser],
    *,
    now: datetime,
    policy: InboundPolicy,
    duty_team: str,
) -> None:
    """A risk from one of Kirsty's young people, a concern from another, and an older concern already acted on."""
    for young, text, at in ((ELLIE, OLDER_CONCERN, now - timedelta(days=2)), (ROBIN, RISK_TEXT, now),
                            (JAY, CONCERN_TEXT, now)):  # fmt: skip
        log_watch.remember(text)
        text_as(session, young.phone, text, now=at, policy=policy)
    session.commit()
    older = session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.person_id == people[ELLIE.ref].id)).one()
    manager = accounts["manager"]
    viewer = Viewer.of(manager, staff.team_named(session, duty_team).id)
    alerts.acknowledge(
        session,
        older.id,
        manager,
        "Phoned Ellie's carer and arranged for Kirsty to visit after school tomorrow.",
        now=now - timedelta(days=2) + timedelta(minutes=25),
        viewer=viewer,
    )
    session.commit()


def _link(session: Session, person: Person, *, now: datetime) -> str:
    token = links.issue(session, person.id, now=now, valid_for=timedelta(days=90))
    session.commit()
    return token


def _answer_on_the_web(
    session: Session, person: Person, slug: str, answers: list[str], now: datetime, policy: WebPolicy
) -> None:
    """A young person answers each page of a survey or statement from their personal link."""
    version = surveys.current_version(session, slug)
    for question, answer in zip(version.questions, answers, strict=True):
        log_watch.remember(answer)
        result = web_responses.answer_page(
            session,
            person.id,
            version,
            question,
            answer,
            skip=False,
            nonce=secrets.token_urlsafe(16),
            now=now,
            policy=policy,
        )
        assert result.error is None, result.error
    session.commit()


def _statements(
    session: Session, people: dict[str, Person], worker: StaffUser, *, now: datetime, policy: WebPolicy
) -> None:
    """Statements to Kirsty: one not yet read, one read, one replied to; and one to the other team's worker."""
    sent = [
        (
            ROBIN,
            "statement-worried",
            ["My placement might change and nobody has told me why", "Tell me before the panel"],
        ),
        (JAY, "statement-good-news", ["I passed my prelim in maths and my teacher says I can sit higher"]),
        (
            MO,
            "statement-meeting",
            [
                "My pathway plan meeting on Thursday",
                "The house is going well and the staff are sound",
                "I still do not have my birth certificate",
                "I want to stay in continuing care until I finish college",
                "My gran and my advocacy worker",
            ],
        ),
        (ZARA, "statement-change", ["I want phone calls with my sister every week", "Ask the unit to let me"]),
    ]
    for young, slug, answers in sent:
        _answer_on_the_web(session, people[young.ref], slug, answers, now - timedelta(hours=3), policy)
    by_person = {s.person_id: s for s in session.scalars(select(Statement).where(Statement.worker_id == worker.id))}
    statements.acknowledge(session, by_person[people[JAY.ref].id], worker, now=now - timedelta(hours=2))
    statements.reply(
        session,
        by_person[people[MO.ref].id],
        worker,
        "Thanks Mo. I will ask about your birth certificate today and see you on Thursday.",
        now=now - timedelta(hours=1),
    )
    session.commit()
