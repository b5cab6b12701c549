"""ClaimWatch's own exceptions; each names its stage so a log line says where it failed."""

from __future__ import annotations


class ClaimWatchError(Exception):
    """Base of every error ClaimWatch raises on purpose."""


class ConfigFileError(ClaimWatchError):
    """feeds.yaml or claims.yaml is invalid: names the file, the line and the problem."""

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line}: {text}" if line else f"{path}: {text}" for line, text in problems]
        super().__init__("\n".join(lines))


class FeedError(ClaimWatchError):
    """A feed could not be polled; the message is what the operator sees on the feed's row."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class FetchError(FeedError):
    """fetch: network, HTTP status, size or safety problem."""


class ParseError(FeedError):
    """parse: the body is not a feed we can read."""


class UnsafeFeedError(FetchError):
    """fetch: the feed resolves to an address that run-time additions may not use."""


class DeliveryError(ClaimWatchError):
    """deliver: a message could not be sent."""


class RetryLater(DeliveryError):
    """deliver: the chat or Telegram asked us to wait (429); retry after `seconds`."""

    def __init__(self, seconds: float, message: str = "") -> None:
        self.seconds = seconds
        super().__init__(message or f"deliver: rate limited, retry after {seconds:g}s")


class TransientError(DeliveryError):
    """deliver: network trouble or a 5xx; worth retrying with backoff."""


class ChatGone(DeliveryError):
    """deliver: the bot can no longer write to the chat (blocked, kicked, chat not found)."""

    def __init__(self, reason: str, *, topic_only: bool = False) -> None:
        self.reason = reason
        # True when only the forum topic is gone (deleted), not the whole chat.
        self.topic_only = topic_only
        super().__init__(f"deliver: chat unreachable: {reason}")


class ChatMoved(DeliveryError):
    """deliver: a group became a supergroup under `new_chat_id`."""

    def __init__(self, new_chat_id: int) -> None:
        self.new_chat_id = new_chat_id
        super().__init__(f"deliver: chat moved to {new_chat_id}")


class BadMarkup(DeliveryError):
    """deliver: Telegram could not parse the message's HTML."""


class MessageTooLong(DeliveryError):
    """deliver: the message exceeds Telegram's 4096 UTF-16 units."""


class StartupError(ClaimWatchError):
    """The bot could not start (e.g. Telegram refused the token); one sentence, never the token."""
