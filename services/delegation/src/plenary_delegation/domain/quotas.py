"""The quota rule: when one more seat of a category fits a delegation."""

from __future__ import annotations


def seat_fits(
    *,
    active: bool,
    quota: int,
    used: int,
    category_quota: int | None,
    category_used: int,
) -> bool:
    """Whether one more seat of a category fits: the delegation is active, its total has room
    (`used < quota`), and the category has room (`category_used < category_quota`) or has no
    quota of its own (None: never set, or lifted). A category with no counter yet is one with
    no quota and nothing used.

    `adapters.repository` enforces exactly this rule atomically when it claims a seat
    (`claim_seat`, `claim_nomination_seat`: one conditional statement), and `accept_in_turn`
    applies it to a run of nominations decided together.
    """
    if not active or used >= quota:
        return False
    return category_quota is None or category_used < category_quota
