"""Stories by their link and feeds, against a real HTTP server on 127.0.0.1.
No test reaches the internet."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip

import pytest

from knowledge.reading.ingest import ArticleError
from knowledge.store.feeds import FeedError
from knowledge.web import feeds
from knowledge.web import fetch as web
from knowledge.web.feeds import follow, ingest_link, poll
from knowledge.web.fetch import FetchError, Policy, UnsafeURLError
from tests.webserver import BAKERY, FERRY, LIBRARY, WebServer, atom, rss, story


def snapshot(store) -> tuple[int, ...]:
    """Everything an ingest or a feed could have changed."""
    return tuple(store.db[t].count for t in ("articles", "sentences", "quotes", "figures", "people", "feeds", "feed_items"))


# --- a story by its link ------------------------------------------------------------------


def test_a_story_by_its_link_is_answerable_with_its_metadata(store, engine, web, local_policy):
    canonical = web.url("/news/ferry-vote")
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY, canonical=canonical))
    result, article = ingest_link(store, url, policy=local_policy)
    assert result.status == "added"
    assert article.meta == {
        "title": "Ferry deckhands vote to strike", "url": canonical, "outlet": "The Harbour Bulletin", "date": "2019-04-02",
        "author": "Robin Ashdale",
    }
    saved = store.article(result.article_id)
    assert (saved.title, saved.outlet, saved.date, saved.url, saved.outlet_inferred) == (
        "Ferry deckhands vote to strike", "The Harbour Bulletin", "2019-04-02", canonical, False)
    assert store.db.execute("select author from articles where id = ?", [result.article_id]).fetchone()[0] == "Robin Ashdale"
    answer = engine.ask("What percentage of deckhands backed a strike?")
    assert answer.answered and "88%" in answer.headline and "88% backed a strike" in answer.evidence
    assert answer.source.url == canonical and "The Harbour Bulletin" in answer.source.citation
    # The headline is metadata, not a paragraph of the story.
    assert not store.db.execute("select 1 from sentences where text = 'Ferry deckhands vote to strike'").fetchall()


def test_the_same_link_twice_changes_nothing(store, web, local_policy):
    url = web.add("/story.html", story("Bakers walk out", BAKERY))
    ingest_link(store, url, policy=local_policy)
    before = snapshot(store)
    again, _ = ingest_link(store, url, policy=local_policy)
    assert again.status == "skipped" and snapshot(store) == before


def test_what_the_page_does_not_say_is_left_empty_and_marked(store, web, local_policy):
    url = web.add("/bare.html", story("Librarians set a strike date", LIBRARY, site=None, date=None, author=None))
    result, article = ingest_link(store, url, policy=local_policy)
    saved = store.article(result.article_id)
    assert (saved.outlet, saved.outlet_inferred) == ("127.0.0.1", True)  # the host name, marked as a guess
    assert saved.date == "" and "no publication date" in article.meta["date_note"]
    assert "author" not in article.meta
    assert "127.0.0.1 (outlet inferred), date unknown" in saved.citation


def test_a_moderator_overrides_title_outlet_and_date(store, web, local_policy):
    url = web.add("/bare.html", story("Librarians set a strike date", LIBRARY, site=None, date=None))
    result, _ = ingest_link(store, url, policy=local_policy, overrides={"title": "Wendmoor librarians strike", "outlet": "County Voice",
                                                                      "date": "2020-05-06"})
    saved = store.article(result.article_id)
    assert (saved.title, saved.outlet, saved.outlet_inferred, saved.date) == ("Wendmoor librarians strike", "County Voice", False, "2020-05-06")
    assert store.db.execute("select date_note from articles where id = ?", [result.article_id]).fetchone()[0] == ""


def test_redirects_are_followed_and_the_story_cited_where_it_ended(store, web, local_policy):
    web.add("/final.html", story("Bakers walk out", BAKERY))
    url = web.redirect("/old", "/moved", status=301)
    web.redirect("/moved", web.url("/final.html"))
    _, article = ingest_link(store, url, policy=local_policy)
    assert article.url == web.url("/final.html")
    assert [r.path for r in web.requests] == ["/old", "/moved", "/final.html"]
    assert all(r.headers["user-agent"].startswith("strikebot/") for r in web.requests)


def test_a_gzip_page_is_read(store, web, local_policy):
    body = gzip.compress(story("Bakers walk out", BAKERY).encode())
    url = web.add("/gz.html", body, headers={"Content-Encoding": "gzip"})
    result, _ = ingest_link(store, url, policy=local_policy)
    assert result.status == "added"


# --- safety -------------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:9/story.html", "loopback"),
    ("http://localhost:9/story.html", "loopback"),  # refused after DNS resolution
    ("http://[::1]:9/", "loopback"),
    ("http://[::ffff:127.0.0.1]:9/", "loopback"),
    ("http://10.1.2.3/", "private"),
    ("http://192.168.0.10/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.100.100.200/", "reserved"),
    ("http://0.0.0.0/", "reserved"),
    ("ftp://127.0.0.1/story.txt", "only http:// and https://"),
    ("file:///etc/passwd", "only http:// and https://"),
    ("javascript:alert(1)", "only http:// and https://"),
    ("http://user:secret@example.org/", "user name or password"),
    ("http:///no-host", "no host"),
    ("http://example.org:99999/", "not a valid link"),
    ("http://example.org/" + "a" * 2100, "the limit is"),
])
def test_unsafe_links_are_refused_before_anything_is_fetched(store, url, expected):
    before = snapshot(store)
    with pytest.raises(UnsafeURLError) as refused:
        ingest_link(store, url, policy=Policy())
    assert expected in str(refused.value)
    assert snapshot(store) == before


def test_the_refusal_names_the_setting_that_allows_local_addresses(store, web):
    url = web.add("/story.html", story("Bakers walk out", BAKERY))
    with pytest.raises(UnsafeURLError, match="STRIKEBOT_ALLOW_PRIVATE_URLS=1"):
        ingest_link(store, url, policy=Policy.from_env())
    assert web.requests == []  # refused before connecting


def test_every_redirect_is_checked_again(store, web, monkeypatch):
    """127.0.0.1 plays a public site here; it redirects to 127.0.0.2, a loopback address, which must be refused."""
    real = web_module._kind
    monkeypatch.setattr(web_module, "_kind", lambda ip: None if str(ip) == "127.0.0.1" else real(ip))
    with WebServer(host="127.0.0.2") as inner:
        inner.add("/secret", story("Bakers walk out", BAKERY))
        url = web.redirect("/go", inner.url("/secret"))
        before = snapshot(store)
        with pytest.raises(UnsafeURLError, match=r"redirects to http://127\.0\.0\.2:\d+/secret, and the link points to a loopback address"):
            ingest_link(store, url, policy=Policy())
        assert [r.path for r in web.requests] == ["/go"] and inner.requests == [] and snapshot(store) == before


web_module = web  # the module (the fixture `web` is the server)


@pytest.mark.parametrize("scheme_target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/"])
def test_a_redirect_to_another_scheme_is_refused(store, web, local_policy, scheme_target):
    url = web.redirect("/go", scheme_target)
    with pytest.raises(UnsafeURLError, match="only http"):
        ingest_link(store, url, policy=local_policy)


def test_a_redirect_loop_stops(store, web, local_policy):
    url = web.redirect("/a", "/b")
    web.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirects more than 5 times"):
        ingest_link(store, url, policy=local_policy)
    assert len(web.requests) == 6


# --- broken sources -----------------------------------------------------------------------


def broken_sources(web: WebServer) -> dict[str, tuple[str, str]]:
    """name -> (link, what the moderator is told)"""
    return {
        "404": (web.url("/missing.html"), "not found (404)"),
        "500": (web.add("/error.html", "oops", status=500), "answered 500"),
        "403": (web.add("/paid.html", "no", status=403), "paywalled or need a log-in"),
        "pdf": (web.add("/file.pdf", b"%PDF-1.4 binary", content_type="application/pdf"), "a PDF (application/pdf)"),
        "image": (web.add("/photo.png", b"\x89PNG", content_type="image/png"), "an image"),
        "huge": (web.add("/huge.html", stream=1_000_000), "larger than the limit of 200,000 bytes"),
        "huge-declared": (web.add("/declared.html", "x" * 300_000), "300,000 bytes; the limit is 200,000"),
        "slow": (web.add("/slow.html", story("Bakers walk out", BAKERY), delay=2.5), "did not answer within 1 s"),
        "empty": (web.add("/empty.html", ""), "is empty"),
        "no-text": (web.add("/thin.html", "<html><head><title>Menu</title></head><body><nav>Home</nav></body></html>"), "too little article text"),
        "paywalled": (web.add("/locked.html", story("Bakers walk out", BAKERY[:1], extra_head=(
            '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": "False"}</script>'))), "paywalled"),
        "bad-gzip": (web.add("/badgz.html", b"not gzip at all", headers={"Content-Encoding": "gzip"}), "broken compressed"),
        "unknown-encoding": (web.add("/br.html", b"??", headers={"Content-Encoding": "br"}), "encoding strikebot cannot read"),
        "refused": ("http://127.0.0.1:9/closed.html", "refused the connection"),
    }


@pytest.mark.parametrize("name", ["404", "500", "403", "pdf", "image", "huge", "huge-declared", "slow", "empty", "no-text", "paywalled",
                                  "bad-gzip", "unknown-encoding", "refused"])
def test_a_broken_page_gets_a_clear_message_and_changes_nothing(store, web, local_policy, name):
    url, expected = broken_sources(web)[name]
    before = snapshot(store)
    with pytest.raises(ArticleError) as failed:
        ingest_link(store, url, policy=local_policy)
    assert expected in str(failed.value)
    assert snapshot(store) == before


def test_a_slow_drip_is_cut_off_at_the_deadline(store, web):
    """A server that keeps sending, slowly, cannot hold a fetch past its deadline."""
    url = web.add("/drip.html", stream=10_000_000, drip=0.1)
    with pytest.raises(FetchError, match="longer than 1 s"):
        ingest_link(store, url, policy=Policy(allow_private=True, timeout=1.0, deadline=1.0, max_bytes=50_000_000))


def test_headers_dripped_a_byte_a_second_are_cut_off_at_the_deadline(web):
    """One deadline covers the headers too: a server that sends its status line, then a header byte
    at a time, cannot hold a fetch open (the per-read time-out never fires: each byte comes in time)."""
    import time

    url = web.add("/drip-headers.html", drip_headers=0.2)
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than 1 s"):
        web_module.fetch(url, policy=Policy(allow_private=True, timeout=1.0, deadline=1.0))
    assert time.monotonic() - started < 3.0


def test_stuck_links_do_not_starve_the_other_fetches(web):
    """As many stuck links as there are fetch slots, then an ordinary link: it is fetched once
    the stuck ones reach their deadline, instead of waiting behind them for good."""
    import threading
    import time

    stuck_url = web.add("/stuck.html", drip_headers=0.2)
    page = web.add("/fine.html", story("Bakers walk out", BAKERY))
    outcomes: list[str] = []

    def stuck() -> None:
        try:
            web_module.fetch(stuck_url, policy=Policy(allow_private=True, timeout=1.0, deadline=1.5))
            outcomes.append("fetched")
        except FetchError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=stuck, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the four hold every slot
    started = time.monotonic()
    done: list[object] = []
    ordinary = threading.Thread(target=lambda: done.append(web_module.fetch(page, policy=Policy(allow_private=True, deadline=10.0))),
                                daemon=True)
    ordinary.start()
    ordinary.join(8.0)
    waited = time.monotonic() - started
    assert done and done[0].status == 200 and waited < 4.0  # type: ignore[attr-defined]
    for thread in threads:
        thread.join(5.0)
    assert len(outcomes) == 4 and all("longer than" in o for o in outcomes)


# --- feeds --------------------------------------------------------------------------------


def newsroom(web: WebServer, fmt=rss) -> str:
    web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    web.add("/bakery.html", story("Bakers walk out", BAKERY))
    return web.add("/feed.xml", fmt("Harbour Bulletin: labour", [("Bakers walk out", web.url("/bakery.html")),
                                                                  ("Ferry deckhands vote", web.url("/ferry.html"))]),
                   content_type="application/rss+xml", etag='"v1"')


@pytest.mark.parametrize("fmt", [rss, atom])
def test_a_feed_is_ingested_once(store, engine, web, local_policy, fmt):
    feed, document = follow(store, newsroom(web, fmt), guild_id=None, policy=local_policy)
    assert feed.title == "Harbour Bulletin: labour" and len(document.entries) == 2
    first = poll(store, store.feeds(None), policy=local_policy)
    assert sorted(a.title for a in first[0].added) == ["Bakers walk out", "Ferry deckhands vote to strike"]
    before = snapshot(store)
    second = poll(store, store.feeds(None), policy=local_policy)
    assert second[0].added == [] and snapshot(store) == before
    assert web.hits("/feed.xml")[-1].headers.get("if-none-match") == '"v1"' and second[0].not_modified
    assert "88%" in engine.ask("What percentage of deckhands backed a strike?").headline


def test_a_changed_feed_brings_only_its_new_item(store, web, local_policy):
    url = newsroom(web)
    follow(store, url, guild_id=7, policy=local_policy)
    poll(store, store.feeds(7), policy=local_policy)
    web.add("/library.html", story("Librarians set a strike date", LIBRARY))
    web.add("/feed.xml", rss("Harbour Bulletin: labour", [("Librarians", web.url("/library.html")), ("Bakers walk out", web.url("/bakery.html")),
                                                          ("Ferry deckhands vote", web.url("/ferry.html"))]),
            content_type="application/rss+xml", etag='"v2"')
    web.requests.clear()
    report = poll(store, store.feeds(7), policy=local_policy)[0]
    assert [a.title for a in report.added] == ["Librarians set a strike date"]
    assert [r.path for r in web.requests] == ["/feed.xml", "/library.html"]  # the known stories are not fetched again
    assert store.db.execute("select guild_id from articles where id = ?", [report.added[0].article_id]).fetchone()[0] == 7


@pytest.mark.parametrize("feed_guild", [None, 5])
def test_a_story_already_added_by_link_is_skipped(store, web, local_policy, feed_guild):
    """By the command line (shared with every server) or in the same server: not fetched again."""
    url = newsroom(web)
    ingest_link(store, web.url("/bakery.html"), policy=local_policy)
    follow(store, url, guild_id=feed_guild, policy=local_policy)
    web.requests.clear()
    report = poll(store, store.feeds(feed_guild), policy=local_policy)[0]
    assert [a.title for a in report.added] == ["Ferry deckhands vote to strike"] and report.skipped == 1
    assert [r.path for r in web.requests] == ["/feed.xml", "/ferry.html"]


def test_the_same_text_under_another_link_is_skipped(store, web, local_policy):
    web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    web.add("/ferry-copy.html", story("Ferry deckhands vote to strike", FERRY))
    url = web.feed("/feed.xml", rss("Copies", [("a", web.url("/ferry.html")), ("b", web.url("/ferry-copy.html"))]))
    follow(store, url, guild_id=None, policy=local_policy)
    report = poll(store, store.feeds(None), policy=local_policy)[0]
    assert len(report.added) == 1 and report.skipped == 1


def test_a_broken_story_in_a_feed_is_reported_and_the_rest_added(store, web, local_policy):
    web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    url = web.feed("/feed.xml", rss("Mixed", [("gone", web.url("/gone.html")), ("ferry", web.url("/ferry.html")), ("pdf", web.url("/x.pdf"))]))
    web.add("/x.pdf", b"%PDF", content_type="application/pdf")
    follow(store, url, guild_id=None, policy=local_policy)
    report = poll(store, store.feeds(None), policy=local_policy)[0]
    assert [a.title for a in report.added] == ["Ferry deckhands vote to strike"]
    assert len(report.item_errors) == 2 and "404" in report.item_errors[0] and "PDF" in report.item_errors[1]
    items = {i["link"]: i for i in store.feed_items(report.feed.id)}
    assert items[web.url("/gone.html")]["status"] == "failed"


@pytest.mark.parametrize("name, route, expected", [
    ("malformed", {"body": "<rss><channel><item><title>Broken</tit", "content_type": "application/rss+xml"}, "not well-formed XML"),
    ("a web page", {"body": story("Bakers walk out", BAKERY)}, "(text/html), not a feed"),
    ("html as xml", {"body": "<html><body>hi</body></html>", "content_type": "text/xml"}, "not an RSS or Atom feed"),
    ("missing", None, "feed was not found (404)"),
    ("slow", {"body": rss("t", []), "content_type": "application/rss+xml", "delay": 2.5}, "did not answer"),
    ("huge", {"stream": 1_000_000, "content_type": "application/rss+xml"}, "larger than the limit"),
])
def test_a_broken_feed_is_not_followed(store, web, local_policy, name, route, expected):
    if route is not None:
        web.add("/feed.xml", **route)
    before = snapshot(store)
    with pytest.raises(ArticleError) as refused:
        follow(store, web.url("/feed.xml"), guild_id=1, policy=local_policy)
    assert expected in str(refused.value)
    assert snapshot(store) == before


def test_an_unsafe_feed_is_refused(store, web):
    url = newsroom(web)
    with pytest.raises(UnsafeURLError, match="loopback"):
        follow(store, url, guild_id=1, policy=Policy())
    assert store.feeds(1) == [] and web.requests == []


def test_following_a_feed_twice_is_refused(store, web, local_policy):
    url = newsroom(web)
    follow(store, url, guild_id=1, policy=local_policy)
    with pytest.raises(FeedError, match="already follows"):
        follow(store, url, guild_id=1, policy=local_policy)
    follow(store, url, guild_id=2, policy=local_policy)  # another server may
    assert len(store.all_feeds()) == 2


def test_a_failing_feed_backs_off_and_recovers(store, web, local_policy):
    url = newsroom(web)
    feed, _ = follow(store, url, guild_id=None, policy=local_policy)
    web.add("/feed.xml", "<rss><channel><item><title>Broken</tit", content_type="application/rss+xml")
    interval = dt.timedelta(minutes=30)
    report = poll(store, store.feeds(None), policy=local_policy, interval=interval)[0]
    assert "not well-formed" in report.error and report.added == []
    failing = store.feed(feed.id, None)
    assert failing.failures == 1 and "not well-formed" in failing.last_error
    wait = dt.datetime.fromisoformat(failing.next_attempt_at) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=29) < wait <= interval
    hits = len(web.hits("/feed.xml"))
    assert poll(store, store.feeds(None), policy=local_policy) == []  # backing off: not fetched
    assert len(web.hits("/feed.xml")) == hits
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    poll(store, store.feeds(None), policy=local_policy, now=later)
    assert store.feed(feed.id, None).failures == 2
    assert feeds.backoff(2, interval) == dt.timedelta(hours=1) and feeds.backoff(12, interval) == dt.timedelta(days=1)
    newsroom(web)  # fixed
    report = poll(store, store.feeds(None), policy=local_policy, now=later + dt.timedelta(hours=2))[0]
    assert len(report.added) == 2 and store.feed(feed.id, None).failures == 0 and store.feed(feed.id, None).last_error == ""


def test_removing_a_feed_keeps_its_articles(store, web, local_policy):
    feed, _ = follow(store, newsroom(web), guild_id=3, policy=local_policy)
    poll(store, store.feeds(3), policy=local_policy)
    articles = store.db["articles"].count
    store.remove_feed(feed.id, 3)
    assert store.feeds(3) == [] and store.db["feed_items"].count == 0 and store.db["articles"].count == articles


def test_fetches_run_a_few_at_once(store, web, local_policy, monkeypatch):
    """Twelve slow stories in a feed: never more than FETCHES_AT_ONCE requests in flight."""
    import threading

    active, peak, lock = [0], [0], threading.Lock()
    original = web_module.fetch

    def counting(*args, **kwargs):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                active[0] -= 1

    items = []
    for i in range(12):
        web.add(f"/s{i}.html", story(f"Story {i}", [f"Paragraph {i}: " + p for p in FERRY]), delay=0.1)
        items.append((f"s{i}", web.url(f"/s{i}.html")))
    url = web.feed("/feed.xml", rss("Many", items))
    follow(store, url, guild_id=None, policy=local_policy)
    import knowledge.web.pages as pages

    monkeypatch.setattr(pages, "fetch", counting)
    report = poll(store, store.feeds(None), policy=local_policy)[0]
    assert len(report.added) == 12 and 1 < peak[0] <= feeds.FETCHES_AT_ONCE


def test_a_poll_gives_up_on_a_stuck_feed_and_goes_on(store, web):
    """The first feed drips its headers for ever; the round still reaches the second one."""
    import time

    policy = Policy(allow_private=True, timeout=1.0, deadline=3.0, max_bytes=200_000)
    stuck = web.feed("/stuck.xml", rss("Stuck", []))
    follow(store, stuck, guild_id=None, policy=policy)
    follow(store, newsroom(web), guild_id=None, policy=policy)
    web.routes["/stuck.xml"] = dataclasses.replace(web.routes["/stuck.xml"], drip_headers=0.2)
    started = time.monotonic()
    first, second = poll(store, store.feeds(None), policy=dataclasses.replace(policy, deadline=1.0))
    assert "longer than 1 s" in first.error and not second.error and len(second.added) == 2
    assert time.monotonic() - started < 10.0


def test_policy_reads_the_setting(monkeypatch):
    monkeypatch.delenv("STRIKEBOT_ALLOW_PRIVATE_URLS", raising=False)
    assert Policy.from_env().allow_private is False
    monkeypatch.setenv("STRIKEBOT_ALLOW_PRIVATE_URLS", "1")
    assert Policy.from_env().allow_private is True
    assert dataclasses.replace(Policy.from_env(), max_bytes=1).max_bytes == 1


def test_a_canonical_link_to_another_site_is_not_trusted(store, web, local_policy):
    """A page cannot make its citation point at another outlet, nor overwrite the article stored under that link."""
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY, canonical="https://elsewhere.example/real-story"))
    result, article = ingest_link(store, url, policy=local_policy)
    assert article.url == url and store.article(result.article_id).url == url


def test_a_spoofed_canonical_link_cannot_replace_another_story(store, web, local_policy):
    first = web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    ingest_link(store, first, policy=local_policy)
    spoof = web.add("/spoof.html", story("Bakers walk out", BAKERY, canonical=first))
    result, article = ingest_link(store, spoof, policy=local_policy)
    assert result.status == "added" and article.url == first  # same site: the citation may say so
    assert store.article_with_url(spoof, None).title == "Bakers walk out"
    assert [a.title for a in store.all_articles()[-2:]] == ["Ferry deckhands vote to strike", "Bakers walk out"]


def test_https_goes_through_the_same_checked_connection(store, web, local_policy):
    """An https link to a server that does not speak TLS: a clear message, nothing stored."""
    web.add("/story.html", story("Bakers walk out", BAKERY))
    before = snapshot(store)
    with pytest.raises(FetchError, match="secure connection to 127.0.0.1 failed"):
        ingest_link(store, f"https://127.0.0.1:{web.port}/story.html", policy=local_policy)
    with pytest.raises(UnsafeURLError, match="loopback"):
        ingest_link(store, f"https://127.0.0.1:{web.port}/story.html", policy=Policy())
    assert snapshot(store) == before
