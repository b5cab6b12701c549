"""How CLI commands report a failure: one sentence on standard error, exit status 1."""

from __future__ import annotations

import sys


def fail(message: str) -> int:
    print(f"claimwatch: {message}", file=sys.stderr)
    return 1
