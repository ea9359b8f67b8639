"""Rich `Text` for the TUI's panes, built in workers so the UI thread only lays it out.

Everything here goes through `tracker.render`, which strips terminal control sequences from
web text; nothing in this module prints a story's text any other way.
"""

from rich.text import Text

from tracker import render
from tracker.db.queries import DiffView, VersionDetail, VersionSummary

EMPTY_DATABASE = (
    "There are no stories in this database yet.\n\n"
    "Run `tracker demo` to load the sample story, or `tracker import PATH` to add your own "
    "(a story folder in the seeds format, or text/HTML files as successive versions)."
)
ONE_VERSION = (
    "This story has one version so far. Changes appear here once tracker stores a second one."
)


def inline_diff(view: DiffView) -> Text:
    """The word diff of `view`, with times, counts and headline or byline changes on top."""
    return render.diff_view(view)


def first_version(detail: VersionDetail, only: bool) -> Text:
    """Version 1 has nothing to compare with: its header, then its full text."""
    text = version_header(detail.info)
    if only:
        text.append(ONE_VERSION + "\n\n", "italic")
    text.append(render.safe(detail.text))
    return text


def version_header(info: VersionSummary) -> Text:
    """Number, time, size and headline of one version, for panes that show a single version."""
    header = Text()
    header.append(f"v{info.number}", "bold")
    header.append(f"  {render.format_time(info.observed_at)}  {info.word_count} words\n")
    header.append("Headline: ", "bold").append(render.safe(info.title) + "\n")
    if info.byline:
        header.append("Byline: ", "bold").append(render.safe(info.byline) + "\n")
    header.append("\n")
    return header
