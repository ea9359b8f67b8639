"""Canonical text: invisible markup goes, meaningful characters stay."""

import pytest

from tracker.text.control import strip_control
from tracker.text.normalise import content_hash, normalise_line, normalise_text


def test_markup_only_differences_normalise_away() -> None:
    rendered = "Iran\u00a0launched  at least\u00ad 10\u200b missiles.\r\n\r\n\n Second\tparagraph. "
    assert normalise_text(rendered) == "Iran launched at least 10 missiles.\nSecond paragraph."
    assert content_hash("T", normalise_text(rendered)) == content_hash(
        "T", "Iran launched at least 10 missiles.\nSecond paragraph.")


@pytest.mark.parametrize(
    "text",
    [
        "Family: \U0001f469\u200d\U0001f469\u200d\U0001f467",  # one emoji, not three
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: ZWNJ is spelling
        "\u0915\u094d\u200d\u0937",  # Devanagari half form
    ],
)
def test_joiners_inside_words_and_emoji_stay(text: str) -> None:
    assert normalise_text(text) == text


def test_stray_joiners_next_to_ascii_go() -> None:
    assert normalise_text("Ira\u200dn fired\u200c") == "Iran fired"


def test_unicode_is_composed() -> None:
    assert normalise_text("re\u0301sume\u0301") == "résumé"


def test_control_sequences_never_survive() -> None:
    hostile = "Title\x1b[2J\x1b]0;pwned\x07 here\x9b31m\x00"
    assert strip_control(hostile) == "Title here"
    assert normalise_line(" \n ") is None
