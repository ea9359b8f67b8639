"""The rules that finish an extraction (tracker/sources/cleanup.py), each on small real pages:
the whole article, nothing else, and a title without the site's name."""

from dataclasses import replace
from pathlib import Path

import pytest
import trafilatura

from tracker.sources import cleanup
from tracker.sources.cleanup import Draft
from tracker.sources.extract import extract_article
from tracker.text.normalise import normalise_text, strip_volatile

PAGES = Path(__file__).parent / "data" / "pages"
STORM_URL = "https://www.coastherald.example/news/storm-floods-harbour"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def draft_of(html: str, text: str = "", title: str | None = None, url: str | None = None,
             site_name: str | None = None) -> Draft:
    return Draft(text=text, title=title, page=trafilatura.load_html(html), url=url,
                 site_name=site_name)


def small_page(*, h1: str = "", site_name: str = "") -> str:
    meta = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return f"<html><head>{meta}</head><body>{heading}<p>Text.</p></body></html>"


# --- A precise extraction that lost the article -----------------------------------------------

NOTICE = ("This story first appeared in the Valley Courier and is reprinted here with the "
          "permission of its publisher. All rights remain with the original publisher.")


def test_a_precise_text_that_lost_the_article_gets_it_back() -> None:
    """The kind of issue 18: the stored text was a reprint notice, the article was on the page."""
    lost = draft_of(page("reprinted-story.html"), text=NOTICE, url="https://news.example/rail")
    found = cleanup.recall_fallback(lost).text.split("\n")
    assert found[found.index(NOTICE) + 1].startswith("Train drivers called off a national strike")
    assert found[-1].startswith("The transport minister welcomed the agreement")


def test_a_long_precise_text_or_a_page_without_prose_is_left_alone() -> None:
    long_text = "\n".join(["One paragraph of the article, as the precise pass found it."] * 30)
    story = draft_of(page("reprinted-story.html"), text=long_text)
    assert cleanup.recall_fallback(story) == story
    menu = draft_of("<html><body>" + "".join(f"<p>Section {n}</p>" for n in range(20))
                    + "</body></html>", text="Section 1")
    assert cleanup.recall_fallback(menu) == menu


def test_merged_lines_keep_both_texts_in_order() -> None:
    assert cleanup.merge_lines("b\nc", "a\nb\nc\nd") == "a\nb\nc\nd"
    assert cleanup.merge_lines("x\nb", "a\nb\nc") == "x\na\nb\nc"
    assert cleanup.merge_lines("only ours", "all\ntheirs") == "only ours\nall\ntheirs"


# --- The headline as the first line, and the site's name in the title --------------------------


def test_the_story_page_keeps_its_headline_once_and_without_the_site_name() -> None:
    article = extract_article(page("harbour-storm.html"), STORM_URL)
    assert article.title == "Storm floods harbour district"
    assert article.text.startswith("The storm reached the northern coast late on Tuesday")
    assert "Storm floods harbour district" not in article.text


@pytest.mark.parametrize(("first", "title", "rest"), [
    ("Storm floods harbour district", "Storm floods harbour district", "Body."),
    ("STORM FLOODS HARBOUR DISTRICT!", "Storm floods harbour district", "Body."),
    ("Storm floods harbour district, officials say", "Storm floods harbour district", None),
    ("Storm floods harbour district", None, None),
])
def test_a_first_line_that_is_the_title_goes(first: str, title: str | None,
                                             rest: str | None) -> None:
    story = draft_of(small_page(), text=f"{first}\nBody.", title=title)
    assert cleanup.drop_title_line(story).text == (rest or f"{first}\nBody.")


def test_a_text_that_is_only_the_title_stays_as_it_is() -> None:
    """The write path calls such a text empty (suspect); emptying it here would hide why."""
    story = draft_of(small_page(), text="Storm floods", title="Storm floods")
    assert cleanup.drop_title_line(story).text == "Storm floods"


@pytest.mark.parametrize(("title", "url", "site_name", "h1", "expected"), [
    ("Rail strike called off | my6sense", None, "my6sense", "", "Rail strike called off"),
    ("Storm floods harbour district - Digg", "https://digg.com/2024/storm", None, "",
     "Storm floods harbour district"),
    ("SimplyScience - Wie entsteht Erdöl?", "https://www.simplyscience.ch/x", "SimplyScience", "",
     "Wie entsteht Erdöl?"),
    ("Adblue nachfüllen | autozeitung.de", "https://www.autozeitung.de/adblue", None, "",
     "Adblue nachfüllen"),
    ("Streit ums Feuerholz - www.AussenGedanken.de", "https://aussengedanken.de/x", None, "",
     "Streit ums Feuerholz"),
    ("Wölfe töten Hund - Jäger", None, "JÄGER Zeitschrift für das Jagdrevier", "",
     "Wölfe töten Hund"),
    ("Ordnungsgeld gegen Anwalt | Recht | Haufe", "https://www.haufe.de/recht/x", None,
     "Ordnungsgeld gegen Anwalt", "Ordnungsgeld gegen Anwalt"),
    ("L'Université PSL : quand les écoles font université | PSL", None, None,
     "L'Université PSL : quand les écoles font université",
     "L'Université PSL : quand les écoles font université"),
])
def test_the_site_name_leaves_the_title(title: str, url: str | None, site_name: str | None,
                                        h1: str, expected: str) -> None:
    story = draft_of(small_page(h1=h1), title=title, url=url, site_name=site_name)
    assert cleanup.site_name_out_of_title(story).title == expected


