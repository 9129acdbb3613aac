"""Feeds followed per server, what each poll found, and the items already seen."""

from __future__ import annotations

from typing import Any

from knowledge.models import Feed
from knowledge.reading.ingest import ArticleError
from knowledge.store.base import NotFoundError, StoreBase, now

MAX_FEEDS_PER_GUILD = 50


class FeedError(ArticleError):
    """A feed that cannot be followed as asked (already followed, too many)."""


class FeedsMixin(StoreBase):
    """The feeds table and the feed_items table. No network here: `knowledge.feeds` polls."""

    def add_feed(
        self, url: str, title: str, *, guild_id: int | None, channel_id: int | None = None, added_by: int | None = None
    ) -> Feed:
        with self._write("feeds") as db:
            conn = db.conn
            if conn.execute("select 1 from feeds where url = ? and guild_id is ?", [url, guild_id]).fetchone():
                raise FeedError(f"this server already follows {url[:200]}")
            count = conn.execute("select count(*) from feeds where guild_id is ?", [guild_id]).fetchone()[0]
            if count >= MAX_FEEDS_PER_GUILD:
                raise FeedError(f"this server already follows {count} feeds, the limit; remove one first")
            cursor = conn.execute(
                "insert into feeds (guild_id, url, title, channel_id, added_by, added_at, failures) values (?, ?, ?, ?, ?, ?, 0)",
                [guild_id, url, title[:300], channel_id, added_by, now()],
            )
            feed_id = int(cursor.lastrowid or 0)
        return self.feed(feed_id, guild_id)

    def feed(self, feed_id: int, guild_id: int | None) -> Feed:
        rows = self._rows("select * from feeds where id = ? and guild_id is ?", [feed_id, guild_id])
        if not rows:
            raise NotFoundError(f"this server follows no feed #{feed_id}")
        return _feed(rows[0])

    def feeds(self, guild_id: int | None) -> list[Feed]:
        return [_feed(row) for row in self._rows("select * from feeds where guild_id is ? order by id", [guild_id])]

    def all_feeds(self) -> list[Feed]:
        return [_feed(row) for row in self._rows("select * from feeds order by id")]

    def remove_feed(self, feed_id: int, guild_id: int | None) -> Feed:
        """Stop following a feed. The articles it brought in stay."""
        feed = self.feed(feed_id, guild_id)
        with self._write("feeds") as db:
            db.execute("delete from feed_items where feed_id = ?", [feed.id])
            db.execute("delete from feeds where id = ?", [feed.id])
        return feed

    def feed_polled(self, feed_id: int, *, etag: str | None, last_modified: str | None, title: str | None = None) -> None:
        """A poll that worked: failures are forgotten; the validators are kept when given."""
        stamp = now()
        with self._write("feeds") as db:
            db.execute(
                """update feeds set last_polled_at = ?, last_ok_at = ?, failures = 0, last_error = null, next_attempt_at = null,
                   etag = coalesce(?, etag), last_modified = coalesce(?, last_modified), title = coalesce(nullif(?, ''), title)
                   where id = ?""",
                [stamp, stamp, etag, last_modified, title, feed_id],
            )

    def feed_failed(self, feed_id: int, error: str, next_attempt_at: str) -> None:
        with self._write("feeds") as db:
            db.execute(
                "update feeds set last_polled_at = ?, failures = failures + 1, last_error = ?, next_attempt_at = ? where id = ?",
                [now(), error[:500], next_attempt_at, feed_id],
            )

    def feed_items_done(self, feed_id: int, keys: list[str], max_attempts: int) -> set[str]:
        """The keys of items already handled: ingested, skipped, or failed `max_attempts` times."""
        if not keys:
            return set()
        done: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            rows = self._rows(
                f"select key from feed_items where feed_id = ? and key in ({', '.join('?' * len(chunk))}) and (status != 'failed' or attempts >= ?)",
                [feed_id, *chunk, max_attempts],
            )
            done.update(row["key"] for row in rows)
        return done

    def mark_feed_item(
        self, feed_id: int, key: str, *, link: str, title: str, status: str, article_id: int | None = None, error: str = ""
    ) -> None:
        with self._write("feeds") as db:
            db.execute(
                """insert into feed_items (feed_id, key, link, title, article_id, status, error, attempts, seen_at)
                   values (?, ?, ?, ?, ?, ?, ?, 1, ?)
                   on conflict(feed_id, key) do update set status = excluded.status, article_id = excluded.article_id,
                   error = excluded.error, attempts = feed_items.attempts + 1, seen_at = excluded.seen_at""",
                [feed_id, key[:2000], link[:2000], title[:300], article_id, status, error[:500], now()],
            )

    def feed_items(self, feed_id: int) -> list[dict[str, Any]]:
        return self._rows("select key, link, title, article_id, status, error, attempts from feed_items where feed_id = ? order by id", [feed_id])


def _feed(row: dict[str, Any]) -> Feed:
    return Feed(
        id=row["id"], url=row["url"], title=row["title"] or "", guild_id=row["guild_id"], channel_id=row["channel_id"],
        etag=row["etag"] or "", last_modified=row["last_modified"] or "", last_polled_at=row["last_polled_at"] or "",
        last_ok_at=row["last_ok_at"] or "", failures=row["failures"] or 0, last_error=row["last_error"] or "",
        next_attempt_at=row["next_attempt_at"] or "",
    )
