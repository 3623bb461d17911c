"""Who is written to about which event."""

from uuid import UUID, uuid4

from plenary_notification.domain.emails import (
    Recipient,
    badge_email,
    emails_for,
    net_changes,
    seat_email,
    seat_notices,
    seat_outcome,
)

PARTICIPANT = {
    "application_id": str(uuid4()),
    "meeting_id": str(uuid4()),
    "delegation_id": str(uuid4()),
    "category": "adviser",
    "given_name": "Li",
    "family_name": "Wei",
    "email": "li.wei@example.org",
    "language": "zh",
}
FOCAL_POINTS = [Recipient("fp1@example.org", "ru"), Recipient("fp2@example.org", "en", digest=True)]


def _emails(event_type, data, focal_points=FOCAL_POINTS):
    return emails_for(
        event_type, data, meeting_title="SCO", focal_points=focal_points, portal_url="https://p"
    )


def test_accreditation_tells_every_focal_point_in_their_languages():
    found = _emails("registration.accreditation.granted", PARTICIPANT)
    assert [(e.kind, e.recipient, e.language) for e in found] == [
        ("decision", "fp1@example.org", "ru"),
        ("decision", "fp2@example.org", "en"),
    ]
    assert [e.held_for_digest for e in found] == [False, True]


def test_the_participant_gets_its_badge_number_with_the_first_badge_only():
    badge = {"badge_number": "PL-0001-0042", "delegation_id": PARTICIPANT["delegation_id"]}
    person = Recipient("li.wei@example.org", "zh")
    args = {"person": person, "name": "Li Wei", "meeting_title": "SCO", "portal_url": "https://p"}
    [email] = badge_email(badge, **args)
    assert (email.kind, email.recipient, email.language) == (
        "accredited",
        "li.wei@example.org",
        "zh",
    )
    assert email.context["badge_number"] == "PL-0001-0042"
    assert badge_email(badge | {"replaces": str(uuid4())}, **args) == []


def test_a_nomination_tells_only_the_focal_points():
    found = _emails("registration.application.nominated", PARTICIPANT)
    assert {e.kind for e in found} == {"decision"} and len(found) == 2
    assert found[0].context["decision"] == "nominated" and found[0].context["reason"] is None


def test_joining_the_waiting_list_tells_the_participant_and_the_focal_points_the_place():
    found = _emails("registration.application.waitlisted", PARTICIPANT | {"position": 3})
    assert [(e.kind, e.recipient) for e in found] == [
        ("waiting_list", "li.wei@example.org"),
        ("decision", "fp1@example.org"),
        ("decision", "fp2@example.org"),
    ]
    assert {(e.context["decision"], e.context["position"]) for e in found} == {("waitlisted", 3)}


def test_a_promotion_from_the_list_tells_both_but_a_plain_nomination_only_the_focal_points():
    promoted = _emails("registration.application.nominated", PARTICIPANT | {"promoted": True})
    assert [(e.kind, e.context["decision"]) for e in promoted] == [
        ("waiting_list", "promoted"),
        ("decision", "promoted"),
        ("decision", "promoted"),
    ]
    plain = _emails("registration.application.nominated", PARTICIPANT | {"promoted": False})
    assert {e.kind for e in plain} == {"decision"}


def test_a_refusal_carries_its_reason_to_everyone():
    found = _emails("registration.accreditation.refused", PARTICIPANT | {"reason": "late"})
    assert {e.context["reason"] for e in found} == {"late"}
    assert found[0].kind == "refused" and found[0].recipient == "li.wei@example.org"


def test_an_invitation_without_a_sealed_link_is_not_mailed():
    invitation = {
        "email": "a@example.org",
        "role": "focal_point",
        "language": "ru",
        "expires_at": "2026-12-01T00:00:00+00:00",
    }
    assert _emails("registration.invitation.issued", invitation) == []
    [email] = _emails("registration.invitation.issued", invitation | {"sealed_link": "abc"})
    assert email.kind == "invitation" and email.context["sealed_link"] == "abc"
    assert email.language == "ru"


