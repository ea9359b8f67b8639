"""Durations and points in time as people type them on the command line.

One parser for each, so `--every 10m`, `TRACKER_STOP_AFTER=3d` and `--since 3d` read alike
wherever they appear.
"""

import re
from datetime import UTC, datetime, timedelta

from tracker.errors import InvalidInput

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=36525)
"""A hundred years: longer is a typo, and would overflow the dates it is added to."""


def parse_duration(text: str) -> timedelta:
    """'90s', '10m', '2h', '7d', '1w' or plain seconds -> a timedelta."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or float(match.group(1)) <= 0:
        raise InvalidInput(f"{text!r} is not a duration: write e.g. 90s, 10m, 2h or 7d")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput(f"{text!r} is longer than 100 years: write e.g. 90s, 10m, 2h or 7d")
    return timedelta(seconds=seconds)


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """A --since value: an ISO date or time (UTC unless it says otherwise), or an age such as
    "36h", "7d" or "2w" counted back from now."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError:
        pass
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable time
        raise InvalidInput(f"--since {value!r} is out of range") from None
    if _DURATION.fullmatch(value.lower()):
        return (now or datetime.now(UTC)) - parse_duration(value)
    raise InvalidInput(
        f"--since {value!r} is not a date: give a date (2020-01-08), a time "
        "(2020-01-08T02:00Z) or an age (12h, 3d, 2w)"
    )
