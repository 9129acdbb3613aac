"""Articles: ingest, saving, and the derived rows (sentences, quotes, figures,
people) rebuilt from the stored text when extraction improves.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.models import Article
from knowledge.reading import ingest
from knowledge.store.base import NotFoundError, StoreBase, display_path, now

log = logging.getLogger(__name__)

BUNDLED_ARTICLES = Path(__file__).resolve().parent.parent / "articles"

# Everything about an article but its text, which only ingest and re-derivation read.
_ARTICLE_COLUMNS = "id, path, title, outlet, outlet_inferred, date, date_inferred, url, guild_id"


@dataclass(frozen=True)
class ArticleChange:
    """One version of an article's title, outlet, date and link: as ingested, then each correction."""

    article_id: int
    version: int
    action: str  # "ingest", "edit" or "update" (the file or page itself changed)
    title: str
    outlet: str
    date: str
    url: str
    actor_id: int | None
    at: str


MAX_TITLE_LENGTH = 300
MAX_OUTLET_LENGTH = 200


@dataclass(frozen=True)
class IngestResult:
    status: str  # "added", "updated" or "skipped"
    article_id: int
    title: str
    path: str
    reason: str = ""


class ArticlesMixin(StoreBase):
    """Adding articles (one, uploaded, or in bulk) and their derived rows; listing them."""

    def bundled_missing(self) -> list[Path]:
        """The bundled articles whose text is not in the knowledge base (new or changed), found by reading only."""
        here = {row[0] for row in self._values("select sha256 from articles where guild_id is null")}
        missing = []
        for path in ingest.article_files([BUNDLED_ARTICLES]):
            try:
                _, body = ingest.split_header(ingest.read_text(path.read_bytes(), path.name))
            except ingest.ArticleError:
                continue  # reported by sync_bundled, if it runs
            if ingest.body_sha256(body) not in here:
                missing.append(path)
        return missing

    def sync_bundled(self) -> list[IngestResult]:
        """Make sure every bundled article is in the knowledge base: only the new or changed ones are written."""
        results = []
        for path in self.bundled_missing():
            try:
                results.append(self.ingest_file(path))
            except ingest.ArticleError as error:
                log.warning("bundled article %s skipped: %s", path, error)
        return results

    def ingest_file(
        self, path: Path, *, guild_id: int | None = None, added_by: int | None = None, overrides: dict[str, str] | None = None
    ) -> IngestResult:
        raw = ingest.read_text(ingest.read_file(path), path.name)
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

    def save_parsed(self, parsed: ingest.Parsed, path: str, *, guild_id: int | None = None, added_by: int | None = None) -> IngestResult:
        """An article already parsed (a web page's, say), stored under `path`: the same text twice changes nothing."""
        return self._save_parsed(parsed, path, guild_id=guild_id, added_by=added_by)

    def article_with_url(self, url: str, guild_id: int | None) -> Article | None:
        """The article whose link (canonical URL) or path is `url`, among those this guild sees (its own and the shared ones)."""
        rows = self._rows(
            f"select {_ARTICLE_COLUMNS} from articles where (url = ? or path = ?) and (guild_id is ? or guild_id is null) order by id limit 1",
            [url, url, guild_id],
        )
        return _article(rows[0]) if rows else None

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
            "url": meta.get("url", ""), "original_file": meta.get("original_file", ""), "author": meta.get("author", ""), "guild_id": guild_id,
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
            conn.execute(f"update articles set ({columns}) = ({', '.join('?' * len(row))}), version = version + 1 where id = ?",
                         [*row.values(), article_id])  # a new version: readers' caches see that it changed
            if conn.execute("select 1 from article_history where article_id = ? limit 1", [article_id]).fetchone():
                self._article_history(article_id, "update", None)  # corrected before: the history goes on
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

    REDERIVE_BATCH = 100  # articles re-derived per transaction: other writers get a turn in between

    def extractor_stale(self) -> bool:
        """Whether the stored sentences, quotes, figures and people come from another extractor version."""
        rows = self._values("select value from meta where key = 'extractor_version'")
        return not rows or rows[0][0] != str(ingest.EXTRACTOR_VERSION)

    def _rederive_if_stale(self) -> None:
        """Rebuild the derived rows from the stored text, REDERIVE_BATCH articles per transaction;
        the version is recorded last, so that an interrupted run starts again (it is idempotent).
        A sentence whose text comes out the same keeps its vectors (the headline does not change
        here): re-embedding a large knowledge base takes hours, answering lexically meanwhile."""
        if not self.extractor_stale():
            return
        ids = [int(row[0]) for row in self._values("select id from articles order by id")]
        for start in range(0, len(ids), self.REDERIVE_BATCH):
            batch = ids[start : start + self.REDERIVE_BATCH]
            with self._write("articles") as db:
                marks = ",".join("?" * len(batch))
                for article_id, body in db.execute(f"select id, body from articles where id in ({marks})", batch).fetchall():
                    parsed = ingest.Parsed(meta={}, body=body, sha256="")
                    ingest.derive(parsed)
                    vectors = db.execute(
                        "select s.text, v.model, v.vector from sentence_vectors v join sentences s on s.id = v.sentence_id"
                        " where s.article_id = ?", [article_id],
                    ).fetchall()
                    self._delete_derived(article_id)
                    self._save_derived([(article_id, parsed)])
                    if vectors:
                        by_text: dict[str, list[tuple[str, bytes]]] = {}
                        for text, model, vector in vectors:
                            by_text.setdefault(text, []).append((model, vector))
                        db.conn.executemany(
                            "insert or ignore into sentence_vectors (sentence_id, model, vector) values (?, ?, ?)",
                            [(sentence_id, model, vector)
                             for sentence_id, text in db.execute("select id, text from sentences where article_id = ?", [article_id])
                             for model, vector in by_text.get(text, ())],
                        )
        with self._write("articles") as db:
            db["meta"].upsert({"key": "extractor_version", "value": str(ingest.EXTRACTOR_VERSION)}, pk="key")
        if ids:
            log.info("re-derived %d articles for extractor version %s", len(ids), ingest.EXTRACTOR_VERSION)

    def edit_article(
        self, article_id: int, *, guild_id: int | None, actor_id: int | None, title: str | None = None, outlet: str | None = None,
        date: str | None = None, url: str | None = None,
    ) -> Article:
        """Correct an article's title, outlet, date or link after ingest; every version is kept
        (`article_history`), the first as it was ingested. Only the articles of `guild_id` (None: the
        shared ones, which the command line adds). Raises NotFoundError, ArticleError."""
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _checked_text(title, "title", MAX_TITLE_LENGTH, required=True)
        if outlet is not None:
            changes["outlet"] = _checked_text(outlet, "outlet", MAX_OUTLET_LENGTH)
            changes["outlet_inferred"] = 0
        if date is not None:
            changes["date"] = ingest.check_date(date)
            changes["date_inferred"] = 0
        if url is not None:
            changes["url"] = _checked_url(url)
        if not changes:
            raise ingest.ArticleError("give at least one of the title, outlet, date and link to correct")
        with self._write("articles", synchronous="FULL") as db:
            rows = self._rows(f"select {_ARTICLE_COLUMNS}, version from articles where id = ? and guild_id is ?", [article_id, guild_id])
            if not rows:
                raise NotFoundError(f"there is no article #{article_id} here")
            current = rows[0]
            if all(current[key] == value for key, value in changes.items()):
                raise ingest.ArticleError(f"article #{article_id} already says that")
            if not db.execute("select 1 from article_history where article_id = ? limit 1", [article_id]).fetchone():
                self._article_history(article_id, "ingest", None)  # the first version, as it was ingested
            db.execute(
                f"update articles set {', '.join(f'[{key}] = ?' for key in changes)}, version = version + 1 where id = ?",
                [*changes.values(), article_id],
            )
            if "title" in changes:  # "<title>. <sentence>" is what was embedded: those vectors are stale now
                db.execute("delete from sentence_vectors where sentence_id in (select id from sentences where article_id = ?)", [article_id])
            self._article_history(article_id, "edit", actor_id)
            return _article(self._rows(f"select {_ARTICLE_COLUMNS} from articles where id = ?", [article_id])[0])

    def _article_history(self, article_id: int, action: str, actor_id: int | None) -> None:
        """The article's current title, outlet, date and link as a history entry (inside the caller's write)."""
        self.db.execute(
            "insert into article_history (article_id, version, action, title, outlet, date, url, actor_id, at) "
            "select id, version, ?, title, coalesce(outlet, ''), coalesce(date, ''), coalesce(url, ''), ?, ? from articles where id = ?",
            [action, actor_id, now(), article_id],
        )

    def article_history(self, article_id: int, guild_id: int | None) -> list[ArticleChange]:
        """Every version of an article's metadata, oldest first; one entry (as it is now) if it was never corrected."""
        if not self._rows("select 1 from articles where id = ? and guild_id is ?", [article_id, guild_id]):
            raise NotFoundError(f"there is no article #{article_id} here")
        rows = self._rows("select * from article_history where article_id = ? order by version, id", [article_id])
        if not rows:
            rows = self._rows(
                "select id as article_id, version, 'ingest' as action, title, coalesce(outlet, '') as outlet, coalesce(date, '') as date,"
                " coalesce(url, '') as url, added_by as actor_id, added_at as at from articles where id = ?", [article_id]
            )
        return [ArticleChange(**{key: row[key] for key in ArticleChange.__dataclass_fields__}) for row in rows]

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


def _checked_text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise ingest.ArticleError(f"an article needs a {what}")
    if len(text) > limit:
        raise ingest.ArticleError(f"a {what} can be at most {limit} characters (this one has {len(text)})")
    return text


def _checked_url(value: str) -> str:
    """"" (no link), or a well-formed http(s) URL; anything else is refused, never stored to be shown."""
    from urllib.parse import urlsplit

    url = value.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(url) > 2000
            or any(c.isspace() or c in '<>"`|[]\\' for c in url)):
        raise ingest.ArticleError(f"{url[:100]!r} is not a well-formed http:// or https:// link")
    return url


def _parse_quietly(raw: str) -> ingest.Parsed | Exception:
    try:
        return ingest.parse_article(raw)
    except ingest.ArticleError as error:
        return error


def _article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"], path=row["path"], title=row["title"], outlet=row["outlet"] or "", date=row["date"] or "",
        outlet_inferred=bool(row["outlet_inferred"]), date_inferred=bool(row["date_inferred"]), url=row["url"] or "",
        guild_id=row["guild_id"],
    )
