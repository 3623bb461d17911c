"""Delegation features on the running platform: category quotas, seat release, withdrawal,
protocol order, focal points, logistics and the CSV export."""

# ruff: noqa: RUF001, RUF003 - Russian names are Cyrillic on purpose

import asyncio
import csv
import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_client import Conflict, Invalid, NotFound
from plenary_delegation.adapters.repository import Repository
from plenary_delegation.adapters.tables import category_quotas, delegations
from plenary_delegation.domain.quotas import seat_fits
from plenary_devstack.testing import person, platform_record


def _delegation(api, delegation_id, token=None) -> dict:
    return api.plenary(token).delegation.get_delegation(delegation_id).model_dump(mode="json")


def _patch_quotas(api, delegation_id, body, **kw):
    return api.call(
        "delegation", "PATCH", f"/v1/delegations/{delegation_id}/quotas", json=body, **kw
    )


def _nominated(api, meeting_id, delegation_id, category, n=1) -> list[dict]:
    """Nominate n people of a category one by one and wait for each decision."""
    decided = []
    for _ in range(n):
        submitted = api.submit(meeting_id, delegation_id, category=category)
        decided.append(api.wait_state(submitted["id"]))
    return decided


def _event(event_type: str, subject: str, data: dict, *, event_id: str | None = None) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "/plenary/registration",
        "type": event_type,
        "subject": subject,
        "time": "2025-11-10T09:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    }


async def _wait_count(kafka, topic: str, count: int, *, timeout: float = 30, **filters):
    """Wait until `count` matching events are on a topic; returns them."""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found := await kafka.events(topic, **filters)) < count:
        assert asyncio.get_running_loop().time() < deadline, (topic, filters, found)
        await asyncio.sleep(0.2)
    return found


async def _publish(kafka, producer, event: dict) -> None:
    """Send an event to registration.events and wait until delegation has handled it."""
    key, value, headers = platform_record(event)
    sent = await producer.send_and_wait("registration.events", value, key=key, headers=headers)
    await kafka.wait_consumed("delegation", "registration.events", sent.partition, sent.offset)


