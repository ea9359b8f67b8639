"""An alert message in plain text, Markdown and HTML: one per rule and run, however many
stories changed.

Each change gives its story (headline and URL), the versions, when tracker saw it, the tags,
the fact changes ("number: 12 -> 27") and the most significant changed sentences. Everything
from the web (headlines, URLs, sentences, figures) is untrusted: control characters are
stripped, and it is escaped for HTML and for Markdown, so a headline cannot add a link, an
image or markup to the message. Times are UTC: the reader may be anywhere.
"""

import html
import re
from collections.abc import Callable, Sequence
from itertools import groupby

from tracker.notify.matching import Change, Sentence
from tracker.notify.send import BodyFormat, Outgoing
from tracker.text.analysis import Fact
from tracker.text.display import safe

MAX_CHANGES_SHOWN = 20
"""Changes written out in full; the others are counted, so a message stays readable."""
FACT_WIDTH = 80
MAX_FACTS = 6
SENTENCE_WIDTH = 300
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~&])")
_AUTOLINK = re.compile(r"https?://[^\s<>\\`]+")



def compose(changes: Sequence[Change], scope: str) -> Outgoing:
    """The message for these changes of a rule that follows `scope` ("all stories", ...)."""
    stories = len({change.story_id for change in changes})
    title = _title(changes, stories)
    shown, hidden = changes[:MAX_CHANGES_SHOWN], len(changes) - MAX_CHANGES_SHOWN
    footer = f"{hidden} more changes not shown. " if hidden > 0 else ""
    footer += f"tracker alert for {scope}."
    return Outgoing(title, {
        BodyFormat.TEXT: _text(shown, footer),
        BodyFormat.MARKDOWN: _markdown(shown, footer),
        BodyFormat.HTML: _html(shown, footer),
    })


def trial_message() -> Outgoing:
    """What `tracker notify test` sends: proof that the target works, in its format."""
    words = "This is a test message from tracker: alerts to this target work."
    return Outgoing("tracker: test alert", {BodyFormat.TEXT: words,
                                            BodyFormat.MARKDOWN: escape_markdown(words),
                                            BodyFormat.HTML: f"<p>{html.escape(words)}</p>"})


def _title(changes: Sequence[Change], stories: int) -> str:
    if stories == 1:
        first = changes[0]
        versions = "1 new version" if len(changes) == 1 else f"{len(changes)} new versions"
        return _cut(f"tracker: {safe(first.title) or first.url} ({versions})", 200)
    return f"tracker: {stories} stories changed ({len(changes)} new versions)"


# --- plain text -------------------------------------------------------------------------------


def _text(changes: Sequence[Change], footer: str) -> str:
    lines: list[str] = []
    for _, group in _by_story(changes):
        first = group[-1]  # the newest headline
        lines += [safe(first.title) or "(no headline)", safe(first.url)]
        for change in group:
            lines.append(f"  {_heading(change)}")
            lines += [f"    {fact}" for fact in _facts(change)]
            lines += [f"    {line}" for sentence in change.sentences
                      for line in _sentence_lines(sentence, str)]
            lines.append(f"    {_see(change)}")
        lines.append("")
    return "\n".join([*lines, footer])


# --- Markdown ---------------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Web text as literal Markdown: every punctuation mark that could start markup (emphasis,
    links, images, code, HTML, lists, headings, tables, strike-through) is backslash-escaped,
    which CommonMark allows before any ASCII punctuation."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", safe(text)).replace("\n", " ")


def _markdown(changes: Sequence[Change], footer: str) -> str:
    parts: list[str] = []
    for _, group in _by_story(changes):
        first = group[-1]  # the newest headline
        parts.append(f"**{escape_markdown(first.title or '(no headline)')}**  \n"
                     f"{_markdown_link(first.url)}\n")
        for change in group:
            items = [escape_markdown(fact) for fact in _facts(change)]
            items += [escape_markdown(line) for sentence in change.sentences
                      for line in _sentence_lines(sentence, str)]
            parts.append(f"- {escape_markdown(_heading(change))}\n"
                         + "".join(f"  - {item}\n" for item in items)
                         + f"  - `{_see(change)}`\n")
    return "\n".join([*parts, escape_markdown(footer)])


def _markdown_link(url: str) -> str:
    """An autolink when the URL can be one whole (no space, angle bracket or backslash), else
    escaped text."""
    url = safe(url)
    return f"<{url}>" if _AUTOLINK.fullmatch(url) else escape_markdown(url)


# --- HTML -------------------------------------------------------------------------------------


def _html(changes: Sequence[Change], footer: str) -> str:
    parts: list[str] = []
    for _, group in _by_story(changes):
        first = group[-1]  # the newest headline
        url = html.escape(safe(first.url), quote=True)
        parts.append(f'<h3><a href="{url}">{_h(first.title or "(no headline)")}</a></h3>')
        for change in group:
            items = [_h(fact) for fact in _facts(change)]
            items += [line for sentence in change.sentences
                      for line in _sentence_lines(sentence, _html_sentence)]
            parts.append(f"<p><b>{_h(_heading(change))}</b></p>\n<ul>"
                         + "".join(f"<li>{item}</li>" for item in items)
                         + f"<li><code>{_h(_see(change))}</code></li></ul>")
    return "\n".join([*parts, f"<p><small>{_h(footer)}</small></p>"])


def _h(text: str) -> str:
    return html.escape(safe(text), quote=True)


def _html_sentence(text: str) -> str:
    mark, _, words = text.partition(" ")
    tag = {"+": "ins", "-": "del"}.get(mark)
    return f"{mark} <{tag}>{_h(words)}</{tag}>" if tag else _h(text)


# --- shared -----------------------------------------------------------------------------------


def _facts(change: Change) -> list[str]:
    """The fact changes of a change, the first MAX_FACTS of them, and how many more."""
    lines = [_fact(fact) for fact in change.facts[:MAX_FACTS]]
    more = len(change.facts) - MAX_FACTS
    return lines + ([f"and {more} more fact changes"] if more > 0 else [])


def _by_story(changes: Sequence[Change]) -> list[tuple[int, list[Change]]]:
    return [(story, list(group)) for story, group in groupby(changes, lambda c: c.story_id)]


def _heading(change: Change) -> str:
    score = f"  significance {change.significance:g}" if change.significance is not None else ""
    tags = f"  [{', '.join(change.tags)}]" if change.tags else ""
    seen = change.observed_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"v{change.from_version} -> v{change.to_version}  {seen}{score}{tags}"


def _fact(fact: Fact) -> str:
    who = f" ({safe(fact.who)})" if fact.who else ""
    if fact.change == "changed":
        return f"{fact.tag}: {_cut(safe(fact.old))} -> {_cut(safe(fact.new))}{who}"
    mark, words = ("+", fact.new) if fact.change == "added" else ("-", fact.old)
    return f"{fact.tag}: {mark} {_cut(safe(words))}{who}"


def _sentence_lines(sentence: Sentence, render: Callable[[str], str]) -> list[str]:
    """A changed sentence as "- old" and "+ new" lines (one of them when added or deleted)."""
    lines = [f"- {_cut(safe(sentence.old), SENTENCE_WIDTH)}"] if sentence.old else []
    lines += [f"+ {_cut(safe(sentence.new), SENTENCE_WIDTH)}"] if sentence.new else []
    return [render(line) for line in lines]


def _see(change: Change) -> str:
    return f"tracker diff {change.story_id} {change.from_version} {change.to_version}"


def _cut(words: str, limit: int = FACT_WIDTH) -> str:
    words = " ".join(words.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
