"""Faults, concurrency and hostile input: nothing lost, nothing half-written."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.client import Busy, create_bot
from bot.config import Settings
from harness import synthetic
from knowledge.engine.answer import Engine, QuestionError
from knowledge.reading.ingest import ArticleError
from knowledge.store import FactError, Store

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_during_ingest_loses_nothing_acknowledged(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in synthetic.articles(1500):
        (folder / name).write_text(text)
    db = tmp_path / "kb.db"
    rng = random.Random(5)
    acknowledged: set[str] = set()
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "bot", "ingest", "--db", str(db), str(folder)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(rng.uniform(0.6, 1.5))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        acknowledged |= {line.split()[1] for line in out.splitlines() if line.startswith("added")}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("select path from articles")}
        assert acknowledged <= stored
        half_written = conn.execute(
            "select count(*) from articles a where not exists (select 1 from sentences s where s.article_id = a.id)"
        ).fetchone()[0]
        assert half_written == 0
    assert acknowledged, "the kills came too early to test anything"


def test_two_processes_write_at_once_and_lose_nothing(tmp_path):
    db = tmp_path / "kb.db"
    Store(db)
    code = (
        "import sys; from knowledge.store import Store; s = Store(sys.argv[1], bundled=False)\n"
        "for i in range(40): s.add_fact(f'{sys.argv[2]} fact number {i} about picket shifts', 'memo', guild_id=1)\n"
    )
    procs = [python(code, str(db), who) for who in ("bot", "cli")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    store = Store(db, bundled=False)
    assert len(store.facts(1)) == 80
    assert store.db["fact_history"].count == 80


def test_the_same_fact_twice_at_once_is_one_fact(tmp_path):
    db = tmp_path / "kb.db"
    Store(db)
    code = (
        "import sys; from knowledge.store import Store, FactError; s = Store(sys.argv[1], bundled=False)\n"
        "try:\n    s.add_fact('Strike pay starts in week three.', 'memo', guild_id=1); print('added')\n"
        "except FactError: print('duplicate')\n"
    )
    results = []
    for _ in range(5):
        procs = [python(code, str(db)) for _ in range(2)]
        results += [p.communicate(timeout=60)[0].strip() for p in procs]
    store = Store(db, bundled=False)
    assert len(store.facts(1)) == 1
    assert results.count("added") == 1


async def test_a_flood_is_bounded_and_the_bot_recovers(tmp_path):
    bot = create_bot(tmp_path / "kb.db", Settings(db_path=tmp_path / "kb.db", articles_dir=tmp_path / "a", max_queue=50))
    await bot.core(bot.engine.ask, "how many ballots were cast")  # warm, as a running bot is
    before = rss_mb()
    results = await asyncio.gather(*(bot.core(bot.engine.ask, "how many ballots were cast") for _ in range(1000)), return_exceptions=True)
    grown = rss_mb() - before
    assert grown < 30, f"memory grew {grown:.0f} MB during the flood"
    answered = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Busy)]
    assert len(answered) + len(refused) == 1000
    assert answered and refused
    assert all(a.answered for a in answered)
    assert bot._waiting == 0
    assert (await bot.core(bot.engine.ask, "how many ballots were cast")).answered


def test_a_restored_backup_gives_the_same_answers(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.add_fact("Strike pay is $400 a week.", "memo", guild_id=3, questions=["How much is strike pay?"])
    store.backup(tmp_path / "backup.db")
    questions = ["How much is strike pay?", "how many ballots were cast", "What did Handel say about net profits?"]
    before = [Engine(store).ask(q, 3).text for q in questions]
    restored = Engine(Store(tmp_path / "backup.db", bundled=False))
    assert [restored.ask(q, 3).text for q in questions] == before


def test_the_token_never_reaches_logs_or_exports(tmp_path, caplog):
    secret = "MTIzNDU2Nzg5.secret-token.value"
    settings = Settings(token=secret, db_path=tmp_path / "kb.db", articles_dir=tmp_path / "a")
    caplog.set_level(logging.DEBUG)
    bot = create_bot(settings.db_path, settings)
    logging.getLogger("test").info("settings: %r", settings)
    export = json.dumps(bot.engine.store.export_facts(None))
    assert secret not in caplog.text and secret not in repr(settings) and secret not in export


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("\u200b\u200e\u200f\u202e\x00\x07\n\t @#*_~`|<>&;'\"-")), max_size=80),
    st.sampled_from(["@everyone", "<@123>", "<@&456>", "'; DROP TABLE facts; --", "Robert'); DROP TABLE articles;--", "**__~~x~~__**", "x" * 6000]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=HOSTILE)
def test_hostile_questions_get_an_answer_or_a_clear_refusal(engine, question):
    try:
        answer = engine.ask(question)
    except QuestionError as error:
        assert str(error)
        return
    assert isinstance(answer.text, str) and answer.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE, source=HOSTILE)
def test_hostile_facts_are_saved_whole_or_refused_whole(store, text, source):
    facts, history = store.db["facts"].count, store.db["fact_history"].count
    try:
        fact = store.add_fact(text, source, guild_id=9)
    except FactError:
        assert (store.db["facts"].count, store.db["fact_history"].count) == (facts, history)
        return
    assert store.fact(fact.id, 9).text.strip() and store.db["fact_history"].count == history + 1
    store.edit_fact(fact.id, guild_id=9, actor_id=1, source="edited source")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode), st.just(b""), st.just("caf\xe9".encode("latin-1"))))
def test_broken_articles_are_refused_without_a_partial_write(store, data):
    articles, sentences = store.db["articles"].count, store.db["sentences"].count
    try:
        store.ingest_text(__import__("knowledge.reading.ingest", fromlist=["read_text"]).read_text(data, "upload.txt"), "upload.txt", guild_id=4)
    except ArticleError as error:
        assert str(error)
        assert (store.db["articles"].count, store.db["sentences"].count) == (articles, sentences)


def test_a_huge_article_is_refused_politely(store):
    with pytest.raises(ArticleError, match="limit"):
        __import__("knowledge.reading.ingest", fromlist=["read_text"]).read_text(b"word " * 2_200_000, "huge.txt")


async def test_a_burst_over_real_http_and_websocket_is_answered_in_full():
    """The real bot logs in to a loopback Discord (another process, real HTTP and
    websocket on 127.0.0.1) and answers 30 /ask interactions sent at once."""
    from harness.burst import run_burst

    result = await run_burst(30)
    assert result["acknowledged"] == 30
    assert result["answered"] + result["deferred"] == 30  # none refused
    assert result["unknown_routes"] == []  # the bot used only what the loopback serves