@pytest.mark.parametrize(("title", "url", "site_name", "h1"), [
    ("International Biathlon Union - IBU", None, "International Biathlon Union - IBU", ""),
    ("Advertising on Jodel | Übersicht", "https://advertising.jodel.com/", None, ""),
    ("Storm: what we know - and what we do not", "https://news.example/storm", "News", ""),
    ("Wärmepumpe im Altbau - Wann es sich lohnt", "https://heizung.de/x", None, ""),
])
def test_a_title_without_the_site_name_keeps_every_word(title: str, url: str | None,
                                                        site_name: str | None, h1: str) -> None:
    story = draft_of(small_page(h1=h1 or "Another heading"), title=title, url=url,
                     site_name=site_name)
    assert cleanup.site_name_out_of_title(story).title == title


def test_the_article_heading_wins_over_a_section_heading_and_a_site_title() -> None:
    title = "Fachmeldungen - Verkündung des Tabaksteuermodernisierungsgesetzes"
    section = draft_of("<html><body><h1>Fachmeldungen</h1><h1>Verkündung des "
                       "Tabaksteuermodernisierungsgesetzes</h1></body></html>", title=title)
    assert (cleanup.site_name_out_of_title(section).title
            == "Verkündung des Tabaksteuermodernisierungsgesetzes")
    title = "Truckwash A31 | Das andere Branchenbuch"
    logo = draft_of('<html><body><h1><a href="https://wir-empfehlen.info/" rel="home">Das '
                    "andere Branchenbuch</a></h1><h1>Truck wash on the A31</h1></body></html>",
                    title=title, url="https://wir-empfehlen.info/?p=3289")
    assert cleanup.site_name_out_of_title(logo).title == title


def test_the_site_name_is_read_from_og_site_name_too() -> None:
    story = draft_of(small_page(site_name="Coast Herald"), title="Storm | Coast Herald")
    assert cleanup.site_name_out_of_title(replace(story, site_name="Other")).title == "Storm"


# --- Teasers of other posts --------------------------------------------------------------------

BAKERY_URL = "https://villageblog.example/2024/06/bakery-closed"


def test_teasers_under_a_blog_post_go_with_their_label() -> None:
    text = extract_article(page("blog-post-teasers.html"), BAKERY_URL).text
    assert text.endswith("in the supermarket on the ring road outside town.")
    assert "Summer fete" not in text and "More from the village" not in text


def bakery(last_lines: list[str], links: list[str]) -> Draft:
    """The bakery post ending in `last_lines`; `links` are the texts the page links elsewhere."""
    anchors = "".join(f'<p><a href="/2024/{n}">{text}</a></p>' for n, text in enumerate(links))
    html = f"<html><body><p>The bakery closed.</p>{anchors}</body></html>"
    return draft_of(html, text="\n".join(["The bakery closed.", *last_lines]),
                    title="Why our village bakery closed", url=BAKERY_URL)


@pytest.mark.parametrize(("last_lines", "links"), [
    # Linked, but they share a word with the headline: the story's own.
    (["The bakery's last loaf", "Photos of the bakery"], ["The bakery's last loaf",
                                                          "Photos of the bakery"]),
    # A list of links is the article's own more often than not.
    (["- Summer fete returns", "- New footpath opens"], ["Summer fete returns",
                                                         "New footpath opens"]),
    # One linked line is a link, not a run of teasers.
    (["Summer fete returns"], ["Summer fete returns"]),
    # Not links at all.
    (["Summer fete returns", "New footpath opens"], []),
    # A run inside the text, not at its end.
    (["Summer fete returns", "New footpath opens", "The ovens were old."],
     ["Summer fete returns", "New footpath opens"]),
])
def test_what_is_not_a_run_of_teasers_stays(last_lines: list[str], links: list[str]) -> None:
    story = bakery(last_lines, links)
    assert cleanup.drop_teasers(story) == story


# --- Furniture inside a paragraph ---------------------------------------------------------------


def test_a_table_layout_page_is_one_version_whatever_minute_it_is_read() -> None:
    """The kind of issue 18: one long line with "Updated 22 minutes ago" inside it."""
    html = page("table-layout.html")
    stored = [strip_volatile(normalise_text(extract_article(
        html.replace("{minutes}", str(minutes)), "https://ferries.example/suspended").text))
        for minutes in (22, 23, 61)]
    assert stored[0] == stored[1] == stored[2]
    assert "minutes ago" not in stored[0]
    assert "it had updated its timetable and would refund tickets" in stored[0]
