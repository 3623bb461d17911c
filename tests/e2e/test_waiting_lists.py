"""Waiting lists per delegation and category: chosen per nomination or by the delegation's default,
shown in order to the focal point, and promoted from exactly once when a seat frees: by a
withdrawal, a revocation or a quota raise, also when two seats free at the same moment."""

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from plenary_client import NotFound
from plenary_devstack.testing import wait_for


def _decided(api, meeting, delegation, token, **overrides) -> dict:
    """Nominate one person and wait for the delegation's answer."""
    submitted = api.submit(meeting["id"], delegation["id"], token=token, **overrides)
    return api.wait_state(submitted["id"], timeout=60)


def _line(api, delegation, token=None) -> list[tuple[str, str, int]]:
    """The waiting list as (application, category, position), first in line first."""
    items = api.plenary(token).delegation.list_waiting(delegation["id"]).items
    return [(str(w.application_id), w.category, w.position) for w in items]


def _state(api, application) -> dict:
    found = api.plenary().registration.get_application(application["id"])
    return found.model_dump(mode="json")


def _until_state(api, application, state: str) -> dict:
    return wait_for(
        lambda: (found := _state(api, application))["state"] == state and found,
        timeout=60,
        what=f"{application['given_name']} to be {state}",
    )


def _withdraw(api, application, token) -> None:
    api.plenary(token).registration.withdraw(application["id"], {"reason": "cannot travel"})


def _used(api, delegation) -> int:
    return api.plenary().delegation.get_delegation(delegation["id"]).quota_used


async def _promotions(kafka, delegation) -> list[str]:
    """The applications promoted from this delegation's list, as the broker carries them."""
    events = await kafka.events("delegation.events", event_type="delegation.nomination.accepted")
    return [
        e["data"]["application_id"]
        for _, e in events
        if e["data"]["delegation_id"] == delegation["id"] and e["data"]["promoted"]
    ]


async def test_withdrawal_revocation_and_a_quota_raise_promote_the_first_in_line(
    api, client, kafka, mailbox
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=1)
    fp = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-waiting")
    client.delegation.assign_focal_point(
        delegation["id"],
        {"email": "fp.waiting@example.org", "name": "Dana Focal", "language": "en"},
    )

    first = _decided(api, meeting, delegation, fp, given_name="Aigerim")
    chose_list = _decided(api, meeting, delegation, fp, given_name="Bolat", waitlist=True)
    chose_not = _decided(api, meeting, delegation, fp, given_name="Chingiz", waitlist=False)
    by_default = _decided(api, meeting, delegation, fp, given_name="Dana")
    assert [a["state"] for a in (first, chose_list, chose_not, by_default)] == [
        "nominated",
        "waitlisted",
        "rejected",
        "rejected",
    ]
    assert chose_list["reason"] == "waiting list position 1"

    # the focal point makes the list its delegation's default; another delegation sees nothing
    other = api.token_for("focal_point", delegation_id=str(uuid.uuid4()), subject="fp-other")
    with pytest.raises(NotFound):
        api.plenary(other).delegation.set_waiting_list_default(
            delegation["id"], {"by_default": True}
        )
    changed = api.plenary(fp).delegation.set_waiting_list_default(
        delegation["id"], {"by_default": True}
    )
    assert changed.waitlist_by_default is True
    second = _decided(api, meeting, delegation, fp, given_name="Erlan")
    adviser = _decided(api, meeting, delegation, fp, given_name="Farida", category="adviser")
    assert (second["state"], adviser["state"]) == ("waitlisted", "waitlisted")
    assert _line(api, delegation, token=fp) == [
        (chose_list["id"], "delegate", 1),
        (second["id"], "delegate", 2),
        (adviser["id"], "adviser", 1),
    ]
    with pytest.raises(NotFound):
        _line(api, delegation, token=other)

    # a withdrawal frees the seat for the first in line, and both are told
    _withdraw(api, first, fp)
    promoted = _until_state(api, chose_list, "nominated")
    assert promoted["reason"] == "promoted from the waiting list"
    assert _line(api, delegation) == [(second["id"], "delegate", 1), (adviser["id"], "adviser", 1)]
    assert _used(api, delegation) == 1
    told = mailbox.wait_for(chose_list["email"], count=2, timeout=120)
    assert [m.subject for m in told] == [
        f"{meeting['title']}: you are on the waiting list",
        f"{meeting['title']}: a seat came free for you",
    ]
    assert "number 1 in line" in told[0].body()
    wait_for(
        lambda: any(
            "Bolat" in m.body() and "a seat came free and went to them" in m.body()
            for m in mailbox.to("fp.waiting@example.org")
        ),
        timeout=120,
        what="the focal point to hear of the promotion",
    )

    # a revocation frees it again: the next in line, whatever its category, gets it
    client.registration.decide(chose_list["id"], {"decision": "grant"})
    client.registration.revoke(chose_list["id"], {"reason": "badge misused"})
    _until_state(api, second, "nominated")
    assert _line(api, delegation) == [(adviser["id"], "adviser", 1)]

    # a waiting nominee who withdraws leaves the line; a raised quota promotes who is left
    waiting_more = _decided(api, meeting, delegation, fp, given_name="Gulnara")
    leaving = _decided(api, meeting, delegation, fp, given_name="Hasan")
    _withdraw(api, leaving, fp)
    wait_for(lambda: len(_line(api, delegation)) == 2, what="Hasan to leave the line")
    client.delegation.change_quotas(delegation["id"], {"quota": 3})
    _until_state(api, adviser, "nominated")
    _until_state(api, waiting_more, "nominated")
    assert _line(api, delegation) == []
    assert _used(api, delegation) == 3
    assert _state(api, leaving)["state"] == "withdrawn"
    assert sorted(await _promotions(kafka, delegation)) == sorted(
        [chose_list["id"], second["id"], adviser["id"], waiting_more["id"]]
    )


