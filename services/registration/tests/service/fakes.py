"""An in-memory stand-in for `plenary_registration.adapters.repository.Repository`.

It keeps rows as plain records in dicts and answers the repository's methods as the SQL does
(a conflict on a meeting's e-mail address, the states a batch of answers may leave, badge
numbers per meeting...), so the use cases run against it with a `FakeUnitOfWork` in
milliseconds. Rows handed out are copies, as a database's are.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

from plenary_registration.domain.badges import (
    BadgeStatus,
    VoidReason,
    format_badge_number,
    meeting_code_of,
)
from plenary_registration.domain.throttle import Action, Counter, Scope


class Record(SimpleNamespace):
    """A row: attributes, and `_mapping` as a SQLAlchemy row has."""

    @property
    def _mapping(self) -> dict:
        return dict(vars(self))


def _copy(row: Record | None) -> Record | None:
    return None if row is None else Record(**vars(row))


APPLICATION_DEFAULTS = {
    "given_name_native": None,
    "family_name_native": None,
    "position": None,
    "phone": None,
    "passport_expiry_enc": None,
    "dietary": None,
    "accessibility": None,
    "language": "en",
    "reason": None,
    "vetting_note": None,
    "photo": None,
    "photo_type": None,
    "documents_purged_at": None,
}


class FakeRepository:
    """Every table registration's use cases write, in memory."""

    def __init__(self) -> None:
        self.meetings: dict[uuid.UUID, Record] = {}
        self.delegations: dict[uuid.UUID, Record] = {}
        self.applications: dict[uuid.UUID, Record] = {}
        self.history: list[Record] = []
        self.badges: dict[uuid.UUID, Record] = {}
        self.checkins: list[Record] = []
        self.accounts: dict[uuid.UUID, Record] = {}
        self.invitations: dict[uuid.UUID, Record] = {}
        self.resets: dict[uuid.UUID, Record] = {}
        self.sessions: dict[uuid.UUID, Record] = {}
        self.ended_sessions: dict[uuid.UUID, datetime] = {}
        self.counters: dict[tuple[Action, Scope, str], Counter] = {}
        self.imports: dict[uuid.UUID, Record] = {}
        self.import_errors: list[dict] = []
        self.import_files_dropped: set[uuid.UUID] = set()

    # --- test setup ----------------------------------------------------------------------------

    def given_meeting(self, *, requires_vetting: bool = False, **values) -> Record:
        """A meeting the projection knows."""
        meeting = Record(
            id=values.pop("id", uuid.uuid4()),
            title=values.pop("title", "Plenary 2026"),
            timezone="UTC",
            ends_on=values.pop("ends_on", datetime(2026, 6, 30, tzinfo=UTC).date()),
            requires_vetting=requires_vetting,
            documents_purged_at=None,
            **values,
        )
        self.meetings[meeting.id] = meeting
        return _copy(meeting)

    def given_delegation(self, meeting_id: uuid.UUID, name: str = "Kazakhstan") -> Record:
        """A delegation the projection knows, registered for a meeting."""
        delegation = Record(id=uuid.uuid4(), meeting_id=meeting_id, name=name)
        self.delegations[delegation.id] = delegation
        return _copy(delegation)

    def given_application(self, delegation: Record, **values) -> Record:
        """An application of a delegation, in a given state (submitted unless said)."""
        application_id = uuid.uuid4()
        row = Record(
            **{
                **APPLICATION_DEFAULTS,
                "id": application_id,
                "meeting_id": delegation.meeting_id,
                "delegation_id": delegation.id,
                "given_name": "Aigerim",
                "family_name": "Nurlanovna",
                "email": f"{application_id.hex[:8]}@example.org",
                "category": "delegate",
                "nationality": "KAZ",
                "passport_number_enc": b"sealed",
                "date_of_birth_enc": b"sealed",
                "state": "submitted",
                "vetting": "not_required",
                "submitted_by": "focal@example.org",
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
                **values,
            }
        )
        self.applications[application_id] = row
        return _copy(row)

    def given_account(self, email: str, *, password_hash: str | None = None) -> Record:
        """A portal account (a focal point's)."""
        account = Record(
            id=uuid.uuid4(),
            email=email,
            role="focal_point",
            delegation_id=None,
            application_id=None,
            language="en",
            password_hash=password_hash,
        )
        self.accounts[account.id] = account
        return _copy(account)

    def history_of(self, application_id: uuid.UUID) -> list[tuple]:
        """An application's history as (from, to, actor, reason), oldest first."""
        return [
            (h.from_state, h.to_state, h.actor, h.reason)
            for h in self.history
            if h.application_id == application_id
        ]

    # --- meetings and delegations --------------------------------------------------------------

    async def meeting(self, meeting_id: uuid.UUID, *, for_update: bool = False) -> Record | None:
        return _copy(self.meetings.get(meeting_id))

    async def remember_meeting(self, **values) -> None:
        self.meetings.setdefault(values["id"], Record(documents_purged_at=None, **values))

    async def delegation(self, delegation_id: uuid.UUID) -> Record | None:
        return _copy(self.delegations.get(delegation_id))

    async def remember_delegation(self, **values) -> None:
        self.delegations.setdefault(values["id"], Record(**values))

    async def meeting_with_delegation(
        self, meeting_id: uuid.UUID, delegation_id: uuid.UUID
    ) -> Record | None:
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            return None
        delegation = self.delegations.get(delegation_id)
        return Record(
            **vars(meeting), delegation_meeting_id=delegation.meeting_id if delegation else None
        )

    async def purge_meeting_documents(self, meeting_id: uuid.UUID, *, now: datetime) -> int:
        purged = 0
        for row in self.applications.values():
            if row.meeting_id == meeting_id and row.documents_purged_at is None:
                row.passport_number_enc = row.date_of_birth_enc = row.passport_expiry_enc = None
                row.photo = row.photo_type = None
                row.documents_purged_at = now
                purged += 1
        for job in self.imports.values():
            if job.meeting_id == meeting_id:
                job.content_enc = None
        self.meetings[meeting_id].documents_purged_at = now
        return purged

    # --- applications --------------------------------------------------------------------------

    async def application(
        self, application_id: uuid.UUID, *, for_update: bool = False
    ) -> Record | None:
        return _copy(self.applications.get(application_id))

    async def application_language(self, application_id: uuid.UUID) -> str | None:
        row = self.applications.get(application_id)
        return row.language if row else None

    async def open_applications(self, delegation_id: uuid.UUID, *, exclude: frozenset) -> list:
        excluded = {s.value for s in exclude}
        return [
            _copy(r)
            for r in self.applications.values()
            if r.delegation_id == delegation_id and r.state not in excluded
        ]

    async def add_application(self, *, actor: str, **values) -> Record | None:
        if any(
            r.meeting_id == values["meeting_id"] and r.email == values["email"]
            for r in self.applications.values()
        ):
            return None
        now = datetime.now(UTC)
        row = Record(**{**APPLICATION_DEFAULTS, **values, "created_at": now, "updated_at": now})
        self.applications[row.id] = row
        await self.add_history(row.id, old=None, new=row.state, actor=actor, reason=None)
        return _copy(row)

    async def change_application(self, application_id: uuid.UUID, changes: dict) -> bool:
        row = self.applications[application_id]
        email = changes.get("email")
        if email is not None and any(
            r.id != application_id and r.meeting_id == row.meeting_id and r.email == email
            for r in self.applications.values()
        ):
            return False
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = datetime.now(UTC)
        return True

    async def set_vetting(
        self, application_id: uuid.UUID, *, vetting: str, note: str | None
    ) -> None:
        row = self.applications[application_id]
        row.vetting, row.vetting_note = vetting, note

    async def set_photo(self, application_id: uuid.UUID, *, data: bytes, kind: str) -> None:
        row = self.applications[application_id]
        row.photo, row.photo_type = data, kind

    async def add_history(
        self,
        application_id: uuid.UUID,
        *,
        old: str | None,
        new: str,
        actor: str,
        reason: str | None,
    ) -> None:
        self.history.append(
            Record(
                application_id=application_id,
                from_state=old,
                to_state=new,
                actor=actor,
                reason=reason,
            )
        )

    async def move_application(
        self, application_id: uuid.UUID, *, old: str, new: str, actor: str, reason: str | None
    ) -> None:
        row = self.applications[application_id]
        row.state, row.reason = new, reason
        await self.add_history(application_id, old=old, new=new, actor=actor, reason=reason)

    async def move_many(
        self, decided: list, *, sources: list[str], new: str, actor: str
    ) -> list[Record]:
        moved = []
        for application_id, category, reason in decided:
            row = self.applications.get(application_id)
            if row is None or row.category != category or row.state not in sources:
                continue
            previous = row.state
            await self.move_application(
                application_id, old=previous, new=new, actor=actor, reason=reason
            )
            moved.append(Record(**vars(row), previous=previous))
        return moved

    # --- badges and check-ins ------------------------------------------------------------------

    async def badge(self, badge_id: uuid.UUID) -> Record | None:
        return _copy(self.badges.get(badge_id))

    async def active_badge(self, application_id: uuid.UUID) -> Record | None:
        active = [
            b
            for b in self.badges.values()
            if b.application_id == application_id and b.status == BadgeStatus.ACTIVE.value
        ]
        return _copy(max(active, key=lambda b: b.issued_at)) if active else None

    async def add_badge(self, **values) -> None:
        self.badges[values["id"]] = Record(voided_at=None, void_reason=None, **values)

    async def void_replaced_badge(self, badge_id: uuid.UUID, *, now: datetime) -> None:
        badge = self.badges[badge_id]
        badge.status, badge.voided_at = BadgeStatus.VOID.value, now
        badge.void_reason = VoidReason.REPLACED.value

    async def void_active_badges(self, application_id: uuid.UUID, reason: VoidReason) -> list:
        voided = []
        for badge in self.badges.values():
            if badge.application_id == application_id and badge.status == BadgeStatus.ACTIVE:
                badge.status, badge.voided_at = BadgeStatus.VOID.value, datetime.now(UTC)
                badge.void_reason = reason.value
                voided.append(_copy(badge))
        return voided

    async def next_badge_number(self, meeting_id: uuid.UUID, prefix: str) -> str:
        of_meeting = [b for b in self.badges.values() if b.meeting_id == meeting_id]
        if of_meeting:
            code = meeting_code_of(of_meeting[0].badge_number)
        else:
            code = len({b.meeting_id for b in self.badges.values()}) + 1
        return format_badge_number(prefix, code, len(of_meeting) + 1)

    async def delegation_name(self, delegation_id: uuid.UUID) -> str | None:
        delegation = self.delegations.get(delegation_id)
        return delegation.name if delegation else None

    async def lock_scan(self, lock_key: int) -> None:
        return None

    async def recent_scan(self, digest: str, application_id: uuid.UUID | None) -> Record | None:
        same = [c for c in self.checkins if c.scan_key[:64] == digest]
        return _copy(same[-1]) if same else None

    async def add_checkin(self, **values) -> datetime:
        scanned_at = datetime.now(UTC)
        self.checkins.append(Record(**values, scanned_at=scanned_at))
        return scanned_at

    # --- accounts, invitations, resets ---------------------------------------------------------

    async def account_id_with_email(self, email: str) -> uuid.UUID | None:
        return next((a.id for a in self.accounts.values() if a.email == email), None)

    async def account_exists(self, account_id: uuid.UUID) -> bool:
        return account_id in self.accounts

    async def account_with_email(self, email: str, *, for_update: bool = False) -> Record | None:
        return _copy(next((a for a in self.accounts.values() if a.email == email), None))

    async def account(self, account_id: uuid.UUID) -> Record:
        return _copy(self.accounts[account_id])

    async def add_account(self, **values) -> bool:
        if await self.account_id_with_email(values["email"]):
            return False
        self.accounts[values["id"]] = Record(**values)
        return True

    async def set_password(
        self, account_id: uuid.UUID, *, password_hash: str, now: datetime
    ) -> None:
        account = self.accounts[account_id]
        account.password_hash, account.password_changed_at = password_hash, now

    async def add_invitation(self, **values) -> None:
        self.invitations[values["id"]] = Record(
            accepted_at=None,
            revoked_at=None,
            revoked_by=None,
            code_hash=None,
            code_expires_at=None,
            code_sent_at=None,
            code_attempts=0,
            pending_password_hash=None,
            **values,
        )

    async def locked_invitation(self, invitation_id: uuid.UUID) -> Record | None:
        return _copy(self.invitations.get(invitation_id))

    async def locked_invitation_with_token(self, token_hash: str) -> Record | None:
        found = (i for i in self.invitations.values() if i.token_hash == token_hash)
        return _copy(next(found, None))

    async def change_invitation(self, invitation_id: uuid.UUID, **values) -> None:
        for name, value in values.items():
            setattr(self.invitations[invitation_id], name, value)

    async def count_code_attempt(self, invitation_id: uuid.UUID) -> None:
        self.invitations[invitation_id].code_attempts += 1

    async def retire_resets(self, account_id: uuid.UUID, *, now: datetime) -> None:
        for reset in self.resets.values():
            if reset.account_id == account_id and reset.used_at is None:
                reset.used_at = now

    async def add_reset(self, **values) -> None:
        self.resets[values["id"]] = Record(used_at=None, created_at=datetime.now(UTC), **values)

    async def recent_reset(self, account_id: uuid.UUID, *, since: datetime) -> uuid.UUID | None:
        recent = (
            r.id
            for r in self.resets.values()
            if r.account_id == account_id and r.used_at is None and r.created_at > since
        )
        return next(recent, None)

    async def locked_reset_with_token(self, token_hash: str) -> Record | None:
        for reset in self.resets.values():
            if reset.token_hash == token_hash:
                return Record(**vars(reset), email=self.accounts[reset.account_id].email)
        return None

    async def use_reset(self, reset_id: uuid.UUID, *, now: datetime) -> None:
        self.resets[reset_id].used_at = now

    # --- sessions ------------------------------------------------------------------------------

    async def add_session(
        self, *, session_id: uuid.UUID, account_id: uuid.UUID, expires_at: datetime, now: datetime
    ) -> None:
        self.sessions[session_id] = Record(
            id=session_id, account_id=account_id, expires_at=expires_at, ended_at=None
        )

    async def end_session(self, session_id: uuid.UUID, *, now: datetime) -> Record | None:
        session = self.sessions.get(session_id)
        if session is None or session.ended_at is not None:
            return None
        session.ended_at = now
        return Record(account_id=session.account_id, expires_at=session.expires_at)

    async def session_known(self, session_id: uuid.UUID) -> bool:
        return session_id in self.sessions

    async def record_ended_session(self, session_id: uuid.UUID, *, expires_at: datetime) -> None:
        self.ended_sessions[session_id] = expires_at

    # --- throttle counters ---------------------------------------------------------------------

    async def counter(self, action: Action, scope: Scope, key: str) -> Counter:
        return self.counters.get((action, scope, key), Counter())

    async def locked_counter(self, action: Action, scope: Scope, key: str) -> Counter:
        return self.counters.setdefault((action, scope, key), Counter())

    async def save_counter(self, action: Action, scope: Scope, key: str, counter: Counter) -> None:
        self.counters[(action, scope, key)] = counter

    async def forget_counter(self, action: Action, scope: Scope, key: str) -> None:
        self.counters.pop((action, scope, key), None)

    async def forget_quiet_counters(self, *, before: datetime) -> int:
        quiet = [
            k
            for k, c in self.counters.items()
            if c.last_strike_at is not None
            and c.last_strike_at < before
            and (c.locked_until is None or c.locked_until < before)
        ]
        for key in quiet:
            del self.counters[key]
        return len(quiet)

    # --- imports -------------------------------------------------------------------------------

    async def add_import(self, **values) -> None:
        self.imports[values["id"]] = Record(
            status="queued", processed=0, nominated=0, failed=0, lease_until=None, **values
        )

    async def claim_import(self, *, now: datetime, lease_until: datetime) -> Record | None:
        for job in self.imports.values():
            if job.status in ("queued", "running") and (
                job.lease_until is None or job.lease_until < now
            ):
                job.status, job.lease_until = "running", lease_until
                return _copy(job)
        return None

    async def advance_import(
        self,
        import_id: uuid.UUID,
        *,
        start: int,
        processed: int,
        nominated: int,
        failed: int,
        lease_until: datetime,
    ) -> bool:
        job = self.imports[import_id]
        if job.processed != start:
            return False
        job.processed = processed
        job.nominated += nominated
        job.failed += failed
        job.lease_until = lease_until
        return True

    async def add_import_errors(self, errors: list[dict]) -> None:
        self.import_errors.extend(errors)

    async def finish_import(self, import_id: uuid.UUID, *, now: datetime) -> None:
        job = self.imports[import_id]
        job.status, job.content_enc, job.lease_until, job.finished_at = "done", None, None, now
