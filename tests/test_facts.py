"""Fact-change tags on the classes of edit that news copy goes through (issue 12): figures by
value and paired by what they count, quotes in single marks, reporting verbs and group sources,
minor fixes against changes of meaning, negation, and the headline as a sentence."""

import pytest

from bench.bench_facts import TAGS, load_cases
from tracker.text.analysis import Analysis, Fact, Side, Tag, analyse, is_minor
from tracker.text.diffing import diff_texts
from tracker.text.facts import quotes, sources
from tracker.text.figures import figures


def run(old: str, new: str, old_title: str | None = None,
        new_title: str | None = None) -> Analysis:
    return analyse(Side(old, old_title), Side(new, new_title))


def numbers(result: Analysis) -> list[Fact]:
    return [fact for fact in result.facts if fact.tag is Tag.NUMBER]


@pytest.mark.parametrize(("old", "new"), [
    ("Three hospitals cancelled operations.", "3 hospitals cancelled operations."),
    ("Organisers said 1,200 people marched.", "Organisers said 1.2k people marched."),
    ("Bills will rise by 20% in April.", "Bills will rise by 20 per cent in April."),
    ("The club agreed a $5m deal.", "The club agreed a $5 million deal."),
    ("The scheme will cost £1.2bn.", "The scheme will cost £1.2 billion."),
    ("It is the 3rd survey of its kind.", "It is the third survey of its kind."),
    ("The boat carried about 40 people.", "The boat carried around 40 people."),
    ("The scheme reached half a million homes.", "The scheme reached 500,000 homes."),
])
def test_the_same_value_written_another_way_is_no_change(old: str, new: str) -> None:
    result = run(f"Intro.\n{old}", f"Intro.\n{new}")
    assert result.tags == () and result.significance <= 1


@pytest.mark.parametrize(("old", "new", "fact"), [
    ("The club agreed a $5m deal.", "The club agreed a $7.5m deal.", ("$5m", "$7.5m")),
    ("He will speak at 10:30 on Wednesday.", "He will speak at 11:00 on Wednesday.",
     ("10:30", "11:00")),
    ("The festival starts on 5 March.", "The festival starts on 6 March.",
     ("5 March", "6 March")),
    ("Prices have risen every year since 2019.", "Prices have risen every year since 2018.",
     ("2019", "2018")),
    ("She finished second in the race.", "She finished third in the race.",
     ("second", "third")),
    ("Dozens of dogs were found.", "A dozen dogs were found.", ("dozens", "a dozen")),
    ("Hundreds of firefighters are there.", "More than 400 firefighters are there.",
     ("hundreds", "more than 400")),
    ("The boat carried about 40 people.", "The boat carried at least 40 people.",
     ("about 40", "at least 40")),
    ("Turnout was 61.2% this time.", "Turnout was 59.8% this time.", ("61.2%", "59.8%")),
    ("He was sentenced to six years.", "He was sentenced to six months.",
     ("six years", "six months")),
    ("United won the final 3-1.", "United won the final 3-2.", ("3-1", "3-2")),
    ("Rates rose by 0.5 percentage points.", "Rates rose by 0.5%.",
     ("0.5 percentage points", "0.5%")),
])
def test_a_changed_figure_is_shown_as_written(old: str, new: str, fact: tuple[str, str]) -> None:
    result = run(f"Intro.\n{old}", f"Intro.\n{new}")
    assert numbers(result) == [Fact(Tag.NUMBER, "changed", *fact)]


@pytest.mark.parametrize("sentence", [
    "Details are at example.com/news/2024/cuts-update-17 and https://example.org/a/2023.",
    "The company's iPhone 15 goes on sale on Friday.",
    "The Covid-19 booster and the G7 summit use the Falcon 9 rocket.",
])
def test_digits_in_addresses_and_names_are_not_figures(sentence: str) -> None:
    assert figures(sentence) == ()


def test_a_new_product_number_is_not_a_changed_figure() -> None:
    result = run("Intro.\nThe iPhone 15 goes on sale on Friday.",
                 "Intro.\nThe iPhone 16 goes on sale on Friday.")
    assert Tag.NUMBER not in result.tags


