"""The one place that talks to apprise: checking a target, masking it, sending a message.

apprise (with its hundred-odd services) takes about 0.35 s to import, so it is imported inside
these functions: `tracker --version`, a snapshot run without rules and `tracker notify list`
of nothing never load it. Its failures and time-outs become a short error string here.
"""

import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tracker.errors import InvalidInput

DEFAULT_TIMEOUT = 15.0
"""Seconds a message may take; apprise gives up on the target after that (the call returns
then, though a slow target may still receive it: a retry can then bring a second copy)."""
TIMEOUT_ENV = "TRACKER_NOTIFY_TIMEOUT"
_QUIET = logging.NullHandler()


class BodyFormat(StrEnum):
    """The body formats apprise passes to targets (its NotifyFormat values)."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


@dataclass(frozen=True)
class Outgoing:
    """One message, written in every format; the target's own format is the one sent."""

    title: str
    bodies: dict[BodyFormat, str]


def timeout_from_env() -> float:
    """TRACKER_NOTIFY_TIMEOUT in seconds, else DEFAULT_TIMEOUT."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        seconds = float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise InvalidInput(f"{TIMEOUT_ENV}={value!r}: give seconds, e.g. 15") from None
    if not 0 < seconds <= 3600:
        raise InvalidInput(f"{TIMEOUT_ENV}={value!r}: give seconds between 0 and 3600")
    return seconds


def check_target(url: str) -> None:
    """Refuse a URL that apprise cannot send to, before a rule is stored."""
    if _service(url) is None:  # the URL itself is not repeated: it may hold a password
        scheme = url.strip().partition("://")[0][:20]
        raise InvalidInput(f"the {scheme}:// target is not a notification URL apprise can use "
                           "(unknown service, or a part missing): see "
                           "https://github.com/caronc/apprise/wiki (mailto://, json://, "
                           "ntfy://, slack://...)")


def masked(url: str) -> str:
    """The URL with its password or token hidden, as apprise writes it (for listings)."""
    service = _service(url)
    return str(service.url(privacy=True)) if service is not None else "(not a valid target)"


def send(url: str, message: Outgoing, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """Send `message` to `url` in the format the target takes; None when it went, else why
    not, in a line. Never raises: a failed target must not stop the others or the run."""
    try:
        return _send(url, message, timeout)
    except Exception as exc:  # apprise plugins raise what they like; none may escape
        return f"{type(exc).__name__}: {exc}"


def _send(url: str, message: Outgoing, timeout: float) -> str | None:
    import apprise

    service = _service(url)
    if service is None:
        return "not a notification URL apprise knows"
    chosen = BodyFormat(getattr(service.resolve_format(None), "value", "text"))
    sender = apprise.Apprise()
    sender.add(service)
    result = sender.notify(body=message.bodies[chosen], title=message.title,
                           body_format=chosen.value, timeout=timeout)
    if result:
        return None
    problems = [entry.message for entry in result.logs() if entry.level in ("ERROR", "WARNING")]
    return f"{result.status.name.lower()}: {problems[-1] if problems else 'no answer'}"


def _service(url: str) -> Any:
    """apprise's plugin object for the URL, or None when it cannot read it."""
    import apprise

    # apprise logs its failures too; without a handler Python would print them on stderr
    # beside the one line tracker gives for each failure.
    logging.getLogger("apprise").addHandler(_QUIET)
    return apprise.Apprise.instantiate(url.strip(), suppress_exceptions=True) or None
