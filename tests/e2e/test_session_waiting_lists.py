"""Waiting lists for seats in restricted-format sessions, per session and delegation: those over
the delegation's seats wait in order, and a freed seat (an unassignment, a revocation, more
seats) goes to the first of them once, also when two free at the same moment."""

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from scheduling_world import Timetable

from plenary_devstack.testing import wait_for


def _line(tt, session_id: str, **params) -> list[tuple[str, int]]:
    items = tt.api.plenary().scheduling.list_session_waiting(session_id, **params).items
    return [(str(w.application_id), w.position) for w in items]


def _wait(tt, *application_ids: str, session_id: str) -> list:
    """Ask for seats with the waiting list chosen."""
    body = {"application_ids": list(application_ids), "waitlist": True}
    return tt.api.plenary().scheduling.assign_attendance(session_id, body).items


async def _promoted(kafka, session_id: str) -> list[str]:
    events = await kafka.events(
        "scheduling.events", event_type="scheduling.attendance.assigned", subject=session_id
    )
    return [e["data"]["application_id"] for _, e in events if e["data"]["promoted"]]


async def test_seats_freed_by_unassignment_revocation_and_more_seats_go_to_the_first_waiting(
    api, client, kafka, mailbox
):
    tt = Timetable(api)
    delegation = tt.delegation(session_seats={"restricted": 1})
    other = tt.delegation(session_seats={"restricted": 1})
    focal_point = f"fp-{uuid.uuid4().hex[:8]}@example.org"
    client.delegation.assign_focal_point(
        delegation["id"], {"email": focal_point, "name": "Focal Point", "language": "ru"}
    )
    # the focal point and the seats travel on different topics: let notification know it first
    await kafka.wait_handled(
        "notification",
        "delegation.events",
        event_type="delegation.focal_point.assigned",
        match=lambda e: e["data"]["email"] == focal_point,
    )
    a, b, c, d = (tt.accredited(delegation["id"]) for _ in range(4))
    guest = tt.accredited(other["id"])
    session = tt.scheduled(
        tt.room(), "2025-11-17T12:00:00", "2025-11-17T13:00:00", format="restricted"
    )
    sid = session["id"]

    # without the list the request is refused whole, as before; with it, the rest wait in order
    assert tt.assign(sid, a, b).status_code == 409
    _wait(tt, a, b, c, guest, session_id=sid)
    assert tt.attendees(sid) == {a, guest}
    assert _line(tt, sid) == [(b, 1), (c, 2)]
    assert _line(tt, sid, delegation_id=other["id"]) == []
    fp = api.token_for("focal_point", delegation_id=other["id"], subject="fp-other-sw")
    seen = api.plenary(fp).scheduling.list_session_waiting(sid)
    assert seen.items == []  # a focal point sees only its own delegation's line
    _wait(tt, b, session_id=sid)  # asking again keeps the place
    assert _line(tt, sid) == [(b, 1), (c, 2)]
    # the focal point sees its people's places across sessions, by API and on its portal page
    own = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-own-sw")
    across = api.plenary(own).scheduling.delegation_session_waiting(delegation["id"]).items
    assert [(str(w.application_id), w.position, w.title) for w in across] == [
        (b, 1, session["title"]),
        (c, 2, session["title"]),
    ]
    assert across[0].starts_at.isoformat() == "2025-11-17T12:00:00+03:00"  # the venue's time
    with httpx.Client(
        base_url=api.platform.url("portal"), cookies={"plenary_session": own}, timeout=20
    ) as portal:
        page = portal.get("/delegation")
    assert page.status_code == 200, page.text
    section = page.text.split('id="session-waiting"')[1].split("</section>")[0]
    for application_id, place in ((b, 1), (c, 2)):
        row = section.split(f'data-application="{application_id}"')[1].split("</tr>")[0]
        assert f"<td>{place}</td>" in row and session["title"] in row

    # unassigning frees the seat for the first in line
    client.scheduling.remove_attendance(sid, a)
    assert tt.attendees(sid) == {b, guest}
    assert _line(tt, sid) == [(c, 1)]

    # a revoked accreditation frees it again, through the broker
    client.registration.revoke(b, {"reason": "misuse"})
    wait_for(lambda: tt.attendees(sid) == {c, guest}, timeout=60, what="c to get b's seat")

    # more seats for the format: the next waiting get them
    _wait(tt, d, session_id=sid)
    client.delegation.change_quotas(delegation["id"], {"session_seats": {"restricted": 2}})
    wait_for(lambda: tt.attendees(sid) == {c, d, guest}, timeout=60, what="d to get a seat")
    assert _line(tt, sid) == []
    assert sorted(await _promoted(kafka, sid)) == sorted([b, c, d])
    # the participant heard of both: its place in line, then the seat
    person = client.registration.get_application(c)
    title = session["title"]
    wait_for(
        lambda: (
            {f"Waiting list: {title}", f"A seat for you: {title}"}
            <= {m.subject for m in mailbox.to(person.email)}
        ),
        timeout=120,
        what="the waiting participant's two e-mails",
    )
    # and so did the delegation's focal point, in its language
    name = f"{person.given_name} {person.family_name}"
    subject = f"«{tt.meeting['title']}»: место на заседании для {name}"

    def about_c():
        found = [m.body("plain") for m in mailbox.to(focal_point) if m.subject == subject]
        return found if len(found) == 2 else None

    told = wait_for(about_c, timeout=120, what="the focal point's two e-mails about c")
    assert any(f"{name} в листе ожидания" in text and "номер 2" in text for text in told)
    assert any(f"перешло к {name} из листа ожидания" in text for text in told)