def test_a_magnitude_is_never_paired_with_a_death_toll() -> None:
    result = run("Intro.\nA 6.8 quake struck the region.",
                 "Intro.\nA quake struck the region, killing at least 12.")
    assert Fact(Tag.NUMBER, "changed", "6.8", "at least 12") not in result.facts
    assert set(numbers(result)) == {Fact(Tag.NUMBER, "removed", "6.8"),
                                    Fact(Tag.NUMBER, "added", None, "at least 12")}


def test_each_figure_is_paired_with_the_one_counting_the_same_thing() -> None:
    result = run("Intro.\nA 6.8-magnitude quake struck the region, killing at least 10 people.",
                 "Intro.\nAt least 12 people died when a magnitude 7.0 quake hit the region.")
    assert set(numbers(result)) == {Fact(Tag.NUMBER, "changed", "6.8", "7.0"),
                                    Fact(Tag.NUMBER, "changed", "at least 10", "at least 12")}


def test_figures_of_a_rewritten_sentence_are_compared() -> None:
    result = run("Intro.\nOfficials said at least 10 missiles were fired.",
                 "Intro.\nMore than a dozen ballistic missiles were launched from Iranian "
                 "territory, the Pentagon said in a statement.")
    assert Fact(Tag.NUMBER, "changed", "at least 10", "more than a dozen") in result.facts
    assert Fact(Tag.ATTRIBUTION, "changed", "Officials", "the Pentagon") in result.facts


@pytest.mark.parametrize(("headline", "quoted"), [
    ("Minister 'will not resign' over housing row", ["will not resign"]),
    ("PM's 'deep regret' over flooding response", ["deep regret"]),
    ("Students' union backs rent strike", []),
    ("'We won't go,' says union", ["We won't go"]),
    ("Lorry driver\u2019s \u2018miracle\u2019 escape", ["miracle"]),
    ("Don't travel in the '90s style", []),
])
def test_quotes_in_straight_single_marks(headline: str, quoted: list[str]) -> None:
    assert quotes(headline) == quoted


def test_quote_marks_taken_off_a_headline_claim_are_a_quote_change() -> None:
    body = "Coastguard teams had been searching since the early hours."
    result = run(body, body, "Rescue 'called off' as weather worsens",
                 "Rescue called off as weather worsens")
    assert result.tags == (Tag.QUOTE, Tag.HEADLINE)
    assert Fact(Tag.QUOTE, "removed", "called off") in result.facts


def test_the_headline_is_analysed_as_a_sentence() -> None:
    body = "Firefighters were called to the block shortly after midnight."
    result = run(body, body, "One dead in flat fire, police say",
                 "Two dead in flat fire, officials say")
    assert result.tags == (Tag.NUMBER, Tag.ATTRIBUTION, Tag.HEADLINE)
    assert Fact(Tag.NUMBER, "changed", "one", "two") in result.facts
    assert Fact(Tag.ATTRIBUTION, "changed", "police", "officials") in result.facts


def test_a_headline_change_scores_by_what_changed_in_it() -> None:
    body = "Firefighters were called to the block shortly after midnight."
    scores = [run(body, body, old, new).significance for old, new in [
        ("Goverment to review rail fares", "Government to review rail fares"),
        ("Three arrested after stabbing", "3 arrested after stabbing"),
        ("Storm brings flooding to towns", "Storm floods towns as rivers burst banks"),
        ("One dead in flat fire", "Two dead in flat fire"),
    ]]
    assert scores == sorted(scores) and len(set(scores)) == 4


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Heatwave to peak on Sunday, forecasters warn", ["forecasters"]),
    ("Ceasefire talks 'at a dead end', says envoy", ["envoy"]),
    ("The union insists the offer is poor, while rail bosses claim it is fair.",
     ["The union", "rail bosses"]),
    ("The opposition blames the government for the cuts.", ["The opposition"]),
    ("Campaigners accuse the council of cutting services.", ["Campaigners"]),
    ("Her management denied reports that she was unwell.", ["Her management"]),
    ("Marsh admitted the charges.", ["Marsh"]),
    ("Two inmates escaped, the prison service confirmed.", ["the prison service"]),
    ("The coastguard called it a tragedy.", ["The coastguard"]),
    ("Some experts warn of more floods.", ["Some experts"]),
    ("Water shortages likely, experts warn", ["experts"]),
    ("He targeted people living alone, the court heard.", ["the court"]),
    ("Mother of missing teenager: 'Please just come home'", ["Mother of missing teenager"]),
    ("Finishing the tunnel by 2030 will be easier said than done.", []),
    ("Easier said than done: the plan to fix the roads.", []),
    ("That said, the plan has wide support among residents.", []),
    ("Needless to say, the cost has risen.", []),
    ("The residents' association has called a meeting for next week.", []),
])
def test_reporting_verbs_group_sources_and_idioms(sentence: str, expected: list[str]) -> None:
    assert sources(sentence) == expected


