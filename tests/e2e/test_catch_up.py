"""Events that waited while their consumer was down are handled in runs when it is back: the
nominations of a delegation decided exactly as one by one would (never oversold, and delivered
again they change nothing); accreditations recorded by scheduling, and told by notification,
once each."""

import re
import time
from contextlib import suppress

import httpx

from plenary_client import ApiError
from plenary_devstack.testing import person, wait_for

SUBMITTED = "registration.application.submitted"


def _used(api, delegation) -> int:
    return api.plenary().delegation.get_delegation(delegation["id"]).quota_used


def _once_known(api, meeting, delegation, **overrides) -> dict:
    """Submit, again while registration does not yet know the delegation."""

    def submitted() -> dict | None:
        with suppress(ApiError):
            return api.submit(meeting["id"], delegation["id"], **overrides)
        return None

    return wait_for(submitted, what="registration to know the delegation")


def _decided_together(api) -> float:
    """How many nominations the delegation service accepted with others, since it started."""
    metrics = httpx.get(api.platform.url("delegation") + "/metrics").text
    found = re.search(
        r"^plenary_delegation_nominations_decided_together_total (\S+)$", metrics, re.M
    )
    assert found, "the delegation service exports how many it decided together"
    return float(found.group(1))


async def test_nominations_that_waited_are_decided_together_as_one_by_one(api, kafka, producer):
    meeting = api.create_meeting()
    roomy = api.register_delegation(meeting["id"], quota=40)
    tight = api.register_delegation(meeting["id"], quota=4)
    for delegation in (roomy, tight):  # one each first, once registration knows the delegation
        first = _once_known(api, meeting, delegation)
        assert api.wait_state(first["id"])["state"] == "nominated"

    api.platform.stop_service("delegation", kill=True)
    try:
        # each partition's backlog: roomy's nominations, then tight's, which overflow its quota
        waited = {
            "roomy": [api.submit(meeting["id"], roomy["id"]) for _ in range(15)],
            "tight": [api.submit(meeting["id"], tight["id"]) for _ in range(7)],
        }
    finally:
        api.platform.start_service("delegation")
    assert all(a["state"] == "submitted" for rs in waited.values() for a in rs)
    ids = {name: [a["id"] for a in rs] for name, rs in waited.items()}
    states = {a: api.wait_state(a, timeout=60)["state"] for a in ids["roomy"] + ids["tight"]}

    assert {states[a] for a in ids["roomy"]} == {"nominated"}
    assert sorted(states[a] for a in ids["tight"]) == ["nominated"] * 3 + ["rejected"] * 4
    assert (_used(api, roomy), _used(api, tight)) == (16, 4), "never oversold, nothing lost"
    accepted = await kafka.events("delegation.events", event_type="delegation.nomination.accepted")
    for delegation, seats in ((roomy, 16), (tight, 4)):
        used = [
            e["data"]["used"] for _, e in accepted if e["data"]["delegation_id"] == delegation["id"]
        ]
        assert sorted(used) == list(range(1, seats + 1)), "each decision saw the use before it"
    assert len(await _decisions(kafka, roomy, tight)) == 24
    together = _decided_together(api)
    assert together >= 4, "the backlog was decided in runs, not one by one"

    # the whole backlog delivered again, as after a rebalance: nothing changes
    records = [
        record
        for record, event in await kafka.events("registration.events", event_type=SUBMITTED)
        if event["subject"] in states
    ]
    assert len(records) == 22
    last = {}
    for record in records:
        again = await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )
        last[again.partition] = again.offset
    for partition, offset in last.items():
        await kafka.wait_consumed("delegation", "registration.events", partition, offset)
    assert (_used(api, roomy), _used(api, tight)) == (16, 4)
    assert len(await _decisions(kafka, roomy, tight)) == 24, "no decision published twice"
    assert _decided_together(api) == together


async def _decisions(kafka, *delegations) -> list[dict]:
    """Every decision published about these delegations' nominations."""
    wanted = {d["id"] for d in delegations}
    return [
        event
        for _, event in await kafka.events("delegation.events")
        if event["type"].startswith("delegation.nomination.")
        and event["data"].get("delegation_id") in wanted
    ]


def test_accreditations_that_waited_reach_scheduling_and_each_e_mail_goes_once(
    api, client, mailbox
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=20)
    people = [person() for _ in range(8)]
    ids = [_once_known(api, meeting, delegation, **p)["id"] for p in people]
    assert {api.wait_state(a)["state"] for a in ids} == {"nominated"}

    for service in ("scheduling", "notification"):
        api.platform.stop_service(service, kill=True)
    try:
        for a in ids:
            client.registration.decide(a, {"decision": "grant"})
    finally:
        for service in ("scheduling", "notification"):
            api.platform.start_service(service)
        api.platform.wait_ready(("scheduling", "notification"))

    # scheduling records each participant once, in runs
    listed = wait_for(
        lambda: len(found := _participants(api, meeting)) == 8 and found,
        timeout=60,
        what="scheduling to record the 8 accredited participants",
    )
    assert sorted(str(p.application_id) for p in listed) == sorted(ids)
    # notification: each person's badge e-mail and portal invitation, once each
    for p in people:
        mailbox.wait_for(p["email"], count=2, timeout=60)
    time.sleep(1.0)
    for p in people:
        subjects = [m.subject for m in mailbox.to(p["email"])]
        assert len(subjects) == len(set(subjects)) == 2, subjects


def _participants(api, meeting) -> list:
    return api.plenary().scheduling.list_participants(meeting["id"], limit=100).items
