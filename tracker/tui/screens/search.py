"""The search screen: what changes added or removed, and the stories' full text, as you type.

A hit opens its story at the version it is about: the version whose change added or removed
the words, or the first version whose text contains them.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tracker.db.engine import Database
from tracker.search import Field, SearchFilter, SearchHit, search
from tracker.terminal import render
from tracker.text import display
from tracker.tui.loading import READ_ERRORS, describe
from tracker.tui.screens.story import StoryScreen
from tracker.tui.widgets.keys_footer import KeysFooter

FIELD_STYLES = {Field.ADDED: "green", Field.REMOVED: "red", Field.TEXT: "blue"}
SCOPES = ("everything", "added text", "removed text")
SCOPE_FIELDS = {"everything": (Field.ADDED, Field.REMOVED, Field.TEXT),
                "added text": (Field.ADDED,), "removed text": (Field.REMOVED,)}
"""What Ctrl+T steps through: all of the index, or only what changes added or removed."""
HINT = ('Words and "quoted phrases", all required; missile also finds missiles; a OR b, '
        "-word to exclude, prefix*. Enter on a result opens the story at that version.")


def hit_version(hit: SearchHit) -> int:
    """The version a hit is about: the one a change produced, or the first containing it."""
    return hit.from_version if hit.field == Field.TEXT else hit.to_version


def hit_words(hit: SearchHit) -> tuple[str, ...]:
    """The words the hit matched, as its snippet has them (stemmed matches included), for the
    story screen to highlight and scroll to; marks with only spaces between them are one
    phrase, so "at least 10" does not light up every "at"."""
    text = hit.snippet.text
    runs: list[tuple[int, int]] = []
    for start, end in hit.snippet.marks:
        if runs and not text[runs[-1][1]:start].strip():
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    found = (text[start:end].strip() for start, end in runs)
    return tuple(dict.fromkeys(word for word in found if word))


def hit_option(hit: SearchHit) -> Group:
    """Two lines per hit: where and when, then the snippet with the matches highlighted."""
    versions = (f"v{hit.from_version}..v{hit.to_version}" if hit.field == Field.TEXT
                else f"v{hit.from_version} → v{hit.to_version}")
    header = Text(no_wrap=True, overflow="ellipsis")
    header.append(f"{hit.field.value:<8}", f"bold {FIELD_STYLES[hit.field]}")
    header.append(f"{display.format_time(hit.observed_at)}  {versions}  ", "dim")
    header.append(display.safe(hit.story_title) or display.safe(hit.url), "bold")
    snippet = Text("  ").append_text(render.snippet_text(hit.snippet))
    return Group(header, snippet)


class SearchScreen(Screen[None]):
    """Search the change index; Enter opens a hit."""

    AUTO_FOCUS = "#query"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc", tooltip="Back to where you were"),
        Binding("down", "results", "Results", show=False,
                tooltip="Move from the query to the results"),
        Binding("ctrl+t", "next_scope", "Added/removed/all", key_display="^t",
                tooltip="Search what changes added, what they removed, or everything"),
    ]

    @dataclass
    class Found(Message):
        query: str
        scope: str
        hits: list[SearchHit]

    @dataclass
    class Failed(Message):
        query: str
        error: str

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.query_text = ""
        self.scope = SCOPES[0]
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search what changed: words or \"a phrase\"", id="query")
        yield OptionList(id="hits")
        yield Static(HINT, id="search-status")
        yield KeysFooter()

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._search_now()

    def _search_now(self) -> None:
        if self.query_text.strip():
            self.run_search(self.query_text, self.scope)
        else:
            self._show([], HINT)

    @on(Input.Submitted, "#query")
    def action_results(self) -> None:
        """To the results, the first one highlighted, so a second Enter opens it."""
        if self.hits:
            results = self.query_one("#hits", OptionList)
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0

    def action_next_scope(self) -> None:
        self.scope = SCOPES[(SCOPES.index(self.scope) + 1) % len(SCOPES)]
        self._search_now()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, query: str, scope: str) -> None:
        where = SearchFilter(fields=SCOPE_FIELDS[scope])
        try:
            self.post_message(self.Found(query, scope, search(self.db, query, where)))
        except READ_ERRORS as error:
            self.post_message(self.Failed(query, describe(error)))

    @on(Found)
    def _found(self, message: Found) -> None:
        if (message.query, message.scope) == (self.query_text, self.scope):
            count = len(message.hits)
            scope = f" in {self.scope}" if self.scope != SCOPES[0] else ""
            self._show(message.hits, f"{count} result{'s' * (count != 1)}{scope}, newest first"
                       if count else f"No matches{scope}.")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.query == self.query_text:
            self._show([], message.error)

    def _show(self, hits: list[SearchHit], status: str) -> None:
        self.hits = hits
        results = self.query_one("#hits", OptionList)
        results.set_options(Option(hit_option(hit), id=str(index))
                            for index, hit in enumerate(hits))
        self.query_one("#search-status", Static).update(Text(status))

    @on(OptionList.OptionSelected, "#hits")
    def _open_hit(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[event.option_index]
        self.app.push_screen(StoryScreen(self.db, hit.story_id, version=hit_version(hit),
                                         find=hit_words(hit)))

    def action_back(self) -> None:
        self.dismiss()
