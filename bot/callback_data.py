"""Callback data of inline buttons: "prefix:payload", at most 64 bytes (Telegram's limit).

The one wire format between the buttons we send (alerts from `deliver`, keyboards from
`telegram`) and the handler that reads presses:

    sub:all, sub:theme:NAME, sub:claim:ID   follow
    unsub:…  (the same forms)               stop following
    theme:NAME                              list a theme's claims
    claim:ID                                open a claim
    mute:ID                                 mute a claim
    stop:confirm, stop:cancel               answer /stop

It does not import `telegram`: delivery builds alert buttons with it.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain import Subscription, SubscriptionKind

MAX_BYTES = 64


class Prefix(StrEnum):
    SUBSCRIBE = "sub"
    UNSUBSCRIBE = "unsub"
    THEME = "theme"
    CLAIM = "claim"
    MUTE = "mute"
    STOP = "stop"


STOP_CONFIRM = "confirm"
STOP_CANCEL = "cancel"
# What a sub:/unsub: payload may name; a mute has its own prefix.
_FOLLOWED: dict[str, SubscriptionKind] = {"all": "all", "theme": "theme", "claim": "claim"}


def fits(data: str) -> bool:
    return len(data.encode()) <= MAX_BYTES


def button_data(prefix: Prefix, payload: str) -> str:
    return f"{prefix}:{payload}"


def subscription_data(prefix: Prefix, subscription: Subscription) -> str:
    """sub:/unsub: data for a subscription: "…:all", "…:theme:NAME" or "…:claim:ID"."""
    kind, target = subscription.kind, subscription.target
    return button_data(prefix, f"{kind}:{target}" if target else kind)


def parse_data(data: str) -> tuple[Prefix, str] | None:
    """(prefix, payload) of a press; None when the prefix is not one of ours."""
    prefix, _, payload = data.partition(":")
    try:
        return Prefix(prefix), payload
    except ValueError:
        return None


def parse_subscription(payload: str) -> Subscription | None:
    """ "all", "theme:NAME" or "claim:ID" → Subscription; None for anything else."""
    kind, _, target = payload.partition(":")
    if kind not in _FOLLOWED or (kind == "all") != (target == ""):
        return None
    return Subscription(_FOLLOWED[kind], target)
