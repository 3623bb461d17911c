"""The portal's main flow in a real Chromium: nominate, upload, decide, download the badge, live."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

from playwright.async_api import expect
from portal_world import (
    PASSWORD,
    field,
    fits_phone,
    give_code,
    labelled,
    link_in,
    staff_account,
)
from pypdf import PdfReader

from plenary_devstack.testing import wait_for


def _focal_point(api, mailbox) -> tuple[dict, dict, str, str]:
    """A meeting, a delegation, and its focal point's address and e-mailed invitation link."""
    meeting = api.create_meeting(title=f"Council of Ministers {uuid.uuid4().hex[:4]}")
    delegation = api.register_delegation(
        meeting["id"], name="Republic of Kazakhstan", quota=10, category_quotas={"delegate": 6}
    )
    email = f"fp-{uuid.uuid4().hex[:8]}@example.org"
    assigned = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/focal-points",
        json={"email": email, "name": "Focal Point", "language": "en"},
    )
    assert assigned.status_code == 201, assigned.text
    [invitation] = mailbox.wait_for(email)
    return meeting, delegation, email, link_in(invitation)


async def _nominate(page, *, given: str, family: str, email: str, passport: str, born: str):
    await page.goto("/delegation/nominate")
    await field(page, "Given name").fill(given)
    await field(page, "Family name").fill(family)
    await field(page, "E-mail address").fill(email)
    await field(page, "Category").select_option("delegate")
    await field(page, "Nationality").fill("kaz")
    await field(page, "Passport number").fill(passport)
    await field(page, "Date of birth").fill(born)
    await page.get_by_role("button", name="Nominate").click()


