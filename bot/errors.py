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
