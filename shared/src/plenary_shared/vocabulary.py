"""Terms every service uses alike: participant categories and session formats (they travel in events)."""

from enum import StrEnum


class Category(StrEnum):
    """Participant categories: registration nominates in them, delegation counts quotas by them."""

    DELEGATE = "delegate"
    ADVISER = "adviser"
    SECURITY = "security"
    MEDIA = "media"
    SUPPORT = "support"


class SessionFormat(StrEnum):
    """The formats a summit's sessions take; delegations get seats per format."""

    PLENARY = "plenary"
    RESTRICTED = "restricted"
    EXTENDED = "extended"
    BILATERAL = "bilateral"
    SIDE_EVENT = "side_event"
    PRESS_CONFERENCE = "press_conference"
    WORKING_LUNCH = "working_lunch"
    CULTURAL = "cultural"
