"""One error hierarchy for the whole domain.

The CLI turns a `TrackerError` into one line on stderr and its `exit_code`; the TUI into a
notification. Anything that is not a `TrackerError` is a bug and keeps its traceback.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the headless CLI, so scripts and cron can tell failures apart."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    DATABASE = 4
    FETCH = 5


class TrackerError(Exception):
    """A failure a user can act on: the message says what went wrong and what to do."""

    exit_code: ExitCode = ExitCode.ERROR
    title: str = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseError(TrackerError):
    """The database cannot be opened, is not ours, is corrupt, or is newer than this tracker."""

    exit_code = ExitCode.DATABASE
    title = "Database error"


class NotFoundError(TrackerError):
    """A story or version named by the user does not exist."""

    exit_code = ExitCode.NOT_FOUND
    title = "Not found"


class ImportFailed(TrackerError):
    """A path given to `tracker import` cannot be read as a story."""

    exit_code = ExitCode.USAGE
    title = "Import failed"


class InvalidInput(TrackerError):
    """An argument that is malformed (a bad URL, an unknown format, a bad date)."""

    exit_code = ExitCode.USAGE
    title = "Invalid input"


class FetchError(TrackerError):
    """A page could not be fetched or read (network error, HTTP error, not HTML, too large)."""

    exit_code = ExitCode.FETCH
    title = "Fetch failed"


class OutputError(TrackerError):
    """An export cannot be written where the user asked (missing folder, no permission)."""

    title = "Cannot write"