async def test_two_seats_freed_at_once_go_to_exactly_two(api, client, kafka):
    tt = Timetable(api)
    delegation = tt.delegation(session_seats={"restricted": 2})
    people = [tt.accredited(delegation["id"]) for _ in range(5)]
    session = tt.scheduled(
        tt.room(), "2025-11-17T15:00:00", "2025-11-17T16:00:00", format="restricted"
    )
    sid = session["id"]
    _wait(tt, *people, session_id=sid)
    assert tt.attendees(sid) == set(people[:2])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda person: client.scheduling.remove_attendance(sid, person), people[:2]))
    assert tt.attendees(sid) == set(people[2:4])
    assert _line(tt, sid) == [(people[4], 1)]
    await asyncio.sleep(1)
    assert sorted(await _promoted(kafka, sid)) == sorted(people[2:4])


async def test_more_seats_delivered_twice_promote_once(api, client, kafka, producer):
    tt = Timetable(api)
    delegation = tt.delegation(session_seats={"restricted": 1})
    people = [tt.accredited(delegation["id"]) for _ in range(3)]
    session = tt.scheduled(
        tt.room(), "2025-11-18T10:00:00", "2025-11-18T11:00:00", format="restricted"
    )
    sid = session["id"]
    _wait(tt, *people, session_id=sid)
    client.delegation.change_quotas(delegation["id"], {"session_seats": {"restricted": 2}})
    wait_for(lambda: len(tt.attendees(sid)) == 2, timeout=60, what="one promotion")
    [(record, changed)] = [
        (r, e)
        for r, e in await kafka.events("delegation.events", event_type="delegation.quotas.changed")
        if e["subject"] == delegation["id"]
    ]
    for again in (changed, {**changed, "id": str(uuid.uuid4())}):
        sent = await producer.send_and_wait(
            "delegation.events",
            json.dumps(again).encode(),
            key=record.key,
            headers=list(record.headers),
        )
        await kafka.wait_consumed("scheduling", "delegation.events", sent.partition, sent.offset)
    assert tt.attendees(sid) == set(people[:2])
    assert _line(tt, sid) == [(people[2], 1)]
    assert await _promoted(kafka, sid) == [people[1]]


def test_someone_who_clashes_keeps_their_place_and_a_direct_seat_ends_their_wait(api, client):
    tt = Timetable(api)
    delegation = tt.delegation(session_seats={"restricted": 1})
    holder, clashing = (tt.accredited(delegation["id"]) for _ in range(2))
    room = tt.room()
    restricted = tt.scheduled(
        room, "2025-11-18T14:00:00", "2025-11-18T15:00:00", format="restricted"
    )
    elsewhere = tt.scheduled(tt.room(), "2025-11-18T14:30:00", "2025-11-18T15:30:00")
    sid = restricted["id"]
    _wait(tt, holder, clashing, session_id=sid)
    tt.assign(elsewhere["id"], clashing, expect=200)

    # the freed seat cannot go to someone now busy elsewhere: they keep their place
    client.scheduling.remove_attendance(sid, holder)
    assert tt.attendees(sid) == set()
    assert _line(tt, sid) == [(clashing, 1)]

    # once free, they are given the seat directly, and wait no more
    client.scheduling.remove_attendance(elsewhere["id"], clashing)
    tt.assign(sid, clashing, expect=200)
    assert tt.attendees(sid) == {clashing}
    assert _line(tt, sid) == []
