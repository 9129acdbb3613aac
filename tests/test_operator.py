"""The operator's command line: one line and a non-zero exit for every mistake or mishap,
never a traceback; --db before or after the command; settings by their upper-case names;
facts and article corrections without Discord."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.store import Store
from tests.conftest import DATA
from tests.test_cli import new_kb, run

ROOT = Path(__file__).resolve().parent.parent


def run_env(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, **env})


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    """The error a command printed: one line, no traceback, and a non-zero exit."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_db_at_a_text_file_is_refused_in_one_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("these are my notes, not a knowledge base\n" * 200)
    line = one_line_error(run("ask", "--db", str(notes), "how many ballots were cast"))
    assert "is not a strikebot knowledge base" in line and str(notes) in line
    assert notes.read_text().startswith("these are my notes")  # untouched


@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_db_at_a_damaged_file_is_refused_in_one_line(tmp_path, damage):
    path = Path(new_kb(tmp_path))
    data = bytearray(path.read_bytes())
    if damage == "header":
        data[:16] = b"not sqlite here!"
    else:
        data = data[: len(data) // 3]
    path.write_bytes(bytes(data))
    line = one_line_error(run("ask", "--db", str(path), "how many ballots were cast"))
    assert "not a strikebot knowledge base, or it is damaged" in line


def test_export_to_a_missing_folder_is_refused_in_one_line(tmp_path):
    line = one_line_error(run("export", "--db", new_kb(tmp_path), str(tmp_path / "no-such-folder" / "facts.json")))
    assert "does not exist" in line


def test_a_full_disk_under_the_output_is_one_line(tmp_path):
    """Standard output on /dev/full: every write fails with ENOSPC, as on a full disk."""
    db = new_kb(tmp_path)
    Store(db).add_fact("Strike pay is $400 a week.", "memo")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "bot", "export", "--db", db, "-"], stdout=full, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, timeout=60)
    done.stdout = ""
    assert "the disk is full" in one_line_error(done)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 200 kB filesystem (root only: mounted for the test); skipped where it cannot be made."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)],
                                           capture_output=True).returncode != 0:
        pytest.skip("a tiny filesystem needs root and mount here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], capture_output=True)


def test_a_full_disk_under_a_backup_or_an_ingest_is_one_line_and_loses_nothing(tmp_path, tiny_disk):
    db = new_kb(tmp_path)
    line = one_line_error(run("backup", "--db", db, str(tiny_disk / "backup.db")))
    assert "full" in line
    assert list(tiny_disk.iterdir()) == []  # no half-written backup, no temporary file left
    small = tiny_disk / "kb.db"
    first = run("ingest", "--no-embed", "--db", str(small), str(DATA / "transit-strike.txt"))
    if first.returncode == 0:  # it fitted: fill the rest of the disk, then add more
        filler = tiny_disk / "filler"
        with filler.open("wb") as file:
            try:
                while True:
                    file.write(b"\0" * 4096)
                    file.flush()
            except OSError:
                pass
        line = one_line_error(run("ingest", "--no-embed", "--db", str(small), str(DATA)))
    else:
        line = one_line_error(first)
    assert "full" in line


def test_a_fifo_named_txt_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "story.txt"
    os.mkfifo(fifo)
    done = run_env("ingest", "--no-embed", "--db", str(tmp_path / "kb.db"), str(fifo), env={}, timeout=30)
    assert done.returncode == 1 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_a_600_mb_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(600_000_000)  # sparse: no disk, and reading it would take 600 MB of memory
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'bot', 'ingest', '--no-embed', '--db', sys.argv[1], sys.argv[2]],"
        " capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
        "print(done.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", measure, str(tmp_path / "kb.db"), str(huge)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    code, peak_mb = (int(x) for x in done.stdout.split("\n", 1)[0].split())
    assert code == 1 and "600,000,000 bytes; the limit is 5,000,000" in done.stdout and "Traceback" not in done.stdout
    assert peak_mb < 400, f"the ingest peaked at {peak_mb} MB"


@pytest.mark.parametrize("where", ["before", "after"])
def test_db_is_accepted_before_or_after_the_command(tmp_path, where):
    db = str(tmp_path / "kb.db")
    args = ["--db", db, "ingest", "--no-embed", str(DATA / "transit-strike.txt")] if where == "before" else [
        "ingest", "--no-embed", str(DATA / "transit-strike.txt"), "--db", db]
    done = run(*args)
    assert done.returncode == 0, done.stderr
    asked = run("--db", db, "ask", "How much does the walkout cost local businesses?")
    assert "$4.2 million" in asked.stdout


