"""Demo data: the 24th meeting of the SCO Council of Heads of Government, loaded through the APIs."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from plenary_client import Conflict, Plenary
from plenary_client.api.registration import RegistrationApi
from plenary_devstack.invitations import codes_sent
from plenary_devstack.mailcatcher import MailCatcher

MEETING = {
    "title": "24th Meeting of the SCO Council of Heads of Government",
    "city": "Moscow",
    "venue": "National Centre RUSSIA",
    "timezone": "Europe/Moscow",
    "starts_on": "2025-11-17",
    "ends_on": "2025-11-18",
}

VENUES: list[dict[str, Any]] = [
    {
        "venue": {
            "name": "National Centre RUSSIA",
            "city": "Moscow",
            "address": "Moscow, Russian Federation",
            "timezone": "Europe/Moscow",
        },
        "rooms": [
            {"name": "Hall 1", "capacity": 60, "access_zone": "A", "languages": ["en", "ru", "zh"]},
            {
                "name": "Plenary Hall",
                "capacity": 400,
                "access_zone": "A",
                "languages": ["en", "ru", "zh"],
            },
            {"name": "Banquet Hall", "capacity": 120, "access_zone": "A"},
            {
                "name": "Press Centre",
                "capacity": 300,
                "access_zone": "M",
                "languages": ["en", "ru"],
            },
            {"name": "Bilateral Room 1", "capacity": 16, "access_zone": "A", "bilateral": True},
            {"name": "Bilateral Room 2", "capacity": 16, "access_zone": "A", "bilateral": True},
        ],
    }
]

SESSIONS = [
    {
        "title": "Meeting in restricted format",
        "titles": {"ru": "Заседание в узком составе", "zh": "小范围会谈"},
        "format": "restricted",
        "room": "Hall 1",
        "starts_at": "2025-11-18T10:00:00",
        "ends_at": "2025-11-18T11:30:00",
        "visibility": "restricted",
        "heads": "members",
    },
    {
        "title": "Meeting in extended format",
        "titles": {"ru": "Заседание в расширенном составе", "zh": "大范围会谈"},
        "format": "extended",
        "room": "Plenary Hall",
        "starts_at": "2025-11-18T12:00:00",
        "ends_at": "2025-11-18T14:00:00",
        "attendees": ("Nurlanovna", "Zhang"),
    },
    {
        "title": "Working lunch of the heads of delegation",
        "titles": {"ru": "Рабочий обед глав делегаций"},
        "format": "working_lunch",
        "room": "Banquet Hall",
        "starts_at": "2025-11-18T14:15:00",
        "ends_at": "2025-11-18T15:30:00",
        "visibility": "restricted",
        "heads": "members",
    },
    {
        "title": "Press conference of the Chair",
        "titles": {"ru": "Пресс-конференция Председателя"},
        "format": "press_conference",
        "room": "Press Centre",
        "starts_at": "2025-11-18T16:00:00",
        "ends_at": "2025-11-18T16:45:00",
    },
    {
        "title": "Cultural programme: evening at the Bolshoi",
        "titles": {"ru": "Культурная программа: вечер в Большом театре"},
        "format": "cultural",
        "room": "Banquet Hall",
        "starts_at": "2025-11-17T19:00:00",
        "ends_at": "2025-11-17T21:30:00",
        "attendees": ("Nurlanovna",),
    },
]

MEMBERS = [
    ("BLR", "Republic of Belarus", "Prime Minister of the Republic of Belarus"),
    ("CHN", "People's Republic of China", "Premier of the State Council"),
    ("IND", "Republic of India", "Head of Government delegation"),
    ("IRN", "Islamic Republic of Iran", "First Vice President"),
    ("KAZ", "Republic of Kazakhstan", "Prime Minister of the Republic of Kazakhstan"),
    ("KGZ", "Kyrgyz Republic", "Chairman of the Cabinet of Ministers"),
    ("PAK", "Islamic Republic of Pakistan", "Prime Minister"),
    ("RUS", "Russian Federation", "Chairman of the Government (Chair)"),
    ("TJK", "Republic of Tajikistan", "Prime Minister of the Republic of Tajikistan"),
    ("UZB", "Republic of Uzbekistan", "Prime Minister of the Republic of Uzbekistan"),
]

GUESTS = [
    ("MNG", "Mongolia", "observer", "Prime Minister of Mongolia"),
    ("AFG", "Afghanistan", "observer", None),
    ("AZE", "Republic of Azerbaijan", "dialogue_partner", "Deputy Prime Minister"),
    ("ARM", "Republic of Armenia", "dialogue_partner", "Deputy Prime Minister"),
    ("KHM", "Kingdom of Cambodia", "dialogue_partner", "Deputy Prime Minister"),
    ("NPL", "Nepal", "dialogue_partner", None),
    ("TUR", "Republic of Türkiye", "dialogue_partner", None),
    ("LKA", "Democratic Socialist Republic of Sri Lanka", "dialogue_partner", None),
]

# Made-up people and documents, spread over the states an application can be in:
# accredited, refused, nominated, rejected (over quota), withdrawn and revoked.
APPLICANTS = [
    ("KAZ", "Aigerim", "Nurlanovna", "delegate", "N12345671", "grant"),
    ("KAZ", "Daniyar", "Sapar", "adviser", "N12345672", "refuse"),
    ("KAZ", "Marat", "Ibraimov", "security", "N12345673", None),
    ("CHN", "Wei", "Zhang", "delegate", "E98765431", "grant"),
    ("CHN", "Li", "Na", "media", "E98765432", None),
    ("KGZ", "Nurlan", "Abdyldaev", "adviser", "AC1234567", "withdraw"),
    ("PAK", "Imran", "Qureshi", "support", "PK7654321", "revoke"),
    ("MNG", "Bat-Erdene", "Ganbold", "delegate", "MN0000011", None),
    ("MNG", "Saruul", "Enkh", "delegate", "MN0000012", None),  # over the quota of 1
]
STEPS = {
    "grant": [("decision", {"decision": "grant"})],
    "refuse": [
        ("decision", {"decision": "refuse", "reason": "Nominated after the accreditation deadline"})
    ],
    "withdraw": [("withdrawal", {"reason": "Replaced by another adviser"})],
    "revoke": [
        ("decision", {"decision": "grant"}),
        ("revocation", {"reason": "Badge reported lost and misused at the venue"}),
    ],
}

# Portal accounts to sign in with, all with one password (development only): made through
# invitations, as for real people. The participant is accredited above, so she has a badge.
PASSWORD = "plenary-demo-2025"  # noqa: S105 - the published demo password (12+ characters)
PARTICIPANT = "aigerim.nurlanovna@example.org"
ACCOUNTS = [
    ("organiser@plenary.example", "organiser", "en", "organiser staff"),
    ("desk@plenary.example", "accreditation_desk", "en", "the accreditation desk"),
    ("focal.kaz@plenary.example", "focal_point", "ru", "focal point of Kazakhstan (ru)"),
    (PARTICIPANT, "participant", "en", "Aigerim Nurlanovna (KAZ), accredited, badge"),
]


def load(*, urls: dict[str, str], token: str, say=print, mail: MailCatcher | None = None) -> str:
    """Load the demo meeting once (a second run finds it); returns the meeting id."""
    with Plenary(urls, token, timeout=15) as client:
        found = client.scheduling.list_meetings(q="SCO Council of Heads")
        if found.total:
            meeting_id = str(found.items[0].id)
            _accounts(client, meeting_id, say, mail)
            say(f"demo data already present (meeting {meeting_id})")
            return meeting_id
        meeting_id = str(client.scheduling.create_meeting(MEETING).id)
        rooms = _timetable_rooms(client, meeting_id)
        delegations: dict[str, UUID] = {}
        for code, name, head_title in MEMBERS:
            delegations[code] = client.delegation.register_delegation(
                meeting_id,
                {
                    "name": name,
                    "country_code": code,
                    "kind": "member",
                    "head_title": head_title,
                    "quota": 40,
                },
            ).id
        for code, name, kind, guest_head_title in GUESTS:
            delegations[code] = client.delegation.register_delegation(
                meeting_id,
                {
                    "name": name,
                    "country_code": code,
                    "kind": kind,
                    "head_title": guest_head_title,
                    "quota": 1 if code == "MNG" else 5,
                },
            ).id
        pending = []
        for code, given, family, category, passport, action in APPLICANTS:
            application = client.registration.submit_application(
                meeting_id,
                {
                    "delegation_id": delegations[code],
                    "given_name": given,
                    "family_name": family,
                    "email": f"{given}.{family}@example.org".lower().replace("-", ""),
                    "category": category,
                    "nationality": code,
                    "passport_number": passport,
                    "date_of_birth": "1980-05-17",
                },
            )
            pending.append((application.id, action))
        for application_id, action in pending:
            if action is None:
                continue
            _wait_nominated(client, application_id)
            for step, body in STEPS[action]:
                STEP_CALLS[step](client.registration)(application_id, body)
        sessions = _timetable(client, meeting_id, rooms, delegations)
        _accounts(client, meeting_id, say, mail)
        say(
            f"demo data loaded: meeting {meeting_id}, {len(delegations)} delegations, "
            f"{len(sessions)} sessions, {len(APPLICANTS)} nominations"
        )
        return meeting_id


STEP_CALLS: dict[str, Callable[[RegistrationApi], Callable[..., object]]] = {
    "decision": lambda registration: registration.decide,
    "withdrawal": lambda registration: registration.withdraw,
    "revocation": lambda registration: registration.revoke,
}


def _accounts(client: Plenary, meeting_id: str, say, mail: MailCatcher | None) -> None:
    """The demo portal accounts not made yet: invited, and accepted with PASSWORD and the code
    e-mailed to them, read from the mail catcher."""
    if mail is None:
        say("demo portal accounts need the mail catcher (NOTIFICATION_SMTP_HOST is set); skipped")
        return
    made = []
    for email, role, language, _ in ACCOUNTS:
        if client.registration.list_accounts(email=email).total:
            continue
        body: dict[str, object] = {"email": email, "role": role, "language": language}
        if role == "focal_point":
            body["delegation_id"] = _delegation_id(client, meeting_id, "KAZ")
        if role == "participant":
            body["application_id"] = _application_id(client, meeting_id, email)
        link = client.registration.invite(body).url
        token = urlparse(str(link)).fragment.removeprefix("token=")
        _accept(client, mail, token=token, email=email)
        made.append(email)
    if made:
        say(f"demo portal accounts made: {', '.join(made)}")


def _accept(client: Plenary, mail: MailCatcher, *, token: str, email: str, timeout=120) -> None:
    """Accept an invitation as its invitee does: the password, then the code e-mailed."""
    invitee = client.as_(None).registration
    before = len(codes_sent(mail, email))
    invitee.accept_invitation({"token": token, "password": PASSWORD})
    deadline = time.monotonic() + timeout
    while len(codes := codes_sent(mail, email)) <= before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no code reached {email} within {timeout}s")
        time.sleep(0.05)
    invitee.confirm_invitation({"token": token, "code": codes[-1]})


def _delegation_id(client: Plenary, meeting_id: str, code: str) -> UUID:
    found = client.delegation.iter_list_delegations(meeting_id)
    return next(d.id for d in found if d.country_code == code)


def _application_id(client: Plenary, meeting_id: str, email: str) -> UUID:
    found = client.registration.iter_list_applications(meeting_id, state="accredited")
    return next(a.id for a in found if a.email == email)


def _timetable_rooms(client: Plenary, meeting_id: str) -> dict[str, UUID]:
    """The venues and rooms of the demo meeting; room ids by name."""
    rooms = {}
    for venue in VENUES:
        venue_id = client.scheduling.create_venue(meeting_id, venue["venue"]).id
        for room in venue["rooms"]:
            rooms[room["name"]] = client.scheduling.create_room(venue_id, room).id
    return rooms


def _timetable(
    client: Plenary, meeting_id: str, rooms: dict[str, UUID], delegations: dict[str, UUID]
) -> list[UUID]:
    """The sessions, with heads of the member delegations and the accredited attendees."""
    members = [delegations[code] for code, *_ in MEMBERS]
    needed = {name for spec in SESSIONS for name in spec.get("attendees", ())}
    people = _accredited(client, meeting_id, names=needed)
    created = []
    for spec in SESSIONS:
        body: dict[str, Any] = {
            k: v for k, v in spec.items() if k not in ("room", "heads", "attendees")
        }
        body["room_id"] = rooms[str(spec["room"])]
        session_id = client.scheduling.schedule_session(meeting_id, body).id
        if spec.get("heads") == "members":
            # scheduling learns delegations from delegation's events: retried until it has
            _when_known(
                partial(client.scheduling.add_heads, session_id, {"delegation_ids": members})
            )
        if spec.get("attendees"):
            ids = [people[name] for name in spec["attendees"]]
            client.scheduling.assign_attendance(session_id, {"application_ids": ids})
        created.append(session_id)
    return created


def _accredited(client: Plenary, meeting_id: str, *, names: set[str], timeout: float = 30) -> dict:
    """Accredited participants by family name, once scheduling has learnt of those named."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.scheduling.iter_list_participants(meeting_id)
        by_name = {p.family_name: p.application_id for p in found}
        if names <= set(by_name):
            return by_name
        time.sleep(0.2)
    raise RuntimeError(f"scheduling did not learn of the accredited {sorted(names)} in {timeout}s")


def _when_known(call: Callable[[], object], timeout: float = 30) -> None:
    """Call until it is no longer refused with 409 (what it names is not known yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            call()
            return
        except Conflict:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_nominated(client: Plenary, application_id: UUID, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.registration.get_application(application_id).state != "submitted":
            return
        time.sleep(0.2)
    raise RuntimeError(f"application {application_id} was not decided within {timeout}s")
