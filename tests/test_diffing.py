"""The diff engine: word granularity, canonical ops, round trips through the stored delta, and
the same answers from the C++ engine as from the reference."""

import itertools
import random
import string

import pytest

from tracker.text import diffing
from tracker.text.diffing import DELETE, EQUAL, INSERT, diff_stats, diff_texts

ENGINES = ["reference"] + (["fast"] if diffing._HAVE_FAST else [])


def old_side(ops: diffing.Ops) -> str:
    return "".join(text for op, text in ops if op != INSERT)


def new_side(ops: diffing.Ops) -> str:
    return "".join(text for op, text in ops if op != DELETE)


def changes(ops: diffing.Ops) -> list[tuple[int, str]]:
    return [(op, text) for op, text in ops if op != EQUAL]


def assert_canonical(ops: diffing.Ops) -> None:
    """No empty pieces, no two EQUALs in a row, and a DELETE always comes before its INSERT."""
    assert all(text for _, text in ops)
    for (op_a, _), (op_b, _) in itertools.pairwise(ops):
        assert (op_a, op_b) not in {(EQUAL, EQUAL), (INSERT, DELETE), (INSERT, INSERT),
                                    (DELETE, DELETE)}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_changed_word_is_one_replacement_not_letters(engine: str) -> None:
    ops = diff_texts("Iran fired missiles at two bases.", "Iran fired rockets at two bases.",
                     engine=engine)
    assert changes(ops) == [(DELETE, "missiles"), (INSERT, "rockets")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_changed_number_phrase_is_whole_words(engine: str) -> None:
    old = "The Pentagon said at least 10 missiles were launched from Iran."
    new = "The Pentagon said more than a dozen missiles were launched from Iran."
    ops = diff_texts(old, new, engine=engine)
    assert changes(ops) == [(DELETE, "at least 10"), (INSERT, "more than a dozen")]
    assert diff_stats(ops) == diffing.DiffStats(words_added=4, words_removed=3,
                                                chars_added=14, chars_removed=9)


@pytest.mark.parametrize("engine", ENGINES)
def test_added_and_removed_paragraphs(engine: str) -> None:
    old = "First paragraph.\nIt was not immediately clear whether there were any casualties.\nLast."
    new = "First paragraph.\nLast.\nA new closing paragraph with a quote."
    ops = diff_texts(old, new, engine=engine)
    assert old_side(ops) == old and new_side(ops) == new
    assert (DELETE, "It was not immediately clear whether there were any casualties.\n") in ops
    assert diff_stats(ops).words_removed == 10


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ""),
        ("", "Only new text."),
        ("Only old text.", ""),
        ("Same text.\nTwice.", "Same text.\nTwice."),
        ("café naïve", "cafe\u0301 naïve résumé"),
        ("Explosions reported 💥 in Erbil", "Explosions reported 💥💥 in Erbil and Baghdad"),
        ("انفجار في أربيل", "انفجارات في أربيل وبغداد"),
        ("伊朗向美军基地发射导弹", "伊朗向两个美军基地发射了导弹"),
        ("no newline at end", "no newline at end\n"),
        ("tabs\tand  spaces", "tabs and spaces"),
    ],
)
def test_round_trip_on_edge_cases(engine: str, old: str, new: str) -> None:
    ops = diff_texts(old, new, engine=engine)
    assert old_side(ops) == old and new_side(ops) == new
    assert_canonical(ops)
    assert diffing.from_delta(old, diffing.to_delta(ops)) == ops


def test_identical_texts_have_no_changes() -> None:
    ops = diff_texts("A story.\nIn two paragraphs.", "A story.\nIn two paragraphs.")
    assert ops == [(EQUAL, "A story.\nIn two paragraphs.")]
    assert not diff_stats(ops).changed


def test_whitespace_only_edit_does_not_count_as_a_change() -> None:
    assert not diff_stats(diff_texts("two  spaces", "two spaces")).changed


