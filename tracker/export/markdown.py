"""Markdown: a story's history that pastes well into an issue, a chat or a newsletter.

Story text is escaped so that it stays text wherever the Markdown lands: no headings, lists,
links, images, raw HTML, tables or mentions can come out of a page. Changes are marked with
the HTML tags <del> and <ins>, which every CommonMark renderer passes through the same way and
GitHub and GitLab keep: `~~` and `**` are only read as marks where CommonMark's flanking rules
allow, so an insertion that starts with punctuation right after a word stayed literal, and an
edit of `<M7.1>` to `M7.1` struck out the unchanged "M7.1". Where raw HTML is dropped, the
words are still there, only unmarked.
"""

import re
from urllib.parse import quote

from tracker.db.queries import VersionDetail
from tracker.export.history import Change, StoryHistory, format_utc, is_web_url, plural
from tracker.text import display
from tracker.text.analysis import Fact
from tracker.text.diffing import DELETE, INSERT, Ops

CONTEXT_PARAGRAPHS = 1
_MARKS = {INSERT: ("<ins>", "</ins>"), DELETE: ("<del>", "</del>")}
_URL_SAFE = ":/?#[]@!$&'*+,;=%~"

# Characters with a meaning anywhere in a line (emphasis, code, links and images, raw HTML and
# autolinks, entities, table cells, strikethrough, @mentions, GitHub's $math$) get a backslash,
# as CommonMark allows for any ASCII punctuation. '>' only matters after '<' or at the start of
# a line, both handled, so "->" stays readable.
_INLINE = re.compile(r"([\\`*_\[\]<|~&@$])")
# What makes a line a heading, quote, list item, thematic break or setext underline; in an
# ordered-list marker ("1.") it is the punctuation that gets the backslash.
_LINE_START = re.compile(r"^(\s*\d*)([#>+\-=.)])")
# GitHub-flavoured renderers turn bare web addresses into links, and backslash escapes inside
# such a link show as backslashes; an escaped ':' or '.' keeps "http://..." and "www." text.
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp)(?=://)|\bwww(?=\.))([:.])")


def escape(text: str | None) -> str:
    """Untrusted text as literal Markdown on one line: control characters go, syntax is escaped."""
    flat = display.safe(text).replace("\n", " ")
    return _AUTOLINK.sub(r"\1\\\2", _INLINE.sub(r"\\\1", flat))


def render_markdown(history: StoryHistory) -> str:
    """The whole story: facts, a version table, headline changes, then each revision."""
    parts = [_header(history), _versions_table(history), _headlines(history),
             _corrections(history)]
    parts += ["## Revisions"] if history.changes else []
    parts += [_revision(change) for change in history.changes]
    if history.changes:
        parts.append(_full_text("Latest version", history.latest))
    parts.append(_full_text("First version", history.first))
    return "\n\n".join(part for part in parts if part) + "\n"


def change_markdown(ops: Ops) -> str:
    """One run of diff segments with deletions in <del> and insertions in <ins>.

    Surrounding spaces stay outside the tags, so a change marks its words and nothing else.
    """
    pieces = []
    for index, (op, text) in enumerate(ops):
        body = escape(text)
        if op in _MARKS and body.strip():
            opening, closing = _MARKS[op]
            lead, core, trail = _split_space(body)
            body = f"{lead}{opening}{core}{closing}{trail}"
        if op == INSERT and index and ops[index - 1][0] == DELETE and not body[:1].isspace():
            body = " " + body  # "<del>old</del> <ins>new</ins>" reads better without the tags
        pieces.append(body)
    return _escape_line_start("".join(pieces))


def link(url: str) -> str:
    """The story URL as a link whose target cannot break out of its angle brackets."""
    if not is_web_url(url):
        return escape(url)
    return f"[{escape(url)}](<{quote(url, safe=_URL_SAFE)}>)"


def _escape_line_start(line: str) -> str:
    """A paragraph must not start a heading, quote or list: '#', '>', '-' and '1.' at the
    start of a line get a backslash."""
    return _LINE_START.sub(r"\1\\\2", line)


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core)
    return text[:start], core, text[start + len(core):]


