"""Inline keyboards; their callback data is built by bot.callback_data, which defines its forms.
A button whose data would not fit Telegram's limit is left out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callback_data import (
    STOP_CANCEL,
    STOP_CONFIRM,
    Prefix,
    button_data,
    fits,
    subscription_data,
)
from bot.domain import Claim, Subscriber, Subscription, SubscriptionKind


def follows(subscriber: Subscriber | None, kind: SubscriptionKind, target: str = "") -> bool:
    return subscriber is not None and Subscription(kind, target) in subscriber.subscriptions


def _rows(
    buttons: Iterable[InlineKeyboardButton], width: int = 1
) -> list[list[InlineKeyboardButton]]:
    row: list[InlineKeyboardButton] = []
    rows = []
    for button in buttons:
        row.append(button)
        if len(row) == width:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return rows


def toggle(
    label: str, kind: SubscriptionKind, target: str, subscriber: Subscriber | None
) -> InlineKeyboardButton | None:
    """A subscribe button, or an unsubscribe one when the chat already follows it."""
    following = follows(subscriber, kind, target)
    return subscription_button(label, Subscription(kind, target), following=following)


def subscription_button(
    label: str, target: Subscription, *, following: bool
) -> InlineKeyboardButton | None:
    """ "+ label" to follow `target`, or "✓ label — unsubscribe" when `following` it."""
    if following:
        prefix, text = Prefix.UNSUBSCRIBE, f"✓ {label} — unsubscribe"
    else:
        prefix, text = Prefix.SUBSCRIBE, f"+ {label}"
    data = subscription_data(prefix, target)
    return InlineKeyboardButton(text, callback_data=data) if fits(data) else None


def subscription_label(text: str) -> str:
    """The label of a `subscription_button`, from its text."""
    return text.removeprefix("+ ").removeprefix("✓ ").removesuffix(" — unsubscribe")


def themes_keyboard(
    themes: Mapping[str, int], subscriber: Subscriber | None
) -> InlineKeyboardMarkup:
    """ "All claims", then per theme a row: its toggle and a button listing its claims."""
    rows: list[list[InlineKeyboardButton]] = []
    everything = toggle("All claims", "all", "", subscriber)
    if everything:
        rows.append([everything])
    for theme, count in themes.items():
        data = button_data(Prefix.THEME, theme)
        listing = InlineKeyboardButton("claims…", callback_data=data) if fits(data) else None
        row = [b for b in (toggle(f"{theme} ({count})", "theme", theme, subscriber), listing) if b]
        if row:
            rows.append(row)
    return InlineKeyboardMarkup(rows)


def claims_keyboard(claims: Iterable[Claim], subscriber: Subscriber | None) -> InlineKeyboardMarkup:
    buttons = [toggle(claim.id, "claim", claim.id, subscriber) for claim in claims]
    return InlineKeyboardMarkup(_rows((b for b in buttons if b), width=2))


def unsubscribe_keyboard(subscriber: Subscriber) -> InlineKeyboardMarkup:
    buttons = []
    for sub in subscriber.subscriptions:
        if sub.kind == "mute":
            continue
        data = subscription_data(Prefix.UNSUBSCRIBE, sub)
        label = "All claims" if sub.kind == "all" else sub.target
        if fits(data):
            buttons.append(InlineKeyboardButton(f"✕ {label}", callback_data=data))
    return InlineKeyboardMarkup(_rows(buttons, width=2))


def claim_keyboard(claim: Claim, subscriber: Subscriber | None) -> InlineKeyboardMarkup:
    buttons = [toggle("Follow this claim", "claim", claim.id, subscriber)]
    mute = button_data(Prefix.MUTE, claim.id)
    if not follows(subscriber, "mute", claim.id) and fits(mute):
        buttons.append(InlineKeyboardButton("Mute this claim", callback_data=mute))
    return InlineKeyboardMarkup(_rows((b for b in buttons if b), width=2))


def stop_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(
                "Yes, delete everything", callback_data=button_data(Prefix.STOP, STOP_CONFIRM)
            ),
            InlineKeyboardButton("Cancel", callback_data=button_data(Prefix.STOP, STOP_CANCEL)),
        ]]
    )  # fmt: skip
