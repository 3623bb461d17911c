"""Every e-mail renders in every language, and every sentence of the templates is translated."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from plenary_notification.adapters.templates import LOCALES, TEMPLATES, _when, render
from plenary_shared.i18n import LANGUAGES

CONTEXTS = {
    "session_changed": {
        "change": "moved",
        "title": "Restricted format",
        "starts_at": "2026-03-29T09:00:00+00:00",
        "ends_at": "2026-03-29T10:00:00+00:00",
        "previous_starts_at": "2026-03-29T07:00:00+00:00",
        "timezone": "Europe/Moscow",
        "room": "Hall A",
        "previous_room": None,
        "reason": None,
    },
    "event": {
        "event": {
            "type": "scheduling.session.moved",
            "time": "2026-11-23T10:00:00+00:00",
            "data": {"session_id": "s1", "title": "Plenary"},
        }
    },
    "webhook_disabled": {
        "url": "https://hooks.example.org/x",
        "since": "2026-11-20T10:00:00+00:00",
        "subscription_id": "s1",
    },
    "invitation": {
        "role": "focal_point",
        "link": "https://p/x#token=t",
        "expires_at": "2026-12-07T09:00:00+00:00",
    },
    "password_reset": {"link": "https://p/x#token=t", "expires_at": "2026-12-07T09:00:00+00:00"},
    "accredited": {
        "name": "Li Wei",
        "meeting": "SCO",
        "badge_number": "PL-1",
        "portal_url": "https://p",
    },
    "refused": {
        "name": "Li Wei",
        "meeting": "SCO",
        "reason": "incomplete",
        "portal_url": "https://p",
    },
    "session_seat": {
        "outcome": "waitlisted",
        "title": "Restricted format",
        "starts_at": "2025-11-17T09:00:00+00:00",
        "timezone": "Europe/Moscow",
        "room": "Hall of Columns",
        "position": 1,
    },
    "waiting_list": {
        "name": "Li Wei",
        "meeting": "SCO",
        "decision": "waitlisted",
        "position": 2,
        "portal_url": "https://p",
    },
    "decision": {
        "decision": "refused",
        "name": "Li Wei",
        "category": "delegate",
        "reason": "incomplete",
        "meeting": "SCO",
        "portal_url": "https://p",
    },
    "invitation_code": {"code": "042917", "expires_at": "2026-12-07T09:15:00+00:00"},
    "schedule_changes": {
        "items": [
            {
                "change": "moved",
                "title": "Restricted format",
                "starts_at": "2026-03-29T15:00:00+03:00",
                "ends_at": "2026-03-29T16:00:00+03:00",
                "previous_starts_at": "2026-03-29T10:00:00+03:00",
                "timezone": "Europe/Moscow",
                "room": "Hall of Columns",
                "previous_room": None,
            },
            {
                "change": "reroomed",
                "title": "Working lunch",
                "starts_at": "2026-03-29T13:00:00+03:00",
                "ends_at": "2026-03-29T14:00:00+03:00",
                "previous_starts_at": None,
                "timezone": "Europe/Moscow",
                "room": "Annex",
                "previous_room": "Hall of Columns",
            },
            {
                "change": "moved_reroomed",
                "title": "Bilateral",
                "starts_at": "2026-03-29T17:00:00+03:00",
                "ends_at": "2026-03-29T17:30:00+03:00",
                "previous_starts_at": "2026-03-29T16:00:00+03:00",
                "timezone": "Europe/Moscow",
                "room": "Annex",
                "previous_room": "Room 3",
            },
            {
                "change": "unchanged",
                "title": "Press conference",
                "starts_at": "2026-03-29T18:00:00+03:00",
                "ends_at": "2026-03-29T18:30:00+03:00",
                "previous_starts_at": "2026-03-29T18:00:00+03:00",
                "timezone": "Europe/Moscow",
                "room": "Press centre",
                "previous_room": "Press centre",
            },
        ]
    },
    "digest": {
        "items": [
            {
                "decision": "nominated",
                "name": "Li Wei",
                "category": "delegate",
                "meeting": "SCO",
                "reason": None,
            }
        ]
    },
}


def _sentences() -> set[str]:
    method_map = [("**.txt", "jinja2"), ("**.html", "jinja2")]
    options = {"**": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(TEMPLATES), method_map=method_map, options_map=options
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_templates_say_something_and_every_kind_is_covered():
    # a name starting with "_" holds macros the kinds share
    kinds = {p.name.split(".")[0] for p in Path(TEMPLATES).glob("[!_]*.txt")}
    assert kinds == set(CONTEXTS)
    assert len(_sentences()) > 20


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_sentence_is_translated(language):
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    assert _sentences() - translated == set()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_each_kind_renders_text_and_html_in_each_language(kind, language):
    rendered = render(kind, language=language, context={**CONTEXTS[kind], "language": language})
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip() and "{" not in rendered.text
    assert rendered.html.startswith("<!doctype html>") and f'lang="{language}"' in rendered.html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_webhook_disabled_for_410_gone_says_so(language):
    context = CONTEXTS["webhook_disabled"] | {"gone": True, "language": language}
    gone = render("webhook_disabled", language=language, context=context)
    failing = render("webhook_disabled", language=language, context=context | {"gone": False})
    assert "410 Gone" in gone.text and "410 Gone" in gone.html
    assert "410" not in failing.text


DECISIONS = {
    "nominated": {},
    "waitlisted": {"position": 3},
    "promoted": {},
    "rejected": {},
    "accredited": {},
    "refused": {},
    "seat_waitlisted": {"position": 3},
    "seat_promoted": {},
}
SEAT = {"title": "Restricted format", "starts_at": "2025-11-17T09:00:00+00:00"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_every_decision_is_told_in_its_own_e_mail_and_in_the_digest(decision, language):
    item = {**CONTEXTS["decision"], "reason": None, "decision": decision, **DECISIONS[decision]}
    if decision.startswith("seat_"):
        item |= SEAT | {"timezone": "Europe/Moscow", "category": None}
    one = render("decision", language=language, context=item | {"language": language})
    digest = render("digest", language=language, context={"items": [item], "language": language})
    for text in (one.text, digest.text):
        [line] = [line for line in text.splitlines() if "Li Wei" in line]
        assert len(line.replace("Li Wei", "")) > 12, line  # a sentence, not a bare name
        if "position" in DECISIONS[decision]:
            assert "3" in line
        if decision.startswith("seat_"):
            assert "Restricted format" in line and "12:00" in line  # in the venue's time
    assert "Li Wei" in one.subject


@pytest.mark.parametrize("kind", ["decision", "digest"])
def test_names_are_escaped_in_html_but_not_in_text(kind):
    item = {**CONTEXTS["decision"], "name": "<b>O'Neil</b>"}
    context = (item if kind == "decision" else {"items": [item]}) | {"language": "en"}
    rendered = render(kind, language="en", context=context)
    assert "<b>O'Neil</b>" in rendered.text
    assert "&lt;b&gt;O&#39;Neil&lt;/b&gt;" in rendered.html and "<b>O" not in rendered.html


def test_an_unknown_language_falls_back_to_english():
    rendered = render(
        "password_reset", language="fr-CA", context=CONTEXTS["password_reset"] | {"language": "fr"}
    )
    assert rendered.language == "en" and rendered.subject == "Reset your Plenary password"


def test_times_are_written_in_the_language_and_zone():
    context = CONTEXTS["invitation"] | {"language": "ru"}
    russian = render("invitation", language="ru", context=context).text
    assert "7 декабря 2026\u202fг. 09:00 (UTC)" in russian  # noqa: RUF001 - Cyrillic on purpose
    assert "2026年12月7日 09:00 (UTC)" in render("invitation", language="zh", context=context).text
    assert _when("2026-12-07T09:00:00+00:00", "Europe/Moscow", language="en") == (
        "December 7, 2026 12:00 (Moscow Standard Time)"
    )


@pytest.mark.parametrize("change", ["moved", "reroomed", "cancelled"])
def test_a_session_change_is_told_in_the_venues_time(change):
    context = CONTEXTS["session_changed"] | {
        "change": change,
        "previous_room": "Hall B",
        "reason": "weather",
        "language": "en",
    }
    text = render("session_changed", language="en", context=context).text
    assert "March 29, 2026 12:00 (Moscow Standard Time)" in text
    assert {"moved": "10:00", "reroomed": "Hall B", "cancelled": "weather"}[change] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_of_change_in_a_burst_is_told_with_its_times_and_rooms(language):
    context = {**CONTEXTS["schedule_changes"], "language": language}
    rendered = render("schedule_changes", language=language, context=context)
    lines = [line for line in rendered.text.splitlines() if line.startswith("- ")]
    assert len(lines) == 4 and "4" in rendered.subject
    moved_reroomed, unchanged = lines[2], lines[3]
    assert all(w in moved_reroomed for w in ("Bilateral", "16:00", "Room 3", "17:00", "Annex"))
    assert all(w in unchanged for w in ("Press conference", "18:00", "Press centre"))
