"""When a campaign may send: its quiet hours, in its own time zone."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo


def in_quiet_hours(moment: datetime, *, start: time | None, end: time | None, zone: str) -> bool:
    """Whether `moment` falls in the quiet hours, which may run past midnight (21:00–08:00)."""
    if start is None or end is None:
        return False
    local = moment.astimezone(ZoneInfo(zone)).time()
    return start <= local < end if start < end else local >= start or local < end
