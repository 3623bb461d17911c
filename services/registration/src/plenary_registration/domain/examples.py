"""Fake values the API document's examples share, so one example's ids lead to another's."""

MEETING_ID = "d9ca1a71-d59b-4823-a2f6-68fa54a998a7"
DELEGATION_ID = "ac8005d8-9162-4b04-8fc7-c512dfff75d2"
APPLICATION_ID = "d8ea4fc6-5857-4ee3-b119-47d22ccc9bd7"
BADGE_ID = "9be2a66f-010c-4f21-bead-f16215f64adb"
INVITATION_ID = "9b243539-bb37-4a77-9bf4-08857a799da7"
ACCOUNT_ID = "4191b5b6-8aac-42c0-91c5-11ab67525bf0"
IMPORT_ID = "0466afee-e676-4d5b-a0d0-e28b1a9a9397"
CHECKIN_ID = "b625be5c-9c88-44e1-bab7-2a21fcba0df1"
EMAIL = "a.nurlanova@example.org"
# an obviously fake document number: never a real-looking passport in examples
PASSPORT_NUMBER = "XX0000000"
LINK_SECRET = "fake-link-secret-0000000000000000000000"  # noqa: S105 - not a secret
PASSWORD = "correct horse battery staple"  # noqa: S105 - a documentation example
# a badge token of the shape scanners read (signed with a throwaway key, so it checks as forged)
BADGE_QR = (
    "eyJhbGciOiJFZERTQSIsInR5cCI6IlBMQiJ9.eyJiaWQiOiI5YmUyYTY2Zi0wMTBjLTRmMjEtYmVhZC1mMTYyMTVmNjRh"
    "ZGIiLCJubyI6IlBMLTAwMDEtMDA0MiIsImFpZCI6ImQ4ZWE0ZmM2LTU4NTctNGVlMy1iMTE5LTQ3ZDIyY2NjOWJkNyIs"
    "Im1pZCI6ImQ5Y2ExYTcxLWQ1OWItNDgyMy1hMmY2LTY4ZmE1NGE5OThhNyIsInoiOlsicGxlbmFyeSIsInJlc3RyaWN0"
    "ZWQiLCJwcmVzcyJdLCJpYXQiOjE4MTA4MDAwMDB9.kYUfXaxONPM4X4nofiLlN4e8Q-2sy3CAdPRaBGeDoTCPKykMciyz"
    "a1ef7bqCkVpZpMRCjSCQ5fAdzaJSu8HACQ"
)
