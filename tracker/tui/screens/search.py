"""The search screen: words and "phrases" in what changes added or removed and in full text.

It runs tracker.search, the same API as `tracker search`, in a thread worker; each query carries
a generation number and a result for an older query (typed over) is dropped. Enter on a result
opens the story at the version the match belongs to.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tracker import render
from tracker.db.engine import Database
from tracker.search import Field, SearchFilter, SearchHit, search
from tracker.tui.loading import READ_ERRORS, describe
from tracker.tui.screens.story import StoryScreen

RESULTS = 100
FIELDS = {
    "all": (Field.ADDED, Field.REMOVED, Field.TEXT),
    "added": (Field.ADDED,),
    "removed": (Field.REMOVED,),
}


class SearchScreen(Screen[None]):
    """Search every story's changes and text; Enter opens a result."""

    AUTO_FOCUS = "#search-query"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to where you were"),
        Binding("ctrl+t", "next_field", "Added/removed/all",
                tooltip="Search what changes added, what they removed, or everything"),
    ]

    @dataclass
    class Found(Message):
        """The results of query number `generation`."""

        generation: int
        hits: list[SearchHit]

    @dataclass
    class Failed(Message):
        generation: int
        error: str

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.generation = 0
        self.field = "all"
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder='Search words or "a phrase", then Enter', id="search-query")
        yield OptionList(id="search-results")
        yield Static(id="search-status")
        yield Footer()

    @on(Input.Submitted, "#search-query")
    def _submitted(self) -> None:
        self.run_query()

    def run_query(self) -> None:
        query = self.query_one("#search-query", Input).value
        if not query.strip():
            return
        self.generation += 1
        self.query_one(OptionList).loading = True
        self.find(self.generation, query, SearchFilter(fields=FIELDS[self.field], limit=RESULTS))

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def find(self, generation: int, query: str, where: SearchFilter) -> None:
        try:
            self.post_message(self.Found(generation, search(self.db, query, where)))
        except READ_ERRORS as error:
            self.post_message(self.Failed(generation, describe(error)))

    @on(Found)
    def _show(self, message: Found) -> None:
        if message.generation != self.generation:
            return
        self.hits = message.hits
        results = self.query_one(OptionList)
        results.loading = False
        results.set_options(Option(_hit_text(hit)) for hit in message.hits)
        count = len(message.hits)
        status = f"{count} result{'' if count == 1 else 's'} in {self.field} text"
        self.query_one("#search-status", Static).update(
            status + ("  ·  Enter opens one" if count else ""))
        if count:
            results.highlighted = 0
            results.focus()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.generation == self.generation:
            self.query_one(OptionList).loading = False
            self.query_one("#search-status", Static).update(Text(message.error, "bold red"))

    @on(OptionList.OptionSelected, "#search-results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[event.option_index]
        self.app.push_screen(StoryScreen(self.db, hit.story_id, number=hit.to_version))

    def action_next_field(self) -> None:
        names = list(FIELDS)
        self.field = names[(names.index(self.field) + 1) % len(names)]
        self.run_query()
        self.query_one("#search-status", Static).update(f"Searching {self.field} text")


def _hit_text(hit: SearchHit) -> Text:
    """Two lines: where the match is (story, versions, kind, tags), then the snippet."""
    versions = (f"v{hit.from_version}-v{hit.to_version}" if hit.field == Field.TEXT
                else f"v{hit.from_version} → v{hit.to_version}")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{versions}  {hit.field.value}", "bold")
    if hit.tags:
        text.append(f"  [{render.tags_label(hit.tags)}]", "cyan")
    text.append(f"  {render.safe(hit.story_title)}\n", "dim")
    text.append_text(render.snippet_text(hit.snippet))
    return text
