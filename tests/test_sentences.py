"""The sentence splitter on the cases news copy throws at it."""

import pytest

from tracker.text.sentences import Sentence, split_paragraph, split_text


@pytest.mark.parametrize(("paragraph", "expected"), [
    ("Iran fired missiles. The Pentagon said so.",
     ["Iran fired missiles.", "The Pentagon said so."]),
    ("The U.S. Army said it would respond. Then it did.",
     ["The U.S. Army said it would respond.", "Then it did."]),
    ("They flew back to the U.S. The president waited.",
     ["They flew back to the U.S.", "The president waited."]),
    ("Rep. Dan Kildee spoke. Sen. Smith did not.",
     ["Rep. Dan Kildee spoke.", "Sen. Smith did not."]),
    ("The call came at about 7 p.m. ET on Tuesday. Nobody answered.",
     ["The call came at about 7 p.m. ET on Tuesday.", "Nobody answered."]),
    ("It started at 5 a.m. Monday and ended at 6 p.m. The roads reopened.",
     ["It started at 5 a.m. Monday and ended at 6 p.m.", "The roads reopened."]),
    ("He said “We are ready.” Others disagreed.", ["He said “We are ready.”", "Others disagreed."]),
    ("“Is it over?” she asked. Nobody knew.", ["“Is it over?” she asked.", "Nobody knew."]),
    ("“Pray,” Pelosi told members, according to Rep. Debbie Dingell.",
     ["“Pray,” Pelosi told members, according to Rep. Debbie Dingell."]),
    ("WASHINGTON (AP) — The president spoke on Jan. 7 in the capital. He left at noon.",
     ["WASHINGTON (AP) — The president spoke on Jan. 7 in the capital.", "He left at noon."]),
    ("He earned $3.5 million in 2019. Mr. Smith, Jr. disagreed with Dr. Jones.",
     ["He earned $3.5 million in 2019.", "Mr. Smith, Jr. disagreed with Dr. Jones."]),
    ("It ranked No. 1 last year. No. It did not.",
     ["It ranked No. 1 last year.", "No.", "It did not."]),
    ("Apple Inc. The company declined to comment.",
     ["Apple Inc.", "The company declined to comment."]),
    ("No terminator at the end", ["No terminator at the end"]),
])
def test_split_paragraph(paragraph: str, expected: list[str]) -> None:
    assert split_paragraph(paragraph) == expected


def test_sentences_never_cross_paragraphs_and_know_their_paragraph() -> None:
    text = "First paragraph ends without a stop\nSecond one. Has two."
    assert split_text(text) == [
        Sentence(0, "First paragraph ends without a stop"),
        Sentence(1, "Second one."), Sentence(1, "Has two."),
    ]


def test_blank_input_has_no_sentences() -> None:
    assert split_paragraph("   ") == []
    assert split_text("") == []