@pytest.mark.parametrize(("old", "new"), [
    ("Striker fired after row", "Striker hired after row"),
    ("Polls open on Tuesday", "Polls open on Thursday"),
    ("Sales increased in June", "Sales decreased in June"),
    ("The changes could affect workers", "The changes would affect workers"),
    ("The trial begins on Tuesday", "The trial began on Tuesday"),
    ("The truce will hold", "The truce may hold"),
    ("he would meet them", "she would meet them"),
])
def test_a_small_change_of_meaning_is_never_minor(old: str, new: str) -> None:
    assert not is_minor(diff_texts(old, new))
    result = run(f"Intro.\n{old}.", f"Intro.\n{new}.")
    assert Tag.MINOR not in result.tags and result.significance > 15


@pytest.mark.parametrize(("old", "new"), [
    ("the wagons are remvoed", "the wagons are removed"),  # not a word -> a word
    ("Goverment to review fares", "Government to review fares"),
    ("the colour of the flag", "the color of the flag"),  # British -> American spelling
    ("it came form the north", "it came from the north"),  # two letters swapped
    ("their was no warning", "there was no warning"),  # a word often confused
    ("Zelensky said", "Zelenskyy said"),  # a name respelled
    ("Mayor's plan", "Mayor\u2019s plan"),  # apostrophe style
    ("“war act” and", "\"war act\" and"),  # quote style
])
def test_fixes_are_minor(old: str, new: str) -> None:
    assert is_minor(diff_texts(old, new))


@pytest.mark.parametrize(("old", "new", "change"), [
    ("Letters were sent to all pupils.", "Letters were not sent to all pupils.", "added"),
    ("The union said it was not willing to talk.", "The union said it was willing to talk.",
     "removed"),
    ("There is evidence the virus spread.", "There is no evidence the virus spread.", "added"),
    ("Both sides have agreed to the terms.", "Neither side has agreed to the terms.", "added"),
])
def test_a_negation_added_or_removed_is_tagged(old: str, new: str, change: str) -> None:
    result = run(f"Intro.\n{old}", f"Intro.\n{new}")
    assert result.tags == (Tag.NEGATION,)
    assert [f.change for f in result.facts] == [change]
    assert result.significance > 20


def test_the_negated_words_are_shown() -> None:
    result = run("Intro.\nLetters were sent to all pupils.",
                 "Intro.\nLetters were not sent to all pupils.")
    assert result.facts == (Fact(Tag.NEGATION, "added", None, "Letters were not sent to"),)


@pytest.mark.parametrize(("old", "new"), [
    ("The inmates did not have outside help.", "The inmates didn't have outside help."),
    ("Rail officials said there was no risk to the public.",
     "There was no risk to the public, the environment agency confirmed."),
    ("The blast left 80 people dead.", "The blast left no casualties."),
    ("A spokeswoman declined to comment.",
     "\"These are difficult decisions and we do not take them lightly,\" a spokeswoman said."),
])
def test_no_negation_where_none_was_added_or_removed(old: str, new: str) -> None:
    assert Tag.NEGATION not in run(f"Intro.\n{old}", f"Intro.\n{new}").tags


def test_a_quote_kept_through_a_rewrite_is_not_a_quote_change() -> None:
    result = run("Intro.\nThe minister called the plan \"a disgrace\" on Monday.",
                 "Intro.\nSpeaking on Monday, the minister said the plan was \"a disgrace\".")
    assert Tag.QUOTE not in result.tags


def test_figures_of_a_new_paragraph_are_new_information() -> None:
    result = run("Intro.\nClosing.", "Intro.\nThousands have died on the route since 2014.\n"
                 "Closing.")
    assert Tag.NUMBER not in result.tags


def test_the_labelled_development_set_covers_every_tag() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    for tag in TAGS:
        assert sum(tag in case.tags for case in cases) >= 5, tag
    assert sum(not case.tags for case in cases) >= 20  # pairs that must not be tagged