def test_settings_are_read_by_their_upper_case_names_only(tmp_path):
    lower = tmp_path / "lower.db"
    done = run_env("ingest", "--no-embed", str(DATA / "transit-strike.txt"), env={"strikebot_db": str(lower)})
    assert done.returncode == 0, done.stderr
    assert not lower.exists() and "strikebot_db is ignored: setting names are upper case (STRIKEBOT_DB)" in done.stderr
    upper = tmp_path / "upper.db"
    done = run_env("ingest", "--no-embed", str(DATA / "transit-strike.txt"), env={"STRIKEBOT_DB": str(upper)})
    assert done.returncode == 0 and upper.exists()


def test_an_unknown_embedding_model_is_refused(tmp_path):
    done = run_env("ask", "--db", new_kb(tmp_path), "how many ballots were cast", env={"STRIKEBOT_EMBED_MODEL": "bogus-model"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "STRIKEBOT_EMBED_MODEL: unknown model 'bogus-model'" in done.stderr
    folder = run_env("ask", "--db", new_kb(tmp_path), "how many ballots were cast", env={"STRIKEBOT_EMBED_MODEL": str(tmp_path / "nope")})
    assert folder.returncode == 2 and "does not exist" in folder.stderr


def test_facts_from_the_command_line(tmp_path):
    db = str(tmp_path / "kb.db")
    added = run("--db", db, "facts", "add", "Strike pay is $400 a week.", "--source", "union memo", "--question", "How much is strike pay?",
                "--type", "union statement")
    assert added.returncode == 0 and added.stdout.startswith("added    #1 v1"), added.stderr
    edited = run("--db", db, "facts", "edit", "1", "--text", "Strike pay is $450 a week.")
    assert edited.returncode == 0 and "#1 v2" in edited.stdout and "$450" in edited.stdout
    assert "$450" in run("--db", db, "ask", "how much is strike pay").stdout
    assert run("--db", db, "facts", "retire", "1").returncode == 0
    assert "(retired)" in run("--db", db, "facts", "list", "--retired").stdout
    history = run("--db", db, "facts", "history", "1").stdout.splitlines()
    assert [line.split()[3] for line in history] == ["add", "edit", "retire"]
    assert "no fact #9" in one_line_error(run("--db", db, "facts", "retire", "9"))
    assert "needs a source" in one_line_error(run("--db", db, "facts", "add", "Another fact here.", "--source", " "))


def test_an_articles_metadata_is_corrected_with_history(tmp_path):
    db = str(tmp_path / "kb.db")
    ingested = run("--db", db, "ingest", "--no-embed", str(DATA / "transit-strike.txt"))
    article = ingested.stdout.split("#", 1)[1].split(":", 1)[0]
    again = run("--db", db, "ingest", "--no-embed", "--title", "Drivers turn down the offer", str(DATA / "transit-strike.txt"))
    assert "skipped" in again.stdout  # re-ingesting cannot correct it: that is what `articles edit` is for
    edited = run("--db", db, "articles", "edit", article, "--title", "Drivers turn down the offer", "--outlet", "Harbor City Courier",
                 "--date", "2025-03-15", "--url", "https://example.org/courier/drivers")
    assert edited.returncode == 0 and "Drivers turn down the offer" in edited.stdout, edited.stderr
    answer = run("--db", db, "ask", "How much does the walkout cost local businesses?").stdout
    assert "Harbor City Courier" in answer and "Drivers turn down the offer" in answer
    history = run("--db", db, "articles", "history", article).stdout.splitlines()
    assert len(history) == 2 and "ingest" in history[0] and "Harbor City Ledger" in history[0] and "edit" in history[1]
    assert "not a well-formed" in one_line_error(run("--db", db, "articles", "edit", article, "--url", "[a](http://evil.example)"))
    assert "YYYY-MM-DD" in one_line_error(run("--db", db, "articles", "edit", article, "--date", "someday"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select version from articles where id = ?", [int(article)]).fetchone()[0] == 2
    shutil.rmtree(tmp_path / "articles", ignore_errors=True)
