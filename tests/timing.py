"""How long a test waits for something before it fails: every timeout goes through `scaled`.

CLAIMWATCH_TEST_TIMEOUT_SCALE (a float, default 1) stretches every wait, so a loaded machine
makes the tests slower instead of failing them. Waits are for events (a message sent, a feed
polled, a process exited); the timeout only bounds how long a missing event is waited for.
"""

from __future__ import annotations

import os

SCALE_VARIABLE = "CLAIMWATCH_TEST_TIMEOUT_SCALE"


def timeout_scale() -> float:
    raw = os.environ.get(SCALE_VARIABLE, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not scale > 0 or scale == float("inf"):
        raise ValueError(f"{SCALE_VARIABLE} must be a positive number, not {raw!r}")
    return scale


def scaled(seconds: float) -> float:
    """`seconds` as this machine's test timeout."""
    return seconds * timeout_scale()


def in_ci() -> bool:
    """Whether the suite runs in CI (CI set to anything but "", "0" or "false"), where a
    missing fixture is a broken set-up rather than a reason to skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
