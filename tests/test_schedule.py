"""Digest schedules and quiet hours, including the days the clocks change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.deliver.schedule import (
    next_digest_time,
    parse_quiet_hours,
    parse_schedule,
    quiet_until,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("daily 08:00", "daily 08:00"),
        ("Daily 8:05", "daily 08:05"),
        ("weekly mon 09:30", "weekly mon 09:30"),
        ("weekly Friday 18:00", "weekly fri 18:00"),
        ("  hourly ", "hourly"),
        ("OFF", "off"),
    ],
)
def test_parse_schedule_accepts_and_canonicalizes(text: str, canonical: str) -> None:
    assert parse_schedule(text) == canonical


@pytest.mark.parametrize(
    "text", ["", "daily", "daily 25:00", "daily 8", "weekly 08:00", "weekly funday 08:00", "often"]
)
def test_parse_schedule_rejects_with_one_sentence(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_schedule(text)
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message


@pytest.mark.parametrize(
    ("schedule", "zone", "after", "expected"),
    [
        ("daily 08:00", "UTC", utc(2026, 3, 1, 7, 0), utc(2026, 3, 1, 8, 0)),
        # Strictly after: at exactly 08:00 the next one is tomorrow.
        ("daily 08:00", "UTC", utc(2026, 3, 1, 8, 0), utc(2026, 3, 2, 8, 0)),
        ("daily 08:00", "Europe/Berlin", utc(2026, 1, 10, 6, 0), utc(2026, 1, 10, 7, 0)),
        ("daily 08:00", "Europe/Berlin", utc(2026, 7, 10, 6, 30), utc(2026, 7, 11, 6, 0)),
        # Across the spring change in Berlin (29 March 2026): 08:00 local stays 08:00 local.
        ("daily 08:00", "Europe/Berlin", utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 6, 0)),
        # 02:30 does not exist that night in Berlin: it moves forward to 03:30 CEST.
        ("daily 02:30", "Europe/Berlin", utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 30)),
        # 02:30 happens twice on 25 October 2026 in Berlin: it fires once, at the first.
        ("daily 02:30", "Europe/Berlin", utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("daily 02:30", "Europe/Berlin", utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)),
        # New York's spring change, 8 March 2026.
        ("daily 09:00", "America/New_York", utc(2026, 3, 7, 15, 0), utc(2026, 3, 8, 13, 0)),
        # 2026-03-04 is a Wednesday.
        ("weekly mon 09:00", "UTC", utc(2026, 3, 4, 12, 0), utc(2026, 3, 9, 9, 0)),
        ("weekly wed 13:00", "UTC", utc(2026, 3, 4, 12, 0), utc(2026, 3, 4, 13, 0)),
        ("weekly wed 11:00", "UTC", utc(2026, 3, 4, 12, 0), utc(2026, 3, 11, 11, 0)),
        ("weekly sun 23:30", "Asia/Tokyo", utc(2026, 3, 4, 12, 0), utc(2026, 3, 8, 14, 30)),
        ("hourly", "UTC", utc(2026, 3, 4, 12, 0), utc(2026, 3, 4, 13, 0)),
        ("hourly", "Asia/Kolkata", utc(2026, 3, 4, 12, 10), utc(2026, 3, 4, 12, 30)),
    ],
)
def test_next_digest_time(schedule: str, zone: str, after: datetime, expected: datetime) -> None:
    assert next_digest_time(schedule, zone, after=after) == expected


def test_off_never_fires() -> None:
    assert next_digest_time("off", "UTC", after=utc(2026, 3, 1)) is None


def test_unknown_timezone_is_one_sentence() -> None:
    with pytest.raises(ValueError, match="not a known timezone"):
        next_digest_time("daily 08:00", "Mars/Olympus", after=utc(2026, 3, 1))


def test_daily_digest_fires_every_day_through_both_changes() -> None:
    fired, after = [], utc(2026, 3, 26)
    while after < utc(2026, 11, 1):
        after = next_digest_time("daily 08:00", "Europe/Berlin", after=after) or after
        fired.append(after)
    local_clock = {f.astimezone(ZoneInfo("Europe/Berlin")).hour for f in fired}
    days = [f.date() for f in fired]
    assert local_clock == {8}
    assert len(days) == len(set(days))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("22:00-07:00", ("22:00", "07:00")), ("9:00 - 17:30", ("09:00", "17:30")), ("off", None)],
)
def test_parse_quiet_hours(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize("text", ["22:00", "22-07", "22:00-22:00", "night"])
def test_parse_quiet_hours_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quiet_hours(text)


@pytest.mark.parametrize(
    ("now", "zone", "window", "expected"),
    [
        (utc(2026, 3, 4, 23, 0), "UTC", ("22:00", "07:00"), utc(2026, 3, 5, 7, 0)),
        (utc(2026, 3, 4, 3, 0), "UTC", ("22:00", "07:00"), utc(2026, 3, 4, 7, 0)),
        (utc(2026, 3, 4, 12, 0), "UTC", ("22:00", "07:00"), None),
        (utc(2026, 3, 4, 7, 0), "UTC", ("22:00", "07:00"), None),
        (utc(2026, 3, 4, 10, 0), "UTC", ("09:00", "17:00"), utc(2026, 3, 4, 17, 0)),
        (utc(2026, 3, 4, 18, 0), "UTC", ("09:00", "17:00"), None),
        # 23:30 in Berlin (winter, UTC+1) is 22:30 UTC; quiet until 07:00 Berlin = 06:00 UTC.
        (utc(2026, 3, 4, 22, 30), "Europe/Berlin", ("22:00", "07:00"), utc(2026, 3, 5, 6, 0)),
        # The night the clocks go forward: 07:00 CEST is 05:00 UTC.
        (utc(2026, 3, 28, 23, 0), "Europe/Berlin", ("22:00", "07:00"), utc(2026, 3, 29, 5, 0)),
    ],
)
def test_quiet_until(
    now: datetime, zone: str, window: tuple[str, str], expected: datetime | None
) -> None:
    assert quiet_until(now, zone, *window) == expected