def _header(history: StoryHistory) -> str:
    story, first, latest = history.story, history.first.info, history.latest.info
    return "\n".join([
        f"# {escape(latest.title or '(no headline)')}",
        "",
        f"- **URL:** {link(story.url)}",
        f"- **First seen:** {format_utc(first.observed_at)}",
        f"- **Last changed:** {format_utc(latest.observed_at)}",
        f"- **Versions:** {len(history.versions)} ({plural(len(history.changes), 'revision')}, "
        f"{plural(len(history.headline_changes), 'headline change')})",
    ])


def _versions_table(history: StoryHistory) -> str:
    rows = ["| Version | Seen | Words | Added | Removed | Significance | Kinds of change |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
            f"| v1 | {format_utc(history.first.info.observed_at)} | "
            f"{history.first.info.word_count} | | | | first version |"]
    for change in history.changes:
        new, stats = change.view.new, change.view.stats
        rows.append(f"| v{new.number} | {format_utc(new.observed_at)} | {new.word_count} | "
                    f"+{stats.words_added} | -{stats.words_removed} | "
                    f"{_significance(change)} | {', '.join(change.tags)} |")
    return "## Versions\n\n" + "\n".join(rows)


def _significance(change: Change) -> str:
    return "" if change.significance is None else f"{change.significance:g}"


def _headlines(history: StoryHistory) -> str:
    if not history.headline_changes:
        return "## Headline changes\n\nThe headline never changed."
    lines = [f"- v1: {escape(history.first.info.title or '(no headline)')}"]
    lines += [f"- v{change.number}: {change_markdown(change.view.title_ops)}"
              for change in history.headline_changes]
    return "## Headline changes\n\n" + "\n".join(lines)


def _corrections(history: StoryHistory) -> str:
    if not history.corrections:
        return ("## Changed and removed facts\n\n"
                "No figure, quote or source was changed or taken out.")
    return "## Changed and removed facts\n\n" + "\n".join(
        f"- v{change.number} **{fact.tag.value} {fact.change}:** {_fact(fact)}"
        for change, fact in history.corrections
    )


def _fact(fact: Fact) -> str:
    return escape(display.fact_words(fact))


def _revision(change: Change) -> str:
    view = change.view
    blocks = [f"### v{view.old.number} → v{view.new.number} · {format_utc(view.new.observed_at)}",
              _summary(change)]
    if view.new.reverts_to:
        blocks.append(f"**The text went back to that of v{view.new.reverts_to}.**")
    if view.headline_changed:
        blocks.append(f"Headline: {change_markdown(view.title_ops)}")
    if view.byline_changed:
        byline = [(DELETE, view.old.byline or ""), (INSERT, view.new.byline or "")]
        blocks.append(f"Byline: {change_markdown([(op, text) for op, text in byline if text])}")
    if change.facts:
        blocks.append("\n".join(f"- **{fact.tag.value} {fact.change}:** {_fact(fact)}"
                                for fact in change.facts))
    if not view.stats.changed:
        blocks.append("*The text did not change.*")
    for item in display.with_context(display.paragraphs(view.ops), CONTEXT_PARAGRAPHS):
        blocks.append(_fold(item) if isinstance(item, int) else change_markdown(item))
    return "\n\n".join(blocks)


def _summary(change: Change) -> str:
    """Size, sentence counts, significance and tags of a revision, on one line."""
    stats = change.view.stats
    parts = [f"+{stats.words_added} / -{stats.words_removed} words"]
    parts += [change.sentences] if change.sentences else []
    if change.significance is not None:
        parts.append(f"significance **{change.significance:g}**/100")
    parts += [", ".join(f"`{tag}`" for tag in change.tags)] if change.tags else []
    return " · ".join(parts)


def _full_text(label: str, version: VersionDetail) -> str:
    """A version's whole text: the latest as it reads now, and the first that every revision
    builds on, so the Markdown stands alone like the HTML report."""
    info = version.info
    lines = [f"## {label} (v{info.number}, {format_utc(info.observed_at)})",
             f"**{escape(info.title or '(no headline)')}**"]
    if info.byline:
        lines.append(f"*{escape(info.byline)}*")
    lines += [_escape_line_start(escape(line)) for line in version.text.split("\n") if line]
    return "\n\n".join(lines)


def _fold(count: int) -> str:
    return f"*… {plural(count, 'unchanged paragraph')} …*"
