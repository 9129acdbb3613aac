"""Following outlets' RSS and Atom feeds: check a feed, poll it, ingest new stories.

A poll sends the feed's ETag and Last-Modified back (a 304 costs nothing),
skips items it has seen (by guid or link) and stories it already has (same
URL, or same text), fetches at most a few new stories at once and at most
`MAX_NEW_PER_POLL` per feed and round. A feed that fails is retried after
the poll interval, then twice that, and so on up to a day; its last error is
kept for moderators (`/feed list`, `strikebot feeds list`) and logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import xml.sax
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser

from knowledge.models import Feed
from knowledge.reading.ingest import ArticleError
from knowledge.store import IngestResult, Store
from knowledge.store.feeds import FeedError
from knowledge.web.fetch import FEED_TYPES, Policy, Response, check_url, fetch
from knowledge.web.pages import WebArticle, fetch_article

log = logging.getLogger(__name__)

MAX_NEW_PER_POLL = 20
MAX_ITEM_ATTEMPTS = 3
FETCHES_AT_ONCE = 3
MAX_BACKOFF = dt.timedelta(days=1)
INTERVAL_ENV = "STRIKEBOT_FEED_INTERVAL"
DEFAULT_INTERVAL_MINUTES = 30.0


def interval_from_env() -> float:
    """Minutes between polls (STRIKEBOT_FEED_INTERVAL; at least 1, default 30)."""
    try:
        return max(1.0, float(os.environ.get(INTERVAL_ENV, "") or DEFAULT_INTERVAL_MINUTES))
    except ValueError:
        log.warning("%s is not a number of minutes; using %s", INTERVAL_ENV, DEFAULT_INTERVAL_MINUTES)
        return DEFAULT_INTERVAL_MINUTES


@dataclass(frozen=True)
class Entry:
    key: str  # the item's guid, or its link
    link: str
    title: str


@dataclass(frozen=True)
class FeedDocument:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Added:
    """A story a poll brought in."""

    title: str
    url: str
    article_id: int


@dataclass
class PollReport:
    feed: Feed
    added: list[Added] = field(default_factory=list)
    skipped: int = 0
    item_errors: list[str] = field(default_factory=list)
    error: str = ""  # the feed itself failed
    not_modified: bool = False


def parse_feed(data: bytes, url: str, content_type: str = "") -> FeedDocument:
    """The feed's title and items with links. Raises FeedError for a page that is no feed or broken XML."""
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(data, response_headers=headers)
    entries = []
    for item in parsed.entries:
        link = (item.get("link") or "").strip()
        if not link:
            continue
        link = urljoin(url, link)
        if urlsplit(link).scheme not in ("http", "https"):
            continue
        key = (item.get("id") or "").strip() or link
        entries.append(Entry(key=key[:2000], link=link, title=" ".join(str(item.get("title") or "").split())[:300]))
    problem = parsed.get("bozo_exception")
    if not entries:
        if isinstance(problem, xml.sax.SAXException):
            raise FeedError(f"the feed at {url[:200]} is not well-formed XML ({problem.getMessage() if hasattr(problem, 'getMessage') else problem})")
        if not parsed.get("version"):
            raise FeedError(f"{url[:200]} is not an RSS or Atom feed")
    elif problem:
        log.warning("feed %s has errors but was read (%s)", url, problem)
    title = " ".join(str(parsed.feed.get("title") or "").split())[:300]
    return FeedDocument(title=title or (urlsplit(url).hostname or url), entries=tuple(entries))


def _content_type(response: Response) -> str:
    return response.content_type + (f"; charset={response.charset}" if response.charset else "")


def check_feed(url: str, policy: Policy | None = None) -> FeedDocument:
    """Fetch and read a feed once, before following it. Raises ArticleError (FetchError, FeedError)."""
    check_url(url)
    response = fetch(url, accept=FEED_TYPES, policy=policy, what="feed")
    return parse_feed(response.body, response.url, _content_type(response))


def follow(store: Store, url: str, *, guild_id: int | None, channel_id: int | None = None, added_by: int | None = None,
           policy: Policy | None = None) -> tuple[Feed, FeedDocument]:
    """Check the feed, then follow it. Nothing is stored when the check fails."""
    url = url.strip()
    document = check_feed(url, policy)
    return store.add_feed(url, document.title, guild_id=guild_id, channel_id=channel_id, added_by=added_by), document