def test_cjk_characters_are_words() -> None:
    ops = diff_texts("伊朗发射导弹", "伊朗发射火箭")
    assert changes(ops) == [(DELETE, "导弹"), (INSERT, "火箭")]
    assert diffing.count_words("伊朗发射导弹") == 6


def test_combining_marks_stay_with_their_letter() -> None:
    ops = diff_texts("resume", "re\u0301sume\u0301")
    assert changes(ops) == [(DELETE, "resume"), (INSERT, "re\u0301sume\u0301")]


def test_unrelated_texts_are_a_clean_replacement() -> None:
    old = "Iran fired missiles at two bases housing American troops in Iraq."
    new = "The city council approved the budget after a long debate on Tuesday."
    assert diff_texts(old, new) == [(DELETE, old), (INSERT, new)]


def test_delta_must_fit_the_old_text() -> None:
    delta = diffing.to_delta(diff_texts("one two three", "one 2 three"))
    with pytest.raises(ValueError):
        diffing.from_delta("something else entirely", delta)


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout"):
        diff_texts("a", "b", timeout=0)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine"):
        diff_texts("a", "b", engine="fastest")


def test_title_diff_treats_missing_as_empty() -> None:
    assert diffing.diff_title(None, "Iran strikes back") == [(INSERT, "Iran strikes back")]
    assert diffing.diff_title("Same", "Same") == [(EQUAL, "Same")]


def article(rng: random.Random, paragraphs: int) -> list[str]:
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(3000)]
    return [" ".join(rng.choices(words, k=rng.randint(30, 90))) + "." for _ in range(paragraphs)]


def edited(rng: random.Random, paras: list[str]) -> list[str]:
    """A breaking-story rewrite: some words swapped, a paragraph dropped, one added."""
    out = []
    for paragraph in paras:
        words = paragraph.split(" ")
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] = "CHANGED"
        out.append(" ".join(words))
    del out[len(out) // 2]
    out.insert(len(out) // 3, "A wholly new paragraph about the Pentagon statement.")
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_200kb_rewrite_stays_word_granular(engine: str) -> None:
    rng = random.Random(7)
    paras = article(rng, 560)
    old, new = "\n".join(paras), "\n".join(edited(rng, paras))
    assert len(old) > 200_000
    ops = diff_texts(old, new, engine=engine, timeout=10)
    assert old_side(ops) == old and new_side(ops) == new
    inserted = [text for op, text in ops if op == INSERT]
    # Each swapped word comes back as its own small insertion, not one huge hunk.
    assert sum(text == "CHANGED" for text in inserted) >= 100
    assert max(len(text) for text in inserted) < 200
    assert diffing.from_delta(old, diffing.to_delta(ops)) == ops


@pytest.mark.skipif(not diffing._HAVE_FAST, reason="fast-diff-match-patch is not installed")
def test_fast_engine_agrees_with_reference() -> None:
    rng = random.Random(11)
    for _ in range(20):
        paras = article(rng, 12)
        old, new = "\n".join(paras), "\n".join(edited(rng, paras))
        assert diff_texts(old, new, engine="fast") == diff_texts(old, new, engine="reference")


def test_unified_diff_marks_a_missing_final_newline() -> None:
    patch = diffing.unified_diff("a\nb", "a\nc", from_label="v1", to_label="v2")
    assert patch.splitlines() == [
        "--- v1", "+++ v2", "@@ -1,2 +1,2 @@", " a", "-b", "\\ No newline at end of file",
        "+c", "\\ No newline at end of file",
    ]


def test_numbers_with_separators_are_one_word() -> None:
    ops = diff_texts("A magnitude 6.1 quake killed 1,200 people at 22:58.",
                     "A magnitude 6.4 quake killed 1,350 people at 22:58.")
    assert changes(ops) == [(DELETE, "6.1"), (INSERT, "6.4"), (DELETE, "1,200"), (INSERT, "1,350")]
    assert diffing.count_words("6.1 and 1,200") == 3
