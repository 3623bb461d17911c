"""Every running consumer absorbs a redelivered event, and parks events about unknown delegations."""

import json
import uuid

from plenary_devstack.testing import person, platform_record, wait_for

# which consumer groups read which topic
READERS = {
    "scheduling.events": ("delegation", "registration", "notification"),
    "delegation.events": ("scheduling", "registration", "notification"),
    "registration.events": ("delegation", "scheduling", "registration", "notification"),
}


async def _one(kafka, topic, event_type, subject):
    """The record of the one event (by id) of a type about a subject; copies share the id."""
    found = await kafka.events(topic, event_type=event_type, subject=subject)
    assert len({event["id"] for _, event in found}) == 1, (event_type, subject, found)
    return found[0][0]


async def test_every_consumer_absorbs_the_same_event_delivered_twice(
    api, client, webhook, kafka, producer, mailbox
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=2)
    application = api.submit(meeting["id"], delegation["id"])
    app_id = application["id"]
    api.wait_state(app_id)
    client.registration.decide(app_id, {"decision": "grant"})
    wait_for(
        lambda: webhook.events(event_type="registration.accreditation.granted", subject=app_id),
        what="the flow to finish",
    )

    originals = [
        await _one(kafka, "scheduling.events", "scheduling.meeting.created", meeting["id"]),
        await _one(
            kafka, "delegation.events", "delegation.delegation.registered", delegation["id"]
        ),
        await _one(kafka, "registration.events", "registration.application.submitted", app_id),
        await _one(kafka, "delegation.events", "delegation.nomination.accepted", app_id),
        await _one(kafka, "registration.events", "registration.accreditation.granted", app_id),
    ]
    for record in originals:
        again = await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=list(record.headers)
        )
        for group in READERS[record.topic]:
            await kafka.wait_consumed(group, record.topic, again.partition, again.offset)

    # delegation: the quota was charged once, one decision published
    assert client.delegation.get_delegation(delegation["id"]).quota_used == 1
    await _one(kafka, "delegation.events", "delegation.nomination.accepted", app_id)
    # registration: nominated once, no second transition attempted
    await _one(kafka, "registration.events", "registration.application.nominated", app_id)
    history = client.registration.get_history(app_id)
    assert [h.to_state for h in history] == ["submitted", "nominated", "accredited"]
    # scheduling: one participant
    assert client.scheduling.list_participants(meeting["id"]).total == 1
    # nobody dead-lettered the duplicates
    event_ids = {json.loads(r.value)["id"] for r in originals}
    for service in ("scheduling", "delegation", "registration", "notification"):
        dead = getattr(client, service).list_dead_letters(limit=500).items
        assert not event_ids & {str(d.event_id) for d in dead}, service
    # notification: one delivery per event to the subscriber
    deliveries = [
        str(d.event_id)
        for d in client.notification.list_deliveries(webhook.subscription_id, limit=500).items
    ]
    for event_id in event_ids:
        assert deliveries.count(event_id) == 1
        assert len([e for e in webhook.events() if e["id"] == event_id]) == 1
    # and one e-mail to the accredited participant, at the SMTP server too
    accredited = client.notification.list_emails(recipient=application["email"], kind="accredited")
    assert accredited.total == 1
    wait_for(lambda: mailbox.to(application["email"]), what="the accreditation e-mail")
    assert len([c for c in mailbox.to(application["email"]) if "accredited" in c.subject]) == 1


async def test_an_event_about_an_unknown_delegation_is_parked_then_applied(
    api, client, kafka, producer
):
    meeting = api.create_meeting()
    delegation_id, application_id = str(uuid.uuid4()), str(uuid.uuid4())
    nominee = person()
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/plenary/registration",
        "type": "registration.application.submitted",
        "subject": application_id,
        "time": "2025-11-01T09:00:00Z",
        "datacontenttype": "application/json",
        "data": {
            "application_id": application_id,
            "meeting_id": meeting["id"],
            "delegation_id": delegation_id,
            "category": "delegate",
            "given_name": nominee["given_name"],
            "family_name": nominee["family_name"],
            "email": nominee["email"],
            "nationality": "KAZ",
        },
    }
    key, value, headers = platform_record(event)
    sent = await producer.send_and_wait("registration.events", value, key=key, headers=headers)
    await kafka.wait_consumed("delegation", "registration.events", sent.partition, sent.offset)
    parked = client.delegation.list_parked().items
    assert [str(p.event_id) for p in parked if p.key == application_id] == [event["id"]]
    assert await kafka.events("delegation.events", subject=application_id) == []

    api.register_delegation(meeting["id"], id=delegation_id, quota=1)
    decided = await kafka.wait_events(
        "delegation.events", event_type="delegation.nomination.accepted", subject=application_id
    )
    assert len(decided) == 1
    assert json.loads(decided[0][0].value)["causationid"] == event["id"]
    assert application_id not in {p.key for p in client.delegation.list_parked().items}
    assert client.delegation.get_delegation(delegation_id).quota_used == 1
