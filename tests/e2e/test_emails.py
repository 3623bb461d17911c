"""E-mail to people, through a real SMTP server: invitations, resets and decisions, in their language."""

import asyncio
import re

import httpx
import pytest
from scheduling_world import Timetable

from plenary_client import Unauthorized
from plenary_devstack.invitations import accept_invitation
from plenary_devstack.testing import person, wait_for

PASSWORD = "a long and memorable phrase"
LINK = re.compile(r"https?://\S+#token=([\w-]+)")


def _public(api, path, body):
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        return http.post(path, json=body)


def _subjects(mailbox, address: str, subject: str) -> list:
    """The messages to an address with a subject, once there is one (mail from the express lane
    and from the main one may arrive in either order, so counting messages proves nothing)."""
    return wait_for(
        lambda: [c for c in mailbox.to(address) if c.subject == subject],
        timeout=120,
        what=f"{subject!r} to {address}",
    )


RU_CHANGES = re.compile(r"^(\d+) изменени[еяй] в вашем расписании$")
ZH_CHANGES = re.compile(r"^您的日程有 (\d+) 项变更$")


def _changes(mailbox, address: str, subject: re.Pattern, *, saying: tuple[str, ...]) -> str:
    """The text of the schedule-change messages to an address, once together they say all of
    `saying` (a burst comes in one message, or in two if notification fell behind the quiet
    period, so their number proves nothing)."""

    def told():
        text = "\n".join(m.body("plain") for m in mailbox.to(address) if subject.match(m.subject))
        return text if all(s in text for s in saying) else None

    return wait_for(told, timeout=120, what=f"the changes {saying} told to {address}")


def _link_token(caught) -> str:
    found = LINK.search(caught.body("plain"))
    assert found, caught.body("plain")
    assert found.group(0) in caught.body("html")
    return found.group(1)


def _assign_focal_point(api, delegation_id, *, email, language, kafka=None):
    """Assign a focal point; with `kafka`, also wait until notification knows of it.

    Its invitation comes by the express lane, so receiving it says nothing of whether
    notification has learnt of the focal point, which the decision e-mails need.
    """
    assigned = api.plenary().delegation.assign_focal_point(
        delegation_id, {"email": email, "name": "Focal Point", "language": language}
    )
    if kafka is not None:
        asyncio.run(
            kafka.wait_handled(
                "notification",
                "delegation.events",
                event_type="delegation.focal_point.assigned",
                match=lambda e: e["data"]["email"] == email.lower(),
            )
        )
    return assigned