async def test_nominate_upload_decide_and_download_the_badge_with_live_updates(
    api, mailbox, browsing
):
    meeting, _, fp_email, invitation = _focal_point(api, mailbox)

    # the focal point accepts the e-mailed invitation and chooses a password
    fp = await browsing.window()
    await fp.goto(invitation)
    await expect(fp.get_by_role("heading", name="Accept your invitation")).to_be_visible()
    assert "#token=" not in fp.url  # the secret is taken out of the address bar
    await field(fp, "New password").fill(PASSWORD)
    await field(fp, "The same password again").fill(PASSWORD)
    await fp.get_by_role("button", name="Choose this password").click()
    await give_code(fp, mailbox, fp_email)  # the code proves the address is the focal point's
    await expect(fp.get_by_role("heading", name="Republic of Kazakhstan")).to_be_visible()

    # signs out, and in again with the keyboard only
    await fp.get_by_role("button", name="Sign out").click()
    await expect(fp.get_by_role("status").filter(has_text="You are signed out")).to_be_visible()
    await fp.keyboard.type(fp_email)  # the e-mail field has the focus on arrival
    await fp.keyboard.press("Tab")
    await fp.keyboard.type(PASSWORD)
    await fp.keyboard.press("Enter")
    await expect(fp.get_by_role("heading", name="Republic of Kazakhstan")).to_be_visible()
    await expect(fp.locator("#bar-total-use")).to_have_text("0 of 10")
    await browsing.shot(fp, "01-focal-point-delegation-empty")

    # a date of birth in the future: the service's message appears next to the field
    suffix = uuid.uuid4().hex[:6].upper()
    await _nominate(
        fp,
        given="Aigerim",
        family="Nurlanovna",
        email=f"a.{suffix}@example.org",
        passport=f"N{suffix}1",
        born="2090-01-01",
    )
    born = field(fp, "Date of birth")
    await expect(born).to_have_attribute("aria-invalid", "true")
    await expect(fp.locator("#f-date_of_birth-error")).to_contain_text("must be in the past")
    await expect(field(fp, "Passport number")).to_have_value("")  # never sent back
    await expect(field(fp, "Given name")).to_have_value("Aigerim")
    assert await labelled(fp) == []
    await browsing.shot(fp, "02-nominate-with-a-field-error")
    listed = api.call("registration", "GET", f"/v1/meetings/{meeting['id']}/applications").json()
    assert listed["total"] == 0  # the refused form changed nothing

    await _nominate(
        fp,
        given="Aigerim",
        family="Nurlanovna",
        email=f"a.{suffix}@example.org",
        passport=f"N{suffix}1",
        born="1984-02-29",
    )
    await expect(
        fp.get_by_role("status").filter(has_text="Aigerim Nurlanovna is nominated")
    ).to_be_visible()
    await _nominate(
        fp,
        given="Daniyar",
        family="Seitkali",
        email=f"d.{suffix}@example.org",
        passport=f"N{suffix}2",
        born="1979-07-01",
    )
    await expect(
        fp.get_by_role("status").filter(has_text="Daniyar Seitkali is nominated")
    ).to_be_visible()

    # a CSV of three lines, one of them wrong: a progress bar, then the line and what to fix
    await fp.get_by_role("link", name="Upload a CSV").first.click()
    csv = (
        "given_name,family_name,email,category,nationality,passport_number,date_of_birth\n"
        f"Saule,Akhmetova,s.{suffix}@example.org,adviser,KAZ,N{suffix}3,1990-05-05\n"
        f"Marat,Bekov,m.{suffix}@example.org,security,KAZ,N{suffix}4,1985-03-03\n"
        f"Ivan,Wrong,not-an-address,delegate,KAZ,N{suffix}5,1980-01-01\n"
    )
    await fp.get_by_label(re.compile("^CSV file")).set_input_files(
        {"name": "nominations.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    await fp.get_by_role("button", name="Upload").click()
    await expect(fp.locator("#import-progress")).to_have_attribute("value", "100")
    await expect(fp.get_by_role("heading", name="Lines not nominated")).to_be_visible()
    error_row = fp.locator("#import-errors tbody tr")
    await expect(error_row).to_have_count(1)
    await expect(error_row.locator("th")).to_have_text("4")
    await expect(error_row.locator("td")).to_contain_text("email")
    await browsing.shot(fp, "03-csv-upload-progress-and-errors")

    # the delegation page: four nominated, shown as bars and counts; it stays open from here on
    await fp.goto("/delegation")
    await expect(fp.locator("#states [data-state=nominated] b")).to_have_text("4", timeout=30_000)
    await fp.reload()  # the quota bars count accepted nominations
    await expect(fp.locator("#bar-total-use")).to_have_text("4 of 10")
    await expect(fp.locator("body")).to_have_attribute("data-live-connected", "true")
    await fp.evaluate("window.plenaryNotReloaded = true")
    await browsing.shot(fp, "04-focal-point-delegation-nominated")

    # organiser staff decide in the queue: approve one, refuse one with a reason
    organiser = await browsing.window()
    await browsing.sign_in(organiser, staff_account(api, mailbox))
    await organiser.get_by_role("link", name="Accreditation queue").first.click()
    await organiser.goto(f"/organiser/meetings/{meeting['id']}/queue")
    await expect(organiser.get_by_role("heading", name=re.compile("Nominated · 4"))).to_be_visible()
    assert await labelled(organiser) == []
    await browsing.shot(organiser, "05-organiser-accreditation-queue")
    await field(organiser, "Select Aigerim Nurlanovna").check()
    await organiser.get_by_role("radio", name="Approve").check()
    await organiser.get_by_role("button", name="Apply to the selected").click()
    await expect(organiser.locator(".notice")).to_contain_text("1 application approved")

    await field(organiser, "Select Daniyar Seitkali").check()
    await organiser.get_by_role("radio", name="Refuse").check()
    await organiser.get_by_role("button", name="Apply to the selected").click()
    await expect(organiser.locator(".notice")).to_contain_text("a refusal needs a reason")
    await expect(field(organiser, "Select Daniyar Seitkali")).to_be_visible()  # nothing changed
    await field(organiser, "Select Daniyar Seitkali").check()
    await organiser.get_by_role("radio", name="Refuse").check()
    await organiser.get_by_label(re.compile("^Reason")).fill("Not on the official list")
    await organiser.get_by_role("button", name="Apply to the selected").click()
    await expect(organiser.locator(".notice")).to_contain_text("1 application refused")
    await expect(organiser.get_by_role("heading", name=re.compile("Nominated · 2"))).to_be_visible()

    # the focal point's open page shows both decisions without a reload
    aigerim = fp.locator("#people tr", has_text="Aigerim Nurlanovna")
    daniyar = fp.locator("#people tr", has_text="Daniyar Seitkali")
    await expect(aigerim.locator("[data-state]")).to_have_text("Accredited", timeout=30_000)
    await expect(daniyar.locator("[data-state]")).to_have_text("Refused", timeout=30_000)
    await expect(daniyar).to_contain_text("Not on the official list")
    assert await fp.evaluate("window.plenaryNotReloaded === true")
    await browsing.shot(fp, "06-focal-point-updated-live")

    # the participant gets an e-mailed invitation on accreditation, signs in on a phone,
    # and downloads the badge
    participant_email = f"a.{suffix}@example.org".lower()
    invite = wait_for(
        lambda: [m for m in mailbox.to(participant_email) if "#token=" in m.body("plain")],
        what="the participant's invitation",
    )[0]
    phone = await browsing.window(phone=True)
    await phone.goto(link_in(invite))
    await field(phone, "New password").fill(PASSWORD)
    await field(phone, "The same password again").fill(PASSWORD)
    await phone.get_by_role("button", name="Choose this password").click()
    await give_code(phone, mailbox, participant_email)
    await expect(phone.get_by_role("heading", name="Aigerim Nurlanovna")).to_be_visible()
    await expect(phone.locator("#accreditation [data-state]")).to_have_text("Accredited")
    assert await fits_phone(phone)
    async with phone.expect_download() as download_info:
        await phone.get_by_role("link", name="Download my badge (PDF)").click()
    download = await download_info.value
    pdf = PdfReader(io.BytesIO(Path(await download.path()).read_bytes()))
    text = pdf.pages[0].extract_text()
    assert "NURLANOVNA" in text.upper() and "Republic of Kazakhstan" in text
    await browsing.shot(phone, "07-participant-on-a-phone")
