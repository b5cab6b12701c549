"""Who wants what: a chat's subscriptions, mutes and filter words, as pure tests."""

from __future__ import annotations

from bot.domain import Claim, Subscriber


def follows_claim(subscriber: Subscriber, claim: Claim) -> bool:
    """True when the chat's subscriptions cover the claim and it has not muted it."""
    kinds = {(s.kind, s.target) for s in subscriber.subscriptions}
    if ("mute", claim.id) in kinds:
        return False
    return ("all", "") in kinds or ("theme", claim.theme) in kinds or ("claim", claim.id) in kinds


def muted_by_filter(subscriber: Subscriber, text: str) -> str | None:
    """The first filter word or phrase found in `text` (case-insensitive), if any."""
    haystack = " ".join(text.casefold().split())
    for word in subscriber.filters:
        needle = " ".join(word.casefold().split())
        if needle and needle in haystack:
            return word
    return None
