"""Inline keyboards. Callback data is "prefix:payload" and at most 64 bytes, as Telegram allows:
sub:all, sub:theme:NAME, sub:claim:ID, unsub:… (same forms), theme:NAME (list a theme's claims),
claim:ID (open a claim), mute:ID (mute a claim), stop:confirm, stop:cancel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain import Claim, Subscriber, Subscription, SubscriptionKind

MAX_DATA = 64


def fits(data: str) -> bool:
    return len(data.encode()) <= MAX_DATA


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
    payload = f"{kind}:{target}" if target else kind
    if follows(subscriber, kind, target):
        data, text = f"unsub:{payload}", f"✓ {label} — unsubscribe"
    else:
        data, text = f"sub:{payload}", f"+ {label}"
    return InlineKeyboardButton(text, callback_data=data) if fits(data) else None


def themes_keyboard(
    themes: Mapping[str, int], subscriber: Subscriber | None
) -> InlineKeyboardMarkup:
    """ "All claims", then per theme a row: its toggle and a button listing its claims."""
    rows: list[list[InlineKeyboardButton]] = []
    everything = toggle("All claims", "all", "", subscriber)
    if everything:
        rows.append([everything])
    for theme, count in themes.items():
        listing = (
            InlineKeyboardButton("claims…", callback_data=f"theme:{theme}")
            if fits(f"theme:{theme}")
            else None
        )
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
        data = f"unsub:{sub.kind}:{sub.target}" if sub.target else f"unsub:{sub.kind}"
        label = "All claims" if sub.kind == "all" else sub.target
        if fits(data):
            buttons.append(InlineKeyboardButton(f"✕ {label}", callback_data=data))
    return InlineKeyboardMarkup(_rows(buttons, width=2))


def claim_keyboard(claim: Claim, subscriber: Subscriber | None) -> InlineKeyboardMarkup:
    buttons = [toggle("Follow this claim", "claim", claim.id, subscriber)]
    if not follows(subscriber, "mute", claim.id) and fits(f"mute:{claim.id}"):
        buttons.append(InlineKeyboardButton("Mute this claim", callback_data=f"mute:{claim.id}"))
    return InlineKeyboardMarkup(_rows((b for b in buttons if b), width=2))


def stop_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("Yes, delete everything", callback_data="stop:confirm"),
            InlineKeyboardButton("Cancel", callback_data="stop:cancel"),
        ]]
    )  # fmt: skip
