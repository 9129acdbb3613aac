"""Answering on every core: engines in worker processes on the same database file, and the
fall-back to threads when they cannot start. Real processes (spawned), a real SQLite file."""

from pathlib import Path

import pytest

from knowledge.engine.answer import Engine
from knowledge.store import Store
from knowledge.workers import Workers


def add(store: Store, title: str, text: str) -> None:
    store.ingest_text(f"---\ntitle: {title}\ndate: 2031-04-01\n---\n{text}\n", f"{title}.md")


def test_a_worker_process_answers_as_the_engine_does_and_sees_later_writes(tmp_path: Path):
    store = Store(tmp_path / "kb.db", bundled=False)
    add(store, "Ferry vote", "The ferry crews voted 412 to 9 to strike on Monday, the union said.")
    question = "How many ferry crew members voted to strike?"
    workers = Workers(store.path, 1)
    try:
        assert workers.start(timeout=120)
        answer = workers.ask(question).result(timeout=60)
        assert answer == Engine(store).ask(question)
        assert answer.answered and "412" in answer.headline
        # A write in this process (another article) is seen by the worker's engine at its next question.
        add(store, "Tram pay", "Tram drivers won a raise of 6.5% after a two-day strike.")
        later = workers.ask("What raise did the tram drivers win?").result(timeout=60)
        assert later.answered and "6.5%" in later.headline
    finally:
        workers.close()
    assert not workers.running


def test_workers_that_cannot_open_the_knowledge_base_say_so_and_stop(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    folder = tmp_path / "not-a-database"
    folder.mkdir()  # a folder where the file should be: every worker fails to open it
    workers = Workers(folder, 1)
    assert workers.start(timeout=120) is False
    assert not workers.running
    assert "answering in threads" in caplog.text


def shown(result) -> str:
    """The text of the reply a member sees: the answer's embed."""
    message = result.followups[-1] if result.followups else result.response
    return "\n".join([e.description or "" for e in message.embeds] + [f.value for e in message.embeds for f in e.fields])


@pytest.fixture
def settings(tmp_path: Path):
    """The bot's settings with one answering process (the other tests answer in threads, see conftest)."""
    from bot.config import Settings

    return Settings(db_path=tmp_path / "bot.db", articles_dir=tmp_path / "articles", answer_processes=1)


async def test_the_bot_answers_in_a_worker_process_and_in_threads_once_it_has_died(simcord_env):
    import os
    import signal

    bot = simcord_env.bot
    await bot.wait_for_workers()
    assert bot.workers is not None and bot.workers.running
    add(bot.engine.store, "Ferry vote", "The ferry crews voted 412 to 9 to strike on Monday, the union said.")
    channel = simcord_env.create_guild(name="Crews").create_text_channel("talk")
    member = channel.guild.add_member(simcord_env.create_user("member"))
    question = "How many ferry crew members voted to strike?"
    first = await member.slash(channel, "ask", question=question)
    assert "412" in shown(first)
    for pid in list(bot.workers._pool._processes):  # the answering process dies (killed, out of memory, ...)
        os.kill(pid, signal.SIGKILL)
    again = await member.slash(channel, "ask", question=question)
    assert "412" in shown(again)  # answered all the same, in a thread
    assert bot.workers is None
