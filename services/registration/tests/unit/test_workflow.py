"""Unit tests of the accreditation workflow, document masking, encryption and input validation."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.domain.commands import ApplicationCreate
from plenary_registration.domain.model import (
    State,
    Verdict,
    Vetting,
    VettingOutcome,
    initial_vetting,
    mask,
    sources,
    transition,
    verdict_target,
    vet,
)
from plenary_shared.errors import Conflict

LEGAL = {
    (State.SUBMITTED, State.NOMINATED),
    (State.SUBMITTED, State.REJECTED),
    (State.SUBMITTED, State.WITHDRAWN),
    (State.SUBMITTED, State.WAITLISTED),
    (State.WAITLISTED, State.NOMINATED),
    (State.WAITLISTED, State.WITHDRAWN),
    (State.NOMINATED, State.ACCREDITED),
    (State.NOMINATED, State.REFUSED),
    (State.NOMINATED, State.WITHDRAWN),
    (State.ACCREDITED, State.REVOKED),
    (State.ACCREDITED, State.WITHDRAWN),
}
ILLEGAL = sorted(set(itertools.product(State, State)) - LEGAL)


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transition_returns_target(current: State, target: State) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize("target", list(State))
def test_sources_are_the_states_a_target_may_be_reached_from(target: State) -> None:
    assert sources(target) == {current for current, to in LEGAL if to is target}


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transition_is_a_conflict_naming_current_state(
    current: State, target: State
) -> None:
    with pytest.raises(Conflict) as caught:
        transition(current, target)
    assert caught.value.status == 409
    assert caught.value.extra["current_state"] == current.value
    assert current.value in caught.value.detail
    assert target.value in caught.value.detail


def test_every_pair_is_covered() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(State) ** 2


@pytest.mark.parametrize(
    ("verdict", "state"), [(Verdict.GRANT, State.ACCREDITED), (Verdict.REFUSE, State.REFUSED)]
)
@pytest.mark.parametrize("vetting", [Vetting.NOT_REQUIRED, Vetting.CLEARED])
def test_verdict_target(verdict: Verdict, state: State, vetting: Vetting) -> None:
    assert verdict_target(verdict, vetting) is state


def test_verdict_targets_are_legal_from_nominated() -> None:
    for verdict in Verdict:
        target = verdict_target(verdict, Vetting.NOT_REQUIRED)
        assert transition(State.NOMINATED, target) is target


@pytest.mark.parametrize(
    ("vetting", "words"), [(Vetting.PENDING, "pending"), (Vetting.FLAGGED, "flagged")]
)
def test_granting_waits_for_vetting_but_refusing_does_not(vetting: Vetting, words: str) -> None:
    with pytest.raises(Conflict) as caught:
        verdict_target(Verdict.GRANT, vetting)
    assert words in caught.value.detail
    assert verdict_target(Verdict.REFUSE, vetting) is State.REFUSED


def test_vetting_is_recorded_once_for_a_pending_nominee() -> None:
    assert initial_vetting(meeting_requires_vetting=True) is Vetting.PENDING
    assert initial_vetting(meeting_requires_vetting=False) is Vetting.NOT_REQUIRED
    assert vet(State.NOMINATED, Vetting.PENDING, VettingOutcome.CLEARED) is Vetting.CLEARED
    assert vet(State.NOMINATED, Vetting.PENDING, VettingOutcome.FLAGGED) is Vetting.FLAGGED
    for state, vetting in [
        (State.NOMINATED, Vetting.CLEARED),
        (State.SUBMITTED, Vetting.PENDING),
        (State.NOMINATED, Vetting.NOT_REQUIRED),
        (State.ACCREDITED, Vetting.PENDING),
    ]:
        with pytest.raises(Conflict):
            vet(state, vetting, VettingOutcome.CLEARED)


@pytest.mark.parametrize("secret", ["AB1234567", "N12345", "X9Y8Z7W6V5U4T3S2R1Q0"])
def test_mask_shows_only_last_two_characters(secret: str) -> None:
    masked = mask(secret)
    assert len(masked) == len(secret)
    assert masked.endswith(secret[-2:])
    assert set(masked[:-2]) == {"•"}
    assert secret[:-2] not in masked


def test_mask_short_values() -> None:
    assert mask("") == ""
    assert mask("AB") == "AB"


# --- encryption at rest -------------------------------------------------------------------


@pytest.fixture
def cipher() -> DocumentCipher:
    return DocumentCipher(Fernet.generate_key().decode())


def test_cipher_round_trip(cipher: DocumentCipher) -> None:
    token = cipher.encrypt("AB1234567")
    assert isinstance(token, bytes)
    assert cipher.decrypt(token) == "AB1234567"


def test_ciphertext_does_not_contain_plaintext(cipher: DocumentCipher) -> None:
    token = cipher.encrypt("AB1234567")
    assert b"AB1234567" not in token
    assert cipher.encrypt("AB1234567") != token  # random IV per encryption


def test_cipher_with_another_key_cannot_decrypt(cipher: DocumentCipher) -> None:
    other = DocumentCipher(Fernet.generate_key().decode())
    with pytest.raises(Exception):  # noqa: B017 - cryptography.fernet.InvalidToken
        other.decrypt(cipher.encrypt("AB1234567"))


def test_empty_key_refused() -> None:
    with pytest.raises(ValueError, match="REGISTRATION_DATA_KEY"):
        DocumentCipher("")


# --- request validation -------------------------------------------------------------------


def _valid(**overrides: object) -> dict:
    body = {
        "given_name": "Aigerim",
        "family_name": "Sadykova",
        "email": "a.sadykova@example.org",
        "category": "delegate",
        "nationality": "KAZ",
        "passport_number": "N12345678",
        "date_of_birth": "1980-05-17",
    }
    body.update(overrides)
    return body


def _error_fields(exc: ValidationError) -> set[str]:
    return {str(e["loc"][0]) for e in exc.errors()}


def test_valid_application_accepted() -> None:
    app = ApplicationCreate.model_validate(_valid())
    assert app.nationality == "KAZ"
    assert app.date_of_birth == date(1980, 5, 17)
    assert app.delegation_id is None


def test_whitespace_is_stripped() -> None:
    app = ApplicationCreate.model_validate(_valid(passport_number="  N12345678 "))
    assert app.passport_number == "N12345678"


@pytest.mark.parametrize(
    "dob",
    [
        date.today(),
        date.today() + timedelta(days=1),
        date.today() + timedelta(days=3650),
    ],
)
def test_date_of_birth_not_in_past_refused(dob: date) -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(date_of_birth=dob.isoformat()))
    assert _error_fields(caught.value) == {"date_of_birth"}


@pytest.mark.parametrize("years_ago", [121, 150, 500])
def test_date_of_birth_over_120_years_refused(years_ago: int) -> None:
    dob = date(date.today().year - years_ago, 1, 1)
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(date_of_birth=dob.isoformat()))
    assert _error_fields(caught.value) == {"date_of_birth"}


@pytest.mark.parametrize("years_ago", [1, 50, 100, 119])
def test_plausible_date_of_birth_accepted(years_ago: int) -> None:
    dob = date(date.today().year - years_ago, 1, 1)
    assert (
        ApplicationCreate.model_validate(_valid(date_of_birth=dob.isoformat())).date_of_birth == dob
    )


@pytest.mark.parametrize(
    "passport",
    ["n12345678", "N1234-5678", "N1234 5678", "N123", "N" * 21, "", "Ñ12345678"],
)
def test_bad_passport_number_refused(passport: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(passport_number=passport))
    assert _error_fields(caught.value) == {"passport_number"}


@pytest.mark.parametrize("passport", ["N1234", "12345678", "AB12CD34EF56GH78IJ90"])
def test_good_passport_number_accepted(passport: str) -> None:
    assert ApplicationCreate.model_validate(_valid(passport_number=passport)).passport_number == (
        passport
    )


@pytest.mark.parametrize("nationality", ["kaz", "KZ", "KAZA", "K4Z", "", "Kaz"])
def test_bad_nationality_refused(nationality: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(nationality=nationality))
    assert _error_fields(caught.value) == {"nationality"}


def test_extra_fields_forbidden() -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(state="accredited"))
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
    assert _error_fields(caught.value) == {"state"}


def test_unknown_category_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(category="minister"))
    assert _error_fields(caught.value) == {"category"}


def test_bad_email_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ApplicationCreate.model_validate(_valid(email="not-an-email"))
    assert _error_fields(caught.value) == {"email"}
