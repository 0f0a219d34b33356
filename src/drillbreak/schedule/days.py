"""The study day: the learner's local day, starting at the rollover hour (Anki: 4 am)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo


def day_start(now: datetime, rollover_hour: int, tz: tzinfo | None = None) -> datetime:
    """Start (UTC) of the study day containing ``now``, in local time ``tz`` (default: system)."""
    local = now.astimezone(tz) if tz is not None else now.astimezone()
    start = local.replace(hour=rollover_hour, minute=0, second=0, microsecond=0)
    if local < start:
        start = _previous_day(start)
    return start.astimezone(UTC)


def day_end(now: datetime, rollover_hour: int, tz: tzinfo | None = None) -> datetime:
    start = day_start(now, rollover_hour, tz)
    local_start = start.astimezone(tz) if tz is not None else start.astimezone()
    nxt = (local_start + timedelta(days=1)).replace(hour=rollover_hour)
    # replace() keeps the wall clock across a DST change
    return nxt.astimezone(UTC)


def _previous_day(start: datetime) -> datetime:
    return (start - timedelta(days=1)).replace(hour=start.hour)
