"""Answers never wait on a writer: reads take no write lock, opening writes only what
changed (and says so when it must wait), a read-only file can be asked, and re-deriving
the articles lets other writers in between batches."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.engine.answer import Engine
from knowledge.store import Store, StoreError
from tests.test_cli import run
from tests.test_store_ops import HOLD_THE_WRITE_LOCK, write_held_in_a_thread

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def write_lock_held(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the knowledge base's write lock for `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_similarities_do_not_wait_for_a_write_in_this_process(store):
    np = pytest.importorskip("numpy")
    ids = [int(row[0]) for row in store.db.execute("select id from sentences order by id limit 20")]
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(len(ids), 384)).astype(np.float32)
    store.save_vectors("test-model", list(zip(ids, vectors / np.linalg.norm(vectors, axis=1, keepdims=True), strict=True)))
    with write_held_in_a_thread(store):
        started = time.perf_counter()
        found = store.similarities("test-model", ids, vectors[0] / np.linalg.norm(vectors[0]))
        counted = store.vector_count("test-model")
        store.average_sentence_terms()
        waited = time.perf_counter() - started
    assert len(found) == len(ids) and counted == len(ids) and found[ids[0]] > 0.99
    assert waited < 1.0, f"reading the vectors waited {waited:.1f} s behind a writer"


def test_opening_an_unchanged_knowledge_base_writes_nothing(tmp_path):
    path = tmp_path / "kb.db"
    Store(path).close()
    seen: list[str] = []
    original = Store._connect

    def traced(self: Store):  # every connection the store opens, traced from the start
        conn = original(self)
        conn.set_trace_callback(seen.append)
        return conn

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "_connect", traced)
        Store(path).close()
    writes = [s for s in seen if s.split()[0].upper() in ("BEGIN", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP")]
    assert writes == []


def test_ask_answers_at_once_while_another_process_holds_the_write_lock(tmp_path):
    """`strikebot ask` used to sync the bundled articles in three write transactions at start-up:
    under another process's long write it waited, then printed a `database is locked` traceback."""
    path = tmp_path / "kb.db"
    Store(path).close()
    with write_lock_held(path, 30):
        started = time.perf_counter()
        done = run("ask", "--db", str(path), "how many ballots were cast")
        took = time.perf_counter() - started
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "5,507" in done.stdout and took < 8, f"ask took {took:.1f} s"


def test_opening_that_must_write_waits_politely_saying_so(tmp_path, caplog):
    path = tmp_path / "kb.db"
    Store(path).close()
    with Store(path, bundled=False)._write("articles") as db:  # a bundled article is missing: opening must add it
        first = db.execute("select id from articles where guild_id is null order by id limit 1").fetchone()[0]
        for table in ("quotes", "figures", "people", "sentences"):
            db.execute(f"delete from {table} where article_id = ?", [first])
        db.execute("delete from articles where id = ?", [first])
    with write_lock_held(path, 2):
        started = time.perf_counter()
        store = Store(path)
        waited = time.perf_counter() - started
    assert "busy with another process's write; waiting" in caplog.text and "add 1 new or changed bundled article" in caplog.text
    assert store.db["articles"].count == 3 and 1.0 < waited < 10


def test_opening_gives_up_with_the_reason_not_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "kb.db"
    Store(path).close()
    with Store(path, bundled=False)._write("articles") as db:
        db["meta"].upsert({"key": "extractor_version", "value": "an older one"}, pk="key")
    monkeypatch.setattr(Store, "STARTUP_PATIENCE_S", 1.0)
    with write_lock_held(path, 20), pytest.raises(StoreError, match="stayed busy with another process's write for over 1 s"):
        Store(path)


@pytest.fixture
def read_only_folder(tmp_path) -> Iterator[Path]:
    """A folder that this process cannot write to: by permissions, or (as root, whom permissions do not
    stop) a small filesystem mounted read-only; skipped where neither is possible."""
    import os

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder
        for path in [folder, *folder.iterdir()]:
            path.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root, and cannot mount a read-only filesystem here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


def make_read_only(folder: Path) -> None:
    import os

    if os.geteuid() != 0:
        for path in [*folder.iterdir(), folder]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def test_a_read_only_knowledge_base_can_be_asked(read_only_folder, tmp_path):
    path = read_only_folder / "kb.db"
    Store(tmp_path / "made.db").close()
    shutil.copyfile(tmp_path / "made.db", path)
    make_read_only(read_only_folder)
    done = run("ask", "--db", str(path), "how many ballots were cast")
    assert done.returncode == 0 and "5,507" in done.stdout, done.stderr
    assert "Traceback" not in done.stderr
    store = Store(path)
    assert store.read_only and Engine(store).ask("how many ballots were cast").answered
    with pytest.raises(StoreError, match="read-only"):
        store.add_fact("Strike pay is $400 a week.", "memo")
    store.close()


