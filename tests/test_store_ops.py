"""The store under an operator's load: imports that do not fit, writers that
must not stall readers, moderator writes that must survive power loss."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.engine.answer import Engine
from knowledge.store import FactError, Store
from tests.test_answer import add_article

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def export(tmp_path):
    """A real export: one fact, edited once (versions 1 and 2), and one that replaces it."""
    source = Store(tmp_path / "source.db", bundled=False)
    first = source.add_fact("Strike pay starts in week three.", "memo", guild_id=1, author_id=11)
    source.edit_fact(first.id, guild_id=1, actor_id=12, source="union memo")
    source.add_fact("Strike pay starts in week two.", "new memo", guild_id=1, author_id=11, supersedes=first.id)
    data = source.export_facts(1)
    source.close()
    return data


# --- 6. imports ---------------------------------------------------------------


def crafted(data, change) -> dict:
    data = copy.deepcopy(data)
    change(data)
    return data


CRAFTED = {
    "a version its history lacks": (lambda d: d["facts"][0].update(version=1), "versions"),
    "a history version twice": (lambda d: d["history"].append(dict(d["history"][0])), "versions"),
    "a forged date": (lambda d: d["facts"][0].update(created_at="@everyone"), "facts[0].created_at"),
    "a date in the future": (lambda d: d["history"][0].update(at="2999-01-01T00:00:00+00:00"), "future"),
    "a forged action": (lambda d: d["history"][0].update(action="added by a moderator on @everyone"), "history[0].action"),
    "an unknown status": (lambda d: d["facts"][0].update(status="deleted"), "facts[0].status"),
    "history of a fact not in the file": (lambda d: d["history"][0].update(fact_id=999), "not in the file"),
    "a replaced fact not in the file": (lambda d: d["facts"][1].update(supersedes=999), "not in the file"),
    "a last entry that disagrees": (lambda d: d["facts"][0].update(text="Strike pay starts in week nine."), "does not match"),
    "questions that are no list": (lambda d: d["facts"][0].update(questions=5), "facts[0].questions"),
    "a fact that is no object": (lambda d: d["facts"].append("fact"), "facts[2]"),
    "a text too long": (lambda d: d["facts"][0].update(text="x" * 3000), "facts[0].text"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_a_crafted_import_is_refused_whole_with_the_reason(store, export, name):
    change, named = CRAFTED[name]
    with pytest.raises(FactError) as refused:
        store.import_facts(crafted(export, change), guild_id=2, actor_id=7)
    assert named in str(refused.value)
    assert store.db["facts"].count == 0 and store.db["fact_history"].count == 0


def test_an_import_records_the_importing_moderator_and_stays_editable(store, export):
    assert store.import_facts(export, guild_id=2, actor_id=7) == (2, 0)
    old, new = store.facts(2, include_retired=True)
    assert new.supersedes == old.id  # "replaces #N" follows the renumbering
    for fact in (old, new):
        history = store.fact_history(fact.id, 2)
        assert history[-1].action == "import" and history[-1].actor_id == 7
        assert {h.actor_id for h in history[:-1]} == {None}  # another server's members are not carried over
        assert [h.version for h in history] == list(range(1, fact.version + 1))
    edited = store.edit_fact(new.id, guild_id=2, actor_id=7, source="checked memo")
    assert edited.version == new.version + 1
    assert store.restore_fact(old.id, guild_id=2, actor_id=7).status == "active"


def test_the_command_line_import_never_prints_a_traceback(tmp_path, export):
    kb = tmp_path / "kb.db"
    Store(kb).close()
    files = {
        "questions.json": crafted(export, lambda d: d["facts"][0].update(questions=5)),
        "history.json": crafted(export, lambda d: d["history"][0].update(fact_id=[1])),
        "list.json": [1, 2, 3],
        "facts.json": {"format": "strikebot-facts", "version": 1, "facts": {"a": 1}},
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data))
        done = subprocess.run([sys.executable, "-m", "bot", "import", "--db", str(kb), str(tmp_path / name)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (name, done.stderr)
        assert "Traceback" not in done.stderr and "error" in done.stderr, (name, done.stderr)


# --- 7. writers do not stall readers -----------------------------------------------


@contextlib.contextmanager
def write_held_in_a_thread(store: Store) -> Iterator[None]:
    """Another thread of this process holds the store's write transaction until the block ends."""
    writing, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with store._write("facts"):
            writing.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    writing.wait(5)
    try:
        yield
    finally:
        release.set()
        writer.join()