def test_a_category_quota_holds_under_concurrent_nominations(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(
        meeting["id"], quota=20, category_quotas={"adviser": 3, "media": 5}
    )
    categories = ["adviser"] * 8 + ["delegate"] * 3
    with ThreadPoolExecutor(max_workers=11) as pool:
        submitted = list(
            pool.map(lambda c: api.submit(meeting["id"], delegation["id"], category=c), categories)
        )
    final = [api.wait_state(a["id"]) for a in submitted]

    advisers = [a for a in final if a["category"] == "adviser"]
    assert sorted(a["state"] for a in advisers) == ["nominated"] * 3 + ["rejected"] * 5
    assert {a["reason"] for a in advisers if a["state"] == "rejected"} == {"quota_exceeded"}
    assert [a["state"] for a in final if a["category"] == "delegate"] == ["nominated"] * 3
    body = _delegation(api, delegation["id"])
    # no seat of the total is left behind by a nomination the category refused
    assert body["quota_used"] == 6
    assert body["category_used"] == {"adviser": 3, "delegate": 3}
    assert body["category_quotas"] == {"adviser": 3, "media": 5}


async def test_seat_claims_on_parallel_connections_never_overfill_or_half_claim(platform, api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=6, category_quotas={"adviser": 3})
    delegation_id = uuid.UUID(delegation["id"])
    engine = create_async_engine(platform.service_urls["delegation"], pool_size=13)

    async def claim(category: str):
        async with engine.connect() as conn, conn.begin():
            taken = await Repository(conn).claim_seat(
                delegation_id=delegation_id, application_id=uuid.uuid4(), category=category
            )
            await asyncio.sleep(0.05)  # hold the locks while the others queue
            return category, taken.taken

    try:
        results = await asyncio.gather(*(claim(c) for c in ["adviser"] * 8 + ["delegate"] * 5))
    finally:
        await engine.dispose()
    advisers = sum(taken for c, taken in results if c == "adviser")
    delegates = sum(taken for c, taken in results if c == "delegate")
    # whoever reaches the row first: never over a quota, and the total (6) is full
    assert advisers <= 3 and advisers + delegates == 6
    body = _delegation(api, delegation["id"])
    # no half claim: every seat taken of the total is one of its category's
    assert (body["quota_used"], body["category_used"]) == (
        6,
        {"adviser": advisers, "delegate": delegates},
    )


# (quota, used) of the total; a category's (quota, used), None when it has no counter yet
_TOTALS = [(q, u) for q in range(3) for u in range(q + 1)]
_CATEGORIES = [
    None,
    *((None, u) for u in (0, 1, 3)),
    *((q, u) for q in range(3) for u in range(q + 1)),
]


async def test_the_seat_claim_and_the_domain_quota_rule_agree(platform, api):
    """`claim_seat` and `claim_nomination_seat` take a seat exactly when `seat_fits` says one
    fits, on a grid of totals, statuses and category counters (each case rolled back)."""
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=2)
    delegation_id = uuid.UUID(delegation["id"])
    meeting_id = uuid.UUID(meeting["id"])
    engine = create_async_engine(platform.service_urls["delegation"], pool_size=1)
    disagreements, cases, fitting = [], 0, 0
    try:
        async with engine.connect() as conn:
            repo = Repository(conn)
            for (quota, used), active, counter in (
                (t, a, c) for t in _TOTALS for a in (True, False) for c in _CATEGORIES
            ):
                fits = seat_fits(
                    active=active,
                    quota=quota,
                    used=used,
                    category_quota=counter[0] if counter else None,
                    category_used=counter[1] if counter else 0,
                )
                for nomination in (False, True):
                    transaction = await conn.begin()
                    await conn.execute(
                        update(delegations)
                        .where(delegations.c.id == delegation_id)
                        .values(
                            quota=quota,
                            quota_used=used,
                            status="active" if active else "withdrawn",
                        )
                    )
                    await conn.execute(
                        delete(category_quotas).where(
                            category_quotas.c.delegation_id == delegation_id
                        )
                    )
                    if counter is not None:
                        await conn.execute(
                            insert(category_quotas).values(
                                delegation_id=delegation_id,
                                category="adviser",
                                quota=counter[0],
                                used=counter[1],
                            )
                        )
                    claim = {"delegation_id": delegation_id, "application_id": uuid.uuid4()}
                    if nomination:
                        claimed = await repo.claim_nomination_seat(
                            **claim, meeting_id=meeting_id, category="adviser"
                        )
                        taken = claimed is not None and claimed[1].taken
                    else:
                        taken = (await repo.claim_seat(**claim, category="adviser")).taken
                    await transaction.rollback()
                    cases += 1
                    fitting += fits
                    if taken != fits:
                        disagreements.append((quota, used, active, counter, nomination, taken))
    finally:
        await engine.dispose()
    assert cases == len(_TOTALS) * 2 * len(_CATEGORIES) * 2
    assert 0 < fitting < cases  # the grid has seats that fit and seats that do not
    assert disagreements == []
    # every case was rolled back: the delegation is as registered
    body = _delegation(api, delegation["id"])
    assert (body["quota"], body["quota_used"], body["status"]) == (2, 0, "active")