def ingest_link(
    store: Store, url: str, *, guild_id: int | None = None, added_by: int | None = None, overrides: dict[str, str] | None = None,
    policy: Policy | None = None,
) -> tuple[IngestResult, WebArticle]:
    """A story by its link: fetched, extracted, stored under the link it was read from
    (the same link again updates it) and cited by its canonical URL. Raises ArticleError."""
    article = fetch_article(url, policy)
    parsed = article.parse(overrides)
    return store.save_parsed(parsed, article.fetched_url, guild_id=guild_id, added_by=added_by), article


def due(feed: Feed, at: dt.datetime) -> bool:
    return not feed.next_attempt_at or dt.datetime.fromisoformat(feed.next_attempt_at) <= at


def backoff(failures: int, interval: dt.timedelta) -> dt.timedelta:
    """After the n-th failure in a row: the interval, then twice that, four times, ... up to a day."""
    return min(interval * (2 ** max(0, failures - 1)), MAX_BACKOFF)


def poll_feed(store: Store, feed: Feed, *, policy: Policy | None = None, interval: dt.timedelta = dt.timedelta(minutes=30)) -> PollReport:
    """One poll of one feed. Never raises for the feed's or a story's problems: they are in the report."""
    report = PollReport(feed)
    try:
        response = fetch(feed.url, accept=FEED_TYPES, policy=policy, etag=feed.etag, last_modified=feed.last_modified, what="feed")
        if response.not_modified:
            report.not_modified = True
            store.feed_polled(feed.id, etag=response.etag or None, last_modified=response.last_modified or None)
            return report
        document = parse_feed(response.body, response.url, _content_type(response))
    except ArticleError as error:
        report.error = str(error)
        when = dt.datetime.now(dt.UTC) + backoff(feed.failures + 1, interval)
        store.feed_failed(feed.id, report.error, when.isoformat(timespec="seconds"))
        log.warning("feed #%s %s failed (%s in a row): %s", feed.id, feed.url, feed.failures + 1, report.error)
        return report
    done = store.feed_items_done(feed.id, [e.key for e in document.entries], MAX_ITEM_ATTEMPTS)
    new: list[Entry] = []
    for entry in document.entries:
        if entry.key in done or any(e.key == entry.key for e in new):
            continue
        known = store.article_with_url(entry.link, feed.guild_id)
        if known:
            store.mark_feed_item(feed.id, entry.key, link=entry.link, title=entry.title, status="skipped", article_id=known.id)
            report.skipped += 1
            continue
        new.append(entry)
    later = new[MAX_NEW_PER_POLL:]  # the rest wait for the next round
    new = new[:MAX_NEW_PER_POLL]
    with ThreadPoolExecutor(max_workers=FETCHES_AT_ONCE) as pool:
        fetched = list(pool.map(_fetch_quietly(policy), [e.link for e in new]))
    retry = bool(later)
    for entry, outcome in zip(new, fetched, strict=True):
        if isinstance(outcome, ArticleError):
            store.mark_feed_item(feed.id, entry.key, link=entry.link, title=entry.title, status="failed", error=str(outcome))
            report.item_errors.append(f"{entry.link}: {outcome}")
            log.warning("feed #%s: story %s not added: %s", feed.id, entry.link, outcome)
            retry = True
            continue
        try:
            result = store.save_parsed(outcome.parse(), outcome.fetched_url, guild_id=feed.guild_id)
        except ArticleError as error:
            store.mark_feed_item(feed.id, entry.key, link=entry.link, title=entry.title, status="failed", error=str(error))
            report.item_errors.append(f"{entry.link}: {error}")
            retry = True
            continue
        store.mark_feed_item(feed.id, entry.key, link=entry.link, title=entry.title, status=result.status, article_id=result.article_id)
        if result.status == "skipped":
            report.skipped += 1
        else:
            report.added.append(Added(title=result.title, url=outcome.url, article_id=result.article_id))
    # Keep the validators only when everything was handled, so that items to retry are offered again.
    store.feed_polled(
        feed.id, etag=None if retry else response.etag, last_modified=None if retry else response.last_modified, title=document.title
    )
    return report


def _fetch_quietly(policy: Policy | None) -> Callable[[str], WebArticle | ArticleError]:
    def run(link: str) -> WebArticle | ArticleError:
        try:
            return fetch_article(link, policy)
        except ArticleError as error:
            return error

    return run


def poll(
    store: Store, feeds: list[Feed], *, policy: Policy | None = None, interval: dt.timedelta = dt.timedelta(minutes=30),
    now: dt.datetime | None = None,
) -> list[PollReport]:
    """One round over those of `feeds` that are due (not backing off after a failure)."""
    at = now or dt.datetime.now(dt.UTC)
    return [poll_feed(store, feed, policy=policy, interval=interval) for feed in feeds if due(feed, at)]
