"""The organiser's and the focal point's other pages in a real Chromium, in three languages."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import expect
from plenary_portal.adapters.templates import LOCALES
from portal_world import (
    PASSWORD,
    field,
    fits_phone,
    give_code,
    labelled,
    link_in,
    session_token,
    staff_account,
)

from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.testing import person, wait_for
from plenary_shared.i18n import catalogue


def _in(language: str, text: str) -> str:
    """A sentence of the portal as the language's catalogue has it."""
    return catalogue(LOCALES, language).gettext(text)


def _call(api, service, method, path, expect_status=200, **kw) -> dict:
    response = api.call(service, method, path, **kw)
    assert response.status_code == expect_status, response.text
    return response.json()


async def test_schedule_grid_checkin_deliveries_and_overview_for_organiser_staff(
    api, browsing, mailbox
):
    staff_email = staff_account(api, mailbox)
    hook = WebhookReceiver(host="127.0.0.2")
    subscription = _call(
        api,
        "notification",
        "POST",
        "/v1/subscriptions",
        201,
        json={
            "url": hook.url,
            "event_types": ["scheduling.session.*"],
            "description": "Protocol desk hook",
        },
        token=session_token(api, staff_email),  # staff see the subscriptions they made
    )
    hook.secret = subscription["secret"]
    meeting = api.create_meeting(title=f"Heads of Government {uuid.uuid4().hex[:4]}")
    mid = meeting["id"]
    venue = _call(
        api,
        "scheduling",
        "POST",
        f"/v1/meetings/{mid}/venues",
        201,
        json={
            "name": "National Centre",
            "city": "Moscow",
            "address": "Krasnopresnenskaya 14",
            "timezone": "Europe/Moscow",
        },
    )
    rooms = {
        name: _call(
            api,
            "scheduling",
            "POST",
            f"/v1/venues/{venue['id']}/rooms",
            201,
            json={"name": name, "capacity": capacity},
        )["id"]
        for name, capacity in (("Plenary Hall", 300), ("Hall B", 60))
    }

    def session(title, room, starts, ends):
        return _call(
            api,
            "scheduling",
            "POST",
            f"/v1/meetings/{mid}/sessions",
            201,
            json={
                "title": title,
                "format": "plenary",
                "room_id": rooms[room],
                "starts_at": f"2025-11-17T{starts}",
                "ends_at": f"2025-11-17T{ends}",
            },
        )

    opening = session("Opening plenary", "Plenary Hall", "10:00", "11:00")
    press = session("Press briefing", "Hall B", "10:00", "10:45")
    session("Extended format", "Plenary Hall", "14:00", "16:00")
    delegation = api.register_delegation(mid, name="Kyrgyz Republic", quota=5)
    applicant = api.nominate(
        mid, delegation["id"], given_name="Bakyt", family_name="Osmonov"
    ).json()
    api.wait_state(applicant["id"])
    _call(
        api,
        "registration",
        "POST",
        f"/v1/applications/{applicant['id']}/decision",
        json={"decision": "grant"},
    )
    badge = wait_for(
        lambda: (
            (
                r := api.call("registration", "GET", f"/v1/applications/{applicant['id']}/badge")
            ).status_code
            == 200
            and r.json()
        ),
        what="the badge",
    )

    staff = await browsing.window()
    await browsing.sign_in(staff, staff_email)
    await expect(staff.get_by_role("heading", name=meeting["title"])).to_be_visible()

    # the schedule: rooms as columns, sessions at their local times
    await staff.goto(f"/organiser/meetings/{mid}/schedule")
    grid = staff.locator(".schedule")
    await expect(grid.locator(".room")).to_have_text(
        [re.compile("Hall B"), re.compile("Plenary Hall")]
    )
    await expect(grid.locator(".slot")).to_have_count(3)
    await expect(grid.locator(".slot", has_text="Opening plenary")).to_contain_text(
        "10:00\u201311:00"
    )
    # placed by room and time although the CSP allows no inline style (the page's script does it)
    for title, column in (("Press briefing", "2"), ("Opening plenary", "3")):
        await expect(grid.locator(".slot", has_text=title)).to_have_css("grid-column-start", column)
    await expect(grid.locator(".slot", has_text="Opening plenary")).to_have_css(
        "grid-row-start", "2"
    )
    await browsing.shot(staff, "08-organiser-schedule-grid")

    # checking a move of the press briefing into the occupied hall shows the clash, saves nothing
    slot = grid.locator(".slot", has_text="Press briefing")
    await slot.locator("summary").click()
    await slot.get_by_label("Room").select_option(label="Plenary Hall")
    await slot.get_by_role("button", name="Check for conflicts").click()
    await expect(staff.locator(".notice")).to_contain_text("Opening plenary")
    await expect(grid.locator(".slot.conflict")).to_have_text(re.compile("Opening plenary"))
    await browsing.shot(staff, "09-organiser-schedule-conflict")
    stored = _call(api, "scheduling", "GET", f"/v1/sessions/{press['id']}")
    assert stored["room_id"] == rooms["Hall B"]

    # a free slot: the move is made and the grid shows it
    slot = grid.locator(".slot", has_text="Press briefing")
    await slot.get_by_label("Room").select_option(label="Plenary Hall")
    await slot.get_by_label("Starts").fill("2025-11-17T12:00")
    await slot.get_by_label("Ends").fill("2025-11-17T12:45")
    await slot.get_by_role("button", name="Move").click()
    await expect(staff.locator(".notice")).to_contain_text("The session is moved")
    await expect(grid.locator(".slot", has_text="Press briefing")).to_contain_text(
        "12:00\u201312:45"
    )
    await expect(grid.locator(".slot", has_text="Press briefing")).to_have_css(
        "grid-column-start", "3"
    )
    assert (
        _call(api, "scheduling", "GET", f"/v1/sessions/{press['id']}")["room_id"]
        == rooms["Plenary Hall"]
    )
    untouched = _call(api, "scheduling", "GET", f"/v1/sessions/{opening['id']}")
    assert untouched["room_id"] == rooms["Plenary Hall"]
    assert untouched["starts_at"] == opening["starts_at"]

    # delegations overview
    await staff.goto(f"/organiser/meetings/{mid}/delegations")
    row = staff.locator("tr", has_text="Kyrgyz Republic")
    await expect(row.locator(".bar-use")).to_have_text("1 of 5")
    await browsing.shot(staff, "10-organiser-delegations")

    # check-in: the badge's code pasted admits the holder; anything else is refused with why
    await staff.get_by_role("link", name="Check-in").click()
    await field(staff, "Checkpoint").fill("Gate A")
    await staff.get_by_label(re.compile("^Badge code")).fill(badge["qr_token"])
    await staff.get_by_role("button", name="Check").click()
    await expect(staff.locator(".verdict.admit")).to_contain_text("Bakyt Osmonov")
    await browsing.shot(staff, "11-organiser-checkin-admitted")
    await field(staff, "Checkpoint").fill("Gate A")
    await staff.get_by_label(re.compile("^Badge code")).fill("not-a-badge")
    await staff.get_by_role("button", name="Check").click()
    await expect(staff.locator(".verdict.deny")).to_contain_text("not a genuine Plenary badge")

    # the delivery log of a webhook subscription
    wait_for(lambda: len(hook.received) >= 4, what="the session events at the webhook")
    await staff.get_by_role("link", name="Deliveries").click()
    await staff.get_by_label("Subscription").select_option(subscription["id"])
    await staff.get_by_label("Status").select_option("delivered")
    await staff.get_by_role("button", name="Show").click()
    await expect(staff.locator("tbody tr").first).to_contain_text("scheduling.session.")
    await expect(staff.locator("tbody tr", has_text="scheduling.session.moved")).to_have_count(1)
    assert await labelled(staff) == []
    await browsing.shot(staff, "12-organiser-deliveries")

    # invitations: revoke one, then send it again; the trail says who did what
    invited = f"guest-{uuid.uuid4().hex[:6]}@example.org"
    _call(
        api,
        "registration",
        "POST",
        "/v1/invitations",
        201,
        json={"email": invited, "role": "organiser"},
    )
    await staff.get_by_role("link", name="Invitations").click()
    await staff.get_by_label("E-mail address").fill(invited)
    await staff.get_by_role("button", name="Show").click()
    row = staff.locator("tbody tr", has_text=invited)
    await expect(row).to_contain_text("Waiting for acceptance")
    await expect(row).to_contain_text("test-organiser")
    await row.get_by_role("button", name=f"Revoke for {invited}").click()
    await expect(staff.locator(".notice")).to_contain_text("is revoked")
    await staff.goto(f"/organiser/invitations?email={invited}")
    await expect(row).to_contain_text("Revoked")
    await expect(row).to_contain_text(f"revoked by {staff_email}")
    await row.get_by_role("button", name=f"Send again to {invited}").click()
    await expect(staff.locator(".notice")).to_contain_text("A new invitation link is on its way")
    await staff.goto(f"/organiser/invitations?email={invited}")
    await expect(row).to_contain_text("Waiting for acceptance")
    await browsing.shot(staff, "16-organiser-invitations")

    # Russian and Chinese, chosen on the page and remembered
    await staff.goto(f"/organiser/meetings/{mid}/schedule")
    await staff.get_by_role("link", name="Русский").click()
    await expect(staff.locator("html")).to_have_attribute("lang", "ru")
    await expect(staff.get_by_role("heading", level=1)).to_have_text(_in("ru", "Schedule"))
    await staff.goto("/organiser/checkin")
    await expect(staff.get_by_role("heading", level=1)).to_have_text(_in("ru", "Check-in"))
    await staff.get_by_role("link", name="中文").click()
    await expect(staff.get_by_role("heading", level=1)).to_have_text(_in("zh", "Check-in"))
    await staff.goto(f"/organiser/meetings/{mid}/schedule")
    await browsing.shot(staff, "13-organiser-schedule-in-chinese")
    assert _in("ru", "Schedule") != "Schedule" and _in("zh", "Check-in") != "Check-in"
    # the receiver goes away with this test: so does its subscription (no retries to nowhere)
    gone = api.call(
        "notification",
        "DELETE",
        f"/v1/subscriptions/{subscription['id']}",
        token=session_token(api, staff_email),
    )
    assert gone.status_code == 204, gone.text
    hook.close()