async def test_lowering_a_quota_below_use_is_refused_and_changes_nothing(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(
        meeting["id"], quota=10, category_quotas={"adviser": 5}, session_seats={"restricted": 2}
    )
    _nominated(api, meeting["id"], delegation["id"], "adviser", n=3)
    before = _delegation(api, delegation["id"])
    assert (before["quota_used"], before["category_used"]) == (3, {"adviser": 3})

    refused = _patch_quotas(api, delegation["id"], {"category_quotas": {"adviser": 2}})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "adviser quota cannot be 2: 3 advisers are already accepted" in refused.json()["detail"]
    both = _patch_quotas(
        api, delegation["id"], {"quota": 2, "category_quotas": {"adviser": 2, "media": 1}}
    )
    assert both.status_code == 409
    assert "quota cannot be 2: 3 participants are already accepted" in both.json()["detail"]
    assert _delegation(api, delegation["id"]) == before
    assert (
        await kafka.events(
            "delegation.events", event_type="delegation.quotas.changed", subject=delegation["id"]
        )
        == []
    )

    changed = client.delegation.change_quotas(
        delegation["id"],
        {
            "quota": 3,
            "category_quotas": {"adviser": 3, "media": 1},
            "session_seats": {"restricted": None, "extended": 7},
        },
    )
    assert (changed.quota, changed.category_quotas) == (3, {"adviser": 3, "media": 1})
    assert changed.session_seats == {"extended": 7}
    published = await kafka.wait_events(
        "delegation.events", event_type="delegation.quotas.changed", subject=delegation["id"]
    )
    assert len(published) == 1
    assert json.loads(published[0][0].value)["data"] == {
        "delegation_id": delegation["id"],
        "meeting_id": meeting["id"],
        "quota": 3,
        "category_quotas": {"adviser": 3, "media": 1},
        "session_seats": {"extended": 7},
    }
    unknown = _patch_quotas(api, delegation["id"], {"category_quotas": {"king": 1}})
    assert unknown.status_code == 422 and "adviser" in unknown.json()["detail"]


async def test_a_withdrawn_nomination_frees_its_seat_exactly_once(api, client, kafka, producer):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=2, category_quotas={"delegate": 2})
    first, second = _nominated(api, meeting["id"], delegation["id"], "delegate", n=2)
    assert {first["state"], second["state"]} == {"nominated"}
    assert _delegation(api, delegation["id"])["quota_used"] == 2

    data = {
        key: first[key]
        for key in (
            "meeting_id",
            "delegation_id",
            "category",
            "given_name",
            "family_name",
            "email",
        )
    }
    data["application_id"] = first["id"]
    withdrawn = _event(
        "registration.application.withdrawn",
        first["id"],
        {**data, "previous_state": "nominated", "reason": "the participant cannot travel"},
    )
    await _publish(kafka, producer, withdrawn)
    await _publish(kafka, producer, withdrawn)  # redelivered: the inbox absorbs it
    # the same fact sent again under a new id, and a revocation: the seat is already free
    await _publish(kafka, producer, {**withdrawn, "id": str(uuid.uuid4())})
    revoked = _event(
        "registration.accreditation.revoked", first["id"], {**data, "reason": "duplicate badge"}
    )
    await _publish(kafka, producer, revoked)

    body = _delegation(api, delegation["id"])
    assert (body["quota_used"], body["category_used"]) == (1, {"delegate": 1})
    dead = client.delegation.iter_list_dead_letters()
    assert not {withdrawn["id"], revoked["id"]} & {str(d.event_id) for d in dead}
    # the freed seat can be taken once more, and no more than that
    third, fourth = _nominated(api, meeting["id"], delegation["id"], "delegate", n=2)
    assert (third["state"], fourth["state"]) == ("nominated", "rejected")
    assert _delegation(api, delegation["id"])["quota_used"] == 2