def test_an_answer_does_not_wait_for_a_write_in_this_process(store):
    engine = Engine(store)
    engine.ask("how many ballots were cast")  # warm
    with write_held_in_a_thread(store):
        started = time.perf_counter()
        answer = engine.ask("how many ballots were cast")
        waited = time.perf_counter() - started
    assert answer.answered and waited < 1.0, f"the answer waited {waited:.1f} s behind a writer"


HOLD_THE_WRITE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_feedback_does_not_wait_long_on_another_process(store):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(store.path), "6"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    try:
        answer = Engine(store).ask("Who won the Super Bowl?")  # reads: not stopped by the other process
        assert not answer.answered and answer.suggestions
        started = time.perf_counter()
        with pytest.raises(Exception, match="locked"):
            store.log_unanswered(answer.question, None)  # best-effort: gives up soon, the caller logs it
        assert time.perf_counter() - started < 3
    finally:
        holder.wait(timeout=30)
    store.log_unanswered(answer.question, None)
    assert store.unanswered(None) == [("Who won the Super Bowl?", 1)]


def statements(store: Store) -> list[str]:
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    return seen


def test_a_bulk_import_commits_in_batches(store, export, tmp_path):
    big = Store(tmp_path / "big.db", bundled=False)
    for n in range(7):
        big.add_fact(f"Picket rule number {n} applies.", "handbook", guild_id=1)
    data = big.export_facts(1)
    seen = statements(store)
    assert store.import_facts(data, guild_id=3, actor_id=7, batch=3) == (7, 0)
    assert sum(s == "BEGIN IMMEDIATE" for s in seen) == 3  # 3 + 3 + 1: other writers get the lock in between
    assert store.import_facts(data, guild_id=3, actor_id=7, batch=3) == (0, 7)  # a second run completes, adds nothing twice


def test_moderator_writes_are_synchronous_full_and_feedback_is_not(store):
    seen = statements(store)
    store.add_fact("Strike pay starts in week three.", "memo", guild_id=1)
    begin = seen.index("BEGIN IMMEDIATE")
    assert "PRAGMA synchronous=FULL" in seen[:begin]
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL again afterwards
    seen.clear()
    store.log_unanswered("Who won the Super Bowl?", 1)
    assert not any("synchronous=FULL" in s for s in seen)


EDIT_MANY = """
import os, sys, time
from knowledge.store import Store
store = Store(sys.argv[1], bundled=False)
while not os.path.exists(sys.argv[3]):  # both start editing at once
    time.sleep(0.005)
for n in range(40):
    store.edit_fact(1, guild_id=1, actor_id=int(sys.argv[2]), source=f"memo {sys.argv[2]}-{n}")
print("done", flush=True)
"""


def test_two_processes_editing_one_fact_both_succeed(store):
    store.add_fact("Strike pay starts in week three.", "memo", guild_id=1)
    go = store.path.with_name("go")
    procs = [subprocess.Popen([sys.executable, "-c", EDIT_MANY, str(store.path), who, str(go)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for who in ("1", "2")]
    time.sleep(1.5)
    go.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    history = store.fact_history(1, 1)
    assert [h.version for h in history] == list(range(1, 82)) and store.fact(1, 1).version == 81


# --- votes, figures --------------------------------------------------------------


def test_votes_are_per_server(store):
    store.vote(5, 1, "how many ballots were cast", "s1", True)
    store.vote(5, 2, "how many ballots were cast", "s1", False)
    store.vote(5, 1, "how many ballots were cast", "s1", True)  # again: still one vote
    assert store.votes("s1", 1) == (1, 0) and store.votes("s1", 2) == (0, 1)


def test_a_figures_measure_keeps_a_number_inside_it_whole(store):
    add_article(store, "Drivers ratify", "The union said 88.4% of its 3,200 members voted to ratify the deal.", date="2031-02-01")
    answer = Engine(store).ask("What percentage of members voted to ratify the deal?")
    assert "88.4%" in answer.headline and "(3,200 members)" in answer.headline  # the number inside the label kept whole