def test_re_deriving_after_an_extractor_change_goes_in_batches(tmp_path, monkeypatch):
    """Each batch is one transaction, so that other writers get a turn in between."""
    path = tmp_path / "kb.db"
    store = Store(path)
    for n in range(5):
        store.ingest_text(f"Dockers at pier {n} walked out on Monday over night-shift pay, their union said in a statement.",
                          f"pier-{n}.txt")
    before = {row[0]: row[1] for row in store.db.execute("select article_id, count(*) from sentences group by article_id")}
    with store._write("articles") as db:
        db["meta"].upsert({"key": "extractor_version", "value": "an older one"}, pk="key")
    store.close()
    monkeypatch.setattr(Store, "REDERIVE_BATCH", 3)
    reopened = Store(path)
    assert reopened.generations["articles"] == 4  # 8 articles in 3 batches, then the version
    assert {row[0]: row[1] for row in reopened.db.execute("select article_id, count(*) from sentences group by article_id")} == before
    assert not reopened.extractor_stale()


def test_re_deriving_keeps_the_vectors_of_sentences_that_come_out_the_same(tmp_path, monkeypatch):
    """Re-embedding takes hours at millions of sentences: an extractor change keeps the vectors of
    every sentence whose text it leaves alone; a sentence it changes waits to be embedded again."""
    import numpy as np

    from knowledge.reading import ingest

    path = tmp_path / "kb.db"
    store = Store(path, bundled=False)
    store.ingest_text("Dockers walked out on Monday over night-shift pay. The union said 640 dockers had stopped work. "
                      "Cranes stood idle at the terminal.", "docks.txt")
    pending = store.pending_vector_sentences("m", 100)
    rng = np.random.default_rng(3)
    vectors = {sentence_id: rng.standard_normal(8).astype(np.float32) for sentence_id, _ in pending}
    assert store.save_vectors("m", list(vectors.items())) == len(pending) == 3
    before = {store.embed_texts([i])[i]: v for i, v in store.vectors("m", list(vectors)).items()}
    with store._write("articles") as db:
        db["meta"].upsert({"key": "extractor_version", "value": "an older one"}, pk="key")
    store.close()
    derive = ingest.derive

    def changed(parsed):  # the new extractor reads the last sentence differently
        derive(parsed)
        parsed.sentences[-1]["text"] = parsed.sentences[-1]["text"].replace("Cranes", "The cranes")

    monkeypatch.setattr(ingest, "derive", changed)
    reopened = Store(path, bundled=False)
    assert not reopened.extractor_stale()
    ids = [row[0] for row in reopened.db.execute("select id from sentences order by position")]
    kept = reopened.vectors("m", ids)
    texts = reopened.embed_texts(ids)
    assert sorted(kept) == ids[:2]
    for sentence_id, vector in kept.items():
        assert np.allclose(vector, before[texts[sentence_id]])
    assert [text for _, text in reopened.pending_vector_sentences("m", 100)] == [texts[ids[2]]]


DOCKS = ("Dockers at the Saltmarsh terminal walked out on Monday over night-shift pay, their union said. "
         "The union said 640 dockers had stopped work and that cranes would stand idle until the port authority improved its offer.")


def test_caches_take_in_new_articles_without_reading_everything_again(tmp_path, monkeypatch):
    """Another process's commit of new articles adds their words and rows to the engine's caches;
    only a change to what was already there (an article updated) reloads them all."""
    path = tmp_path / "kb.db"
    store = Store(path)
    engine = Engine(store)
    assert engine.ask("how many ballots were cast").answered
    full_reads: list[str] = []
    for name in ("vocabulary", "all_articles"):
        original = getattr(store, name)
        monkeypatch.setattr(store, name, lambda original=original, name=name: full_reads.append(name) or original())
    other = Store(path)  # another connection, as another process would have
    other.ingest_text(DOCKS, "docks.txt")
    answer = engine.ask("How many dockers stopped work at the Saltmarsh terminal?")
    assert answer.answered and "640" in answer.headline
    assert full_reads == []
    assert engine._article_counts == Store(path).vocabulary()  # the same words and counts as a full read
    other.ingest_text(DOCKS.replace("640", "650"), "docks.txt")  # the same path: an update, not an addition
    assert "650" in engine.ask("How many dockers stopped work at the Saltmarsh terminal?").headline
    assert full_reads == ["vocabulary", "all_articles"]


def test_a_write_refused_by_a_read_only_store_is_an_expected_error_in_discord():
    from bot.render import error_message

    message, expected = error_message(StoreError("the knowledge base /srv/kb.db is read-only here"))
    assert expected and "read-only or busy" in message and "/srv" not in message