async def test_a_withdrawn_delegation_refuses_nominations_and_quota_changes(
    api, client, kafka, producer
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    path = f"/v1/delegations/{delegation['id']}/withdrawal"
    # the HTTP contract: a body without a reason is refused
    assert api.call("delegation", "POST", path, json={}).status_code == 422
    withdraw = client.delegation.withdraw_delegation
    body = withdraw(delegation["id"], {"reason": "the head of delegation cannot travel"})
    assert body.status == "withdrawn" and body.withdrawn_at
    assert body.withdrawal_reason == "the head of delegation cannot travel"
    published = await kafka.wait_events(
        "delegation.events", event_type="delegation.delegation.withdrawn", subject=delegation["id"]
    )
    assert json.loads(published[0][0].value)["data"]["reason"] == body.withdrawal_reason

    with pytest.raises(Conflict, match="withdrew"):
        withdraw(delegation["id"], {"reason": "again"})
    with pytest.raises(Conflict, match="can no longer be changed"):
        client.delegation.change_quotas(delegation["id"], {"quota": 9})

    # a nomination that reaches delegation after the withdrawal is rejected
    application_id, nominee = str(uuid.uuid4()), person()
    submitted = _event(
        "registration.application.submitted",
        application_id,
        {
            "application_id": application_id,
            "meeting_id": meeting["id"],
            "delegation_id": delegation["id"],
            "category": "delegate",
            "given_name": nominee["given_name"],
            "family_name": nominee["family_name"],
            "email": nominee["email"],
            "nationality": "KAZ",
        },
    )
    await _publish(kafka, producer, submitted)
    decided = await kafka.wait_events("delegation.events", subject=application_id)
    assert [json.loads(r.value)["type"] for r, _ in decided] == ["delegation.nomination.rejected"]
    assert json.loads(decided[0][0].value)["data"]["reason"] == "delegation_withdrawn"
    assert _delegation(api, delegation["id"])["quota_used"] == 0


PROTOCOL = [
    # (default name, en, ru, kind)
    ("Kyrgyzstan", "Kyrgyz Republic", "Кыргызская Республика", "member"),
    ("China", "People's Republic of China", "Китайская Народная Республика", "member"),
    ("Russia", "Russian Federation", "Российская Федерация", "member"),
    ("Belarus", "Republic of Belarus", "Республика Беларусь", "observer"),
    ("Yolkino", "Yolkino Republic", "Ёлкинская Республика", "guest"),
    ("Yelets", "Yelets Republic", "Елецкая Республика", "guest"),
    ("Zhukovo", "Zhukovo Republic", "Жуковская Республика", "guest"),
]


def test_protocol_order_follows_the_language_and_filters_narrow_the_list(api, client):
    meeting = api.create_meeting()
    ids = {}
    for name, en, ru, kind in PROTOCOL:
        ids[name] = api.register_delegation(
            meeting["id"], name=name, names={"en": en, "ru": ru}, kind=kind, quota=1
        )["id"]
    path = f"/v1/meetings/{meeting['id']}/delegations"

    def names(**filters) -> list[str]:
        return [d.name for d in client.delegation.list_delegations(meeting["id"], **filters).items]

    assert names(sort="protocol", lang="en") == [
        "Kyrgyzstan",
        "China",
        "Belarus",
        "Russia",
        "Yelets",
        "Yolkino",
        "Zhukovo",
    ]
    # Russian: Китайская before Кыргызская, Республика before Российская, Ё read as Е
    assert names(sort="protocol", lang="ru") == [
        "Yelets",
        "Yolkino",
        "Zhukovo",
        "China",
        "Kyrgyzstan",
        "Belarus",
        "Russia",
    ]
    assert names(sort="created_at") == [p[0] for p in PROTOCOL]
    assert names(sort="name")[:3] == ["Belarus", "China", "Kyrgyzstan"]
    page = client.delegation.list_delegations(
        meeting["id"], sort="protocol", lang="ru", limit=2, offset=3
    )
    assert ([d.name for d in page.items], page.total) == (["China", "Kyrgyzstan"], 7)

    assert names(kind="guest", sort="protocol", lang="ru") == ["Yelets", "Yolkino", "Zhukovo"]
    assert names(q="КАЗАХ") == []
    assert names(q="республика", kind="member") == ["China", "Kyrgyzstan"]
    assert names(q="ёлкин") == names(q="Елкин") == ["Yolkino"]
    assert names(q="federation") == ["Russia"]
    client.delegation.withdraw_delegation(ids["Belarus"], {"reason": "not attending"})
    assert names(status="withdrawn") == ["Belarus"]
    assert "Belarus" not in names(status="active")
    # the HTTP contract: an unknown sort is refused
    bad = api.call("delegation", "GET", path, params={"sort": "rank"})
    assert bad.status_code == 422 and "sort" in bad.json()["detail"]


def test_head_of_delegation_and_names_can_be_set_and_changed(api, client):
    meeting = api.create_meeting()
    created = api.register_delegation(
        meeting["id"],
        name="Republic of Kazakhstan",
        names={"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"},
        head_name="Olzhas Bektenov",
        head_title="Prime Minister of the Republic of Kazakhstan",
        head_rank="head_of_government",
        quota=5,
    )
    assert created["head_rank"] == "head_of_government"
    assert created["names"] == {"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"}
    path = f"/v1/delegations/{created['id']}"
    changed = client.delegation.update_delegation(
        created["id"],
        {"head_name": "Roman Sklyar", "head_rank": "deputy_prime_minister", "names": {"ru": None}},
    )
    assert (changed.head_name, changed.head_rank) == ("Roman Sklyar", "deputy_prime_minister")
    assert changed.head_title == created["head_title"]
    assert changed.names == {"en": "Republic of Kazakhstan"}
    # the HTTP contract: refused bodies and a reused Idempotency-Key, over raw requests
    wrong = api.call("delegation", "PATCH", path, json={"head_rank": "emperor"})
    assert wrong.status_code == 422 and "head_rank" in wrong.json()["detail"]
    empty = api.call("delegation", "PATCH", path, json={"name": None})
    assert empty.status_code == 422 and "name cannot be null" in empty.json()["detail"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    retried = [
        api.call("delegation", "PATCH", path, json={"head_title": "Deputy PM"}, headers=key)
        for _ in range(2)
    ]
    assert [r.status_code for r in retried] == [200, 200]
    reused = api.call("delegation", "PATCH", path, json={"head_title": "PM"}, headers=key)
    assert reused.status_code == 422 and "already used" in reused.json()["detail"]
    token = api.token_for("focal_point", delegation_id=created["id"])
    assert (
        api.call("delegation", "PATCH", path, json={"head_name": "X"}, token=token).status_code
        == 403
    )
    assert _delegation(api, created["id"])["head_name"] == "Roman Sklyar"


def test_arrivals_of_a_local_day_across_delegations_in_time_order(api, client):
    meeting = api.create_meeting(
        timezone="Europe/Moscow", starts_on="2025-11-17", ends_on="2025-11-18"
    )
    alpha = api.register_delegation(meeting["id"], name="Alpha Republic")
    beta = api.register_delegation(meeting["id"], name="Beta Kingdom")
    gamma = api.register_delegation(meeting["id"], name="Gamma Union")
    alpha_fp = api.token_for("focal_point", delegation_id=alpha["id"])

    def move(delegation, token=None, **body):
        body = {
            "direction": "arrival",
            "mode": "flight",
            "number": "SU 1234",
            "place": "SVO",
            "persons": 4,
            **body,
        }
        made = api.plenary(token).delegation.record_movement(delegation["id"], body)
        return made.model_dump(mode="json")

    # naive = Moscow wall clock: 01:30 on the 17th is 22:30 UTC on the 16th
    early = move(alpha, alpha_fp, scheduled_at="2025-11-17T01:30:00", persons=12)
    assert early["scheduled_at"] == "2025-11-17T01:30:00+03:00"
    assert datetime.fromisoformat(early["scheduled_at_utc"]) == datetime.fromisoformat(
        "2025-11-16T22:30:00+00:00"
    )
    move(alpha, alpha_fp, scheduled_at="2025-11-16T23:00:00")
    move(alpha, alpha_fp, direction="departure", scheduled_at="2025-11-17T12:00:00")
    move(
        beta,
        scheduled_at="2025-11-17T10:00:00Z",
        mode="train",
        number="002A",
        place="Leningradsky station",
    )
    move(beta, scheduled_at="2025-11-17T23:30:00+03:00", mode="road", number=None, place="Hotel")
    move(gamma, scheduled_at="2025-11-17T09:00:00")
    client.delegation.withdraw_delegation(gamma["id"], {"reason": "not coming"})

    path = f"/v1/meetings/{meeting['id']}/arrivals"
    day = client.delegation.list_arrivals(meeting["id"], day="2025-11-17").items
    got = [(a.delegation_name, a.scheduled_at.isoformat(), a.persons) for a in day]
    assert got == [
        ("Alpha Republic", "2025-11-17T01:30:00+03:00", 12),
        ("Beta Kingdom", "2025-11-17T13:00:00+03:00", 4),
        ("Beta Kingdom", "2025-11-17T23:30:00+03:00", 4),
    ]
    before = client.delegation.list_arrivals(meeting["id"], day="2025-11-16").items
    assert [(a.delegation_name, a.scheduled_at.isoformat()) for a in before] == [
        ("Alpha Republic", "2025-11-16T23:00:00+03:00")
    ]
    own = api.plenary(alpha_fp).delegation.list_movements(alpha["id"])
    assert [m.direction for m in own.items] == ["arrival", "arrival", "departure"]
    # the HTTP contract: refusals, over raw requests
    assert (
        api.call(
            "delegation", "GET", path, params={"day": "2025-11-17"}, token=alpha_fp
        ).status_code
        == 403
    )

    no_number = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{alpha['id']}/movements",
        json={
            "direction": "arrival",
            "mode": "flight",
            "place": "SVO",
            "persons": 1,
            "scheduled_at": "2025-11-17T10:00:00",
        },
    )
    assert no_number.status_code == 422 and "SU 1234" in no_number.json()["detail"]
    nobody = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{alpha['id']}/movements",
        json={
            "direction": "arrival",
            "mode": "road",
            "place": "Hotel",
            "persons": 0,
            "scheduled_at": "2025-11-17T10:00:00",
        },
    )
    assert nobody.status_code == 422 and "persons" in nobody.json()["detail"]


