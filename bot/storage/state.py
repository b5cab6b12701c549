"""Small named facts kept between runs (last tick and its numbers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StateRow


async def get_state(session: AsyncSession, key: str) -> dict[str, Any] | None:
    row = await session.get(StateRow, key)
    return dict(row.value) if row else None


async def set_state(
    session: AsyncSession, key: str, value: dict[str, Any], *, now: datetime
) -> None:
    row = await session.get(StateRow, key)
    if row is None:
        session.add(StateRow(key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
