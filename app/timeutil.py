"""Time helpers: timestamps are stored as naive UTC and shown in Asia/Shanghai."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in China, which is what hire and leave dates mean."""
    return datetime.now(LOCAL_TZ).date()


def to_local(value: datetime | None) -> datetime | None:
    """Convert a stored naive-UTC timestamp to Asia/Shanghai."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    except OverflowError:  # 9999-12-31 stored: shown as the last moment there is, not a 500
        return datetime.max.replace(tzinfo=LOCAL_TZ)
