"""A large database for the TUI's test and benchmark: thousands of stories, one long history.

Everything goes in through the one write path (`store_candidate`), so the diffs, counts and
checks are exactly what real imports would leave. Texts are made from a fixed seed, so two builds
give the same database.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracker.db.engine import Database
from tracker.store.write import Article, Candidate, Observation, store_candidate

WORDS = [
    "minister", "said", "forces", "attack", "city", "officials", "report", "government",
    "statement", "troops", "base", "missile", "strike", "agency", "sources", "confirmed",
    "casualties", "border", "talks", "council", "press", "night", "evening", "morning", "airport",
    "bridge", "regional", "spokesperson", "damage", "response", "investigation",
]
START = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
BIG_URL = "https://big.example.com/live/the-long-story"


@dataclass(frozen=True)
class LargeDb:
    stories: int
    big_story_id: int
    big_versions: int


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraph(rng: random.Random, size: int = 400) -> str:
    text = ""
    while len(text) < size:
        text += sentence(rng) + " "
    return text.strip()


def edit(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """One breaking-news update: reword a few paragraphs, now and then add or cut one."""
    result = list(paragraphs)
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(result))
        words = result[index].split(" ")
        spot = rng.randrange(len(words))
        words[spot:spot + 2] = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
        result[index] = " ".join(words)
    if rng.random() < 0.3:
        result.insert(rng.randrange(len(result) + 1), paragraph(rng))
    if rng.random() < 0.1 and len(result) > 10:
        del result[rng.randrange(len(result))]
    return result


def add_small_stories(db: Database, count: int, rng: random.Random) -> None:
    for index in range(count):
        url = f"https://site{index % 40}.example.com/news/story-{index}"
        moment = START + timedelta(minutes=index)
        article = Article(paragraph(rng, 300), title=sentence(rng, 8))
        store_candidate(db, Candidate(url, article, Observation(moment)))


def add_big_story(db: Database, versions: int, size: int, rng: random.Random) -> int:
    paragraphs = [paragraph(rng) for _ in range(size // 400)]
    title = "Live: " + sentence(rng, 8)
    story_id = 0
    for number in range(versions):
        if number:
            paragraphs = edit(rng, paragraphs)
        if number % 25 == 24:
            title = "Live: " + sentence(rng, 8)
        moment = START + timedelta(days=5, minutes=7 * number)
        article = Article("\n".join(paragraphs), title=title)
        result = store_candidate(db, Candidate(BIG_URL, article, Observation(moment)))
        story_id = result.story_id
    return story_id


def build(db: Database, stories: int = 5000, versions: int = 300, size: int = 40_000) -> LargeDb:
    """Fill `db` with `stories` one-version stories and one story of `versions` versions."""
    rng = random.Random(20200107)
    add_small_stories(db, stories - 1, rng)
    big = add_big_story(db, versions, size, rng)
    return LargeDb(stories, big, versions)
