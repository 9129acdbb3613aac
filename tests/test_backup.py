"""Backups are written whole or not at all, and never overwrite a file without --force."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.store import Store, StoreError
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent

# Back up, and SIGKILL this very process as soon as the copy in the target's folder passes 1 MB.
KILLED_MIDWAY = """
import os, signal, sys, threading, time
from pathlib import Path
from knowledge.store import Store

store = Store(sys.argv[1], bundled=False)
target = Path(sys.argv[2])

def watch():
    while True:
        for path in target.parent.iterdir():
            try:
                if path.stat().st_size > 1_000_000:
                    os.kill(os.getpid(), signal.SIGKILL)
            except FileNotFoundError:
                pass
        time.sleep(0.0002)

threading.Thread(target=watch, daemon=True).start()
store.backup(target)
print("done", flush=True)
"""


def big_knowledge_base(path: Path) -> int:
    """A knowledge base of some 40 MB, so that a copy takes long enough to be killed midway."""
    store = Store(path, bundled=False)
    with store._write("articles") as db:
        db.execute("create table filler (data blob)")
        db.conn.executemany("insert into filler values (randomblob(4096))", [()] * 10_000)
    store.close()
    return 10_000


def test_a_backup_killed_midway_leaves_nothing_at_the_target(tmp_path):
    source = tmp_path / "kb.db"
    rows = big_knowledge_base(source)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "backup.db"
    done = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, str(source), str(target)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == -9 and "done" not in done.stdout  # killed during the copy
    if target.exists():  # only a whole copy may be there
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("select count(*) from filler").fetchone()[0] == rows
    assert not target.exists()  # the copy was still under its temporary name


def test_a_backup_refuses_to_overwrite_a_file_unless_forced(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.close()
    target = tmp_path / "backup.db"
    target.write_text("my notes, not a backup")
    done = run("backup", "--db", str(tmp_path / "kb.db"), str(target))
    assert done.returncode == 2 and "already exists" in done.stderr and "--force" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text() == "my notes, not a backup"
    forced = run("backup", "--db", str(tmp_path / "kb.db"), str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 3
    with pytest.raises(StoreError, match="already exists"):
        Store(tmp_path / "kb.db").backup(target)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_backup_onto_a_folder_is_refused_in_one_line(tmp_path):
    Store(tmp_path / "kb.db").close()
    done = run("backup", "--db", str(tmp_path / "kb.db"), str(tmp_path))
    assert done.returncode == 2 and "is a folder" in done.stderr and len(done.stderr.strip().splitlines()) == 1
