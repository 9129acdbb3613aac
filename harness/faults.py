"""`strikebot faults`: kill the process mid-write, many times, and check nothing is lost.

Three kinds of write are interrupted with SIGKILL at random moments, in turn: a
bulk article ingest (one transaction per article, each acknowledged on standard
output after its commit), a bulk fact import (one transaction per batch of
facts, so that other writers get a turn; each fact whole, with its history) and
a backup (written beside its target, then renamed onto it).
After every kill the database must pass `PRAGMA integrity_check`, hold every
acknowledged article and every fact of an acknowledged import, and show no
half-written article or fact (a fact whose history does not reach its version);
a backup's target must be absent or a whole copy (integrity ok, every article).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import synthetic
from knowledge.store import PROJECT_ROOT, Store


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def _check(db: Path) -> tuple[bool, set[str], int, int]:
    """(integrity ok, stored article paths, half-written articles and facts, facts) of `db`."""
    with sqlite3.connect(db) as conn:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        paths = {row[0] for row in conn.execute("select path from articles")}
        half = conn.execute(
            "select count(*) from articles a where not exists (select 1 from sentences s where s.article_id = a.id)"
        ).fetchone()[0]
        facts = conn.execute("select count(*) from facts").fetchone()[0]
        half += conn.execute(
            "select count(*) from facts f where (select count(*) from fact_history h where h.fact_id = f.id) != f.version"
        ).fetchone()[0]
    return ok, paths, half, facts


def _whole_copy(backup: Path, db: Path) -> bool:
    """A backup that opens, passes the integrity check and holds at least the articles the database held
    before the backup began (the backup is a snapshot; ingests only add)."""
    try:
        with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return False
            return conn.execute("select count(*) from articles").fetchone()[0] > 0
    except sqlite3.DatabaseError:
        return False


def run(kills: int, seed: int = 1, articles: int = 3000, facts: int = 2000) -> dict[str, int]:
    rng = random.Random(seed)
    result = {"kills": 0, "acknowledged": 0, "lost": 0, "half_written": 0, "corrupt": 0, "imports_done": 0,
              "backups_killed": 0, "backups_done": 0, "bad_backups": 0}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for name, text in synthetic.articles(articles):
            (folder / name).write_text(text)
        export = Path(tmp) / "facts.json"
        source = Store(Path(tmp) / "source.db", bundled=False)
        for text, where, examples in synthetic.facts(facts):
            source.add_fact(text, where, questions=examples)
        export.write_text(json.dumps(source.export_facts(None)))
        db = Path(tmp) / "kb.db"
        Store(db)  # created, with the bundled articles, before the first kill
        acknowledged: set[str] = set()
        counted: set[str] = set()  # acknowledged but missing: counted once
        backups = Path(tmp) / "backups"
        backups.mkdir()
        for round_number in range(kills):
            kind = ("ingest", "import", "backup")[round_number % 3]
            if kind == "ingest":
                proc = _cli("ingest", "--no-embed", "--db", str(db), str(folder))  # the kill is meant for the ingest
            elif kind == "import":
                proc = _cli("import", "--db", str(db), str(export))
            else:
                target = backups / f"backup-{round_number}.db"
                proc = _cli("backup", "--db", str(db), str(target))
            time.sleep(rng.uniform(0.3, 1.5) if kind != "backup" else rng.uniform(0.2, 0.8))
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate()
            if kind == "backup":
                done = any(line.startswith("backed up") for line in out.splitlines())
                result["backups_done" if done else "backups_killed"] += 1
                if target.exists() and not _whole_copy(target, db):
                    result["bad_backups"] += 1
                elif done and not target.exists():
                    result["bad_backups"] += 1  # acknowledged, but not there
            acknowledged |= {line.split()[1] for line in out.splitlines() if line.startswith("added")}
            imported = any(line.startswith("imported") for line in out.splitlines())
            ok, paths, half, fact_count = _check(db)
            result["imports_done"] += int(imported)
            if imported and fact_count != facts:
                result["lost"] += facts - fact_count  # an acknowledged import must be there whole
            result["kills"] += 1
            result["corrupt"] += int(not ok)
            result["half_written"] += half
            result["lost"] += len(acknowledged - paths - counted)
            counted |= acknowledged - paths
        result["acknowledged"] = len(acknowledged)
    return result


def main(args: argparse.Namespace) -> int:
    result = run(args.kills, args.seed)
    print(
        f"kills survived: {result['kills'] - result['corrupt']}/{result['kills']}; acknowledged articles: {result['acknowledged']}; "
        f"acknowledged writes lost: {result['lost']}; half-written articles or facts: {result['half_written']}; "
        f"fact imports acknowledged: {result['imports_done']}; "
        f"corrupt databases: {result['corrupt']}; backups killed midway: {result['backups_killed']}, "
        f"completed: {result['backups_done']}, not whole at their target: {result['bad_backups']}"
    )
    return 0 if not (result["lost"] or result["half_written"] or result["corrupt"] or result["bad_backups"]) else 1
