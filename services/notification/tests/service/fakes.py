"""An in-memory repository for notification's use cases: the rows, and the rules the tables keep
(one delivery per subscription and event, one e-mail per dedupe key), without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

SUBSCRIPTION_DEFAULTS = {
    "language": "en",
    "url": None,
    "email": None,
    "meeting_id": None,
    "delegation_id": None,
    "application_id": None,
    "previous_secret": None,
    "previous_secret_expires_at": None,
    "status": "active",
    "status_reason": None,
    "contact_email": None,
    "failing_since": None,
    "last_success_at": None,
    "description": None,
}


class FakeRepository:
    """What `adapters.repository.Repository` offers, over dicts a test can read."""

    def __init__(self) -> None:
        self.subscriptions: dict[uuid.UUID, SimpleNamespace] = {}
        self.deliveries: dict[uuid.UUID, SimpleNamespace] = {}
        self.attempts: list[SimpleNamespace] = []
        self.emails: dict[str, SimpleNamespace] = {}  # by dedupe key
        self.preferences: dict[str, str] = {}
        self.meetings: dict[str, SimpleNamespace] = {}
        self.participants: dict[str, SimpleNamespace] = {}
        self.attendance: set[tuple[str, str]] = set()
        self.focal_points: dict[str, SimpleNamespace] = {}
        self.stream: list[dict] = []
        self.calls: list[str] = []  # the statements a use case made, by method name

    def _call(self, name: str) -> None:
        self.calls.append(name)

    # subscriptions
    def subscription(self, **values) -> SimpleNamespace:
        """A stored subscription (a test's given)."""
        row = SimpleNamespace(
            **(SUBSCRIPTION_DEFAULTS | {"id": uuid.uuid4(), "secret": "whsec_old"} | values)
        )
        self.subscriptions[row.id] = row
        return row

    async def receiving_subscriptions(self):
        self._call("receiving_subscriptions")
        return [
            s
            for s in self.subscriptions.values()
            if s.status in ("active", "paused") and s.channel != "stream"
        ]

    async def get_subscription(self, subscription_id, *, for_update=False):
        self._call("get_subscription")
        return self.subscriptions.get(subscription_id)

    async def add_subscription(self, **values) -> None:
        self._call("add_subscription")
        self.subscription(**values)

    async def change_subscription(self, subscription_id, values: dict) -> None:
        self._call("change_subscription")
        vars(self.subscriptions[subscription_id]).update(values)

    async def set_status(self, subscription_id, *, status, reason) -> None:
        self._call("set_status")
        row = self.subscriptions[subscription_id]
        row.status, row.status_reason, row.failing_since = status, reason, None

    async def rotate_secret(self, subscription_id, *, secret, previous_secret, until) -> None:
        self._call("rotate_secret")
        row = self.subscriptions[subscription_id]
        row.secret, row.previous_secret, row.previous_secret_expires_at = (
            secret,
            previous_secret,
            until,
        )

    async def delete_subscription(self, subscription_id) -> None:
        self._call("delete_subscription")
        for d in self.deliveries.values():
            if d.subscription_id == subscription_id and d.status == "pending":
                d.status = "cancelled"
        del self.subscriptions[subscription_id]

    async def mark_failing(self, subscription_id, *, since) -> None:
        self.subscriptions[subscription_id].failing_since = since

    async def disable_subscription(self, subscription_id, *, reason, now) -> None:
        row = self.subscriptions[subscription_id]
        row.status, row.status_reason = "disabled", reason

    async def receivers_answered(self, subscription_ids, *, now) -> None:
        self._call("receivers_answered")
        for sid in subscription_ids:
            self.subscriptions[sid].failing_since = None
            self.subscriptions[sid].last_success_at = now

    # deliveries
    def delivery(self, **values) -> SimpleNamespace:
        """A stored delivery (a test's given)."""
        row = SimpleNamespace(
            **{
                "id": uuid.uuid4(),
                "event_id": str(uuid.uuid4()),
                "event_type": "registration.application.nominated",
                "envelope": {},
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": datetime.now(UTC),
                "lease_until": None,
                "last_status_code": None,
                "last_error": None,
            }
            | values
        )
        self.deliveries[row.id] = row
        return row

    async def get_delivery(self, delivery_id):
        return self.deliveries.get(delivery_id)

    async def add_delivery(self, **values) -> None:
        self._call("add_delivery")
        self.delivery(**values)

    async def queue_deliveries(self, rows: list[dict]) -> None:
        self._call("queue_deliveries")
        taken = {(d.subscription_id, d.event_id) for d in self.deliveries.values()}
        for row in rows:
            if (row["subscription_id"], row["event_id"]) not in taken:
                taken.add((row["subscription_id"], row["event_id"]))
                self.delivery(**row)

    async def deliveries_due_now(self, subscription_id) -> None:
        for d in self.deliveries.values():
            if d.subscription_id == subscription_id and d.status == "pending":
                d.next_attempt_at = datetime.now(UTC)

    async def redeliver(self, delivery_id) -> None:
        row = self.deliveries[delivery_id]
        row.status, row.attempts, row.next_attempt_at, row.lease_until = (
            "pending",
            0,
            datetime.now(UTC),
            None,
        )

    async def log_attempt(self, delivery_id, *, status_code, latency_ms, error) -> None:
        self.attempts.append(
            SimpleNamespace(delivery_id=delivery_id, status_code=status_code, error=error)
        )

    async def delivery_failed(self, delivery_id, *, status_code, error, retry_at) -> None:
        row = self.deliveries[delivery_id]
        row.last_status_code, row.last_error, row.lease_until = status_code, error, None
        if retry_at is None:
            row.status = "failed"
        else:
            row.next_attempt_at = retry_at

    async def settle_delivered(self, outcomes, *, now) -> None:
        self._call("settle_delivered")
        for delivery_id, status_code, _latency in outcomes:
            row = self.deliveries[delivery_id]
            row.status, row.last_status_code, row.lease_until = "delivered", status_code, None
            self.attempts.append(
                SimpleNamespace(delivery_id=delivery_id, status_code=status_code, error=None)
            )

    # e-mails
    async def queue_emails(self, rows: list[dict]) -> None:
        self._call("queue_emails")
        for row in rows:
            if row["dedupe_key"] not in self.emails:
                stored = {"attempts": 0, "created_at": datetime.now(UTC)} | row
                self.emails[row["dedupe_key"]] = SimpleNamespace(**stored)

    def email(self, **values) -> SimpleNamespace:
        """A stored e-mail (a test's given)."""
        row = SimpleNamespace(
            **{
                "id": uuid.uuid4(),
                "kind": "decision",
                "language": "en",
                "context": {},
                "status": "pending",
                "attempts": 1,
                "created_at": datetime.now(UTC) - timedelta(hours=1),
            }
            | values
        )
        self.emails[str(row.id)] = row
        return row

    async def set_preference(self, *, email, decisions) -> None:
        self.preferences[email] = decisions

    async def held_recipients(self, *, before):
        return sorted(
            {
                e.recipient
                for e in self.emails.values()
                if e.status == "held" and e.created_at < before
            }
        )

    async def take_held(self, recipient, *, before):
        return sorted(
            (
                e
                for e in self.emails.values()
                if e.recipient == recipient and e.status == "held" and e.created_at < before
            ),
            key=lambda e: e.created_at,
        )

    async def add_digest(self, digest_id, *, recipient, language, items) -> None:
        self.email(
            id=digest_id,
            kind="digest",
            recipient=recipient,
            language=language,
            context={"items": items},
            attempts=0,
        )

    async def mark_digested(self, email_ids) -> None:
        for e in self.emails.values():
            if e.id in email_ids:
                e.status = "digested"

    async def mark_sent(self, email_ids, *, now) -> None:
        self._call("mark_sent")
        for e in self.emails.values():
            if e.id in email_ids:
                e.status, e.sent_at = "sent", now

    async def email_failed(self, email_id, *, error, retry_at) -> None:
        self._call("email_failed")
        row = next(e for e in self.emails.values() if e.id == email_id)
        row.last_error = error
        if retry_at is None:
            row.status = "failed"
        else:
            row.next_attempt_at = retry_at

    # projections
    async def remember_meeting(self, meeting_id, *, title, city, timezone) -> None:
        self.meetings.setdefault(str(meeting_id), SimpleNamespace(title=title, timezone=timezone))

    async def remember_participants(self, rows) -> None:
        self._call("remember_participants")
        for row in rows:
            self.participants[str(row["application_id"])] = SimpleNamespace(**row)

    async def add_attendance(self, *, session_id, application_id, delegation_id) -> None:
        self.attendance.add((str(session_id), str(application_id)))

    async def remove_attendance(self, *, session_id, application_id) -> None:
        self.attendance.discard((str(session_id), str(application_id)))

    async def remember_focal_point(self, focal_point_id, values) -> None:
        self.focal_points[str(focal_point_id)] = SimpleNamespace(**values)

    async def revoke_focal_point(self, focal_point_id, *, at) -> None:
        if point := self.focal_points.get(str(focal_point_id)):
            point.revoked_at = at

    def _points(self, delegation_id):
        current = [
            f
            for f in self.focal_points.values()
            if str(f.delegation_id) == str(delegation_id) and f.revoked_at is None
        ]
        return [
            SimpleNamespace(
                email=f.email,
                language=f.language,
                decisions=self.preferences.get(f.email, "immediate"),
            )
            for f in sorted(current, key=lambda f: f.email)
        ]

    async def get_meeting(self, meeting_id):
        return self.meetings.get(str(meeting_id))

    async def meeting_and_focal_points(self, meeting_id, delegation_id):
        self._call("meeting_and_focal_points")
        meeting = self.meetings.get(str(meeting_id))
        if meeting is None:
            return None, []
        return meeting.title, self._points(delegation_id)

    async def focal_points_of(self, delegation_id):
        return self._points(delegation_id)

    async def attendees_of(self, session_id):
        found = []
        for sid, application_id in sorted(self.attendance):
            if sid == str(session_id):
                person = self.participants.get(application_id)
                found.append(
                    SimpleNamespace(
                        application_id=application_id,
                        email=person.email if person else None,
                        language=person.language if person else None,
                    )
                )
        return found

    async def get_participant(self, application_id):
        return self.participants.get(str(application_id))

    async def get_participants(self, application_ids):
        return {
            a: self.participants[a] for a in map(str, application_ids) if a in self.participants
        }

    # the stream
    async def keep_in_turn(self, rows, *, lock) -> None:
        self._call("keep_in_turn")
        self.stream.extend(rows)
