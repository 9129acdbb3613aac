"""The knowledge base on disk: every table, every query, every write.

Writes happen in one transaction each. The schema is built by numbered
migrations that are safe to re-run; derived rows (sentences, quotes, figures,
people) are rebuilt from the stored article text when extraction improves.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge import ingest
from knowledge.models import SOURCE_TYPES, Article, Fact, FactChange
from knowledge.text import clean, content_stems

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ARTICLES = Path(__file__).resolve().parent / "articles"
MAX_FACT_LENGTH = 1500
MAX_SOURCE_LENGTH = 500


# Everything about an article but its text, which only ingest and re-derivation read.
_ARTICLE_COLUMNS = "id, path, title, outlet, outlet_inferred, date, date_inferred, url, guild_id"


class NotFoundError(LookupError):
    """No such fact (in this guild)."""


class FactError(ValueError):
    """A fact that cannot be saved as given, with the reason."""


@dataclass(frozen=True)
class IngestResult:
    status: str  # "added", "updated" or "skipped"
    article_id: int
    title: str
    path: str
    reason: str = ""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def display_path(path: Path) -> str:
    """Paths inside the project are stored relative to its root."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


# Migrations: append only. Each runs once, in order, inside a transaction.
def _m001_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int, "path": str, "sha256": str, "title": str, "outlet": str, "outlet_inferred": int,
            "date": str, "date_inferred": int, "date_note": str, "url": str, "original_file": str,
            "guild_id": int, "added_by": int, "added_at": str, "body": str,
        },
        pk="id", not_null={"path", "sha256", "title", "body"}, if_not_exists=True,
    )
    db["articles"].create_index(["sha256", "guild_id"], if_not_exists=True)
    db["sentences"].create(
        {"id": int, "article_id": int, "position": int, "paragraph": int, "start": int, "end": int, "text": str, "terms": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")], if_not_exists=True,
    )
    db["sentences"].create_index(["article_id", "position"], unique=True, if_not_exists=True)
    db["quotes"].create(
        {"id": int, "article_id": int, "sentence_id": int, "text": str, "speaker": str, "role": str, "speaker_kind": str, "verb": str, "linked": int},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    db["figures"].create(
        {"id": int, "article_id": int, "sentence_id": int, "text": str, "kind": str, "measure": str, "offset": int},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    db["people"].create(
        {"id": int, "article_id": int, "sentence_id": int, "name": str, "role": str},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    for table in ("quotes", "figures", "people"):
        db[table].create_index(["sentence_id"], if_not_exists=True)
        db[table].create_index(["article_id"], if_not_exists=True)
    if "sentences_fts" not in db.table_names():
        db["sentences"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS sentences_vocab USING fts5vocab(sentences_fts, 'row')")


def _m002_facts(db: sqlite_utils.Database) -> None:
    db["facts"].create(
        {
            "id": int, "guild_id": int, "text": str, "questions": str, "source": str, "source_type": str,
            "author_id": int, "status": str, "version": int, "supersedes": int, "created_at": str,
            "updated_at": str, "terms": str,
        },
        pk="id", not_null={"text", "status", "version"}, if_not_exists=True,
    )
    db["facts"].create_index(["guild_id", "status"], if_not_exists=True)
    db["fact_history"].create(
        {
            "id": int, "fact_id": int, "version": int, "action": str, "text": str, "questions": str,
            "source": str, "source_type": str, "status": str, "supersedes": int, "actor_id": int, "at": str,
        },
        pk="id", foreign_keys=[("fact_id", "facts", "id")], if_not_exists=True,
    )
    db["fact_history"].create_index(["fact_id", "version"], unique=True, if_not_exists=True)
    if "facts_fts" not in db.table_names():
        db["facts"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")


def _m003_meta(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)


def _m004_feedback(db: sqlite_utils.Database) -> None:
    db["unanswered"].create(
        {"id": int, "guild_id": int, "question": str, "normalized": str, "asked_at": str},
        pk="id", if_not_exists=True,
    )
    db["unanswered"].create_index(["guild_id", "normalized"], if_not_exists=True)
    db["votes"].create(
        {"id": int, "guild_id": int, "user_id": int, "question": str, "answer_key": str, "helpful": int, "at": str},
        pk="id", if_not_exists=True,
    )
    db["votes"].create_index(["user_id", "answer_key"], unique=True, if_not_exists=True)


def _m005_facts_vocab(db: sqlite_utils.Database) -> None:
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS facts_vocab USING fts5vocab(facts_fts, 'row')")


def _m006_article_paths(db: sqlite_utils.Database) -> None:
    db["articles"].create_index(["path", "guild_id"], if_not_exists=True)


def _m007_people_terms(db: sqlite_utils.Database) -> None:
    columns = db["people"].columns_dict
    if "quoted" not in columns:
        db["people"].add_column("quoted", int)
    if "terms" not in columns:
        db["people"].add_column("terms", str)
    db["meta"].delete_where("key = 'extractor_version'")  # re-derive, to fill the new columns


def _m008_unique_active_facts(db: sqlite_utils.Database) -> None:
    # Two moderators adding the same fact at once (even from two processes) get one fact.
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS facts_active_text ON facts (coalesce(guild_id, 0), lower(text)) WHERE status = 'active'"
    )


def _m009_people_search(db: sqlite_utils.Database) -> None:
    if "people_fts" not in db.table_names():
        db["people"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")
        db["people"].rebuild_fts()


def _m010_bulk_search_index(db: sqlite_utils.Database) -> None:
    # Rows are added to the search indexes in bulk by _save_derived,
    # three times faster than a trigger per row. Deletes and updates keep their triggers.
    db.execute("DROP TRIGGER IF EXISTS sentences_ai")
    db.execute("DROP TRIGGER IF EXISTS people_ai")


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_articles", _m001_articles),
    ("002_facts", _m002_facts),
    ("003_meta", _m003_meta),
    ("004_feedback", _m004_feedback),
    ("005_facts_vocab", _m005_facts_vocab),
    ("006_article_paths", _m006_article_paths),
    ("007_people_terms", _m007_people_terms),
    ("008_unique_active_facts", _m008_unique_active_facts),
    ("009_people_search", _m009_people_search),
    ("010_bulk_search_index", _m010_bulk_search_index),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied; returns their names."""
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.query("select name from _migrations")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        db.conn.execute("BEGIN IMMEDIATE")  # another process may be migrating too
        try:
            if not list(db.query("select 1 from _migrations where name = ?", [name])):
                step(db)
                db["_migrations"].insert({"name": name, "applied_at": now()})
                applied.append(name)
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
    return applied


class Store:
    """One knowledge base file. Safe to share between threads: calls are serialised."""

    def __init__(self, path: str | Path, *, bundled: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        # Bumped by writes, so that readers know which caches went stale.
        self.generations = {"articles": 0, "facts": 0, "feedback": 0}
        with self._lock:
            migrate(self.db)
            self._rederive_if_stale()
            if bundled:
                self.sync_bundled()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE takes the write lock up front, so that a second process
        waits its turn (busy timeout) instead of failing on a stale snapshot."""
        if self.db.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint
                yield self.db
            return
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.conn.execute("ROLLBACK")
            raise
        self.db.conn.execute("COMMIT")

    @contextmanager
    def _write(self, kind: str) -> Iterator[sqlite_utils.Database]:
        try:
            with self._lock, self._transaction():
                yield self.db
        except sqlite3.IntegrityError as error:
            if "facts" in str(error):
                raise FactError("an active fact already says exactly that") from None
            raise
        self.generations[kind] += 1

    def data_version(self) -> int:
        """Changes when another connection (another process) commits."""
        with self._lock:
            return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    # --- articles -----------------------------------------------------------------

    def sync_bundled(self) -> list[IngestResult]:
        """Make sure every bundled article is in the knowledge base."""
        results = []
        for path in ingest.article_files([BUNDLED_ARTICLES]):
            try:
                results.append(self.ingest_file(path))
            except ingest.ArticleError as error:
                log.warning("bundled article %s skipped: %s", path, error)
        return results

    def ingest_file(
        self, path: Path, *, guild_id: int | None = None, added_by: int | None = None, overrides: dict[str, str] | None = None
    ) -> IngestResult:
        raw = ingest.read_text(path.read_bytes(), path.name)
        return self.ingest_text(raw, display_path(path), guild_id=guild_id, added_by=added_by, overrides=overrides, name=path.name)

    def ingest_text(
        self,
        raw: str,
        path: str,
        *,
        guild_id: int | None = None,
        added_by: int | None = None,
        overrides: dict[str, str] | None = None,
        name: str = "article",
    ) -> IngestResult:
        """Add an article; the same text twice changes nothing. Raises ArticleError."""
        return self._save_parsed(ingest.parse_article(raw, overrides, name), path, guild_id=guild_id, added_by=added_by)

    def ingest_many(
        self, items: Iterable[tuple[str, str]], *, guild_id: int | None = None, batch: int = 200, workers: int = 0
    ) -> Iterator[IngestResult]:
        """Bulk ingest of (path, text) pairs: parsed in worker processes, written in batches.

        Each batch is one transaction, so an interrupted bulk load leaves whole
        articles only. Articles that fail to parse are reported, not fatal.
        """
        from concurrent.futures import ProcessPoolExecutor

        workers = workers or max(1, min(4, os.cpu_count() or 1))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # While one batch is written, the workers parse the next.
            waiting: tuple[list[str], Iterator[ingest.Parsed | Exception]] | None = None
            chunk: list[tuple[str, str]] = []
            for item in itertools.chain(items, [None]):
                if item is not None:
                    chunk.append(item)
                    if len(chunk) < batch:
                        continue
                submitted = ([p for p, _ in chunk], pool.map(_parse_quietly, [t for _, t in chunk], chunksize=8)) if chunk else None
                chunk = []
                if waiting is not None:
                    yield from self._save_batch(list(zip(waiting[0], waiting[1], strict=True)), guild_id)
                waiting = submitted
            if waiting is not None:
                yield from self._save_batch(list(zip(waiting[0], waiting[1], strict=True)), guild_id)

    def _save_batch(self, parsed: list[tuple[str, ingest.Parsed | Exception]], guild_id: int | None) -> list[IngestResult]:
        results = []
        with self._write("articles"):
            saved = []
            for path, item in parsed:
                if isinstance(item, Exception):
                    results.append(IngestResult("error", 0, "", path, str(item)))
                    continue
                result = self._save_article(item, path, guild_id=guild_id, added_by=None)
                results.append(result)
                if result.status != "skipped":
                    saved.append((result.article_id, item))
            self._save_derived(saved)
        return results

    def add_article_bytes(
        self,
        data: bytes,
        filename: str,
        folder: Path,
        *,
        guild_id: int | None = None,
        added_by: int | None = None,
        overrides: dict[str, str] | None = None,
    ) -> IngestResult:
        """An uploaded article: checked, saved under `folder`, then ingested. Raises ArticleError."""
        raw = ingest.read_text(data, filename)
        parsed = ingest.parse_article(raw, overrides, filename)
        safe = re.sub(r"[^\w.-]+", "-", Path(filename).name).strip("-.")[:80] or "article.txt"
        if not safe.lower().endswith((".txt", ".md")):
            safe += ".txt"
        target = folder / str(guild_id or "global") / f"{parsed.sha256[:12]}-{safe}"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_text(raw, encoding="utf-8")
            os.replace(partial, target)
        return self._save_parsed(parsed, display_path(target), guild_id=guild_id, added_by=added_by)

    def _save_parsed(self, parsed: ingest.Parsed, path: str, *, guild_id: int | None, added_by: int | None) -> IngestResult:
        with self._write("articles"):
            result = self._save_article(parsed, path, guild_id=guild_id, added_by=added_by)
            if result.status != "skipped":
                self._save_derived([(result.article_id, parsed)])
        return result

    def _save_article(self, parsed: ingest.Parsed, path: str, *, guild_id: int | None, added_by: int | None) -> IngestResult:
        """The article's own row (inside the caller's write transaction), unless it is already there."""
        meta = parsed.meta
        row = {
            "path": path, "sha256": parsed.sha256, "title": meta.get("title", ""), "outlet": meta.get("outlet", ""),
            "outlet_inferred": int(ingest.is_yes(meta.get("outlet_inferred"))), "date": meta.get("date", ""),
            "date_inferred": int(ingest.is_yes(meta.get("date_inferred"))), "date_note": meta.get("date_note", ""),
            "url": meta.get("url", ""), "original_file": meta.get("original_file", ""), "guild_id": guild_id,
            "added_by": added_by, "added_at": now(), "body": parsed.body,
        }
        # The checks run inside the write transaction: two processes adding the
        # same article at once add it once.
        conn = self.db.conn
        same = conn.execute("select id, title, path from articles where sha256 = ? and guild_id is ?", [parsed.sha256, guild_id]).fetchone()
        if same:
            return IngestResult("skipped", same[0], same[1], same[2], "already in the knowledge base")
        previous = conn.execute("select id from articles where path = ? and guild_id is ?", [path, guild_id]).fetchone()
        columns = ", ".join(f"[{c}]" for c in row)
        if previous:
            article_id = int(previous[0])
            self._delete_derived(article_id)
            conn.execute(f"update articles set ({columns}) = ({', '.join('?' * len(row))}) where id = ?", [*row.values(), article_id])
            status = "updated"
        else:
            cursor = conn.execute(f"insert into articles ({columns}) values ({', '.join('?' * len(row))})", list(row.values()))
            article_id = int(cursor.lastrowid or 0)
            status = "added"
        log.info("%s article %s (%s)", status, path, meta.get("title"))
        return IngestResult(status, article_id, row["title"], path)

    def _delete_derived(self, article_id: int) -> None:
        for table in ("quotes", "figures", "people", "sentences"):
            self.db.execute(f"delete from {table} where article_id = ?", [article_id])

    def _save_derived(self, articles: list[tuple[int, ingest.Parsed]]) -> None:
        """Sentences, quotes, figures and people of many articles, one statement a table
        (inside the caller's transaction); then their rows in the search indexes."""
        if not articles:
            return
        conn = self.db.conn
        first = next_id = conn.execute("select coalesce(max(id), 0) + 1 from sentences").fetchone()[0]
        last_person = conn.execute("select coalesce(max(id), 0) from people").fetchone()[0]
        sentences: list[tuple[Any, ...]] = []
        details: dict[str, list[tuple[Any, ...]]] = {"quotes": [], "figures": [], "people": []}
        columns: dict[str, list[str]] = {}
        for article_id, parsed in articles:
            ids = {}
            for r in parsed.sentences:
                ids[r["position"]] = next_id
                sentences.append((next_id, article_id, r["position"], r["paragraph"], r["start"], r["end"], r["text"], r["terms"]))
                next_id += 1
            for table, rows in (("quotes", parsed.quotes), ("figures", parsed.figures), ("people", parsed.people)):
                if rows:
                    names = columns.setdefault(table, [k for k in rows[0] if k != "position"])
                    details[table].extend((article_id, ids[r["position"]], *(r[c] for c in names)) for r in rows)
        conn.executemany(
            "insert into sentences (id, article_id, position, paragraph, start, [end], text, terms) values (?, ?, ?, ?, ?, ?, ?, ?)",
            sentences,
        )
        for table, rows in details.items():
            if rows:
                names = columns[table]
                conn.executemany(
                    f"insert into {table} (article_id, sentence_id, {', '.join(f'[{c}]' for c in names)}) "
                    f"values (?, ?, {', '.join('?' * len(names))})",
                    rows,
                )
        conn.execute("insert into sentences_fts (rowid, terms) select id, terms from sentences where id >= ?", [first])
        conn.execute("insert into people_fts (rowid, terms) select id, terms from people where id > ?", [last_person])

    def _rederive_if_stale(self) -> None:
        version = str(ingest.EXTRACTOR_VERSION)
        rows = list(self.db.query("select value from meta where key = 'extractor_version'"))
        if rows and rows[0]["value"] == version:
            return
        articles = list(self.db.query("select id, body from articles"))
        with self._write("articles") as db:
            for article in articles:
                parsed = ingest.Parsed(meta={}, body=article["body"], sha256="")
                ingest.derive(parsed)
                self._delete_derived(article["id"])
                self._save_derived([(article["id"], parsed)])
            db["meta"].upsert({"key": "extractor_version", "value": version}, pk="key")
        if articles:
            log.info("re-derived %d articles for extractor version %s", len(articles), version)

    def articles(self, guild_id: int | None = None) -> list[Article]:
        rows = self._rows(f"select {_ARTICLE_COLUMNS} from articles where guild_id is null or guild_id is ? order by date, id", [guild_id])
        return [_article(row) for row in rows]

    def all_articles(self) -> list[Article]:
        return [_article(row) for row in self._rows(f"select {_ARTICLE_COLUMNS} from articles order by id")]

    def article(self, article_id: int) -> Article:
        rows = self._rows(f"select {_ARTICLE_COLUMNS} from articles where id = ?", [article_id])
        if not rows:
            raise NotFoundError(f"no article #{article_id}")
        return _article(rows[0])

    # --- reading for the matcher ----------------------------------------------------

    def vocabulary(self) -> tuple[dict[str, int], int]:
        """Document frequency of every stem in the sentences, and how many sentences there are."""
        with self._lock:
            counts = dict(self.db.execute("select term, doc from sentences_vocab").fetchall())
            total = self.db.execute("select count(*) from sentences").fetchone()[0]
        return counts, total

    def sentence_count(self) -> int:
        with self._lock:
            return int(self.db.execute("select count(*) from sentences").fetchone()[0])

    def term_count(self, term: str) -> int:
        """How many sentences hold `term` (one index look-up)."""
        with self._lock:
            row = self.db.execute("select doc from sentences_vocab where term = ?", [term]).fetchone()
        return int(row[0]) if row else 0

    def terms_starting(self, prefix: str) -> list[str]:
        """Known terms (3+ letters) that start with `prefix`."""
        with self._lock:
            rows = self.db.execute(
                "select term from sentences_vocab where term >= ? and term < ? and length(term) >= 3", [prefix, prefix + "\uffff"]
            ).fetchall()
        return [row[0] for row in rows if not row[0].isdigit()]

    def fact_vocabulary(self) -> tuple[dict[str, int], int]:
        """The same for the facts (small, and reloaded whenever a fact changes)."""
        with self._lock:
            counts = dict(self.db.execute("select term, doc from facts_vocab").fetchall())
            total = self.db.execute("select count(*) from facts").fetchone()[0]
        return counts, total

    def match_sentences(self, terms: list[str], guild_id: int | None, limit: int = 60) -> list[dict[str, Any]]:
        """Sentences sharing any of `terms`, best BM25 first, within the guild's scope."""
        if not terms:
            return []
        query = _any_of(terms)
        return self._rows(
            """
            select s.id, s.article_id, s.position, s.paragraph, s.text, s.terms, a.date, a.guild_id, a.title, a.outlet
            from (select rowid, rank from sentences_fts where sentences_fts match :q order by rank limit :scan) hit
            join sentences s on s.id = hit.rowid
            join articles a on a.id = s.article_id
            where a.guild_id is null or a.guild_id is :guild
            order by hit.rank limit :limit
            """,
            {"q": query, "guild": guild_id, "limit": limit, "scan": limit * 4},
        )

    def sentences_by_id(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(f"select s.*, a.date from sentences s join articles a on a.id = s.article_id where s.id in ({marks})", ids)
        return {row["id"]: row for row in rows}

    def neighbours(self, sentence_ids: list[int]) -> list[dict[str, Any]]:
        """For each given sentence, the terms of the sentences just before and after it."""
        if not sentence_ids:
            return []
        marks = ",".join("?" * len(sentence_ids))
        return self._rows(
            f"""select s.id as of, n.position - s.position as side, n.terms from sentences s
                join sentences n on n.article_id = s.article_id and n.position in (s.position - 1, s.position + 1)
                where s.id in ({marks})""",
            sentence_ids,
        )

    def paragraph(self, article_id: int, paragraph: int) -> str:
        rows = self._rows("select text from sentences where article_id = ? and paragraph = ? order by position", [article_id, paragraph])
        return " ".join(row["text"] for row in rows)

    def details(self, sentence_ids: list[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Figures, quotes and people in the given sentences."""
        if not sentence_ids:
            return [], [], []
        marks = ",".join("?" * len(sentence_ids))
        figures = self._rows(f"select * from figures where sentence_id in ({marks}) order by id", sentence_ids)
        quotes = self._rows(f"select * from quotes where sentence_id in ({marks}) order by id", sentence_ids)
        people = self._rows(f"select * from people where sentence_id in ({marks}) order by id", sentence_ids)
        return figures, quotes, people

    def match_people(self, terms: list[str], guild_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
        """People with a role whose name or role shares any of `terms`, best first."""
        if not terms:
            return []
        query = _any_of(terms)
        return self._rows(
            """
            select p.name, p.role, p.sentence_id, p.article_id, p.quoted, p.terms
            from (select rowid, rank from people_fts where people_fts match :q order by rank limit :scan) hit
            join people p on p.id = hit.rowid join articles a on a.id = p.article_id
            where p.role != '' and (a.guild_id is null or a.guild_id is :g)
            order by hit.rank limit :limit
            """,
            {"q": query, "g": guild_id, "limit": limit, "scan": limit * 4},
        )

    def most_mentioned(self, guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """The people the articles mention most: name, a role, and whether they are quoted."""
        return self._rows(
            """select p.name, max(p.role) as role, max(p.quoted) as quoted, count(*) as n from people p
               join articles a on a.id = p.article_id where a.guild_id is null or a.guild_id is :g
               group by p.name order by n desc, p.name limit :limit""",
            {"g": guild_id, "limit": limit},
        )

    # --- moderator facts ------------------------------------------------------------

    def add_fact(
        self,
        text: str,
        source: str,
        *,
        author_id: int | None = None,
        guild_id: int | None = None,
        questions: Iterable[str] = (),
        source_type: str = "",
        supersedes: int | None = None,
    ) -> Fact:
        text, source, questions_list, source_type = _check_fact(text, source, questions, source_type)
        with self._lock:
            duplicate = self._rows(
                "select id from facts where guild_id is ? and status = 'active' and lower(text) = lower(?)", [guild_id, text]
            )
            if duplicate:
                raise FactError(f"fact #{duplicate[0]['id']} already says exactly that")
            if supersedes is not None:
                self._fact_row(supersedes, guild_id)
            stamp = now()
            row = {
                "guild_id": guild_id, "text": text, "questions": json.dumps(questions_list), "source": source,
                "source_type": source_type, "author_id": author_id, "status": "active", "version": 1,
                "supersedes": supersedes, "created_at": stamp, "updated_at": stamp,
                "terms": " ".join(content_stems(" ".join([text, *questions_list]))),
            }
            with self._write("facts") as db:
                fact_id = db["facts"].insert(row).last_pk
                self._history(fact_id, "add", row, author_id, stamp)
                if supersedes is not None:
                    old = self._fact_row(supersedes, guild_id)
                    if old["status"] == "active":
                        db["facts"].update(supersedes, {"status": "retired", "version": old["version"] + 1, "updated_at": stamp})
                        self._history(supersedes, f"superseded by #{fact_id}", {**old, "status": "retired", "version": old["version"] + 1}, author_id, stamp)
            return self.fact(fact_id, guild_id)

    def edit_fact(
        self,
        fact_id: int,
        *,
        guild_id: int | None,
        actor_id: int | None,
        text: str | None = None,
        source: str | None = None,
        questions: Iterable[str] | None = None,
        source_type: str | None = None,
    ) -> Fact:
        with self._lock:
            old = self._fact_row(fact_id, guild_id)
            new_text, new_source, new_questions, new_type = _check_fact(
                old["text"] if text is None else text,
                old["source"] if source is None else source,
                json.loads(old["questions"] or "[]") if questions is None else questions,
                old["source_type"] if source_type is None else source_type,
            )
            stamp = now()
            changes = {
                "text": new_text, "source": new_source, "questions": json.dumps(new_questions), "source_type": new_type,
                "version": old["version"] + 1, "updated_at": stamp,
                "terms": " ".join(content_stems(" ".join([new_text, *new_questions]))),
            }
            with self._write("facts") as db:
                db["facts"].update(fact_id, changes)
                self._history(fact_id, "edit", {**old, **changes}, actor_id, stamp)
            return self.fact(fact_id, guild_id)

    def retire_fact(self, fact_id: int, *, guild_id: int | None, actor_id: int | None) -> Fact:
        return self._set_status(fact_id, guild_id, actor_id, "retired", "retire")

    def restore_fact(self, fact_id: int, *, guild_id: int | None, actor_id: int | None) -> Fact:
        return self._set_status(fact_id, guild_id, actor_id, "active", "restore")

    def _set_status(self, fact_id: int, guild_id: int | None, actor_id: int | None, status: str, action: str) -> Fact:
        with self._lock:
            old = self._fact_row(fact_id, guild_id)
            if old["status"] == status:
                raise FactError(f"fact #{fact_id} is already {status}")
            stamp = now()
            with self._write("facts") as db:
                db["facts"].update(fact_id, {"status": status, "version": old["version"] + 1, "updated_at": stamp})
                self._history(fact_id, action, {**old, "status": status, "version": old["version"] + 1}, actor_id, stamp)
            return self.fact(fact_id, guild_id)

    def _history(self, fact_id: int, action: str, row: dict[str, Any], actor_id: int | None, stamp: str) -> None:
        self.db["fact_history"].insert(
            {
                "fact_id": fact_id, "version": row["version"], "action": action, "text": row["text"],
                "questions": row["questions"], "source": row["source"], "source_type": row["source_type"],
                "status": row["status"], "supersedes": row.get("supersedes"), "actor_id": actor_id, "at": stamp,
            }
        )

    def _fact_row(self, fact_id: int, guild_id: int | None) -> dict[str, Any]:
        rows = self._rows("select * from facts where id = ? and guild_id is ?", [fact_id, guild_id])
        if not rows:
            raise NotFoundError(f"there is no fact #{fact_id} here")
        return rows[0]

    def fact(self, fact_id: int, guild_id: int | None) -> Fact:
        return fact_from_row(self._fact_row(fact_id, guild_id))

    def facts(self, guild_id: int | None, *, include_retired: bool = False) -> list[Fact]:
        status = "" if include_retired else "and status = 'active'"
        return [fact_from_row(row) for row in self._rows(f"select * from facts where guild_id is ? {status} order by id", [guild_id])]

    def fact_history(self, fact_id: int, guild_id: int | None) -> list[FactChange]:
        self._fact_row(fact_id, guild_id)
        rows = self._rows("select * from fact_history where fact_id = ? order by version, id", [fact_id])
        return [
            FactChange(
                fact_id=row["fact_id"], version=row["version"], action=row["action"], text=row["text"], source=row["source"],
                source_type=row["source_type"] or "", status=row["status"], actor_id=row["actor_id"], at=row["at"],
                questions=tuple(json.loads(row["questions"] or "[]")), supersedes=row["supersedes"],
            )
            for row in rows
        ]

    def match_facts(self, terms: list[str], guild_id: int | None, limit: int = 20) -> list[dict[str, Any]]:
        if not terms:
            return []
        query = _any_of(terms)
        return self._rows(
            """
            select f.* from facts_fts join facts f on f.id = facts_fts.rowid
            where facts_fts match :q and f.status = 'active' and (f.guild_id is null or f.guild_id is :guild)
            order by facts_fts.rank limit :limit
            """,
            {"q": query, "guild": guild_id, "limit": limit},
        )

    def fact_questions(self, guild_id: int | None) -> list[str]:
        rows = self._rows("select questions from facts where status = 'active' and (guild_id is null or guild_id is ?)", [guild_id])
        return [q for row in rows for q in json.loads(row["questions"] or "[]")]

    def export_facts(self, guild_id: int | None) -> dict[str, Any]:
        facts = self._rows("select * from facts where guild_id is ? order by id", [guild_id])
        history = self._rows(
            "select h.* from fact_history h join facts f on f.id = h.fact_id where f.guild_id is ? order by h.fact_id, h.version",
            [guild_id],
        )
        for row in facts:
            row.pop("terms", None)
        return {"format": "strikebot-facts", "version": 1, "facts": facts, "history": history}

    def import_facts(self, data: dict[str, Any], guild_id: int | None, actor_id: int | None) -> tuple[int, int]:
        """Add the facts of an export not already here (by text); returns (added, skipped)."""
        if not isinstance(data, dict) or data.get("format") != "strikebot-facts" or not isinstance(data.get("facts"), list):
            raise FactError("that is not a strikebot facts export")
        history: dict[int, list[dict[str, Any]]] = {}
        for change in data.get("history") or []:
            if isinstance(change, dict):
                history.setdefault(change.get("fact_id"), []).append(change)  # type: ignore[arg-type]
        added = skipped = 0
        new_ids: dict[int, int] = {}
        links: list[tuple[int, int]] = []
        with self._lock:
            existing = {row["text"].lower() for row in self._rows("select text from facts where guild_id is ?", [guild_id])}
            with self._write("facts") as db:
                for item in data["facts"]:
                    if not isinstance(item, dict):
                        raise FactError("a fact in that export is not an object")
                    text, source, questions, source_type = _check_fact(
                        str(item.get("text", "")), str(item.get("source", "")), json.loads(item.get("questions") or "[]"),
                        str(item.get("source_type") or ""),
                    )
                    if text.lower() in existing:
                        skipped += 1
                        continue
                    status = "retired" if item.get("status") == "retired" else "active"
                    stamp = now()
                    row = {
                        "guild_id": guild_id, "text": text, "questions": json.dumps(questions), "source": source,
                        "source_type": source_type, "author_id": item.get("author_id"), "status": status,
                        "version": int(item.get("version") or 1), "supersedes": None,
                        "created_at": str(item.get("created_at") or stamp), "updated_at": str(item.get("updated_at") or stamp),
                        "terms": " ".join(content_stems(" ".join([text, *questions]))),
                    }
                    fact_id = db["facts"].insert(row).last_pk
                    new_ids[item.get("id")] = fact_id  # type: ignore[index]
                    if item.get("supersedes") is not None:
                        links.append((fact_id, item["supersedes"]))
                    for change in sorted(history.get(item.get("id"), []), key=lambda c: c.get("version") or 0):  # type: ignore[arg-type]
                        db["fact_history"].insert(
                            {**{k: change.get(k) for k in ("version", "action", "text", "questions", "source", "source_type", "status", "actor_id", "at")}, "fact_id": fact_id, "supersedes": None}
                        )
                    if not history.get(item.get("id")):  # type: ignore[arg-type]
                        self._history(fact_id, "import", row, actor_id, stamp)
                    existing.add(text.lower())
                    added += 1
                for fact_id, old in links:  # "replaces #N" survives the renumbering
                    if old in new_ids:
                        db["facts"].update(fact_id, {"supersedes": new_ids[old]})
        return added, skipped

    # --- members' feedback ---------------------------------------------------------------

    def log_unanswered(self, question: str, guild_id: int | None) -> None:
        normalized = " ".join(content_stems(question))
        with self._write("feedback") as db:
            db["unanswered"].insert({"guild_id": guild_id, "question": question[:500], "normalized": normalized, "asked_at": now()})

    def unanswered(self, guild_id: int | None, limit: int = 10) -> list[tuple[str, int]]:
        rows = self._rows(
            """select max(question) as question, count(*) as n, max(asked_at) as last from unanswered
               where guild_id is ? group by normalized order by n desc, last desc limit ?""",
            [guild_id, limit],
        )
        return [(row["question"], row["n"]) for row in rows]

    def vote(self, user_id: int, guild_id: int | None, question: str, answer_key: str, helpful: bool) -> None:
        """One vote per member and answer; voting again changes it."""
        with self._write("feedback") as db:
            db.execute(
                """insert into votes (guild_id, user_id, question, answer_key, helpful, at) values (?, ?, ?, ?, ?, ?)
                   on conflict(user_id, answer_key) do update set helpful = excluded.helpful, at = excluded.at""",
                [guild_id, user_id, question[:500], answer_key, int(helpful), now()],
            )

    def votes(self, answer_key: str) -> tuple[int, int]:
        rows = self._rows("select sum(helpful) as up, sum(1 - helpful) as down from votes where answer_key = ?", [answer_key])
        return int(rows[0]["up"] or 0), int(rows[0]["down"] or 0)

    def backup(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            dest = sqlite3.connect(str(target))
            try:
                self.db.conn.backup(dest)
            finally:
                dest.close()


def _any_of(terms: list[str]) -> str:
    """An FTS5 query matching any of the (already stemmed) terms."""
    return " OR ".join(f'"{t}"' for t in terms)


def _parse_quietly(raw: str) -> ingest.Parsed | Exception:
    try:
        return ingest.parse_article(raw)
    except ingest.ArticleError as error:
        return error


def _check_fact(text: str, source: str, questions: Iterable[str], source_type: str) -> tuple[str, str, list[str], str]:
    text = clean(text)
    source = clean(source)
    if len(text) < 3:
        raise FactError("a fact needs some text")
    if len(text) > MAX_FACT_LENGTH:
        raise FactError(f"a fact can be at most {MAX_FACT_LENGTH} characters (this one has {len(text)})")
    if not source:
        raise FactError("a fact needs a source: a link or a short note on where it comes from")
    if len(source) > MAX_SOURCE_LENGTH:
        raise FactError(f"a source can be at most {MAX_SOURCE_LENGTH} characters")
    cleaned = [clean(q)[:300] for q in questions if clean(q)]
    if len(cleaned) > 10:
        raise FactError("at most ten example questions")
    source_type = clean(source_type).lower()
    if source_type and source_type not in SOURCE_TYPES:
        raise FactError(f"the source type must be one of: {', '.join(SOURCE_TYPES)}")
    return text, source, cleaned, source_type


def _article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"], path=row["path"], title=row["title"], outlet=row["outlet"] or "", date=row["date"] or "",
        outlet_inferred=bool(row["outlet_inferred"]), date_inferred=bool(row["date_inferred"]), url=row["url"] or "",
        guild_id=row["guild_id"],
    )


def fact_from_row(row: dict[str, Any]) -> Fact:
    return Fact(
        id=row["id"], text=row["text"], source=row["source"] or "", source_type=row["source_type"] or "",
        author_id=row["author_id"], guild_id=row["guild_id"], status=row["status"], version=row["version"],
        created_at=row["created_at"], updated_at=row["updated_at"], questions=tuple(json.loads(row["questions"] or "[]")),
        supersedes=row["supersedes"],
    )
