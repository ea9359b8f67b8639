"""Blame: each paragraph belongs to the version since which it has read exactly so."""

from tracker.db.engine import Database
from tracker.history.blame import BlamedParagraph, blame, blame_version


def origins(texts: list[str]) -> list[tuple[str, int]]:
    return [(item.text, item.version) for item in blame(texts)]


def test_unchanged_paragraphs_keep_the_version_that_wrote_them() -> None:
    assert origins(["A.\nB.", "A.\nB.\nC."]) == [("A.", 1), ("B.", 1), ("C.", 2)]


def test_an_edited_paragraph_belongs_to_the_version_that_edited_it() -> None:
    assert origins(["A.\nB.", "A.\nB!", "A.\nB!\nC."]) == [("A.", 1), ("B!", 2), ("C.", 3)]


def test_a_moved_paragraph_keeps_its_age() -> None:
    assert origins(["A.\nB.", "B.\nX.\nA."]) == [("B.", 1), ("X.", 2), ("A.", 1)]


def test_a_paragraph_cut_and_restored_belongs_to_the_restoring_version() -> None:
    assert origins(["A.\nB.", "A.", "A.\nB."]) == [("A.", 1), ("B.", 3)]


def test_blank_lines_are_not_paragraphs_and_no_texts_blame_nothing() -> None:
    assert origins(["A.\n\n  \nB."]) == [("A.", 1), ("B.", 1)]
    assert blame([]) == []


def test_blame_of_the_sample_story(sample_db: Database) -> None:
    blamed = blame_version(sample_db, 1, 8)
    assert blamed[-1] == BlamedParagraph("This is a breaking story and will be updated.", 1)
    assert {item.version for item in blamed} <= set(range(1, 9))
    assert [item.version for item in blame_version(sample_db, 1, 1)] == [1, 1, 1]