def test_a_new_focal_point_is_invited_by_email_in_russian_and_signs_in_with_it(api, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    _assign_focal_point(api, delegation["id"], email="Olga.Fp@example.org", language="ru")

    # notification may still be working through earlier tests' events (1,000 imported people)
    [invitation] = mailbox.wait_for("olga.fp@example.org", timeout=120)
    assert invitation.subject == "Приглашение на портал Plenary"
    assert invitation.message["content-language"] == "ru"
    assert "контактным лицом" in invitation.body("plain")
    assert invitation.body("html").startswith("<!doctype html>")
    token = _link_token(invitation)

    accepted = accept_invitation(
        api.platform.url("registration"),
        mailbox,
        token=token,
        email="olga.fp@example.org",
        password=PASSWORD,
    )
    assert accepted.status_code == 201, accepted.text
    # the code that proves the address is Olga's came in Russian too
    [code] = [m for m in mailbox.to("olga.fp@example.org") if m.subject.startswith("Ваш код")]
    assert code.message["content-language"] == "ru"
    me = api.plenary(accepted.json()["access_token"]).registration.me()
    assert str(me.delegation_id) == delegation["id"] and me.role == "focal_point"


def test_the_link_travels_sealed_and_webhooks_never_see_it(api, mailbox, webhook):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    _assign_focal_point(api, delegation["id"], email="sealed.fp@example.org", language="en")
    token = _link_token(mailbox.wait_for("sealed.fp@example.org")[0])

    issued = wait_for(
        lambda: [
            e
            for e in webhook.events(event_type="registration.invitation.issued")
            if e["data"]["email"] == "sealed.fp@example.org"
        ],
        what="the invitation webhook",
    )
    assert "sealed_link" not in issued[0]["data"] and token not in str(issued)


async def test_on_the_topic_the_invitation_link_is_sealed(api, mailbox, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    _assign_focal_point(api, delegation["id"], email="topic.fp@example.org", language="en")
    token = _link_token(mailbox.wait_for("topic.fp@example.org")[0])
    events = await kafka.events(
        "registration.accounts", event_type="registration.invitation.issued"
    )
    mine = [e for _, e in events if e["data"]["email"] == "topic.fp@example.org"]
    assert mine and mine[0]["data"]["sealed_link"]
    assert token not in str(mine)


def test_a_forgotten_password_is_reset_by_email_once(api, mailbox):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    _assign_focal_point(api, delegation["id"], email="forgetful@example.org", language="zh")
    token = _link_token(mailbox.wait_for("forgetful@example.org")[0])
    accepted = accept_invitation(
        api.platform.url("registration"),
        mailbox,
        token=token,
        email="forgetful@example.org",
        password=PASSWORD,
    )
    assert accepted.status_code == 201, accepted.text

    # raw: both answers, status and body, must be the same
    asked = _public(api, "/v1/auth/password-resets", {"email": "Forgetful@example.org"})
    stranger = _public(api, "/v1/auth/password-resets", {"email": "nobody.here@example.org"})
    assert asked.status_code == stranger.status_code == 202
    assert asked.json() == stranger.json()  # nobody learns which addresses have accounts

    *_, reset = mailbox.wait_for("forgetful@example.org", count=3)  # invitation, code, reset
    assert reset.subject == "重置 Plenary 密码" and reset.message["content-language"] == "zh"
    reset_token = _link_token(reset)
    # asking again at once sends nothing new: the first link still works (a new one would void it)
    assert (
        _public(api, "/v1/auth/password-resets", {"email": "forgetful@example.org"}).status_code
        == 202
    )
    new_password = "another long memorable phrase"
    done = _public(
        api,
        "/v1/auth/password-resets/complete",
        {"token": reset_token, "password": new_password},
    )
    assert done.status_code == 204, done.text
    public = api.plenary("").registration
    assert public.sign_in({"email": "forgetful@example.org", "password": new_password}).access_token
    with pytest.raises(Unauthorized):
        public.sign_in({"email": "forgetful@example.org", "password": PASSWORD})
    assert mailbox.to("nobody.here@example.org") == []


def test_participants_and_focal_points_hear_of_decisions_in_their_languages(
    api, client, mailbox, kafka
):
    meeting = api.create_meeting(title="Council of Heads of Government")
    delegation = api.register_delegation(meeting["id"], quota=5)
    _assign_focal_point(
        api, delegation["id"], email="decisions.fp@example.org", language="en", kafka=kafka
    )
    mailbox.wait_for("decisions.fp@example.org")  # the invitation
    granted = api.submit(
        meeting["id"], delegation["id"], **person(email="li.wei@example.org", language="zh")
    )
    refused = api.submit(
        meeting["id"], delegation["id"], **person(email="ivan.p@example.org", language="ru")
    )
    for application, decision in ((granted, {"decision": "grant"}), (refused, {})):
        api.wait_state(application["id"])
        body = decision or {"decision": "refuse", "reason": "Документы не представлены"}
        client.registration.decide(application["id"], body)

    accredited = wait_for(
        lambda: [c for c in mailbox.to("li.wei@example.org") if "注册认证" in c.subject],
        timeout=120,
        what="the accreditation e-mail",
    )
    body = accredited[0].body("plain")
    assert "Council of Heads of Government" in body and "PL-" in body  # with the badge number
    refusal = wait_for(
        lambda: [c for c in mailbox.to("ivan.p@example.org") if "отказано" in c.body("plain")],
        timeout=120,
        what="the refusal e-mail",
    )
    assert "Документы не представлены" in refusal[0].body("plain")
    # the focal point: invitation, two nominations, one accreditation, one refusal
    decisions = mailbox.wait_for("decisions.fp@example.org", count=5, timeout=120)[1:]
    texts = sorted(c.body("plain") for c in decisions)
    assert sum("is nominated" in t for t in texts) == 2
    assert sum("is accredited" in t for t in texts) == 1
    assert sum("refused accreditation" in t and "Документы" in t for t in texts) == 1


def test_a_focal_point_who_chose_the_digest_gets_one_email_for_all_decisions(
    api, client, mailbox, kafka
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=1)
    _assign_focal_point(
        api, delegation["id"], email="digest.fp@example.org", language="ru", kafka=kafka
    )
    mailbox.wait_for("digest.fp@example.org")
    session = api.token_for(
        "focal_point", delegation_id=delegation["id"], subject="digest.fp@example.org"
    )
    chosen = api.plenary(session).notification.set_my_preference({"decisions": "daily_digest"})
    assert chosen.decisions == "daily_digest"
    first = api.submit(meeting["id"], delegation["id"])
    second = api.submit(meeting["id"], delegation["id"])
    api.wait_state(first["id"])
    api.wait_state(second["id"])
    held = wait_for(
        lambda: (
            r
            if (
                r := client.notification.list_emails(
                    recipient="digest.fp@example.org", status="held"
                )
            ).total
            == 2
            else None
        ),
        timeout=120,
        what="two decisions held for the digest",
    )
    assert {i.kind for i in held.items} == {"decision"}
    assert len(mailbox.to("digest.fp@example.org")) == 1  # only the invitation so far

    assert client.notification.send_digests_now().queued >= 1
    _, digest = mailbox.wait_for("digest.fp@example.org", count=2, timeout=120)
    assert digest.subject == "Ежедневная сводка: 2 решения"
    assert "квота делегации исчерпана" in digest.body("plain")
    assert "кандидатура выдвинута" in digest.body("plain")


def test_a_refused_recipient_is_retried_and_a_killed_sender_sends_once(
    api, client, mailbox, platform
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    mailbox.fail_next = 6
    platform.stop_service("notification", kill=True)
    _assign_focal_point(api, delegation["id"], email="retry.fp@example.org", language="en")
    platform.start_service("notification")
    platform.wait_ready(("notification",))
    wait_for(lambda: mailbox.refused >= 3, what="three refusals")
    platform.stop_service("notification", kill=True)  # a crash between attempts
    platform.start_service("notification")
    platform.wait_ready(("notification",))
    [invitation] = mailbox.wait_for("retry.fp@example.org")
    [entry] = client.notification.list_emails(recipient="retry.fp@example.org").items
    assert entry.status == "sent" and entry.attempts >= 4
    assert invitation.message["message-id"] == f"<{entry.id}@plenary>"


def test_attendees_hear_of_a_moved_reroomed_or_cancelled_session_in_their_language(
    api, client, mailbox
):
    tt = Timetable(api, starts_on="2026-03-28", ends_on="2026-03-30")
    hall, annex = tt.room("Hall of Columns"), tt.room("Annex")
    delegation = tt.delegation()
    li = tt.accredited(delegation["id"], email="li.session@example.org", language="zh")
    olga = tt.accredited(delegation["id"], email="olga.session@example.org", language="ru")
    tt.accredited(delegation["id"], email="not.there@example.org", language="en")  # not assigned
    session = tt.scheduled(
        hall,
        "2026-03-29T10:00:00",
        "2026-03-29T11:00:00",
        title="Restricted format",
        titles={"ru": "Узкий состав", "zh": "小范围会谈"},
    )
    assert tt.assign(session["id"], li, olga).status_code in (200, 201)

    client.scheduling.update_session(
        session["id"], {"starts_at": "2026-03-29T15:00:00", "ends_at": "2026-03-29T16:00:00"}
    )
    client.scheduling.update_session(session["id"], {"room_id": annex})
    # the move and the room change are told once the edits pause, in the person's language and
    # the venue's local time (Moscow), across the night the clocks changed elsewhere
    _changes(
        mailbox,
        "olga.session@example.org",
        RU_CHANGES,
        saying=("Узкий состав", "29 марта 2026", "15:00", "Hall of Columns", "Annex"),
    )
    _changes(mailbox, "li.session@example.org", ZH_CHANGES, saying=("小范围会谈", "15:00", "Annex"))

    client.scheduling.cancel_session(session["id"], {"reason": "Heads of delegation meet instead"})
    [li_cancel] = _subjects(mailbox, "li.session@example.org", "已取消：小范围会谈")  # noqa: RUF001
    assert "Heads of delegation meet instead" in li_cancel.body("plain")
    # the accredited colleague outside the session hears nothing of it
    assert not [c for c in mailbox.to("not.there@example.org") if "Restricted" in c.subject]
    assert tt.attendees(session["id"]) == {li, olga}
