"""Bytes per version, raw HTML included, on SQLite and PostgreSQL; and what `tracker db prune`
gives back.

Run: python -m bench.bench_storage [--pages 100] [--versions 5] [--checks 9] [--postgres URL]

Real pages (the extraction development set, as bench_snapshot.py serves them): each page is
extracted once, then stored through the write path as `--versions` versions, each edition
changing one word of the article in the text and in the page, with `--checks` unchanged checks
after each version (9 per version is about what a story checked every few minutes for a week
and changing a few times gets: ~45 checks). Each database is measured after a checkpoint
(SQLite: the file; PostgreSQL: the schema's tables with indexes and TOAST, after VACUUM), then
again after `tracker db prune` drops every HTML page but each story's newest and every check
but the latest and those that stored a version (and a VACUUM so the sizes show it).
"""

import argparse
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench.bench_search import postgres_sizes
from bench.bench_snapshot import load_pages, render
from bench.common import machine, scratch_schema
from tracker.db.engine import Database, open_database
from tracker.db.models import Check, Version
from tracker.sources.extract import extract_article
from tracker.store.prune import Retention, prune
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text.normalise import stored_page

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def articles(count: int) -> list[tuple[str, str, str, str | None]]:
    """(html, passage, text, title) for `count` pages, each extracted once."""
    found = []
    for html, passage in load_pages(count):
        article = extract_article(html, "https://news.example.com/")
        found.append((html, passage, article.text, article.title))
    return found


def fill(db: Database, pages: list[tuple[str, str, str, str | None]], versions: int,
         checks: int) -> float:
    """Store every page's editions and unchanged checks; returns the seconds it took."""
    started = time.perf_counter()
    for n, (html, passage, article_text, title) in enumerate(pages):
        url = f"https://news{n % 20}.example.com/story/{n}"
        for edition in range(versions):
            page = render((html, passage), edition).decode()
            body = (article_text.replace(passage, f"{passage} {edition}")
                    if passage in article_text else f"{article_text} {edition}")
            article = Article(body, title, stored_html=stored_page(page))
            for check in range(checks + 1):
                at = T0 + timedelta(hours=edition * 24 + check)
                store_candidate(db, Candidate(url, article, Observation(at)))
    return time.perf_counter() - started


def sizes(db: Database) -> dict[str, int]:
    """Bytes by table (indexes, TOAST and full-text tables with their table) after a
    checkpoint and a VACUUM."""
    if db.is_sqlite:  # read with Python's own sqlite3, outside tracker's transactions
        db.engine.dispose()
        with closing(sqlite3.connect(db.url.split("///", 1)[1])) as connection:
            connection.execute("VACUUM")
            rows = connection.execute(
                "SELECT coalesce(tbl_name, name), sum(pgsize) FROM dbstat "
                "LEFT JOIN sqlite_schema USING (name) GROUP BY 1").fetchall()
        return _grouped({name: int(size) for name, size in rows})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM FULL ANALYZE"))
    return _grouped(postgres_sizes(db))


def _grouped(by_table: dict[str, int]) -> dict[str, int]:
    grouped: dict[str, int] = {}
    for name, size in by_table.items():
        label = ("full-text index" if "_fts" in name
                 else name if name in ("versions", "diffs", "checks") else "the rest")
        grouped[label] = grouped.get(label, 0) + size
    return grouped


def stored(db: Database) -> tuple[int, int, int, int]:
    """Versions, checks, and the bytes of raw HTML (compressed) and of text they hold."""
    with db.reading() as session:
        versions, html, texts = session.execute(select(
            func.count(), func.coalesce(func.sum(func.length(Version.raw_html)), 0),
            func.sum(func.length(Version.text)))).one()
        checks = session.scalar(select(func.count()).select_from(Check)) or 0
    return int(versions), int(checks), int(html), int(texts)


def report(name: str, db: Database, seconds: float) -> None:
    versions, checks, html, texts = stored(db)
    before = sizes(db)
    total = sum(before.values())
    print(f"\n{name}: {versions:,} versions, {checks:,} checks, stored in {seconds:.1f} s")
    print(f"  {total / versions / 1024:.1f} KiB per version in all; raw HTML (zlib) "
          f"{html / versions / 1024:.1f} KiB and text {texts / versions / 1024:.1f} KiB a "
          "version on average")
    print("  by table: " + ", ".join(f"{label} {size / versions / 1024:.1f} KiB/version"
                                     for label, size in sorted(before.items(),
                                                               key=lambda kv: -kv[1])))
    print(f"  checks: {before.get('checks', 0) / checks:.0f} bytes per check row")
    done = prune(db, Retention(checks=timedelta(seconds=1), html=timedelta(seconds=1)),
                 datetime.now(UTC))
    after = sizes(db)
    print(f"  after `tracker db prune` ({done.checks:,} checks and {done.html_versions:,} "
          f"pages, {done.html_bytes / 2**20:.1f} MiB of HTML, removed): "
          f"{sum(after.values()) / versions / 1024:.1f} KiB per version "
          f"({sum(after.values()) / total:.0%} of before)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--checks", type=int, default=9, help="unchanged checks per version")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    pages = articles(args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'storage.db'}")
        report("SQLite", db, fill(db, pages, args.versions, args.checks))
        db.close()
    with scratch_schema(args.postgres) as url:
        db = open_database(url)
        report("PostgreSQL", db, fill(db, pages, args.versions, args.checks))
        db.close()


if __name__ == "__main__":
    main()
