"""The HTML report: one self-contained file a newsroom can open, share and print.

Everything is inline (CSS, the SVG chart), nothing is fetched and no script is needed, so the
file works offline and in a mail attachment. Story text is untrusted: Jinja escapes every value
(autoescape), and a Content-Security-Policy forbids scripts and network access even if a bug
ever let markup through. Insertions and deletions are <ins>/<del> (underlined/struck through),
with [+ +] / [- -] markers added in print, forced-colour and monochrome modes. Paragraphs and
headlines take their direction from their own text (dir="auto") and changes are bidi-isolated,
so right-to-left text reads correctly and cannot reorder the report around it.
"""

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from tracker import __version__
from tracker.export.chart import timeline_chart
from tracker.export.history import Change, StoryHistory, format_utc, is_web_url, iso_utc
from tracker.text import display
from tracker.text.diffing import Ops

if TYPE_CHECKING:
    from jinja2 import Environment, Template

#: Unchanged paragraphs shown around each change; the rest fold into a "n unchanged" line.
CONTEXT_PARAGRAPHS = 1


@dataclass(frozen=True)
class Fold:
    """Unchanged paragraphs left out of a diff, shown as one line saying how many."""

    count: int


Block = list[tuple[int, str]] | Fold


def render_html(history: StoryHistory) -> str:
    """The whole report for one story."""
    url = history.story.url
    return _template("report.html").render(
        h=history, chart=timeline_chart(history), version=__version__,
        url_href=url if is_web_url(url) else None, format_utc=format_utc, iso=iso_utc,
        blocks=diff_blocks, paragraphs=text_paragraphs,
    )


def change_fragment(change: Change) -> str:
    """One revision's headline and word diff as an HTML fragment (for feed entries)."""
    return _template("change.html").render(change=change, blocks=diff_blocks)


def diff_blocks(ops: Ops) -> list[Block]:
    """Paragraphs of a diff with unchanged runs folded (the templates strip control chars)."""
    return [
        Fold(item) if isinstance(item, int) else item
        for item in display.with_context(display.paragraphs(ops), CONTEXT_PARAGRAPHS)
    ]


def text_paragraphs(text: str) -> list[str]:
    """A version's text as paragraphs (stored one per line), safe to show."""
    return [display.safe(line) for line in text.split("\n") if line]


def text_fragment(text: str) -> str:
    """A whole version's text as HTML paragraphs (for the first version in a feed)."""
    return "".join(f'<p dir="auto">{escape(line)}</p>' for line in text_paragraphs(text))


@functools.cache
def _environment() -> "Environment":
    """Jinja is imported here, on the first report: every command imports this module (the CLI
    registers `export`), and a snapshot run should not pay for Jinja at start-up."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("tracker.export", "templates"), autoescape=True,
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=_printable,
    )
    environment.tests["fold"] = lambda block: isinstance(block, Fold)
    environment.globals["fact_words"] = display.fact_words
    return environment


def _printable(value: object) -> object:
    """Every string a template prints loses control characters (a report piped to a terminal
    must not drive it); markup the templates made themselves is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return display.safe(value)
    return value


def _template(name: str) -> "Template":
    return _environment().get_template(name)