async def test_two_seats_freed_at_once_promote_exactly_two(api, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=2, waitlist_by_default=True)
    fp = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-two")
    holders = [_decided(api, meeting, delegation, fp) for _ in range(2)]
    waiting = [_decided(api, meeting, delegation, fp) for _ in range(3)]
    assert [a["state"] for a in holders + waiting] == ["nominated"] * 2 + ["waitlisted"] * 3

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda a: _withdraw(api, a, fp), holders))

    _until_state(api, waiting[0], "nominated")
    _until_state(api, waiting[1], "nominated")
    await asyncio.sleep(2)  # time for a third, wrong promotion to show
    assert _state(api, waiting[2])["state"] == "waitlisted"
    assert _line(api, delegation) == [(waiting[2]["id"], "delegate", 1)]
    assert _used(api, delegation) == 2
    assert sorted(await _promotions(kafka, delegation)) == sorted(a["id"] for a in waiting[:2])


async def test_a_release_delivered_twice_promotes_once(api, kafka, producer):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=1, waitlist_by_default=True)
    fp = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-twice")
    holder = _decided(api, meeting, delegation, fp)
    waiting = [_decided(api, meeting, delegation, fp) for _ in range(2)]

    _withdraw(api, holder, fp)
    _until_state(api, waiting[0], "nominated")
    [(record, withdrawn)] = [
        (r, e)
        for r, e in await kafka.events(
            "registration.events", event_type="registration.application.withdrawn"
        )
        if e["subject"] == holder["id"]
    ]
    # the same withdrawal delivered again, and the same fact again under a new id
    for again in (withdrawn, {**withdrawn, "id": str(uuid.uuid4())}):
        sent = await producer.send_and_wait(
            "registration.events",
            json.dumps(again).encode(),
            key=holder["id"].encode(),
            headers=list(record.headers),
        )
        await kafka.wait_consumed("delegation", "registration.events", sent.partition, sent.offset)

    assert _state(api, waiting[1])["state"] == "waitlisted"
    assert _line(api, delegation) == [(waiting[1]["id"], "delegate", 1)]
    assert _used(api, delegation) == 1
    assert await _promotions(kafka, delegation) == [waiting[0]["id"]]


async def test_a_crash_before_the_release_is_handled_loses_no_promotion(api, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=1, waitlist_by_default=True)
    fp = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-crash")
    holder = _decided(api, meeting, delegation, fp)
    waiting = [_decided(api, meeting, delegation, fp) for _ in range(2)]

    # the delegation service dies; the withdrawal waits on the broker until it is back
    api.platform.stop_service("delegation", kill=True)
    try:
        _withdraw(api, holder, fp)
    finally:
        api.platform.start_service("delegation")
    _until_state(api, waiting[0], "nominated")
    await asyncio.sleep(2)
    assert _state(api, waiting[1])["state"] == "waitlisted"
    assert _used(api, delegation) == 1
    assert await _promotions(kafka, delegation) == [waiting[0]["id"]]