async def test_focal_point_on_a_phone_logistics_withdrawal_and_a_forgotten_password(
    api, mailbox, browsing
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(
        meeting["id"], name="Republic of Tajikistan", quota=1, waitlist_by_default=True
    )
    email = f"fp-{uuid.uuid4().hex[:8]}@example.org"
    _call(
        api,
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/focal-points",
        201,
        json={"email": email, "name": "Focal Point", "language": "ru"},
    )
    invitation = link_in(mailbox.wait_for(email)[0])
    nominee = api.nominate(
        meeting["id"], delegation["id"], **person(given_name="Rustam", family_name="Nazarov")
    )
    api.wait_state(nominee.json()["id"])
    waiting = api.nominate(
        meeting["id"], delegation["id"], **person(given_name="Zarina", family_name="Karimova")
    )
    assert api.wait_state(waiting.json()["id"])["state"] == "waitlisted"

    phone = await browsing.window(phone=True, language="ru-RU")
    await phone.goto(invitation)
    await expect(phone.locator("html")).to_have_attribute("lang", "ru")  # the browser's language
    await phone.get_by_role("link", name="English").click()
    await field(phone, "New password").fill(PASSWORD)
    await field(phone, "The same password again").fill("a different phrase altogether")
    await phone.get_by_role("button", name="Choose this password").click()
    await expect(phone.locator("#f-password_again-error")).to_contain_text("not the same")
    await field(phone, "New password").fill(PASSWORD)
    await field(phone, "The same password again").fill(PASSWORD)
    await phone.get_by_role("button", name="Choose this password").click()
    # a mistyped code is explained next to its field; the right one makes the account
    await expect(
        phone.get_by_text("We e-mailed a six-digit code to f***@example.org")
    ).to_be_visible()
    await field(phone, "Code from the e-mail").fill("000000")
    await phone.get_by_role("button", name="Finish and sign in").click()
    await expect(phone.locator("#f-code-error")).to_contain_text("not the code we e-mailed")
    await give_code(phone, mailbox, email)
    await expect(phone.get_by_role("heading", name="Republic of Tajikistan")).to_be_visible()
    await expect(phone.locator("#waiting li")).to_have_text(["No. 1 (Delegate): Zarina Karimova"])
    assert await fits_phone(phone)
    await browsing.shot(phone, "14-focal-point-on-a-phone")

    # withdraw a nominee, with a reason
    row = phone.locator("#people tr", has_text="Rustam Nazarov")
    await row.get_by_text("Withdraw Rustam Nazarov").click()
    await row.get_by_label("Reason").fill("Cannot travel on these dates")
    await row.get_by_role("button", name="Withdraw").click()
    await expect(phone.locator(".notice")).to_contain_text("Rustam Nazarov is withdrawn")
    await expect(
        phone.locator("#people tr", has_text="Rustam Nazarov").locator("[data-state]")
    ).to_have_text("Withdrawn")
    # the freed seat goes to the first in line, and the open page shows it without a reload
    await expect(
        phone.locator("#people tr", has_text="Zarina Karimova").locator("[data-state]")
    ).to_have_text("Nominated", timeout=60_000)
    await expect(phone.locator("#waiting")).to_contain_text("No one is waiting for a seat.")

    # arrivals and the hotel; a refused entry is explained next to its field
    await phone.goto("/delegation/logistics")
    assert await labelled(phone) == [] and await fits_phone(phone)
    await field(phone, "Airport or station").fill("   ")
    await field(phone, "Date and time (venue time)").fill("2025-11-16T14:35")
    await field(phone, "Number of people").fill("6")
    await phone.get_by_role("button", name="Add the journey").click()
    await expect(phone.locator("#m-place-error")).to_be_visible()
    await field(phone, "Flight or train number").fill("SU 1934")
    await field(phone, "Airport or station").fill("SVO")
    await field(phone, "Date and time (venue time)").fill("2025-11-16T14:35")
    await field(phone, "Number of people").fill("6")
    await phone.get_by_role("button", name="Add the journey").click()
    await expect(phone.locator(".notice")).to_contain_text("The journey is recorded")
    await expect(phone.locator("tbody tr", has_text="SVO")).to_contain_text("14:35")
    await phone.get_by_role("textbox", name=re.compile("^Hotel")).fill("Radisson Collection Moscow")
    await field(phone, "Rooms").fill("5")
    await field(phone, "Check-in date").fill("2025-11-16")
    await field(phone, "Check-out date").fill("2025-11-19")
    await phone.get_by_role("button", name="Save the hotel").click()
    await expect(phone.locator(".notice")).to_contain_text("The hotel is saved")
    await expect(phone.get_by_text("Radisson Collection Moscow, 5 rooms")).to_be_visible()
    await browsing.shot(phone, "15-focal-point-logistics")
    journeys = _call(api, "delegation", "GET", f"/v1/delegations/{delegation['id']}/movements")
    assert journeys["total"] == 1  # the refused entry left nothing behind

    # a forgotten password: a link by e-mail, a new password, and the old one stops working
    await phone.get_by_role("button", name="Sign out").click()
    await phone.get_by_role("link", name="Forgot your password?").click()
    await field(phone, "E-mail address").fill(email)
    await phone.get_by_role("button", name="Send the link").click()
    await expect(phone.locator(".notice")).to_contain_text("a link to choose a new password")
    reset = wait_for(
        lambda: [m for m in mailbox.to(email) if "reset-password#token=" in m.body("plain")],
        what="the reset e-mail",
    )[0]
    await phone.goto(link_in(reset))
    new_password = "another long memorable phrase"
    await field(phone, "New password").fill(new_password)
    await field(phone, "The same password again").fill(new_password)
    await phone.get_by_role("button", name="Set the new password").click()
    await expect(phone.locator(".notice")).to_contain_text("Your new password is set")
    await field(phone, "E-mail address").fill(email)
    await field(phone, "Password").fill(PASSWORD)
    await phone.get_by_role("button", name="Sign in").click()
    await expect(phone.get_by_role("alert")).to_contain_text("wrong")
    await browsing.sign_in(phone, email, new_password)
    await expect(phone.get_by_role("heading", name="Republic of Tajikistan")).to_be_visible()
