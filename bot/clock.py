"""The edge's clock: the one place ClaimWatch reads the current time for its stages."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, timezone-aware in UTC; stages take `now` or a clock instead of calling this."""
    return datetime.now(UTC)
