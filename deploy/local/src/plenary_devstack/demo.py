"""Demo data: the 24th meeting of the SCO Council of Heads of Government, loaded through the APIs."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import httpx

from plenary_devstack.invitations import accept_invitation
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
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=auth, timeout=15) as http:
        found = http.get(f"{urls['scheduling']}/v1/meetings", params={"q": "SCO Council of Heads"})
        found.raise_for_status()
        if found.json()["total"]:
            meeting_id = found.json()["items"][0]["id"]
            _accounts(http, urls, meeting_id, say, mail)
            say(f"demo data already present (meeting {meeting_id})")
            return meeting_id
        meeting_id = _post(http, f"{urls['scheduling']}/v1/meetings", MEETING)["id"]
        rooms = _timetable_rooms(http, urls["scheduling"], meeting_id)
        delegations = {}
        for code, name, head_title in MEMBERS:
            delegations[code] = _post(
                http,
                f"{urls['delegation']}/v1/meetings/{meeting_id}/delegations",
                {
                    "name": name,
                    "country_code": code,
                    "kind": "member",
                    "head_title": head_title,
                    "quota": 40,
                },
            )["id"]
        for code, name, kind, guest_head_title in GUESTS:
            delegations[code] = _post(
                http,
                f"{urls['delegation']}/v1/meetings/{meeting_id}/delegations",
                {
                    "name": name,
                    "country_code": code,
                    "kind": kind,
                    "head_title": guest_head_title,
                    "quota": 1 if code == "MNG" else 5,
                },
            )["id"]
        pending = []
        for code, given, family, category, passport, action in APPLICANTS:
            application = _post(
                http,
                f"{urls['registration']}/v1/meetings/{meeting_id}/applications",
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
            pending.append((application["id"], action))
        for application_id, action in pending:
            if action is None:
                continue
            url = f"{urls['registration']}/v1/applications/{application_id}"
            _wait_nominated(http, url)
            for step, body in STEPS[action]:
                _post(http, f"{url}/{step}", body)
        sessions = _timetable(http, urls["scheduling"], meeting_id, rooms, delegations)
        _accounts(http, urls, meeting_id, say, mail)
        say(
            f"demo data loaded: meeting {meeting_id}, {len(delegations)} delegations, "
            f"{len(sessions)} sessions, {len(APPLICANTS)} nominations"
        )
        return meeting_id


def _accounts(
    http: httpx.Client, urls: dict[str, str], meeting_id: str, say, mail: MailCatcher | None
) -> None:
    """The demo portal accounts not made yet: invited, and accepted with PASSWORD and the code
    e-mailed to them, read from the mail catcher."""
    registration = urls["registration"]
    if mail is None:
        say("demo portal accounts need the mail catcher (NOTIFICATION_SMTP_HOST is set); skipped")
        return
    made = []
    for email, role, language, _ in ACCOUNTS:
        found = http.get(f"{registration}/v1/accounts", params={"email": email})
        found.raise_for_status()
        if found.json()["total"]:
            continue
        body = {"email": email, "role": role, "language": language}
        if role == "focal_point":
            body["delegation_id"] = _delegation_id(http, urls["delegation"], meeting_id, "KAZ")
        if role == "participant":
            body["application_id"] = _application_id(http, registration, meeting_id, email)
        link = _post(http, f"{registration}/v1/invitations", body)["url"]
        token = urlparse(link).fragment.removeprefix("token=")
        accepted = accept_invitation(
            registration, mail, token=token, email=email, password=PASSWORD
        )
        accepted.raise_for_status()
        made.append(email)
    if made:
        say(f"demo portal accounts made: {', '.join(made)}")


def _delegation_id(http: httpx.Client, delegation: str, meeting_id: str, code: str) -> str:
    found = http.get(
        f"{delegation}/v1/meetings/{meeting_id}/delegations", params={"limit": 100}
    ).json()["items"]
    return next(d["id"] for d in found if d["country_code"] == code)


def _application_id(http: httpx.Client, registration: str, meeting_id: str, email: str) -> str:
    found = http.get(
        f"{registration}/v1/meetings/{meeting_id}/applications",
        params={"state": "accredited", "limit": 100},
    ).json()["items"]
    return next(a["id"] for a in found if a["email"] == email)


def _timetable_rooms(http: httpx.Client, scheduling: str, meeting_id: str) -> dict[str, str]:
    """The venues and rooms of the demo meeting; room ids by name."""
    rooms = {}
    for venue in VENUES:
        venue_id = _post(http, f"{scheduling}/v1/meetings/{meeting_id}/venues", venue["venue"])[
            "id"
        ]
        for room in venue["rooms"]:
            rooms[room["name"]] = _post(http, f"{scheduling}/v1/venues/{venue_id}/rooms", room)[
                "id"
            ]
    return rooms


def _timetable(
    http: httpx.Client, scheduling: str, meeting_id: str, rooms: dict, delegations: dict
) -> list[str]:
    """The sessions, with heads of the member delegations and the accredited attendees."""
    members = [delegations[code] for code, *_ in MEMBERS]
    needed = {name for spec in SESSIONS for name in spec.get("attendees", ())}
    people = _accredited(http, scheduling, meeting_id, names=needed)
    created = []
    for spec in SESSIONS:
        body = {k: v for k, v in spec.items() if k not in ("room", "heads", "attendees")}
        body["room_id"] = rooms[spec["room"]]
        session_id = _post(http, f"{scheduling}/v1/meetings/{meeting_id}/sessions", body)["id"]
        if spec.get("heads") == "members":
            # scheduling learns delegations from delegation's events: retried until it has
            _post_when_known(
                http, f"{scheduling}/v1/sessions/{session_id}/heads", {"delegation_ids": members}
            )
        if spec.get("attendees"):
            ids = [people[name] for name in spec["attendees"]]
            _post(
                http, f"{scheduling}/v1/sessions/{session_id}/attendance", {"application_ids": ids}
            )
        created.append(session_id)
    return created


def _accredited(
    http: httpx.Client, scheduling: str, meeting_id: str, *, names: set[str], timeout: float = 30
) -> dict:
    """Accredited participants by family name, once scheduling has learnt of those named."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = http.get(f"{scheduling}/v1/meetings/{meeting_id}/participants").json()["items"]
        by_name = {p["family_name"]: p["application_id"] for p in found}
        if names <= set(by_name):
            return by_name
        time.sleep(0.2)
    raise RuntimeError(f"scheduling did not learn of the accredited {sorted(names)} in {timeout}s")


def _post_when_known(http: httpx.Client, url: str, body: dict, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        response = http.post(url, json=body)
        if response.status_code < 400:
            return response.json()
        if response.status_code != 409 or time.monotonic() > deadline:
            raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
        time.sleep(0.2)


def _post(http: httpx.Client, url: str, body: dict) -> dict:
    response = http.post(url, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
    return response.json()


def _wait_nominated(http: httpx.Client, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http.get(url).json()["state"] != "submitted":
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not decided by its delegation within {timeout}s")
