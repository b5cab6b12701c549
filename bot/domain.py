"""Frozen values that cross stage lines: what one stage hands the next.

ORM rows never leave `bot.storage`; storage functions return these instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

Stance = Literal["supports", "contradicts", "related"]
STANCES: tuple[Stance, ...] = get_args(Stance)
# How a stance reads in a message; "related" alone would read as a topic.
STANCE_LABELS: dict[Stance, str] = {
    "supports": "supports",
    "contradicts": "contradicts",
    "related": "bears on",
}
POSSIBLY_RELATED = "possibly related"  # a digest-level match: too weak to take a stance
MatchLevel = Literal["alert", "digest"]
SubscriptionKind = Literal["all", "theme", "claim", "mute"]
DeliveryKind = Literal["alert", "digest", "notice"]


# --- feeds -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed as the operator describes it (feeds.yaml, CLI, Telegram)."""

    url: str
    name: str | None = None
    themes: tuple[str, ...] = ()
    interval_seconds: int = 600
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Feed:
    """A stored feed with its health."""

    id: int
    url: str
    name: str | None
    themes: tuple[str, ...]
    interval_seconds: int
    enabled: bool
    origin: str
    etag: str | None
    last_modified: str | None
    last_checked_at: datetime | None
    last_success_at: datetime | None
    next_check_at: datetime
    error_count: int
    last_error: str | None
    last_status: int | None
    disabled_reason: str | None
    first_poll_done: bool

    @property
    def title(self) -> str:
        return self.name or self.url


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One normalized item from a feed, ready to store."""

    identity: str
    title: str
    summary: str
    link: str | None
    guid: str | None
    published_at: datetime
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored news item."""

    id: int
    feed_id: int
    identity: str
    title: str
    summary: str
    link: str | None
    published_at: datetime
    first_seen_at: datetime
    lang: str | None
    is_backlog: bool
    story_id: int | None = None
    feed_name: str | None = None


# --- claims and matches ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """A tracked claim with everything the matcher needs."""

    id: str
    text: str
    theme: str
    kind: Literal["forecast", "assessment"]
    short: str = ""
    deadline: date | None = None
    aliases: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
    keywords_all: tuple[tuple[str, ...], ...] = ()
    keywords_none: tuple[str, ...] = ()
    cues_contradict: tuple[str, ...] = ()
    cues_support: tuple[str, ...] = ()
    active: bool = True
    version: int = 1

    @property
    def label(self) -> str:
        return self.short or self.text


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why an item matched a claim, in terms a reader can check."""

    sentence: str
    matched_text: str
    shared_words: tuple[str, ...]
    lexical: float
    semantic: float


@dataclass(frozen=True, slots=True)
class Match:
    """One (item or story, claim) decision."""

    claim_id: str
    score: float
    level: MatchLevel
    stance: Stance
    confidence: float
    why: Evidence


@dataclass(frozen=True, slots=True)
class StoredMatch:
    """A match as stored, joined with what delivery and digests need to show."""

    id: int
    story_id: int
    claim_id: str
    score: float
    level: MatchLevel
    stance: Stance
    confidence: float
    why: Evidence
    created_at: datetime
    is_backlog: bool
    title: str
    link: str | None
    published_at: datetime
    sources: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ClaimSyncReport:
    """What syncing claims.yaml to the database changed, by claim id."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()
    unchanged: int = 0


# --- subscribers -------------------------------------------------------------------------------

# A new chat's digests until it changes them: the column defaults and a first /start use these.
DEFAULT_SCHEDULE = "daily 08:00"
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True, slots=True)
class Subscription:
    kind: SubscriptionKind
    target: str = ""


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A chat (or one forum topic of a chat) and its settings."""

    id: int
    chat_id: int
    thread_id: int  # 0 when the chat has no topics
    chat_type: str
    active: bool
    paused: bool
    mode: Literal["instant", "digest"]
    schedule: str  # "daily 08:00", "weekly mon 08:00", "hourly", "off"
    timezone: str
    quiet_start: str | None  # "HH:MM"
    quiet_end: str | None
    subscribed_at: datetime
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    empty_digest_line: bool = False
    subscriptions: tuple[Subscription, ...] = ()
    filters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally:
    """Evidence counted for one claim: stories matched at alert level, by stance (backlog
    included). A story carried by several feeds is one; "possibly related" matches are not
    evidence and are not counted."""

    supports: int = 0
    contradicts: int = 0
    related: int = 0

    @property
    def total(self) -> int:
        return self.supports + self.contradicts + self.related

    def words(self) -> str:
        """ "2 support · 1 contradicts": the one way every screen prints a tally (no zeros)."""
        parts = [
            f"{n} {TALLY_LABELS[stance][n != 1]}"
            for stance, n in zip(
                STANCES, (self.supports, self.contradicts, self.related), strict=True
            )
            if n
        ]
        return " · ".join(parts) if parts else "no evidence yet"


# How a count of stories reads, singular and plural: "1 supports", "2 support".
TALLY_LABELS: dict[Stance, tuple[str, str]] = {
    "supports": ("supports", "support"),
    "contradicts": ("contradicts", "contradict"),
    "related": ("bears on it", "bear on it"),
}


# --- feed ingestion results ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedSyncReport:
    """What syncing feeds.yaml to the database changed."""

    added: int = 0
    updated: int = 0
    disabled: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """The state a poll leaves on a feed's row (decided in `bot.ingest.outcome`)."""

    next_check_at: datetime
    last_checked_at: datetime
    error_count: int
    last_error: str | None
    last_status: int | None
    last_success_at: datetime | None
    etag: str | None
    last_modified: str | None
    url: str | None = None  # set after a permanent redirect
    disable_reason: str | None = None  # set when the feed is gone for good
    first_poll_done: bool = False


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """Feed counts for status displays: enabled and healthy, enabled but failing, disabled."""

    ok: int = 0
    failing: int = 0
    disabled: int = 0


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What one trial fetch of a feed found."""

    url: str
    title: str | None
    entry_count: int
    sample_titles: tuple[str, ...]
    final_url: str


@dataclass(frozen=True, slots=True)
class FeedPollResult:
    """One feed's outcome in one poll: an HTTP status, or the error text."""

    feed_id: int
    name: str
    url: str
    status: int | None
    error: str | None
    new_entries: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class PollReport:
    """Everything one poll did; `new_entries` go on to the matcher."""

    results: tuple[FeedPollResult, ...] = ()
    new_entries: tuple[Entry, ...] = ()


# --- delivery (appended by the delivery area) ----------------------------------------------------

Button = tuple[str, str]  # (label, callback_data)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A claimed outbox row, with everything the sender needs to deliver it."""

    delivery_id: int
    subscriber_id: int
    chat_id: int
    thread_id: int
    chat_type: str
    kind: DeliveryKind
    text: str
    attempts: int
    failing_since: datetime | None
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A message planning or the digest wants in the outbox."""

    subscriber_id: int
    key: str
    kind: DeliveryKind
    text: str
    not_before: datetime
    story_id: int | None = None
    claim_id: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class AlertWindow:
    """A chat's alert-cap window: when it started, alerts sent in it, whether the notice went."""

    start: datetime | None
    sent: int
    notice_sent: bool