def test_the_csv_export_has_one_row_per_delegation_with_quotas_and_use(api):
    meeting = api.create_meeting()
    kaz = api.register_delegation(
        meeting["id"],
        name="Republic of Kazakhstan",
        names={"ru": "Республика Казахстан"},
        country_code="KAZ",
        head_name='=HYPERLINK("http://evil")',
        head_title="Prime Minister",
        head_rank="head_of_government",
        quota=10,
        category_quotas={"adviser": 2},
        session_seats={"restricted": 4, "extended": 7},
    )
    api.register_delegation(meeting["id"], name="Mongolia", kind="observer", quota=1)
    _nominated(api, meeting["id"], kaz["id"], "adviser")
    _nominated(api, meeting["id"], kaz["id"], "delegate")

    response = api.call("delegation", "GET", f"/v1/meetings/{meeting['id']}/delegations.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="delegations-{meeting["id"]}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["name"] for r in rows] == ["Mongolia", "Republic of Kazakhstan"]
    row = rows[1]
    assert row["kind"] == "member" and row["country_code"] == "KAZ"
    assert row["name_ru"] == "Республика Казахстан"
    assert row["head_name"] == '\'=HYPERLINK("http://evil")'  # never run as a formula
    assert (row["head_title"], row["head_rank"]) == ("Prime Minister", "head_of_government")
    assert (row["quota"], row["used"]) == ("10", "2")
    assert (row["adviser_used"], row["adviser_quota"]) == ("1", "2")
    assert (row["delegate_used"], row["delegate_quota"]) == ("1", "")
    assert (row["media_used"], row["media_quota"]) == ("0", "")
    assert row["session_seats"] == "extended=7; restricted=4"
    assert rows[0]["kind"] == "observer" and rows[0]["used"] == "0"
    token = api.token_for("focal_point", delegation_id=kaz["id"])
    assert (
        api.call(
            "delegation", "GET", f"/v1/meetings/{meeting['id']}/delegations.csv", token=token
        ).status_code
        == 403
    )


