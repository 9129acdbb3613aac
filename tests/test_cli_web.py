"""`strikebot ingest URL` and `strikebot feeds ...`: the real program in a subprocess,
against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.webserver import BAKERY, FERRY, story

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, allow: bool = True, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STRIKEBOT_ALLOW_PRIVATE_URLS"}
    if allow:
        env["STRIKEBOT_ALLOW_PRIVATE_URLS"] = "1"
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def count(db: Path, table: str = "articles") -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def test_ingest_a_link_then_ask_cites_it(tmp_path, web):
    db = tmp_path / "kb.db"
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY))
    done = run("ingest", "--db", str(db), url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added") and "Ferry deckhands vote to strike" in done.stdout and "The Harbour Bulletin" in done.stdout
    asked = run("ask", "--json", "--db", str(db), stdin="What percentage of deckhands backed a strike?\n")
    reply = json.loads(asked.stdout)
    assert reply["answered"] and "88%" in reply["answer"]
    assert reply["source"]["url"] == url
    assert (reply["source"]["title"], reply["source"]["outlet"], reply["source"]["date"]) == (
        "Ferry deckhands vote to strike", "The Harbour Bulletin", "2019-04-02")


def test_without_the_setting_a_local_link_is_refused(tmp_path, web):
    db = tmp_path / "kb.db"
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY))
    done = run("ingest", "--db", str(db), url, allow=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "loopback address" in done.stderr and "STRIKEBOT_ALLOW_PRIVATE_URLS=1" in done.stderr
    assert count(db) == 3 and web.requests == []  # the bundled articles only; nothing fetched


def test_a_broken_link_is_reported_and_the_good_one_added(tmp_path, web):
    db = tmp_path / "kb.db"
    good = web.add("/story.html", story("Bakers walk out", BAKERY))
    done = run("ingest", "--db", str(db), web.url("/missing.html"), good, web.add("/doc.pdf", b"%PDF", content_type="application/pdf"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not found (404)" in done.stderr and "a PDF" in done.stderr
    assert "added" in done.stdout and count(db) == 4


def test_feeds_add_then_poll_ingests_once(tmp_path, web):
    from tests.webserver import rss

    db = str(tmp_path / "kb.db")
    web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    web.add("/bakery.html", story("Bakers walk out", BAKERY))
    feed = web.feed("/feed.xml", rss("Bulletin labour news", [("a", web.url("/ferry.html")), ("b", web.url("/bakery.html"))]), etag='"7"')
    added = run("feeds", "add", feed, "--db", db)
    assert added.returncode == 0 and "following #1" in added.stdout and "Bulletin labour news" in added.stdout
    assert count(Path(db)) == 3  # following is not ingesting
    first = run("feeds", "poll", "--db", db)
    assert first.returncode == 0, first.stderr
    assert sorted(line.split("(#")[1] for line in first.stdout.splitlines() if line.startswith("added")) == [
        "4: Ferry deckhands vote to strike)", "5: Bakers walk out)"]
    second = run("feeds", "poll", "--db", db)
    assert second.returncode == 0 and "added" not in second.stdout and "not modified" in second.stdout
    assert count(Path(db)) == 5
    listed = run("feeds", "list", "--db", db)
    assert "#1" in listed.stdout and "last ok" in listed.stdout
    removed = run("feeds", "remove", "1", "--db", db)
    assert removed.returncode == 0 and count(Path(db), "feeds") == 0 and count(Path(db)) == 5


def test_broken_and_unsafe_feeds_are_refused(tmp_path, web):
    db = str(tmp_path / "kb.db")
    web.feed("/broken.xml", "<rss><channel><item><title>Broken</tit")
    cases = [
        (run("feeds", "add", web.url("/broken.xml"), "--db", db), "not well-formed XML"),
        (run("feeds", "add", web.url("/nothing.xml"), "--db", db), "not found (404)"),
        (run("feeds", "add", web.url("/broken.xml"), "--db", db, allow=False), "loopback address"),
        (run("feeds", "add", "file:///etc/passwd", "--db", db), "only http"),
        (run("feeds", "remove", "9", "--db", db), "no followed feed"),
    ]
    for done, expected in cases:
        assert done.returncode == 1 and expected in done.stderr and "Traceback" not in done.stderr, (expected, done.stderr)
    assert count(Path(db), "feeds") == 0 and count(Path(db)) == 3


def test_a_failing_feed_is_reported_by_poll_and_list(tmp_path, web):
    from tests.webserver import rss

    db = str(tmp_path / "kb.db")
    feed = web.feed("/feed.xml", rss("Bulletin", []))
    assert run("feeds", "add", feed, "--db", db).returncode == 0
    web.feed("/feed.xml", "<rss><channel><item><title>Broken</tit")
    polled = run("feeds", "poll", "--db", db)
    assert polled.returncode == 1 and "not well-formed XML" in polled.stderr
    listed = run("feeds", "list", "--db", db)
    assert "failing (1 in a row" in listed.stdout and "not well-formed XML" in listed.stdout
