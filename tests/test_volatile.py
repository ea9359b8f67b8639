"""Volatile lines: page furniture inside the article body is dropped, real sentences are kept."""

import pytest

from tracker.text.normalise import is_volatile_line, strip_volatile, strip_volatile_phrases

VOLATILE = [
    "Updated 12 minutes ago", "Updated: 2 hours ago", "12 minutes ago", "Just now",
    "Updated 12:31 PM ET, Wed January 8, 2020", "By Jane Doe, CNN | Updated 12:31 PM ET, Wed",
    "By Jane Doe • Updated 3 minutes ago", "Last updated on 8 January 2020 at 01:12",
    "Published 2020-01-07T23:04:00Z", "Aktualisiert am 19.02.2020", "19.10.2019 07:49 Uhr",
    "Advertisement", "ADVERTISEMENT", "- Advertisement -", "Anzeige",
    "Story continues below advertisement",
    "Related: Trump says Iran appears to be standing down",
    "Related — Markets rally as inflation cools", "Read more: Looted colonial art returned",
    "Lesen Sie auch:", "À lire aussi » Ballonnements, lourdeurs",
]
KEPT = [
    "Updated figures show 80 people died.", "Officials updated the death toll to 80 on Monday.",
    "Iran launched at least 10 missiles at 1:30 am local time.",
    "This is a breaking story and will be updated.", "Updated", "Jan 8, 2020", "2010",
    "44.100 €", "| | 2001 | 2013 | 2017 |", "Advertisements for the show ran for weeks.",
    "Related stories emerged across the region as protests spread to other cities and towns, "
    "with police reporting dozens of arrests: " + "more words " * 10,
]


@pytest.mark.parametrize("line", VOLATILE)
def test_furniture_lines_are_volatile(line: str) -> None:
    assert is_volatile_line(line)


@pytest.mark.parametrize("line", KEPT)
def test_real_sentences_are_kept(line: str) -> None:
    assert not is_volatile_line(line)


def test_strip_volatile_keeps_the_article_and_its_edits() -> None:
    body = "Updated 3 minutes ago\nFirst paragraph.\nAdvertisement\nSecond paragraph, edited."
    assert strip_volatile(body) == "First paragraph.\nSecond paragraph, edited."


@pytest.mark.parametrize(("line", "stripped"), [
    ("Storm hits coast Updated 22 minutes ago The storm battered the coast.",
     "Storm hits coast The storm battered the coast."),
    ("| Storm hits coast | Updated 22 minutes ago | The storm battered the coast. |",
     "| Storm hits coast | The storm battered the coast. |"),
    ("Storm hits coast | 22 minutes ago | The storm battered the coast.",
     "Storm hits coast | The storm battered the coast."),
    ("By Jane Doe · updated 3 hours ago · The storm battered the coast.",
     "By Jane Doe · The storm battered the coast."),
    ("UPDATED: Jan 8, 2020 at 1:30 am Iran launched missiles.", "Iran launched missiles."),
    ("Aktualisiert am 19.02.2020, 07:49 Uhr Der Sturm traf die Küste.",
     "Der Sturm traf die Küste."),
    ("Updated 2 hours ago at least 10 people died.", "at least 10 people died."),
    ("The storm battered the coast — Updated just now", "The storm battered the coast"),
])
def test_furniture_inside_a_line_goes(line: str, stripped: str) -> None:
    assert strip_volatile_phrases(line) == stripped
    assert strip_volatile(f"First paragraph.\n{line}") == f"First paragraph.\n{stripped}"


@pytest.mark.parametrize("sentence", [
    "Officials updated the death toll 2 hours ago, police said.",
    "This story was updated 22 minutes ago with new figures.",
    "Updated figures show 80 people died.",
    "Updated 3 times since Monday, the list now has 80 names.",
    "Posted on Monday, the video shows the missiles landing.",
    "Published January 2020 by Penguin, the memoir sold well.",
    "Published may be the wrong word for a leaked draft.",
    "Witnesses said the blast came 22 minutes ago, then a second one.",
])
def test_a_sentence_that_mentions_an_update_keeps_its_words(sentence: str) -> None:
    assert strip_volatile_phrases(sentence) == sentence


def test_a_one_word_edit_next_to_furniture_is_still_a_change() -> None:
    before = strip_volatile("| Updated 5 minutes ago | Iran launched 10 missiles. |")
    after = strip_volatile("| Updated 6 minutes ago | Iran launched 12 missiles. |")
    assert (before, after) == ("| Iran launched 10 missiles. |", "| Iran launched 12 missiles. |")