def test_other_events_cause_no_email():
    assert _emails("registration.badge.issued", {"badge_id": str(uuid4())}) == []


def test_a_session_seat_tells_the_participant_of_waiting_and_of_promotion_only():
    seat = {"title": "Restricted", "starts_at": "2025-11-17T09:00:00+00:00", "room": "Hall"}
    person = Recipient("li.wei@example.org", "zh")
    waiting = seat | {"position": 2}
    assert seat_outcome("scheduling.attendance.waitlisted", waiting) == "waitlisted"
    [email] = seat_email("waitlisted", waiting, person=person)
    assert (email.kind, email.recipient, email.context["position"]) == (
        "session_seat",
        "li.wei@example.org",
        2,
    )
    promoted = seat | {"promoted": True}
    assert seat_outcome("scheduling.attendance.assigned", promoted) == "promoted"
    assert seat_outcome("scheduling.attendance.assigned", seat | {"promoted": False}) is None
    assert seat_outcome("scheduling.attendance.removed", seat) is None


def test_a_session_seat_tells_the_focal_points_who_waits_and_who_got_a_seat():
    seat = {
        "title": "Restricted",
        "starts_at": "2025-11-17T09:00:00+00:00",
        "timezone": "Europe/Moscow",
        "delegation_id": PARTICIPANT["delegation_id"],
        "position": 2,
    }
    found = seat_notices(
        "waitlisted",
        seat,
        name="Li Wei",
        meeting_title="SCO",
        focal_points=FOCAL_POINTS,
        portal_url="https://p",
    )
    assert [(e.kind, e.recipient, e.language) for e in found] == [
        ("decision", "fp1@example.org", "ru"),
        ("decision", "fp2@example.org", "en"),
    ]
    assert [e.held_for_digest for e in found] == [False, True]
    assert {e.delegation_id for e in found} == {UUID(PARTICIPANT["delegation_id"])}
    context = found[0].context
    assert (context["decision"], context["name"], context["position"]) == (
        "seat_waitlisted",
        "Li Wei",
        2,
    )


def _change(session: str, change: str, at: str, where: str, **before) -> dict:
    return {
        "session_id": session,
        "change": change,
        "title": f"Session {session}",
        "starts_at": f"2026-03-29T{at}:00+03:00",
        "timezone": "Europe/Moscow",
        "room": where,
        "previous_starts_at": before.get("starts") and f"2026-03-29T{before['starts']}:00+03:00",
        "previous_room": before.get("room"),
    }


def test_a_session_changed_several_times_in_a_burst_is_told_once_from_first_to_last():
    items = [
        _change("a", "moved", "11:00", "Hall", starts="10:00"),
        _change("b", "reroomed", "09:00", "Annex", room="Hall"),
        _change("a", "moved", "12:00", "Hall", starts="11:00"),
        _change("c", "moved", "15:00", "Hall", starts="14:00"),
        _change("c", "moved", "14:00", "Hall", starts="15:00"),
        _change("a", "reroomed", "12:00", "Annex", room="Hall"),
    ]
    folded = net_changes(items)
    assert [(i["session_id"], i["change"]) for i in folded] == [
        ("a", "moved_reroomed"),
        ("b", "reroomed"),
        ("c", "unchanged"),
    ]
    a = folded[0]
    assert (a["previous_starts_at"], a["starts_at"]) == (
        "2026-03-29T10:00:00+03:00",
        "2026-03-29T12:00:00+03:00",
    )
    assert (a["previous_room"], a["room"]) == ("Hall", "Annex")
    assert folded[1] == items[1]  # a session changed once is told as it was
    moved_twice = net_changes([items[0], items[2]])
    assert [(i["change"], i["previous_starts_at"][11:16]) for i in moved_twice] == [
        ("moved", "10:00")
    ]