async def test_focal_points_are_assigned_once_revoked_and_published(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    path = f"/v1/delegations/{delegation['id']}/focal-points"
    body = {"email": "Aliya.Seitkali@example.org", "name": "Aliya Seitkali", "language": "ru"}
    assigned = api.call("delegation", "POST", path, json=body)
    assert assigned.status_code == 201, assigned.text
    focal_point = assigned.json()
    assert focal_point["email"] == "aliya.seitkali@example.org"
    assert assigned.headers["location"] == f"{path}/{focal_point['id']}"

    focal_points = client.delegation
    with pytest.raises(Conflict, match="already a focal point"):
        focal_points.assign_focal_point(
            delegation["id"], {**body, "email": "ALIYA.seitkali@example.org"}
        )
    listed = focal_points.list_focal_points(delegation["id"])
    assert [str(f.id) for f in listed.items] == [focal_point["id"]]
    assert api.call("delegation", "POST", path, json={**body, "language": "fr"}).status_code == 422

    assert focal_points.revoke_focal_point(delegation["id"], focal_point["id"]) is None
    assert focal_points.list_focal_points(delegation["id"]).total == 0
    with pytest.raises(NotFound, match="not a current focal point"):
        focal_points.revoke_focal_point(delegation["id"], focal_point["id"])
    back = focal_points.assign_focal_point(delegation["id"], body)
    assert str(back.id) != focal_point["id"]

    events = await _wait_count(kafka, "delegation.events", 2, subject=focal_point["id"])
    assert [json.loads(r.value)["type"] for r, _ in events] == [
        "delegation.focal_point.assigned",
        "delegation.focal_point.revoked",
    ]
    data = json.loads(events[0][0].value)["data"]
    assert data == {
        "focal_point_id": focal_point["id"],
        "delegation_id": delegation["id"],
        "meeting_id": meeting["id"],
        "email": "aliya.seitkali@example.org",
        "name": "Aliya Seitkali",
        "language": "ru",
    }
    assert len(await kafka.wait_events("delegation.events", subject=str(back.id))) == 1


def test_a_focal_point_manages_its_own_logistics_and_cannot_touch_another_delegation(api, client):
    meeting = api.create_meeting()
    own = api.register_delegation(meeting["id"])
    other = api.register_delegation(meeting["id"])
    token = api.token_for("focal_point", delegation_id=own["id"])
    movement = {
        "direction": "arrival",
        "mode": "flight",
        "carrier": "Aeroflot",
        "number": "SU 1234",
        "place": "SVO",
        "scheduled_at": "2025-11-16T14:35:00",
        "persons": 6,
    }
    stay = {
        "hotel": "Radisson Collection",
        "rooms": 8,
        "check_in": "2025-11-16",
        "check_out": "2025-11-19",
    }
    liaison = {"name": "Ivan Petrov", "phone": "+7 495 1234567", "email": "liaison@example.org"}

    def call(method, delegation, tail, **kw):
        return api.call(
            "delegation", method, f"/v1/delegations/{delegation['id']}{tail}", token=token, **kw
        )

    assert call("POST", own, "/movements", json=movement).status_code == 201
    put = call("PUT", own, "/accommodation", json=stay)
    assert put.status_code == 200, put.text
    assert put.json()["rooms"] == 8 and put.json()["updated_by"]
    assert call("GET", own, "/accommodation").json()["hotel"] == "Radisson Collection"
    inverted = call("PUT", own, "/accommodation", json={**stay, "check_out": "2025-11-15"})
    assert inverted.status_code == 422 and "check_out" in inverted.json()["detail"]

    for method, tail, kw in [
        ("POST", "/movements", {"json": movement}),
        ("GET", "/movements", {}),
        ("PUT", "/accommodation", {"json": stay}),
        ("GET", "/accommodation", {}),
        ("GET", "/liaison", {}),
        ("GET", "/focal-points", {}),
    ]:
        assert call(method, other, tail, **kw).status_code == 404, (method, tail)
    for method, delegation, tail, kw in [
        ("PUT", own, "/liaison", {"json": liaison}),
        ("PATCH", own, "/quotas", {"json": {"quota": 50}}),
        ("POST", own, "/withdrawal", {"json": {"reason": "x"}}),
        ("POST", own, "/focal-points", {"json": {"email": "x@example.org", "name": "X"}}),
        ("PATCH", other, "/quotas", {"json": {"quota": 50}}),
    ]:
        assert call(method, delegation, tail, **kw).status_code == 403, (method, tail)
    assert client.delegation.list_movements(other["id"]).total == 0
    assert _delegation(api, other["id"])["quota"] == other["quota"]

    assert call("GET", own, "/liaison").status_code == 404
    client.delegation.set_liaison(own["id"], liaison)
    assert api.plenary(token).delegation.get_liaison(own["id"]).phone == "+7 495 1234567"


async def test_retried_quota_changes_and_movements_act_once(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3)
    key = str(uuid.uuid4())
    change = client.delegation.change_quotas
    first = change(delegation["id"], {"quota": 6}, idempotency_key=key)
    assert change(delegation["id"], {"quota": 6}, idempotency_key=key) == first
    with pytest.raises(Invalid, match="already used"):
        change(delegation["id"], {"quota": 7}, idempotency_key=key)
    await kafka.wait_events(
        "delegation.events", event_type="delegation.quotas.changed", subject=delegation["id"]
    )
    changed = await kafka.events(
        "delegation.events", event_type="delegation.quotas.changed", subject=delegation["id"]
    )
    assert len(changed) == 1

    body = {
        "direction": "departure",
        "mode": "road",
        "place": "Hotel",
        "persons": 2,
        "scheduled_at": "2025-11-18T18:00:00",
    }
    record = client.delegation.record_movement
    one = record(delegation["id"], body, idempotency_key=key + "m")
    two = record(delegation["id"], body, idempotency_key=key + "m")
    assert one.id == two.id
    assert client.delegation.list_movements(delegation["id"]).total == 1
